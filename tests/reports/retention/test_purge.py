"""The audio of a recording is deleted RECORDING_RETENTION_DAYS after its report is signed;
its transcript, the report and the audit trail stay."""

import re
from pathlib import Path

import pytest
from django.core.files.storage import FileSystemStorage
from django.urls import reverse

from audit.models import AuditEvent
from dossiers.audio_retention import recording_audio_require
from dossiers.models import Recording
from dossiers.services import ServiceError
from reports.models import Report
from reports.retention import recordings_purge_expired
from reports.review.services import content_sha256, report_correction_start
from reports.tasks import purge_expired_recordings
from tests.fakes import FakeTranscriber
from tests.reports.conftest import sign
from tests.reports.retention.conftest import days_after_signature
from transcription.models import PipelineJob, Segment
from transcription.pipeline import recording_transcribe

DELETED = "Enregistrement supprimé le 21/02/2027 (durée de conservation écoulée)"


def stored_paths(recordings) -> list[Path]:
    return [Path(recording.file.path) for recording in recordings]


def purge_events():
    return AuditEvent.objects.filter(object_type="recording", detail__startswith="audio supprimé")


def test_audio_kept_within_the_retention_period(clock, recordings):
    paths = stored_paths(recordings)
    clock.move_to(days_after_signature(89))

    assert recordings_purge_expired() == []
    assert all(path.is_file() for path in paths)
    assert not purge_events().exists()


def test_audio_deleted_after_the_period_transcript_and_report_stay(
    client, clock, alice, signed_report, recordings
):
    paths = stored_paths(recordings)
    segments = {
        r.pk: list(r.transcript.segments.values_list("text", flat=True)) for r in recordings
    }
    clock.move_to(days_after_signature(90.01))

    purged = recordings_purge_expired()

    assert [item.recording_id for item in purged] == [r.pk for r in recordings]
    assert {item.dossier_id for item in purged} == {signed_report.dossier_id}
    assert [item.size_bytes for item in purged] == [r.size_bytes for r in recordings]
    assert not any(path.exists() for path in paths)
    for recording in recordings:
        recording.refresh_from_db()
        assert not recording.file and recording.audio_deleted_at is not None
        # The transcript and its segments are the record: untouched.
        texts = Segment.objects.filter(transcript__recording=recording).values_list(
            "text", flat=True
        )
        assert list(texts) == segments[recording.pk] and texts
    events = purge_events()
    assert sorted(int(e.object_id) for e in events) == [r.pk for r in recordings]
    assert {(e.action, e.dossier_id, e.username) for e in events} == {
        (AuditEvent.Action.DELETE, signed_report.dossier_id, "")
    }
    assert events.first().detail == (
        "audio supprimé : durée de conservation de 90 jours après signature"
    )
    # The signed report is exactly as signed and still opens, its passages marked deleted.
    report = Report.objects.get(pk=signed_report.pk)
    assert report.is_signed and report.signed_sha256 == content_sha256(report)
    client.force_login(alice)
    page = client.get(reverse("drafting:report_detail", args=[report.pk]))
    html = page.content.decode()
    assert page.status_code == 200
    assert "data-audio=" not in html
    assert f'data-audio-deleted="{DELETED}' in html
    dossier_page = client.get(reverse("dossiers:dossier_detail", args=[report.dossier_id]))
    assert "Audio supprimé le 21/02/2027" in dossier_page.content.decode()


def test_dry_run_lists_and_changes_nothing(clock, signed_report, recordings):
    paths = stored_paths(recordings)
    clock.move_to(days_after_signature(120))

    would = recordings_purge_expired(dry_run=True)

    assert [item.recording_id for item in would] == [r.pk for r in recordings]
    assert {item.signed_at for item in would} == {signed_report.signed_at}
    assert all(path.is_file() for path in paths)
    assert not Recording.objects.filter(audio_deleted_at__isnull=False).exists()
    assert not purge_events().exists()


def test_running_twice_deletes_once(clock, recordings):
    clock.move_to(days_after_signature(91))
    assert len(recordings_purge_expired()) == 2
    assert recordings_purge_expired() == []
    assert purge_events().count() == 2


def test_retention_zero_keeps_everything(clock, settings, recordings):
    settings.RECORDING_RETENTION_DAYS = 0
    paths = stored_paths(recordings)
    clock.move_to(days_after_signature(3650))

    assert recordings_purge_expired() == []
    assert all(path.is_file() for path in paths)


def test_correction_in_progress_keeps_the_audio_until_it_is_signed(
    clock, alice, charlie, signed_report, recordings
):
    paths = stored_paths(recordings)
    clock.move_to(days_after_signature(60))
    correction = report_correction_start(report=signed_report, user=alice)
    clock.move_to(days_after_signature(200))

    # Its clinician may still listen to the cited passages.
    assert recordings_purge_expired() == []
    assert all(path.is_file() for path in paths)

    sign(correction, clinician=alice, coordinator=charlie)
    # The period runs from the latest signature.
    clock.move_to(days_after_signature(200 + 89))
    assert recordings_purge_expired() == []
    clock.move_to(days_after_signature(200 + 91))
    assert len(recordings_purge_expired()) == 2
    assert not any(path.exists() for path in paths)


def test_a_file_already_missing_is_still_marked_deleted(clock, recordings):
    missing, present = stored_paths(recordings)
    missing.unlink()
    clock.move_to(days_after_signature(91))

    assert len(recordings_purge_expired()) == 2
    assert not present.exists()
    assert not Recording.objects.filter(audio_deleted_at__isnull=True).exists()


def test_the_beat_task_purges(clock, recordings):
    clock.move_to(days_after_signature(91))
    assert purge_expired_recordings() == 2
    assert purge_expired_recordings() == 0


def test_a_new_transcription_of_a_deleted_recording_fails_saying_why(clock, recordings):
    clock.move_to(days_after_signature(90.01))
    recordings_purge_expired()
    recording = Recording.objects.get(pk=recordings[0].pk)

    with pytest.raises(ServiceError, match=re.escape(DELETED)):
        recording_audio_require(recording)
    job = PipelineJob.objects.create(recording=recording)
    recording_transcribe(job_id=job.pk, transcriber=FakeTranscriber())
    job.refresh_from_db()
    assert job.status == PipelineJob.Status.FAILED
    assert DELETED in job.error_message


def test_a_storage_error_leaves_that_recording_for_the_next_run(clock, monkeypatch, recordings):
    refused, deleted = stored_paths(recordings)
    delete = FileSystemStorage.delete

    def delete_or_refuse(storage, name):
        if storage.path(name) == str(refused):
            raise PermissionError("read-only")
        delete(storage, name)

    monkeypatch.setattr(FileSystemStorage, "delete", delete_or_refuse)
    clock.move_to(days_after_signature(91))

    assert [item.recording_id for item in recordings_purge_expired()] == [recordings[1].pk]
    assert refused.is_file() and not deleted.exists()
    still = Recording.objects.get(pk=recordings[0].pk)
    assert still.file and still.audio_deleted_at is None
    assert purge_events().count() == 1

    monkeypatch.undo()
    assert [item.recording_id for item in recordings_purge_expired()] == [recordings[0].pk]
    assert not refused.exists()
