"""Drafting's answers to what happens below it on the pathway (connected in
``DraftingConfig.ready``)."""

from django.conf import settings
from django.dispatch import receiver

from drafting.models import DraftRun, EditJob
from drafting.services import draft_run_request
from reports.review.services import UNFINISHED_WORK_CHECKS
from reports.review.transitions import EDITABLE
from reports.services import report_transcript_attached


@receiver(report_transcript_attached, dispatch_uid="drafting.report_transcript_attached")
def draft_when_a_transcript_is_ready(sender, *, report, transcript, **kwargs) -> None:
    """Queue a draft of the report that just got a transcript. A report under review or
    validated is not redrafted: the transcript waits as a source, and the clinician asks
    for a draft once the report is open again."""
    if settings.DRAFT_AFTER_TRANSCRIPTION and report.status in EDITABLE:
        draft_run_request(report=report)


def drafting_under_way(report) -> str | None:
    """A draft or an AI edit still queued or running holds back the text's hand-over (the
    review's transitions ask it: ``UNFINISHED_WORK_CHECKS``)."""
    active = (DraftRun.Status.QUEUED, DraftRun.Status.RUNNING)
    if report.runs.filter(status__in=active).exists():
        return "une rédaction du brouillon est en cours"
    if EditJob.objects.filter(section__report=report, status__in=active).exists():
        return "une modification par IA est en cours"
    return None


UNFINISHED_WORK_CHECKS.append(drafting_under_way)
