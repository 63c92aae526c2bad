"""Celery tasks: thin, take ids, safe to run twice; the work lives in services."""

import structlog
from celery import shared_task
from django.db import OperationalError

from reports import services

log = structlog.get_logger(__name__)

# Errors worth another try: the database was briefly locked or unreachable.
TRANSIENT_ERRORS = (OperationalError,)
MAX_RETRIES = 5

INTERNAL_ERROR = (
    "Erreur interne pendant la transcription. L'équipe technique peut la retrouver "
    "avec la référence du traitement n° {job_id}."
)


@shared_task(bind=True, acks_late=True, max_retries=MAX_RETRIES)
def transcribe_recording(self, job_id: int) -> None:
    """Transcribe a recording and attach it to the dossier's draft report.

    Idempotent (a job already done is skipped); retries transient database errors with
    exponential backoff; any other error marks the job failed with a reference, and the
    technical detail goes to the log (ids only, no patient text).
    """
    structlog.contextvars.bind_contextvars(job_id=job_id, task_id=self.request.id)
    try:
        services.recording_transcribe(job_id=job_id)
    except TRANSIENT_ERRORS as exc:
        if self.request.retries < MAX_RETRIES:
            raise self.retry(exc=exc, countdown=2 ** (self.request.retries + 1)) from exc
        services.job_fail(job_id=job_id, reason=INTERNAL_ERROR.format(job_id=job_id))
        raise
    except Exception:
        log.exception("job.crashed")
        services.job_fail(job_id=job_id, reason=INTERNAL_ERROR.format(job_id=job_id))
        raise
    finally:
        structlog.contextvars.unbind_contextvars("job_id", "task_id")
