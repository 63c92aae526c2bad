"""The report: its sections and items drawn from the protocol grids, each section's
versions (drafts, AI edit proposals, the clinician's own text) with their statements and
citations, and the review workflow's events and comments.

Its status moves along ``reports.review.transitions``; writes go through the services.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from dossiers.models import Dossier
from protocols.models import ProtocolItem, ProtocolSection, ProtocolVersion
from transcription.models import Transcript, Utterance


class Report(models.Model):
    """A consultation report. Its status moves along ``reports.review.transitions``; once
    signed, the database refuses any change to it (migration 0006): a correction is a new
    report that ``corrects`` the signed one."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("brouillon")
        IN_REVIEW = "in_review", _("en relecture")
        CHANGES_REQUESTED = "changes_requested", _("à corriger")
        VALIDATED = "validated", _("validé")
        SIGNED = "signed", _("signé")

    dossier = models.ForeignKey(Dossier, on_delete=models.CASCADE, related_name="reports")
    # The versions the report was drafted with: later versions never change it.
    protocol_versions = models.ManyToManyField(ProtocolVersion, related_name="reports")
    child_age_months = models.PositiveSmallIntegerField(
        _("âge retenu pour les grilles (mois)"), null=True, blank=True
    )
    age_is_corrected = models.BooleanField(_("âge corrigé (prématurité)"), default=False)
    status = models.CharField(
        _("statut"), max_length=20, choices=Status.choices, default=Status.DRAFT
    )
    transcripts = models.ManyToManyField(Transcript, related_name="reports", blank=True)
    version_number = models.PositiveSmallIntegerField(_("version"), default=1)
    corrects = models.OneToOneField(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="correction",
        verbose_name=_("corrige la version signée"),
    )
    signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    signed_at = models.DateTimeField(_("signé le"), null=True, blank=True)
    # SHA-256 of the signed content (sections, items, text): what the signature covers.
    signed_sha256 = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("compte rendu")
        verbose_name_plural = _("comptes rendus")
        constraints = [
            models.CheckConstraint(
                condition=~Q(status="signed")
                | (Q(signed_by__isnull=False) & Q(signed_at__isnull=False) & ~Q(signed_sha256="")),
                name="report_signature_complete",
            ),
        ]

    def __str__(self) -> str:
        return f"Compte rendu {self.pk}"

    @property
    def is_signed(self) -> bool:
        return self.status == self.Status.SIGNED


class ReportSection(models.Model):
    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="sections")
    source_section = models.ForeignKey(ProtocolSection, on_delete=models.PROTECT, related_name="+")
    key = models.SlugField()
    title = models.CharField(_("titre"), max_length=200)
    guidance = models.TextField(blank=True)
    position = models.PositiveIntegerField()
    body = models.TextField(_("texte"), blank=True)

    class Meta:
        ordering = ["report", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["report", "position"], name="report_section_position_unique"
            ),
            models.UniqueConstraint(
                fields=["report", "source_section"], name="report_section_source_unique"
            ),
        ]

    def __str__(self) -> str:
        return self.title


class ReportItem(models.Model):
    """One protocol item the report must address, for the child's age."""

    section = models.ForeignKey(ReportSection, on_delete=models.CASCADE, related_name="items")
    source_item = models.ForeignKey(ProtocolItem, on_delete=models.PROTECT, related_name="+")
    key = models.SlugField(max_length=60)
    label = models.CharField(_("libellé"), max_length=200)

    class DraftStatus(models.TextChoices):
        NOT_DRAFTED = "", _("pas encore rédigé")
        NOT_ADDRESSED = "non_aborde", _("non abordé")
        PROPOSED = "propose", _("réponse proposée")
        TO_COMPLETE = "a_completer", _("à compléter")

    class AnswerSource(models.TextChoices):
        NONE = "", _("aucune")
        AI = "ai", _("proposée par le brouillon")
        CLINICIAN = "clinician", _("saisie par le clinicien")

    answer = models.CharField(_("réponse"), max_length=200, blank=True)
    # A clinician's answer is never overwritten by a draft: drafts only fill AI answers.
    answer_source = models.CharField(
        max_length=10, choices=AnswerSource.choices, default="", blank=True
    )
    draft_status = models.CharField(
        _("état dans le brouillon"), max_length=12, choices=DraftStatus.choices, blank=True
    )
    note = models.TextField(_("commentaire"), blank=True)
    position = models.PositiveIntegerField()

    class Meta:
        ordering = ["section", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["section", "source_item"], name="report_item_source_unique"
            ),
        ]

    def __str__(self) -> str:
        return self.label


