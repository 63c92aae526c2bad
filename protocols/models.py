"""Protocol grids as versioned data.

A Protocol (e.g. the 0–7 years screening grid) has numbered Versions. A version is edited
as a draft, then published; a published version never changes (editing means duplicating
it into a new draft), and is retired when a newer one is published. Reports keep the
version they were drafted with. Database triggers (migration 0002) refuse any change to
a published or retired version's content, whatever code path attempts it.
"""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

KEY_MAX_LENGTH = 60


class Protocol(models.Model):
    class Scope(models.TextChoices):
        SCREENING = "screening", _("repérage")
        EVALUATION = "evaluation", _("évaluation diagnostique")
        REPORT = "report", _("structure de compte rendu")

    slug = models.SlugField(_("identifiant"), unique=True, max_length=KEY_MAX_LENGTH)
    title = models.CharField(_("titre"), max_length=200)
    scope = models.CharField(_("portée"), max_length=20, choices=Scope.choices)
    description = models.TextField(_("description"), blank=True)
    is_active = models.BooleanField(
        _("proposé aux cliniciens"),
        default=True,
        help_text=_("Décocher pour ne plus le proposer à l'ouverture d'un dossier."),
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["title"]
        verbose_name = _("protocole")
        verbose_name_plural = _("protocoles")

    def __str__(self) -> str:
        return self.title

    def published_version(self) -> "ProtocolVersion | None":
        return self.versions.filter(status=ProtocolVersion.Status.PUBLISHED).first()


class ProtocolVersion(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("brouillon")
        PUBLISHED = "published", _("publiée")
        RETIRED = "retired", _("retirée")

    class SourceStatus(models.TextChoices):
        OFFICIAL = "official", _("texte officiel")
        SYNTHESIS = "synthesis", _("synthèse (non officielle)")

    protocol = models.ForeignKey(
        Protocol, on_delete=models.PROTECT, related_name="versions", verbose_name=_("protocole")
    )
    number = models.PositiveIntegerField(_("numéro"))
    status = models.CharField(
        _("statut"), max_length=10, choices=Status.choices, default=Status.DRAFT
    )
    source_status = models.CharField(
        _("statut des sources"),
        max_length=10,
        choices=SourceStatus.choices,
        default=SourceStatus.SYNTHESIS,
        help_text=_("« Texte officiel » seulement si chaque libellé cite une recommandation."),
    )
    sources = models.TextField(_("sources"), help_text=_("Une référence par ligne."))
    notes = models.TextField(_("notes"), blank=True)
    vocabulary = models.TextField(
        _("vocabulaire"),
        blank=True,
        help_text=_(
            "Termes à bien orthographier dans les transcriptions (outils, professions, "
            "signes), un par ligne : ils sont donnés au modèle de reconnaissance vocale."
        ),
    )
    content_sha256 = models.CharField(max_length=64, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    # PROTECT: who wrote and published a grid is part of the record (deactivate accounts
    # rather than delete them).
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("créée par"),
    )
    published_at = models.DateTimeField(_("publiée le"), null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("publiée par"),
    )
    retired_at = models.DateTimeField(_("retirée le"), null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["protocol", "-number"]
        verbose_name = _("version de protocole")
        verbose_name_plural = _("versions de protocole")
        permissions = [("publish_protocolversion", _("Peut publier et retirer une version"))]
        constraints = [
            models.UniqueConstraint(
                fields=["protocol", "number"], name="protocol_version_number_unique"
            ),
            models.UniqueConstraint(
                fields=["protocol"],
                condition=Q(status="published"),
                name="protocol_one_published_version",
            ),
            models.CheckConstraint(
                condition=Q(status="draft") | Q(published_at__isnull=False),
                name="protocol_version_published_has_date",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.protocol.title} — v{self.number} ({self.get_status_display()})"

    @property
    def is_draft(self) -> bool:
        return self.status == self.Status.DRAFT

    @property
    def source_list(self) -> list[str]:
        return _lines(self.sources)

    @property
    def vocabulary_list(self) -> list[str]:
        return _lines(self.vocabulary)


class ProtocolSection(models.Model):
    class Kind(models.TextChoices):
        REPORT = "report", _("compte rendu")
        CARE_PLAN = "care_plan", _("plan de soins")

    version = models.ForeignKey(
        ProtocolVersion,
        on_delete=models.CASCADE,
        related_name="sections",
        verbose_name=_("version"),
    )
    key = models.SlugField(_("clé"), max_length=KEY_MAX_LENGTH)
    title = models.CharField(_("titre"), max_length=200)
    kind = models.CharField(_("document"), max_length=10, choices=Kind.choices, default=Kind.REPORT)
    guidance = models.TextField(
        _("ce que la section décrit"),
        blank=True,
        help_text=_("Consigne de rédaction : ce que le clinicien ou le brouillon y décrit."),
    )
    position = models.PositiveIntegerField(_("ordre"))
    history = HistoricalRecords()

    class Meta:
        ordering = ["version", "position"]
        verbose_name = _("section")
        verbose_name_plural = _("sections")
        constraints = [
            models.UniqueConstraint(fields=["version", "key"], name="protocol_section_key_unique"),
            models.UniqueConstraint(
                fields=["version", "position"], name="protocol_section_position_unique"
            ),
        ]

    def __str__(self) -> str:
        return self.title


class ProtocolItem(models.Model):
    class AnswerType(models.TextChoices):
        OBSERVATION = "observation", _("observé : oui / non / non évalué")
        TEXT = "text", _("texte libre")
        SCORE = "score", _("score d'un instrument")
        DATE = "date", _("date")

    class Role(models.TextChoices):
        MILESTONE = "milestone", _("acquisition attendue (« non » = signe inhabituel)")
        REGRESSION = "regression", _("régression (« oui » = régression)")
        RISK_FACTOR = "risk_factor", _("facteur de risque (« oui » = présent)")
        INFORMATION = "information", _("information")

    section = models.ForeignKey(ProtocolSection, on_delete=models.CASCADE, related_name="items")
    key = models.SlugField(_("clé"), max_length=KEY_MAX_LENGTH)
    label = models.CharField(_("libellé"), max_length=200)
    hint = models.TextField(
        _("ce qu'il faut rechercher"),
        help_text=_(
            "Décrit les éléments observables ; le brouillon rapproche les passages des "
            "transcriptions de ce texte."
        ),
    )
    examples = models.TextField(
        _("exemples de formulations"), blank=True, help_text=_("Une par ligne.")
    )
    keywords = models.TextField(_("mots-clés"), blank=True, help_text=_("Un par ligne."))
    answer_type = models.CharField(
        _("type de réponse"),
        max_length=12,
        choices=AnswerType.choices,
        default=AnswerType.OBSERVATION,
    )
    role = models.CharField(
        _("rôle"), max_length=12, choices=Role.choices, default=Role.INFORMATION
    )
    min_age_months = models.PositiveSmallIntegerField(
        _("âge minimal (mois)"), null=True, blank=True, validators=[MaxValueValidator(240)]
    )
    max_age_months = models.PositiveSmallIntegerField(
        _("âge maximal exclu (mois)"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(240)],
    )
    position = models.PositiveIntegerField(_("ordre"))
    history = HistoricalRecords()

    class Meta:
        ordering = ["section", "position"]
        verbose_name = _("item")
        verbose_name_plural = _("items")
        constraints = [
            models.UniqueConstraint(fields=["section", "key"], name="protocol_item_key_unique"),
            models.UniqueConstraint(
                fields=["section", "position"], name="protocol_item_position_unique"
            ),
            models.CheckConstraint(
                condition=Q(min_age_months__isnull=True)
                | Q(max_age_months__isnull=True)
                | Q(min_age_months__lt=F("max_age_months")),
                name="protocol_item_age_band_ordered",
            ),
        ]

    def __str__(self) -> str:
        return self.label

    @property
    def example_list(self) -> list[str]:
        return _lines(self.examples)

    @property
    def keyword_list(self) -> list[str]:
        return _lines(self.keywords)

    def applies_at(self, age_months: int | None) -> bool:
        """Whether the item belongs to the grid for a child of this age."""
        return in_age_band(self.min_age_months, self.max_age_months, age_months)


class DecisionRule(models.Model):
    class Kind(models.TextChoices):
        SIGN_COUNT = "sign_count", _("nombre de signes inhabituels")
        ANY_REGRESSION = "any_regression", _("toute régression")

    class Urgency(models.TextChoices):
        ROUTINE = "routine", _("orientation")
        URGENT = "urgent", _("urgence")

    version = models.ForeignKey(ProtocolVersion, on_delete=models.CASCADE, related_name="rules")
    key = models.SlugField(_("clé"), max_length=KEY_MAX_LENGTH)
    kind = models.CharField(_("type"), max_length=20, choices=Kind.choices)
    min_age_months = models.PositiveSmallIntegerField(
        _("âge minimal (mois)"), null=True, blank=True
    )
    max_age_months = models.PositiveSmallIntegerField(
        _("âge maximal exclu (mois)"), null=True, blank=True
    )
    min_signs = models.PositiveSmallIntegerField(_("signes au moins"), null=True, blank=True)
    min_domains = models.PositiveSmallIntegerField(
        _("dans au moins … domaines"), null=True, blank=True
    )
    urgency = models.CharField(
        _("urgence"), max_length=10, choices=Urgency.choices, default=Urgency.ROUTINE
    )
    message = models.CharField(_("conduite à tenir"), max_length=300)
    position = models.PositiveIntegerField(_("ordre"))
    history = HistoricalRecords()

    class Meta:
        ordering = ["version", "position"]
        verbose_name = _("règle de décision")
        verbose_name_plural = _("règles de décision")
        constraints = [
            models.UniqueConstraint(fields=["version", "key"], name="decision_rule_key_unique"),
            models.CheckConstraint(
                condition=~Q(kind="sign_count") | (Q(min_signs__gte=1) & Q(min_domains__gte=1)),
                name="decision_rule_sign_count_has_thresholds",
            ),
        ]

    def __str__(self) -> str:
        return self.message


def in_age_band(low: int | None, high: int | None, age_months: int | None) -> bool:
    """Whether ``age_months`` is in [low, high) months. Without a band, every age is; with a
    band, an unknown age (None) is not."""
    if low is None and high is None:
        return True
    if age_months is None:
        return False
    return (low or 0) <= age_months and (high is None or age_months < high)


def _lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]
