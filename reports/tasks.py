"""Celery tasks: thin, take ids, safe to run twice; the work lives in
``reports.transcription_pipeline``.

A recording's transcription fans out: ``transcribe_recording`` cuts it into chunks and
queues one ``transcribe_chunk`` per chunk; the worker finishing the last chunk merges them.
"""

import structlog
from celery import shared_task
from django.db import OperationalError

from reports import transcription_pipeline as pipeline
from reports.models import TranscriptionChunk

log = structlog.get_logger(__name__)

# Errors worth another try: the database was briefly locked or unreachable.
TRANSIENT_ERRORS = (OperationalError,)
MAX_RETRIES = 5

INTERNAL_ERROR = (
    "Erreur interne pendant la transcription. L'équipe technique peut la retrouver "
    "avec la référence du traitement n° {job_id}."
)


def _retry(task, exc: Exception) -> None:
    """Try ``task`` again later (exponential backoff) while tries remain; then ``exc``
    stands."""
    if task.request.retries < MAX_RETRIES:
        raise task.retry(exc=exc, countdown=2 ** (task.request.retries + 1)) from exc
    raise exc


def _run(task, job_id: int, work) -> None:
    """Run ``work`` for ``job_id``: retry transient errors with exponential backoff; any
    other error fails the job with a reference (details in the log, ids only)."""
    structlog.contextvars.bind_contextvars(job_id=job_id, task_id=task.request.id)
    try:
        work()
    except TRANSIENT_ERRORS as exc:
        if task.request.retries < MAX_RETRIES:
            raise task.retry(exc=exc, countdown=2 ** (task.request.retries + 1)) from exc
        pipeline.job_fail(job_id=job_id, reason=INTERNAL_ERROR.format(job_id=job_id))
        raise
    except Exception:
        log.exception("job.crashed")
        pipeline.job_fail(job_id=job_id, reason=INTERNAL_ERROR.format(job_id=job_id))
        raise
    finally:
        structlog.contextvars.unbind_contextvars("job_id", "task_id")


@shared_task(bind=True, acks_late=True, max_retries=MAX_RETRIES)
def transcribe_recording(self, job_id: int) -> None:
    """Cut the recording into chunks (once) and queue every chunk not yet transcribed.
    Redelivered after everything was transcribed, it finalizes the job instead."""

    def work() -> None:
        pending = pipeline.job_prepare(job_id=job_id)
        if pending is None:
            return
        if not pending:
            pipeline.job_finalize(job_id=job_id)
        for chunk_id in pending:
            transcribe_chunk.delay(chunk_id)

    _run(self, job_id, work)


@shared_task(bind=True, acks_late=True, max_retries=MAX_RETRIES)
def transcribe_chunk(self, chunk_id: int) -> None:
    """Transcribe one chunk; the worker that completes the last chunk merges the job."""
    job_id = TranscriptionChunk.objects.values_list("job_id", flat=True).get(pk=chunk_id)

    def work() -> None:
        if pipeline.chunk_transcribe(chunk_id=chunk_id) is not None:
            pipeline.job_finalize(job_id=job_id)

    _run(self, job_id, work)


@shared_task(bind=True, acks_late=True, max_retries=MAX_RETRIES)
def draft_report(self, run_id: int) -> None:
    """Draft a report (all its consultations) and store it as versions; a run already
    started or done is skipped. Transient database errors are retried."""
    from reports.drafting.services import draft_run_execute

    structlog.contextvars.bind_contextvars(run_id=run_id, task_id=self.request.id)
    try:
        draft_run_execute(run_id=run_id)
    except TRANSIENT_ERRORS as exc:
        from reports.drafting.models import DraftRun

        # The run was claimed: put it back in the queue before trying again.
        DraftRun.objects.filter(pk=run_id, status=DraftRun.Status.FAILED).update(
            status=DraftRun.Status.QUEUED, error_message=""
        )
        _retry(self, exc)
    finally:
        structlog.contextvars.unbind_contextvars("run_id", "task_id")


@shared_task(bind=True, acks_late=True, max_retries=MAX_RETRIES)
def propose_section_edit(self, job_id: int) -> None:
    """Run one AI edit of a section (an ``EditJob``) into a proposal; a job already started
    or done is skipped. Transient database errors are retried."""
    from reports.drafting.models import EditJob
    from reports.drafting.services import section_edit_execute

    structlog.contextvars.bind_contextvars(edit_job_id=job_id, task_id=self.request.id)
    try:
        section_edit_execute(job_id=job_id)
    except TRANSIENT_ERRORS as exc:
        # The job was claimed: put it back in the queue before trying again.
        EditJob.objects.filter(pk=job_id).exclude(status=EditJob.Status.DONE).update(
            status=EditJob.Status.QUEUED, error_message="", progress=0
        )
        _retry(self, exc)
    finally:
        structlog.contextvars.unbind_contextvars("edit_job_id", "task_id")


@shared_task(bind=True, acks_late=True, max_retries=MAX_RETRIES)
def draft_care_plan(self, care_plan_id: int) -> None:
    """Propose needs, goals and interventions for a care plan from its validated report;
    a plan whose drafting is not queued is skipped. Transient database errors are retried."""
    from reports.care_plan.models import CarePlan
    from reports.care_plan.services import care_plan_draft_execute

    structlog.contextvars.bind_contextvars(care_plan_id=care_plan_id, task_id=self.request.id)
    try:
        care_plan_draft_execute(care_plan_id=care_plan_id)
    except TRANSIENT_ERRORS as exc:
        CarePlan.objects.filter(
            pk=care_plan_id, drafting_status=CarePlan.DraftingStatus.RUNNING
        ).update(drafting_status=CarePlan.DraftingStatus.QUEUED, drafting_progress=0)
        _retry(self, exc)
    finally:
        structlog.contextvars.unbind_contextvars("care_plan_id", "task_id")


@shared_task(bind=True, acks_late=True, max_retries=MAX_RETRIES)
def render_document(self, document_id: int) -> None:
    """Render one final PDF (``RenderedDocument``); one already rendered is skipped."""
    from reports.documents.services import document_render_execute

    structlog.contextvars.bind_contextvars(document_id=document_id, task_id=self.request.id)
    try:
        document_render_execute(document_id=document_id)
    except TRANSIENT_ERRORS as exc:
        _retry(self, exc)
    finally:
        structlog.contextvars.unbind_contextvars("document_id", "task_id")


@shared_task(acks_late=True)
def purge_expired_recordings() -> int:
    """Celery beat, daily: delete the audio of recordings past their retention period
    (``RECORDING_RETENTION_DAYS`` after signature). Safe to run twice: a deleted recording
    is not selected again."""
    from reports.retention import recordings_purge_expired

    return len(recordings_purge_expired())


@shared_task(acks_late=True)
def send_follow_up_reminders() -> int:
    """Celery beat: email each coordinator the follow-ups due or overdue on their plans.
    A follow-up is reminded once (``reminded_at``)."""
    from reports.care_plan.reminders import follow_up_reminders_send

    return follow_up_reminders_send()
