"""The pathway's ground: a pseudonymised child, their dossier and care team, the
consultations with their consent, and the recordings.

Writes go through ``dossiers.services``; reads that depend on who asks go through
``dossiers.selectors``. The tables keep the names they had in the ``reports`` app.
"""

import secrets
from pathlib import PurePath

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from protocols.models import Protocol

AUDIO_EXTENSIONS = {
    ".wav",
    ".mp3",
    ".m4a",
    ".aac",
    ".ogg",
    ".opus",
    ".oga",
    ".webm",
    ".flac",
    ".mp4",
}


def _new_patient_code() -> str:
    return "P-" + secrets.token_hex(4).upper()


class Patient(models.Model):
    """A child, pseudonymised: no name and no social security number are stored."""

    class Sex(models.TextChoices):
        FEMALE = "F", _("féminin")
        MALE = "M", _("masculin")
        UNSPECIFIED = "X", _("non précisé")

    code = models.CharField(
        _("identifiant interne"), max_length=16, unique=True, default=_new_patient_code
    )
    initials = models.CharField(
        _("initiales"),
        max_length=4,
        validators=[
            RegexValidator(r"^[A-Z]{1,4}$", _("De une à quatre lettres majuscules, ex. « LM ».")),
        ],
    )
    birth_date = models.DateField(_("date de naissance"), null=True, blank=True)
    sex = models.CharField(_("sexe"), max_length=1, choices=Sex.choices, default=Sex.UNSPECIFIED)
    gestational_age_weeks = models.PositiveSmallIntegerField(
        _("terme de naissance (semaines d'aménorrhée)"),
        null=True,
        blank=True,
        validators=[MinValueValidator(22), MaxValueValidator(44)],
        help_text=_("Avant 37 SA, les grilles utilisent l'âge corrigé jusqu'à 2 ans."),
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        db_table = "reports_patient"
        verbose_name = _("patient")
        verbose_name_plural = _("patients")

    def __str__(self) -> str:
        return f"{self.initials} ({self.code})"


class Dossier(models.Model):
    """One child's diagnostic pathway, followed by a care team."""

    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="dossiers")
    protocols = models.ManyToManyField(
        Protocol, through="DossierProtocol", related_name="dossiers", verbose_name=_("protocoles")
    )
    team = models.ManyToManyField(
        settings.AUTH_USER_MODEL, through="DossierMember", related_name="dossiers"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        db_table = "reports_dossier"
        ordering = ["-created_at"]
        verbose_name = _("dossier")
        verbose_name_plural = _("dossiers")
        # Granted by an admin (to the group « Cliniciens », or to one account): who may open
        # a dossier and so become its clinician.
        permissions = [("open_dossier", "Peut ouvrir un dossier")]

    def __str__(self) -> str:
        return f"Dossier {self.patient.code}"


class DossierProtocol(models.Model):
    """A protocol chosen for a dossier; reports follow them in this order."""

    dossier = models.ForeignKey(Dossier, on_delete=models.CASCADE, related_name="protocol_choices")
    protocol = models.ForeignKey(Protocol, on_delete=models.PROTECT, related_name="+")
    position = models.PositiveSmallIntegerField()

    class Meta:
        db_table = "reports_dossierprotocol"
        ordering = ["dossier", "position"]
        constraints = [
            models.UniqueConstraint(fields=["dossier", "protocol"], name="dossier_protocol_unique"),
            models.UniqueConstraint(
                fields=["dossier", "position"], name="dossier_protocol_position_unique"
            ),
        ]

    def __str__(self) -> str:
        return str(self.protocol)


class DossierMember(models.Model):
    class Role(models.TextChoices):
        CLINICIAN = "clinician", _("clinicien")
        COORDINATOR = "coordinator", _("coordinateur de parcours")
        # A professional of the wider care team (school doctor, speech therapist in town…):
        # reads the documents shared with the team, nothing else.
        EXTERNAL = "external", _("membre externe (lecture seule)")

    dossier = models.ForeignKey(Dossier, on_delete=models.CASCADE, related_name="members")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE)
    role = models.CharField(_("rôle"), max_length=20, choices=Role.choices)

    class Meta:
        db_table = "reports_dossiermember"
        verbose_name = _("membre de l'équipe")
        verbose_name_plural = _("équipe de soins")
        constraints = [
            models.UniqueConstraint(fields=["dossier", "user"], name="dossier_member_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.user} ({self.get_role_display()})"


class Consultation(models.Model):
    class Modality(models.TextChoices):
        TELECONSULTATION = "teleconsultation", _("téléconsultation")
        IN_PERSON = "in_person", _("présentiel")

    dossier = models.ForeignKey(Dossier, on_delete=models.CASCADE, related_name="consultations")
    date = models.DateField(_("date"))
    modality = models.CharField(
        _("modalité"), max_length=20, choices=Modality.choices, default=Modality.TELECONSULTATION
    )
    participants = models.CharField(_("participants"), max_length=300, blank=True)

    class Relationship(models.TextChoices):
        MOTHER = "mere", _("mère")
        FATHER = "pere", _("père")
        GUARDIAN = "tuteur", _("tuteur ou tutrice légal(e)")
        OTHER = "autre", _("autre représentant légal")

    # Consent of the legal representative, per consultation: who, in what capacity, when,
    # and for what (recording and its automatic processing; sharing the report).
    recording_consent = models.BooleanField(
        _("consentement du représentant légal à l'enregistrement"), default=False
    )
    sharing_consent = models.BooleanField(
        _("consentement au partage du compte rendu avec l'équipe de soins"), default=False
    )
    consent_given_by = models.CharField(_("consentement donné par"), max_length=120, blank=True)
    consent_relationship = models.CharField(
        _("qualité"), max_length=10, choices=Relationship.choices, blank=True
    )
    consent_recorded_at = models.DateTimeField(null=True, blank=True)
    consent_recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        db_table = "reports_consultation"
        ordering = ["date", "created_at"]
        verbose_name = _("consultation")
        verbose_name_plural = _("consultations")
        constraints = [
            models.CheckConstraint(
                condition=Q(recording_consent=False)
                | (~Q(consent_given_by="") & Q(consent_recorded_at__isnull=False)),
                name="consultation_consent_has_who_and_when",
            ),
            models.CheckConstraint(
                condition=Q(sharing_consent=False)
                | (~Q(consent_given_by="") & Q(consent_recorded_at__isnull=False)),
                name="consultation_sharing_consent_has_who_and_when",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_modality_display()} du {self.date:%d/%m/%Y}"


def _recording_path(_instance: "Recording", filename: str) -> str:
    # The uploaded name never reaches the path: it may hold a child's name or try path
    # traversal. Only a known audio extension is kept, after a random token.
    suffix = PurePath(filename).suffix.lower()
    if suffix not in AUDIO_EXTENSIONS:
        suffix = ".audio"
    return f"recordings/{secrets.token_hex(16)}{suffix}"


class Recording(models.Model):
    consultation = models.ForeignKey(
        Consultation, on_delete=models.CASCADE, related_name="recordings"
    )
    # Emptied when the retention period is over (``reports.retention``): the transcript and
    # the documents stay, the audio goes.
    file = models.FileField(_("fichier"), upload_to=_recording_path, max_length=255, blank=True)
    audio_deleted_at = models.DateTimeField(_("audio supprimé le"), null=True, blank=True)
    original_name = models.CharField(_("nom d'origine"), max_length=255, blank=True)
    size_bytes = models.PositiveBigIntegerField(_("taille (octets)"))
    sha256 = models.CharField(max_length=64)
    duration_seconds = models.FloatField(_("durée (s)"))
    container = models.CharField(_("format"), max_length=40)
    codec = models.CharField(_("codec"), max_length=40)
    sample_rate = models.PositiveIntegerField(_("fréquence d'échantillonnage (Hz)"))
    channels = models.PositiveSmallIntegerField(_("canaux"))
    speaker_label = models.CharField(
        _("locuteur de la piste"),
        max_length=40,
        blank=True,
        help_text=_(
            "Si la plateforme enregistre une piste par participant : qui parle sur celle-ci "
            "(clinicien, parent, enfant…)."
        ),
    )
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        db_table = "reports_recording"
        ordering = ["created_at"]
        verbose_name = _("enregistrement")
        verbose_name_plural = _("enregistrements")
        constraints = [
            models.UniqueConstraint(
                fields=["consultation", "sha256"], name="recording_unique_per_consultation"
            ),
            models.CheckConstraint(
                condition=Q(duration_seconds__gt=0), name="recording_duration_positive"
            ),
        ]

    def __str__(self) -> str:
        return f"Enregistrement {self.pk}"
