"""What speech-to-text makes of a recording: its transcript and timed segments, the
utterances (speaker turns) that report statements cite, and the transcription jobs (one per
recording, one per chunk). The tables keep the names they had in the ``reports`` app."""

from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from dossiers.models import Recording
from neddie.jobs import ACTIVE as JOB_ACTIVE
from neddie.jobs import Job, JobStatus


class Transcript(models.Model):
    recording = models.OneToOneField(Recording, on_delete=models.CASCADE, related_name="transcript")
    language = models.CharField(_("langue"), max_length=8)
    engine = models.CharField(_("moteur"), max_length=40)
    model_name = models.CharField(_("modèle"), max_length=120)
    duration_seconds = models.FloatField(_("durée (s)"))
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        db_table = "reports_transcript"
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
        db_table = "reports_segment"
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


class PipelineJob(Job):
    """The transcription of a recording: cut into chunks, transcribed chunk by chunk
    (``TranscriptionChunk``, each a job of its own), merged into the transcript."""

    task_name = "transcription.tasks.transcribe_recording"
    kind_label = _("transcription")

    class Kind(models.TextChoices):
        TRANSCRIPTION = "transcription", _("transcription")

    recording = models.ForeignKey(Recording, on_delete=models.CASCADE, related_name="jobs")
    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.TRANSCRIPTION)

    class Meta:
        db_table = "reports_pipelinejob"
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

    task_name = "transcription.tasks.transcribe_chunk"
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
        db_table = "reports_transcriptionchunk"
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


class Utterance(models.Model):
    """A sentence of a transcript segment: what a report statement cites."""

    transcript = models.ForeignKey(
        "transcription.Transcript", on_delete=models.CASCADE, related_name="utterances"
    )
    segment = models.ForeignKey("transcription.Segment", on_delete=models.CASCADE, related_name="+")
    index = models.PositiveIntegerField()  # 1-based, in the transcript's order
    text = models.TextField()
    start = models.FloatField()
    end = models.FloatField()

    class Meta:
        db_table = "reports_utterance"
        ordering = ["transcript", "index"]
        constraints = [
            models.UniqueConstraint(fields=["transcript", "index"], name="utterance_index_unique"),
        ]

    def __str__(self) -> str:
        return f"U{self.index:04d}"
