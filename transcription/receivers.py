"""What transcription hears of the dossier below it: a stored recording gets its
transcription job, in the upload's transaction, queued once it commits; a recording consent
withdrawn stops the transcriptions still waiting."""

from django.dispatch import receiver
from django.utils import timezone

from dossiers.models import Consultation, Recording
from dossiers.services import recording_consent_withdrawn, recording_stored
from neddie.jobs import job_dispatch
from transcription.models import PipelineJob


@receiver(recording_stored, sender=Recording, dispatch_uid="transcription.recording_stored")
def queue_transcription(sender, *, recording: Recording, enqueue: bool, **kwargs) -> PipelineJob:
    job = PipelineJob.objects.create(recording=recording)
    if enqueue:
        job_dispatch(job)
    return job


@receiver(
    recording_consent_withdrawn,
    sender=Consultation,
    dispatch_uid="transcription.recording_consent_withdrawn",
)
def stop_transcriptions(sender, *, consultation: Consultation, reason: str, **kwargs) -> None:
    PipelineJob.objects.filter(
        recording__consultation=consultation,
        status__in=(PipelineJob.Status.QUEUED, PipelineJob.Status.RUNNING),
    ).update(status=PipelineJob.Status.FAILED, error_message=reason, finished_at=timezone.now())
