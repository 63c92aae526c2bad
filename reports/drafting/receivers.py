"""Drafting's answers to what happens below it on the pathway (connected in
``ReportsConfig.ready``)."""

from django.conf import settings
from django.dispatch import receiver

from reports.drafting.services import draft_run_request
from reports.review.transitions import EDITABLE
from reports.transcription_pipeline import transcript_ready


@receiver(transcript_ready)
def draft_when_a_transcript_is_ready(sender, *, report, transcript, **kwargs) -> None:
    """Queue a draft of the report that just got a transcript. A report under review or
    validated is not redrafted: the transcript waits as a source, and the clinician asks
    for a draft once the report is open again."""
    if settings.DRAFT_AFTER_TRANSCRIPTION and report.status in EDITABLE:
        draft_run_request(report=report)
