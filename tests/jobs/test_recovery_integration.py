"""Background work survives a dead worker and a broker outage, with real parts: a Redis
server, real `celery worker` processes (beat embedded, so the jobs' recovery runs as in
production), the test database, Whisper for transcription.

- A worker SIGKILLed in the middle of a draft or of a transcription (as the kernel does
  when memory runs out, or `docker stop` past the grace period): a new worker finishes the
  job, exactly once (one transcript, one draft, one set of statements).
- Redis stopped when a recording is uploaded: the page answers, the job waits, and once
  Redis is back the recording is transcribed and drafted once."""

import contextlib
import json
import os
import signal
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from django.db.models import Count

from dossiers import services
from drafting.models import DraftRun
from reports.models import SectionVersion, Statement
from tests.drafting.dossiers import consult
from tests.drafting.support import DRAFTING_PROTOCOL
from tests.drafting.transcripts import PARENT_INTERVIEW
from tests.factories import ConsultationFactory
from tests.protocol_files import import_published
from tests.uploads import post_recording, upload
from tests.workers import RedisServer, broker_for_worker, celery_worker
from transcription.models import PipelineJob, Transcript, TranscriptionChunk

pytestmark = pytest.mark.integration

# Short leases and a frequent recovery, so that a dead worker's job comes back in seconds.
RECOVERY_ENV = {
    "JOB_LEASE_SECONDS": "4",
    "JOB_RECOVERY_SECONDS": "1",
    "JOB_DISPATCH_GRACE_SECONDS": "1",
}


def _wait(predicate, seconds: float, log_path: Path, what: str):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.2)
    log = log_path.read_text(errors="replace")[-4000:] if log_path.exists() else ""
    pytest.fail(f"{what} did not happen in {seconds} s:\n{log}")


def _kill_worker(process) -> None:
    """SIGKILL the worker and every process it started: nothing gets to clean up."""
    os.killpg(process.pid, signal.SIGKILL)
    process.wait(timeout=10)


class _SlowModel(BaseHTTPRequestHandler):
    """An OpenAI-compatible model server that takes its time, then fails: the draft is in
    progress while the test kills the worker, and every section falls back to quoting its
    passages (what matters here is how many times the draft is stored)."""

    delay = 2.0
    requests: list = []

    def do_POST(self):
        self.rfile.read(int(self.headers["Content-Length"]))
        type(self).requests.append(time.monotonic())
        time.sleep(type(self).delay)
        data = json.dumps({"error": "modèle indisponible"}).encode()
        self.send_response(503)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        with contextlib.suppress(BrokenPipeError):  # the worker was killed while waiting
            self.wfile.write(data)

    def log_message(self, *args):
        pass


@pytest.fixture
def slow_model():
    _SlowModel.requests = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), _SlowModel)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/v1"
    server.shutdown()


@pytest.mark.django_db(transaction=True)
def test_a_worker_killed_mid_draft_is_replaced_and_the_draft_is_stored_once(
    alice, tone_wav, redis_url, slow_model, settings, tmp_path
):
    protocol = import_published(DRAFTING_PROTOCOL).protocol
    dossier = services.dossier_create(
        initials="LM", birth_date=None, sex="M", protocols=[protocol], created_by=alice
    )
    log_path = tmp_path / "worker.log"
    env = {
        **RECOVERY_ENV,
        "DRAFTING_ENGINE": "openai",
        "LLM_ENDPOINT_URL": slow_model,
        "LLM_ENDPOINT_MODEL": "lent",
        "DRAFTING_TIME_BUDGET_SECONDS": "0",
    }
    with broker_for_worker(tmp_path, redis_url=redis_url) as broker:
        with celery_worker({**broker, **env}, settings, log_path, beat=True) as first:
            # The transcript is stored here; it queues the report's draft to the worker.
            consult(dossier, alice, tone_wav, PARENT_INTERVIEW, day=20)
            run = DraftRun.objects.get()
            _wait(lambda: _SlowModel.requests, 60, log_path, "the draft reaching the model")
            assert DraftRun.objects.get(pk=run.pk).status == "running"
            _kill_worker(first)

        with celery_worker({**broker, **env}, settings, log_path, beat=True):
            run = _wait(
                lambda: DraftRun.objects.filter(pk=run.pk, status__in=["done", "failed"]).first(),
                240,
                log_path,
                "the draft's completion by a new worker",
            )

    assert run.status == "done", run.error_message
    assert run.attempts == 2
    assert DraftRun.objects.count() == 1
    # One set of versions and statements: the killed worker stored nothing.
    per_section = SectionVersion.objects.filter(run=run).values("section").annotate(n=Count("pk"))
    assert per_section and all(row["n"] == 1 for row in per_section)
    assert Statement.objects.filter(version__run=run).count() == Statement.objects.count()
    assert run.report.sections.filter(versions__status="accepted").exists()


