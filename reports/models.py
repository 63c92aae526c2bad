"""The diagnostic pathway: a pseudonymised child, their dossier and care team, the
consultations and their recordings, transcripts, reports, and pipeline jobs.

Writes go through ``reports.services``; reads that depend on who asks go through
``reports.selectors``.
"""

import secrets
from pathlib import PurePath

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from neddie.jobs import ACTIVE as JOB_ACTIVE
from neddie.jobs import Job, JobStatus
from protocols.models import Protocol, ProtocolItem, ProtocolSection, ProtocolVersion

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


class Transcript(models.Model):
    recording = models.OneToOneField(Recording, on_delete=models.CASCADE, related_name="transcript")
    language = models.CharField(_("langue"), max_length=8)
    engine = models.CharField(_("moteur"), max_length=40)
    model_name = models.CharField(_("modèle"), max_length=120)
    duration_seconds = models.FloatField(_("durée (s)"))
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("transcription")
        verbose_name_plural = _("transcriptions")

    def __str__(self) -> str:
        return f"Transcription {self.pk}"


class Segment(models.Model):
    UNKNOWN_SPEAKER = "inconnu"

    class Role(models.TextChoices):
        # What clinicians name speakers as, in the transcript and the report.
        CLINICIAN = "clinicien", _("clinicien")
        PARENT = "parent", _("parent")
        CHILD = "enfant", _("enfant")
        OTHER = "autre", _("autre")

    transcript = models.ForeignKey(Transcript, on_delete=models.CASCADE, related_name="segments")
    index = models.PositiveIntegerField()
    start = models.FloatField(_("début (s)"))
    end = models.FloatField(_("fin (s)"))
    text = models.TextField(_("texte"))
    speaker = models.CharField(_("locuteur"), max_length=40, default=UNKNOWN_SPEAKER)
    confidence = models.FloatField(_("confiance"), null=True, blank=True)
    low_confidence = models.BooleanField(_("transcription incertaine"), default=False)
    # [{"start", "end", "word", "probability"}]: word-level timing for precise citations.
    words = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["transcript", "index"]
        verbose_name = _("segment")
        constraints = [
            models.UniqueConstraint(fields=["transcript", "index"], name="segment_index_unique"),
            models.CheckConstraint(
                condition=Q(start__gte=0) & Q(end__gte=F("start")), name="segment_times_ordered"
            ),
        ]

    def __str__(self) -> str:
        return f"[{self.start:.1f} s] {self.speaker}"


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


class PipelineJob(Job):
    """The transcription of a recording: cut into chunks, transcribed chunk by chunk
    (``TranscriptionChunk``, each a job of its own), merged into the transcript."""

    task_name = "reports.tasks.transcribe_recording"
    kind_label = _("transcription")

    class Kind(models.TextChoices):
        TRANSCRIPTION = "transcription", _("transcription")

    recording = models.ForeignKey(Recording, on_delete=models.CASCADE, related_name="jobs")
    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.TRANSCRIPTION)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("traitement")
        verbose_name_plural = _("traitements")
        constraints = [
            models.CheckConstraint(condition=Q(progress__lte=100), name="job_progress_max_100"),
            models.CheckConstraint(
                condition=~Q(status="failed") | ~Q(error_message=""),
                name="job_failure_has_reason",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} n° {self.pk} ({self.get_status_display()})"

    @property
    def dossier_id(self) -> int:
        return self.recording.consultation.dossier_id

    def job_relaunched(self) -> None:
        # Its chunks done stay done; the others are transcribed again.
        self.chunks.exclude(status=JobStatus.DONE).update(
            status=JobStatus.QUEUED, attempts=0, error_message="", lease_expires_at=None
        )


def _chunk_path(instance: "TranscriptionChunk", filename: str) -> str:
    return f"work/job-{instance.job_id}/{filename}"


class TranscriptionChunk(Job):
    """A few minutes of one channel of a recording, transcribed on its own so that long
    recordings are shared between workers, and a crash loses only the chunk in flight."""

    task_name = "reports.tasks.transcribe_chunk"
    kind_label = _("segment audio")

    job = models.ForeignKey(PipelineJob, on_delete=models.CASCADE, related_name="chunks")
    index = models.PositiveIntegerField()
    channel = models.PositiveSmallIntegerField(default=0)
    speaker = models.CharField(max_length=40)
    start_seconds = models.FloatField()
    end_seconds = models.FloatField()
    audio = models.FileField(upload_to=_chunk_path, max_length=255, blank=True)
    # The chunk's segments, times already on the recording's timeline.
    segments = models.JSONField(default=list, blank=True)
    language = models.CharField(max_length=8, blank=True)
    engine = models.CharField(max_length=40, blank=True)
    model_name = models.CharField(max_length=120, blank=True)

    class Meta:
        ordering = ["job", "index", "channel"]
        constraints = [
            models.UniqueConstraint(
                fields=["job", "index", "channel"], name="transcription_chunk_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"Segment audio {self.index} (voie {self.channel})"

    def job_failed(self, reason: str) -> None:
        # A chunk that cannot be transcribed fails its recording's transcription.
        PipelineJob.objects.filter(pk=self.job_id, status__in=JOB_ACTIVE).update(
            status=JobStatus.FAILED,
            error_message=reason,
            stage="",
            finished_at=timezone.now(),
            lease_expires_at=None,
        )


# Drafting's and review's models live with them; importing them here registers them in
# this app.
from reports.care_plan.models import (  # noqa: E402, F401
    CarePlan,
    CarePlanDraftJob,
    CarePlanEntry,
    CarePlanSection,
)
from reports.documents.models import RenderedDocument  # noqa: E402, F401
from reports.drafting.models import (  # noqa: E402, F401
    Contradiction,
    DraftRun,
    EditJob,
    RoutedEvidence,
    SectionVersion,
    Statement,
    Utterance,
)
from reports.review.models import ReportEvent, ReviewComment  # noqa: E402, F401
from reports.sharing.models import Share  # noqa: E402, F401
