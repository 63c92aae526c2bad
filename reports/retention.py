"""Retention of the audio: a recording's file is deleted ``RECORDING_RETENTION_DAYS`` after
the report it was used for is signed. The transcript, its segments, the report and its
documents stay: they are the medical record; the audio was only the way to write it.

Run daily by Celery beat (``reports.tasks.purge_expired_recordings``) and by hand with
``manage.py purge_recordings [--dry-run]``."""

import datetime
from dataclasses import dataclass

import structlog
from django.conf import settings
from django.db import transaction
from django.db.models import Exists, OuterRef, QuerySet, Subquery
from django.utils import timezone

from audit.models import AuditEvent
from audit.services import audit_record
from dossiers.models import Recording
from reports.models import Report

log = structlog.get_logger(__name__)


@dataclass(frozen=True)
class PurgedRecording:
    """A recording whose audio was (or, in a dry run, would be) deleted: ids and figures
    only, nothing a log or a terminal should not show."""

    recording_id: int
    dossier_id: int
    signed_at: datetime.datetime
    size_bytes: int


def retention_days() -> int:
    return settings.RECORDING_RETENTION_DAYS


def recordings_due_for_deletion(
    now: datetime.datetime | None = None, *, days: int | None = None
) -> QuerySet[Recording]:
    """Recordings whose audio is still stored and whose retention period is over: their
    transcript is in at least one signed report, the latest such signature is at least
    ``days`` (default ``RECORDING_RETENTION_DAYS``) old, and no report using it is still
    open (a correction in progress: its clinician may still listen to the passages).
    Retention off (0 days) selects nothing. Each row carries ``last_signed_at``."""
    days = retention_days() if days is None else days
    if days <= 0:
        return Recording.objects.none()
    cutoff = (now or timezone.now()) - datetime.timedelta(days=days)
    reports_using = Report.objects.filter(transcripts__recording_id=OuterRef("pk"))
    last_signed_at = (
        reports_using.filter(status=Report.Status.SIGNED)
        .order_by("-signed_at")
        .values("signed_at")[:1]
    )
    return (
        Recording.objects.filter(audio_deleted_at__isnull=True)
        .exclude(file="")
        .annotate(last_signed_at=Subquery(last_signed_at))
        .filter(last_signed_at__lte=cutoff)
        .exclude(Exists(reports_using.exclude(status=Report.Status.SIGNED)))
        .select_related("consultation")
        .order_by("pk")
    )


def recordings_purge_expired(
    *, now: datetime.datetime | None = None, dry_run: bool = False, days: int | None = None
) -> list[PurgedRecording]:
    """Delete the audio of every recording past its retention period and return what was
    deleted (in a dry run: what would be, changing nothing).

    Each recording in its own transaction: its file emptied, ``audio_deleted_at`` set and an
    audit event written together; its transcript, segments, reports and documents stay.
    Safe to run twice (a deleted recording is not selected again) and alongside another run
    (each row is locked and re-checked). A file already missing from the storage is still
    marked deleted; a storage error leaves that recording for the next run and the run goes
    on."""
    now = now or timezone.now()
    days = retention_days() if days is None else days
    purged = []
    for recording in recordings_due_for_deletion(now, days=days):
        item = PurgedRecording(
            recording_id=recording.pk,
            dossier_id=recording.consultation.dossier_id,
            signed_at=recording.last_signed_at,
            size_bytes=recording.size_bytes,
        )
        if not dry_run:
            try:
                deleted = _recording_audio_delete(recording_id=recording.pk, now=now, days=days)
            except OSError:
                log.exception("retention.delete_failed", recording_id=recording.pk)
                continue
            if not deleted:
                continue
        purged.append(item)
    log.info("retention.run", count=len(purged), dry_run=dry_run, days=days)
    return purged


@transaction.atomic
def _recording_audio_delete(*, recording_id: int, now: datetime.datetime, days: int) -> bool:
    """Delete one recording's audio if it is still due (re-checked under the row lock: a
    correction may have started since the selection). False if it no longer is."""
    recording = Recording.objects.select_for_update().get(pk=recording_id)
    if not recordings_due_for_deletion(now, days=days).filter(pk=recording_id).exists():
        return False
    name = recording.file.name
    storage = recording.file.storage
    recording.file = ""
    recording.audio_deleted_at = now
    recording.save(update_fields=["file", "audio_deleted_at"])
    audit_record(
        user=None,
        action=AuditEvent.Action.DELETE,
        obj=recording,
        dossier_id=recording.consultation.dossier_id,
        detail=f"audio supprimé : durée de conservation de {days} jours après signature",
    )
    # Last, once the row and its event are written: if the storage refuses, the
    # transaction rolls back and the next run tries again. A file already gone is not an
    # error (the storages ignore it).
    storage.delete(name)
    log.info("retention.audio_deleted", recording_id=recording_id)
    return True
