"""What the report hears of transcription below it: a transcript just stored becomes a
source of the dossier's draft report (made if there is none), in the same transaction."""

from django.dispatch import receiver

from reports.services import report_attach_transcript
from transcription.models import PipelineJob
from transcription.pipeline import transcript_ready


@receiver(transcript_ready, sender=PipelineJob, dispatch_uid="reports.transcript_ready")
def attach_a_ready_transcript(sender, *, transcript, **kwargs) -> None:
    report_attach_transcript(
        dossier=transcript.recording.consultation.dossier, transcript=transcript
    )
