"""The background-job mechanism every kind of work uses (neddie/jobs.py): one worker at a
time, a dead worker's job queued again, a job the broker never got sent again, and a
broker outage that never fails the request that queued the work."""

import datetime

import pytest
from django.core.files import File
from django.utils import timezone

from dossiers.models import Recording
from dossiers.services import recording_upload
from drafting.models import DraftRun
from drafting.services import draft_run_request
from neddie import jobs
from neddie.celery import app as celery_app
from neddie.errors import ServiceError
from reports.services import report_draft_ensure
from tests.factories import ConsultationFactory
from tests.uploads import post_recording
from transcription.models import PipelineJob


@pytest.fixture
def run(dossier, alice):
    report = report_draft_ensure(dossier=dossier)
    return draft_run_request(report=report, user=alice, enqueue=False)


@pytest.fixture
def sent(monkeypatch):
    """The tasks sent to the broker (name, args), instead of a broker."""
    calls = []
    monkeypatch.setattr(
        celery_app, "send_task", lambda name, args=None, **kw: calls.append((name, args))
    )
    return calls


@pytest.fixture
def broker_down(monkeypatch):
    def refuse(*args, **kwargs):
        raise ConnectionRefusedError("[Errno 111] Connection refused")

    monkeypatch.setattr(celery_app, "send_task", refuse)


def _expire(job):
    type(job).objects.filter(pk=job.pk).update(
        lease_expires_at=timezone.now() - datetime.timedelta(seconds=1)
    )


def test_a_job_is_held_by_one_worker_at_a_time(run):
    claimed = jobs.job_claim(DraftRun, run.pk, owner="delivery-1")
    assert claimed.status == "running" and claimed.attempts == 1
    assert claimed.lease_expires_at > timezone.now()
    # A second delivery of the task (another message) while the first worker lives.
    assert jobs.job_claim(DraftRun, run.pk, owner="delivery-2") is None
    # The same message delivered again: the process that ran it is gone.
    again = jobs.job_claim(DraftRun, run.pk, owner="delivery-1")
    assert again is not None and again.attempts == 2


def test_a_finished_job_is_never_run_again(run):
    claimed = jobs.job_claim(DraftRun, run.pk)
    jobs.job_done(claimed)
    _expire(claimed)
    assert jobs.job_claim(DraftRun, run.pk) is None
    assert jobs.jobs_recover()["requeued"] == 0


def test_a_job_whose_worker_died_is_queued_again_and_sent(run, sent):
    claimed = jobs.job_claim(DraftRun, run.pk, owner="dead")
    _expire(claimed)

    assert jobs.jobs_recover()["requeued"] == 1

    run.refresh_from_db()
    assert run.status == "queued" and run.stage == jobs.RESUMED
    assert ("drafting.tasks.draft_report", [run.pk]) in sent
    assert run.dispatched_at is not None
    # The next worker takes it over.
    assert jobs.job_claim(DraftRun, run.pk, owner="new").attempts == 2


def test_a_job_interrupted_too_often_fails_with_a_reason(run, sent, settings):
    settings.JOB_MAX_ATTEMPTS = 2
    for _ in range(2):
        _expire(jobs.job_claim(DraftRun, run.pk))
        jobs.jobs_recover()
    run.refresh_from_db()
    assert run.status == "failed"
    assert "interrompu 2 fois" in run.error_message and run.reference in run.error_message
    assert run.report.runs.filter(status__in=jobs.ACTIVE).count() == 0


def test_a_live_lease_is_left_alone(run, sent):
    jobs.job_claim(DraftRun, run.pk)
    assert jobs.jobs_recover() == {"requeued": 0, "failed": 0, "sent": 0}
    run.refresh_from_db()
    assert run.status == "running"


def test_progress_extends_the_lease(run):
    claimed = jobs.job_claim(DraftRun, run.pk)
    _expire(claimed)
    jobs.job_progress(claimed, progress=40, stage="Section 2 sur 5")
    run.refresh_from_db()
    assert (run.progress, run.stage) == (40, "Section 2 sur 5")
    assert run.lease_expires_at > timezone.now()


def test_a_result_is_stored_only_by_the_worker_that_holds_the_job(run):
    slow = jobs.job_claim(DraftRun, run.pk, owner="slow")
    _expire(slow)
    jobs.job_claim(DraftRun, run.pk, owner="recovered")
    assert not jobs.job_still_held(slow)


def test_the_broker_down_leaves_the_job_queued_then_it_is_sent(
    dossier, alice, tone_wav, broker_down, monkeypatch, settings, django_capture_on_commit_callbacks
):
    consultation = ConsultationFactory(dossier=dossier, created_by=alice)
    with django_capture_on_commit_callbacks(execute=True), open(tone_wav, "rb") as audio:
        job = recording_upload(
            consultation=consultation,
            audio=File(audio, name=str(tone_wav)),
            original_name="seance.wav",
            uploaded_by=alice,
        ).jobs.get()
    job.refresh_from_db()
    assert job.status == "queued" and job.dispatched_at is None
    assert Recording.objects.filter(pk=job.recording_id).exists()

    # Still down: the recovery tries and keeps it.
    settings.JOB_DISPATCH_GRACE_SECONDS = 0
    assert jobs.jobs_recover()["sent"] == 0
    # Back: it is sent once.
    sent = []
    monkeypatch.setattr(
        celery_app, "send_task", lambda name, args=None, **kw: sent.append((name, args))
    )
    assert jobs.jobs_recover()["sent"] == 1
    assert sent == [("transcription.tasks.transcribe_recording", [job.pk])]
    job.refresh_from_db()
    assert job.dispatched_at is not None
    assert jobs.jobs_recover()["sent"] == 0


def test_an_upload_with_the_broker_down_answers_the_page_not_an_error(
    client, dossier, alice, tone_wav, broker_down, django_capture_on_commit_callbacks
):
    client.force_login(alice)
    with django_capture_on_commit_callbacks(execute=True):
        response = post_recording(client, dossier, tone_wav)
    assert response.status_code == 302
    job = PipelineJob.objects.get()
    assert job.status == "queued" and job.dispatched_at is None
    page = client.get(response["Location"]).content.decode()
    assert "en attente" in page


def test_a_just_created_job_is_left_to_its_own_dispatch(run, sent, settings):
    settings.JOB_DISPATCH_GRACE_SECONDS = 60
    assert jobs.jobs_recover()["sent"] == 0
    assert sent == []


def test_only_a_failed_job_is_relaunched(run, sent, django_capture_on_commit_callbacks):
    with pytest.raises(ServiceError, match="en échec"):
        jobs.job_relaunch(run)
    claimed = jobs.job_claim(DraftRun, run.pk)
    jobs.job_fail(claimed, reason="Erreur interne.")
    with django_capture_on_commit_callbacks(execute=True):
        relaunched = jobs.job_relaunch(run)
    assert relaunched.status == "queued" and relaunched.attempts == 0
    assert relaunched.error_message == ""
    assert sent == [("drafting.tasks.draft_report", [run.pk])]
