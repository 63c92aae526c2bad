"""Celery tasks: thin, take a job's id, safe to run twice. Each calls one service, which
claims its job (``neddie.jobs``: one worker at a time, under a lease its heartbeat
extends), records progress and outcome on it. Services never import this module: they
queue a job with ``neddie.jobs.job_dispatch``, which sends these tasks by name.

A recording's transcription fans out: ``transcribe_recording`` cuts it into chunks and
queues one ``transcribe_chunk`` per chunk; the worker finishing the last chunk merges them.
"""

import structlog
from celery import shared_task
from django.db import OperationalError

from neddie import jobs
from reports import retention
from reports import transcription_pipeline as pipeline
from reports.care_plan import reminders
from reports.care_plan import services as care_plan_services
from reports.care_plan.models import CarePlanDraftJob
from reports.documents import rendering as document_rendering
from reports.documents.models import RenderedDocument
from reports.drafting import services as drafting_services
from reports.drafting.models import DraftRun, EditJob
from reports.models import PipelineJob, TranscriptionChunk

log = structlog.get_logger(__name__)

# Errors worth another try: the database was briefly locked or unreachable.
TRANSIENT_ERRORS = (OperationalError,)
MAX_RETRIES = 5


def _run(task, model: type[jobs.Job], job_id: int, work) -> None:
    """Run ``work()`` for one job: transient database errors put the job back in the queue
    and retry with exponential backoff while tries remain, then fail it; anything else
    that escapes the service fails the job with its reference (details in the log, ids
    only) and is raised for Celery to log."""
    structlog.contextvars.bind_contextvars(job_id=job_id, task_id=task.request.id)
    try:
        work()
    except TRANSIENT_ERRORS as exc:
        job = model.objects.filter(pk=job_id).first()
        if task.request.retries < MAX_RETRIES:
            if job is not None:
                jobs.job_requeue(job)
            raise task.retry(exc=exc, countdown=2 ** (task.request.retries + 1)) from exc
        if job is not None:
            jobs.job_fail(job, reason=jobs.INTERNAL_ERROR.format(reference=job.reference))
        raise
    except Exception:
        log.exception("job.crashed", job=model._meta.label)
        job = model.objects.filter(pk=job_id).first()
        if job is not None and job.status != jobs.JobStatus.FAILED:
            jobs.job_fail(job, reason=jobs.INTERNAL_ERROR.format(reference=job.reference))
        raise
    finally:
        structlog.contextvars.unbind_contextvars("job_id", "task_id")


@shared_task(bind=True, acks_late=True, max_retries=MAX_RETRIES)
def transcribe_recording(self, job_id: int) -> None:
    """Cut the recording into chunks (once) and queue every chunk not yet transcribed.
    Sent again after everything was transcribed, it finalizes the job instead."""
    _run(
        self,
        PipelineJob,
        job_id,
        lambda: pipeline.job_prepare(job_id=job_id, owner=self.request.id or ""),
    )


@shared_task(bind=True, acks_late=True, max_retries=MAX_RETRIES)
def transcribe_chunk(self, chunk_id: int) -> None:
    """Transcribe one chunk; the worker that completes the last chunk merges the job."""
    _run(
        self,
        TranscriptionChunk,
        chunk_id,
        lambda: pipeline.chunk_transcribe(chunk_id=chunk_id, owner=self.request.id or ""),
    )


@shared_task(bind=True, acks_late=True, max_retries=MAX_RETRIES)
def draft_report(self, run_id: int) -> None:
    """Draft a report (all its consultations) and store it as versions."""
    _run(
        self,
        DraftRun,
        run_id,
        lambda: drafting_services.draft_run_execute(run_id=run_id, owner=self.request.id or ""),
    )


@shared_task(bind=True, acks_late=True, max_retries=MAX_RETRIES)
def propose_section_edit(self, job_id: int) -> None:
    """Run one AI edit of a section (an ``EditJob``) into a proposal."""
    _run(
        self,
        EditJob,
        job_id,
        lambda: drafting_services.section_edit_execute(job_id=job_id, owner=self.request.id or ""),
    )


@shared_task(bind=True, acks_late=True, max_retries=MAX_RETRIES)
def propose_care_plan_rows(self, job_id: int) -> None:
    """Propose needs, goals and interventions for a care plan from its validated report."""
    _run(
        self,
        CarePlanDraftJob,
        job_id,
        lambda: care_plan_services.care_plan_draft_execute(
            job_id=job_id, owner=self.request.id or ""
        ),
    )


@shared_task(bind=True, acks_late=True, max_retries=MAX_RETRIES)
def render_document(self, document_id: int) -> None:
    """Render one PDF (``RenderedDocument``); one already rendered is skipped."""
    _run(
        self,
        RenderedDocument,
        document_id,
        lambda: document_rendering.document_render_execute(
            document_id=document_id, owner=self.request.id or ""
        ),
    )


@shared_task(acks_late=True)
def recover_jobs() -> dict:
    """Celery beat, every ``JOB_RECOVERY_SECONDS``: queue again the jobs whose worker died
    and send the jobs the broker never received. Safe to run twice."""
    return jobs.jobs_recover()


@shared_task(acks_late=True)
def purge_expired_recordings() -> int:
    """Celery beat, daily: delete the audio of recordings past their retention period
    (``RECORDING_RETENTION_DAYS`` after signature). Safe to run twice: a deleted recording
    is not selected again."""
    return len(retention.recordings_purge_expired())


@shared_task(acks_late=True)
def send_follow_up_reminders() -> int:
    """Celery beat: email each coordinator the follow-ups due or overdue on their plans.
    A follow-up is reminded once (``reminded_at``)."""
    return reminders.follow_up_reminders_send()