class SectionVersion(models.Model):
    """One text of a report section. Exactly one is accepted at a time (a database
    constraint); AI drafts and edits arrive as proposals that replace nothing until the
    clinician accepts them; no version is ever deleted or rewritten."""

    class Origin(models.TextChoices):
        DRAFT = "draft", _("brouillon")
        EXPAND = "expand", _("développer")
        SHORTEN = "shorten", _("réduire")
        REPHRASE = "rephrase", _("reformuler")
        REGENERATE = "regenerate", _("régénérer")
        CLINICIAN = "clinician", _("saisie du clinicien")
        UNDO = "undo", _("annulation")

    class Status(models.TextChoices):
        PROPOSED = "proposed", _("proposition")
        ACCEPTED = "accepted", _("retenue")
        REJECTED = "rejected", _("refusée")
        SUPERSEDED = "superseded", _("remplacée")

    section = models.ForeignKey(
        "reports.ReportSection", on_delete=models.CASCADE, related_name="versions"
    )
    number = models.PositiveIntegerField()
    origin = models.CharField(max_length=12, choices=Origin.choices)
    status = models.CharField(max_length=12, choices=Status.choices)
    based_on = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    # Positions of the statements the edit was asked on (empty: the whole section).
    selection = models.JSONField(default=list, blank=True)
    text = models.TextField(blank=True)
    diff = models.TextField(blank=True)  # unified diff against ``based_on``
    note = models.TextField(blank=True)  # e.g. why the model's answer was set aside
    findings = models.JSONField(default=dict, blank=True)  # item key → finding
    run = models.ForeignKey(
        "drafting.DraftRun",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="versions",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["section", "number"]
        verbose_name = _("version de section")
        constraints = [
            models.UniqueConstraint(fields=["section", "number"], name="section_version_unique"),
            models.UniqueConstraint(
                fields=["section"],
                condition=Q(status="accepted"),
                name="one_accepted_version_per_section",
            ),
        ]

    def __str__(self) -> str:
        return f"Version {self.number} ({self.get_status_display()})"


class Statement(models.Model):
    """A sentence of a section version, with the passages it rests on."""

    class Origin(models.TextChoices):
        LLM = "llm", _("rédigée par le modèle")
        EXTRACTIVE = "extractive", _("citation des passages")
        CLINICIAN = "clinician", _("écrite par le clinicien")

    class Verdict(models.TextChoices):
        SUPPORTED = "supported", _("vérifiée")
        FLAGGED = "flagged", _("à vérifier")
        UNSUPPORTED = "unsupported", _("écartée : non étayée")
        UNCHECKED = "unchecked", _("non vérifiée (texte du clinicien)")

    version = models.ForeignKey(SectionVersion, on_delete=models.CASCADE, related_name="statements")
    position = models.PositiveIntegerField()
    item = models.ForeignKey(
        "reports.ReportItem", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    text = models.TextField()
    origin = models.CharField(max_length=12, choices=Origin.choices)
    verdict = models.CharField(max_length=12, choices=Verdict.choices)
    reasons = models.JSONField(default=list, blank=True)
    support = models.FloatField(null=True, blank=True)
    citations = models.ManyToManyField(Utterance, related_name="statements", blank=True)
    # A flagged statement stands out until the clinician keeps it (here), edits or deletes it.
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    confirmed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["version", "position"]
        constraints = [
            models.UniqueConstraint(fields=["version", "position"], name="statement_unique"),
        ]

    def __str__(self) -> str:
        return f"Phrase {self.position}"

    @property
    def shown(self) -> bool:
        return self.verdict != self.Verdict.UNSUPPORTED

    @property
    def needs_review(self) -> bool:
        """Flagged by verification and not yet kept by the clinician."""
        return self.verdict == self.Verdict.FLAGGED and self.confirmed_at is None


class ReportEvent(models.Model):
    """One step in a report's life, shown as its timeline: transitions, comments, signature,
    correction. Written by the service that made the step, in the same transaction."""

    class Kind(models.TextChoices):
        CREATED = "created", _("création")
        SUBMITTED = "submitted", _("soumis à la relecture")
        CHANGES_REQUESTED = "changes_requested", _("correction demandée")
        APPROVED = "approved", _("relecture approuvée")
        VALIDATED = "validated", _("validé par le clinicien")
        REOPENED = "reopened", _("rouvert pour modification")
        SIGNED = "signed", _("signé")
        CORRECTION_STARTED = "correction_started", _("correction d'une version signée")
        COMMENTED = "commented", _("commentaire de relecture")
        COMMENT_RESOLVED = "comment_resolved", _("commentaire traité")

    report = models.ForeignKey("reports.Report", on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    from_status = models.CharField(max_length=20, blank=True)
    to_status = models.CharField(max_length=20, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    message = models.TextField(_("message"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name = _("événement du compte rendu")
        verbose_name_plural = _("événements du compte rendu")

    def __str__(self) -> str:
        return f"{self.get_kind_display()} ({self.created_at:%d/%m/%Y %H:%M})"

    @property
    def changed_status(self) -> bool:
        return bool(self.from_status) and self.from_status != self.to_status

    @property
    def from_status_label(self) -> str:
        return _status_label(self.from_status)

    @property
    def to_status_label(self) -> str:
        return _status_label(self.to_status)


def _status_label(value: str) -> str:
    # The report model through the relation: reports.models imports this module.
    status = ReportEvent._meta.get_field("report").related_model.Status
    return str(status(value).label) if value in status.values else value


class ReviewComment(models.Model):
    """A reviewer's remark on a report, attached to a section (or the whole report). The
    clinician marks it resolved once the text answers it; validation waits for that."""

    report = models.ForeignKey(
        "reports.Report", on_delete=models.CASCADE, related_name="review_comments"
    )
    section = models.ForeignKey(
        "reports.ReportSection",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="review_comments",
    )
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    text = models.TextField(_("commentaire"), max_length=4000)
    created_at = models.DateTimeField(auto_now_add=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name = _("commentaire de relecture")
        verbose_name_plural = _("commentaires de relecture")
        constraints = [
            models.CheckConstraint(condition=~Q(text=""), name="review_comment_not_empty"),
            models.CheckConstraint(
                condition=Q(resolved_at__isnull=True) | Q(resolved_by__isnull=False),
                name="review_comment_resolved_by_someone",
            ),
        ]

    def __str__(self) -> str:
        return f"Commentaire {self.pk}"

    @property
    def is_open(self) -> bool:
        return self.resolved_at is None
