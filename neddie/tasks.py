"""What every job's task shares: how it runs a job's work (``job_task_run``), and the
beat task that recovers jobs whose worker died or that never reached the broker.

Tasks are thin, take a job's id, and are safe to run twice. Each calls one service, which
claims its job (``neddie.jobs``: one worker at a time, under a lease its heartbeat
extends), records progress and outcome on it. Services never import a task: they queue a
job with ``neddie.jobs.job_dispatch``, which sends its task by name."""

import structlog
from celery import shared_task
from django.db import OperationalError

from neddie import jobs

log = structlog.get_logger(__name__)

# Errors worth another try: the database was briefly locked or unreachable.
TRANSIENT_ERRORS = (OperationalError,)
MAX_RETRIES = 5


def job_task_run(task, model: type[jobs.Job], job_id: int, work) -> None:
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


@shared_task(acks_late=True)
def recover_jobs() -> dict:
    """Celery beat, every ``JOB_RECOVERY_SECONDS``: queue again the jobs whose worker died
    and send the jobs the broker never received. Safe to run twice."""
    return jobs.jobs_recover()