@pytest.mark.whisper
@pytest.mark.django_db(transaction=True)
def test_a_worker_killed_mid_transcription_is_replaced_and_the_job_completes_once(
    dossier, alice, long_recording, redis_url, settings, tmp_path, whisper_model_dir
):
    log_path = tmp_path / "worker.log"
    env = {
        **RECOVERY_ENV,
        "TRANSCRIPTION_CHUNK_SECONDS": "3",
        "TRANSCRIPTION_CHUNK_SEARCH_SECONDS": "1.5",
    }
    consultation = ConsultationFactory(dossier=dossier, created_by=alice)
    with broker_for_worker(tmp_path, redis_url=redis_url) as broker:
        with celery_worker({**broker, **env}, settings, log_path, beat=True) as first:
            job = upload(consultation, long_recording, alice, enqueue=True)

            def some_done_and_one_running():
                chunks = dict(
                    TranscriptionChunk.objects.filter(job=job).values_list("pk", "status")
                )
                done = {pk for pk, status in chunks.items() if status == "done"}
                if done and "running" in chunks.values() and len(done) < len(chunks) - 1:
                    return done
                return None

            done = _wait(some_done_and_one_running, 120, log_path, "chunks done and in flight")
            _kill_worker(first)
        killed = set(
            TranscriptionChunk.objects.filter(job=job, status="running").values_list(
                "pk", flat=True
            )
        )

        with celery_worker({**broker, **env}, settings, log_path, beat=True):
            job = _wait(
                lambda: PipelineJob.objects.filter(
                    pk=job.pk, status__in=["done", "failed"]
                ).first(),
                240,
                log_path,
                "the transcription's completion by a new worker",
            )
            _wait(
                lambda: DraftRun.objects.filter(status="done").exists(),
                120,
                log_path,
                "the draft after the transcription",
            )

    assert job.status == "done", job.error_message
    attempts = dict(TranscriptionChunk.objects.filter(job=job).values_list("pk", "attempts"))
    assert all(attempts[pk] == 1 for pk in done)  # finished chunks were not redone
    assert killed and all(attempts[pk] == 2 for pk in killed)  # the chunk in flight, once more
    assert Transcript.objects.filter(recording=job.recording).count() == 1
    assert DraftRun.objects.count() == 1


@pytest.mark.whisper
@pytest.mark.django_db(transaction=True)
def test_an_upload_during_a_redis_outage_is_transcribed_and_drafted_once_it_is_back(
    client, dossier, alice, french_speech, settings, tmp_path, whisper_model_dir
):
    log_path = tmp_path / "worker.log"
    redis = RedisServer(tmp_path)
    redis.start()
    try:
        with (
            broker_for_worker(tmp_path, redis_url=redis.url) as broker,
            celery_worker({**broker, **RECOVERY_ENV}, settings, log_path, beat=True),
        ):
            redis.stop()
            client.force_login(alice)
            response = post_recording(client, dossier, french_speech)
            assert response.status_code == 302  # the page answers: no error for the user
            job = PipelineJob.objects.get()
            assert job.status == "queued" and job.dispatched_at is None

            redis.start()
            job = _wait(
                lambda: PipelineJob.objects.filter(
                    pk=job.pk, status__in=["done", "failed"]
                ).first(),
                240,
                log_path,
                "the transcription once Redis is back",
            )
            _wait(
                lambda: DraftRun.objects.filter(status="done").exists(),
                120,
                log_path,
                "the draft once Redis is back",
            )
    finally:
        redis.stop()

    assert job.status == "done", job.error_message
    assert job.attempts == 1
    assert Transcript.objects.filter(recording=job.recording).count() == 1
    assert DraftRun.objects.count() == 1
