"""Drafting's answers to what happens below it on the pathway (connected in
``DraftingConfig.ready``)."""

from django.conf import settings
from django.dispatch import receiver

from drafting.services import draft_run_request
from reports.review.transitions import EDITABLE
from reports.services import report_transcript_attached


@receiver(report_transcript_attached, dispatch_uid="drafting.report_transcript_attached")
def draft_when_a_transcript_is_ready(sender, *, report, transcript, **kwargs) -> None:
    """Queue a draft of the report that just got a transcript. A report under review or
    validated is not redrafted: the transcript waits as a source, and the clinician asks
    for a draft once the report is open again."""
    if settings.DRAFT_AFTER_TRANSCRIPTION and report.status in EDITABLE:
        draft_run_request(report=report)
