"""The whole road through real parts: the clinician uploads through the web form, the
task goes through a real broker (Redis, or the filesystem broker of the embedded default)
to a real Celery worker process, which transcribes with the real Whisper weights."""

import os
import signal
import time
from pathlib import Path

import pytest
from django.core.files import File
from django.urls import reverse

from dossiers import services
from reports.models import Report
from tests.factories import ConsultationFactory
from tests.uploads import post_recording
from tests.workers import broker_for_worker, celery_worker
from transcription.models import PipelineJob, Transcript, TranscriptionChunk

pytestmark = [pytest.mark.integration, pytest.mark.whisper]


@pytest.fixture(params=["redis", "filesystem"])
def broker(request, tmp_path):
    """(environment for the worker) for each kind of broker neddie supports."""
    if request.param == "redis":
        with broker_for_worker(tmp_path, redis_url=request.getfixturevalue("redis_url")) as env:
            yield env
    else:
        with broker_for_worker(tmp_path) as env:
            yield env


@pytest.fixture
def worker_env():
    """Extra settings for the worker process (tests override it)."""
    return {}


@pytest.fixture
def worker(broker, worker_env, settings, tmp_path):
    """A real `celery worker` process on the test database and media folder."""
    with celery_worker({**broker, **worker_env}, settings, tmp_path / "worker.log") as process:
        yield process


def _wait_for_job(deadline_seconds: float, worker, log_path: Path) -> PipelineJob:
    deadline = time.monotonic() + deadline_seconds
    while time.monotonic() < deadline:
        job = PipelineJob.objects.get()
        if not job.is_active:
            return job
        assert worker.poll() is None, log_path.read_text(errors="replace")[-3000:]
        time.sleep(0.5)
    pytest.fail("the worker did not finish the job in time:\n" + log_path.read_text()[-3000:])


@pytest.mark.django_db(transaction=True)
def test_uploaded_recording_is_transcribed_by_a_worker(
    client, dossier, alice, french_speech, worker, tmp_path, whisper_model_dir
):
    client.force_login(alice)
    response = post_recording(client, dossier, french_speech)
    assert response.status_code == 302

    job = _wait_for_job(180, worker, tmp_path / "worker.log")

    assert job.status == PipelineJob.Status.DONE, job.error_message
    assert job.progress == 100
    report = Report.objects.get(dossier=dossier)
    text = " ".join(s.text for s in report.transcripts.get().segments.all()).lower()
    assert "bonjour" in text
    # The transcript queued the report's draft, which the worker writes next: the panel
    # follows the work until all of it is done, then stops polling.
    deadline = time.monotonic() + 120
    while report.runs.filter(status__in=["queued", "running"]).exists():
        assert time.monotonic() < deadline, "the draft was not written in time"
        time.sleep(0.5)
    assert report.runs.get().status == "done"
    page = client.get(reverse("work:dossier_jobs", args=[dossier.pk])).content.decode()
    assert "terminé" in page
    assert "every 2s" not in page  # polling stops once the work is done


def _child_pids(pid: int) -> list[int]:
    children = Path(f"/proc/{pid}/task/{pid}/children")
    return [int(child) for child in children.read_text().split()] if children.exists() else []


@pytest.mark.parametrize("broker", ["redis"], indirect=True)
@pytest.mark.parametrize(
    "worker_env",
    [{"TRANSCRIPTION_CHUNK_SECONDS": "3", "TRANSCRIPTION_CHUNK_SEARCH_SECONDS": "1.5"}],
)
@pytest.mark.django_db(transaction=True)
def test_a_worker_killed_mid_job_loses_only_the_chunk_in_flight(
    dossier, alice, long_recording, worker, tmp_path, whisper_model_dir
):
    consultation = ConsultationFactory(dossier=dossier, created_by=alice)
    with open(long_recording, "rb") as handle:
        job = services.recording_upload(
            consultation=consultation,
            audio=File(handle, name=str(long_recording)),
            original_name="longue.wav",
            uploaded_by=alice,
        ).jobs.get()

    # Wait until some chunks are done and one is being transcribed, then kill the process
    # doing the work, as the kernel would when memory runs out.
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        chunks = dict(TranscriptionChunk.objects.filter(job=job).values_list("pk", "status"))
        done = {pk for pk, status in chunks.items() if status == "done"}
        if done and "running" in chunks.values() and len(done) < len(chunks) - 1:
            break
        time.sleep(0.02)
    else:
        pytest.fail("the worker never had chunks done and in flight at once")
    children = _child_pids(worker.pid)
    assert children, "the worker has no process doing the work"
    for child in children:
        os.kill(child, signal.SIGKILL)

    job = _wait_for_job(180, worker, tmp_path / "worker.log")

    assert job.status == PipelineJob.Status.DONE, job.error_message
    attempts = dict(TranscriptionChunk.objects.filter(job=job).values_list("pk", "attempts"))
    assert all(attempts[pk] == 1 for pk in done)  # finished chunks were not redone
    assert max(attempts.values()) <= 2  # at most the chunk in flight ran again
    assert Transcript.objects.filter(recording=job.recording).count() == 1
    assert set(_child_pids(worker.pid)).isdisjoint(children)  # a new process took over
