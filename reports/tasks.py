"""Report tasks (beat): the retention of recordings once their reports are signed."""

import structlog
from celery import shared_task

from reports import retention

log = structlog.get_logger(__name__)


@shared_task(acks_late=True)
def purge_expired_recordings() -> int:
    """Celery beat, daily: delete the audio of recordings past their retention period
    (``RECORDING_RETENTION_DAYS`` after signature). Safe to run twice: a deleted recording
    is not selected again."""
    return len(retention.recordings_purge_expired())
