"""Background jobs: one mechanism for every kind of work a worker does (transcription and
its chunks, drafts, AI edits, care-plan proposals, PDF documents).

A job is a row (a model built on ``Job``) whose state a clinician can read: status, stage,
progress, a failure reason in French, attempts. The row, not the broker, is the truth:

- **Dispatch survives a broker outage.** The task is sent by name after the transaction
  commits; if the broker cannot take it, the job stays queued with no ``dispatched_at`` and
  nothing is lost (the request that created it does not fail). ``jobs_recover`` sends it
  again once the broker is back.
- **A dead worker does not leave a job running for good.** A worker holds a job under a
  lease that a heartbeat thread extends while the work runs. When the worker is killed
  (out of memory, SIGKILL, a stop past its grace period) the lease expires, and
  ``jobs_recover`` (celery beat) puts the job back in the queue; a job interrupted
  ``JOB_MAX_ATTEMPTS`` times fails with a reason instead of looping.
- **Work runs once.** ``job_claim`` hands a job to one worker at a time: a redelivered or
  re-sent message finds the job done, or held under a live lease, and is skipped.

The apps' services claim, report progress, finish and fail their jobs through these
functions; tasks stay thin and are sent by name, so no service imports a task module.
"""

import contextlib
import datetime
import threading
from collections.abc import Iterable, Iterator
from typing import ClassVar, TypeVar

import structlog
from django.apps import apps
from django.conf import settings
from django.db import close_old_connections, connection, models, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from neddie.celery import app as celery_app
from neddie.errors import ServiceError

log = structlog.get_logger(__name__)

INTERRUPTED_TOO_OFTEN = (
    "Le traitement a été interrompu {attempts} fois (arrêt du processus de travail, "
    "mémoire insuffisante ?). Relancez-le, ou signalez-le à l'équipe technique avec la "
    "référence {reference}."
)
RESUMED = "Reprise après l'arrêt d'un processus de travail"
INTERNAL_ERROR = (
    "Erreur interne pendant le traitement. L'équipe technique peut la retrouver avec la "
    "référence {reference}."
)


class JobStatus(models.TextChoices):
    QUEUED = "queued", _("en attente")
    RUNNING = "running", _("en cours")
    DONE = "done", _("terminé")
    FAILED = "failed", _("échec")


ACTIVE = (JobStatus.QUEUED, JobStatus.RUNNING)


class Job(models.Model):
    """What every kind of background work records. A concrete job names the Celery task
    that runs it (``task_name``, called with the job's id) and what it is called on the
    page (``kind_label``)."""

    Status = JobStatus

    task_name: ClassVar[str] = ""
    kind_label: ClassVar[str] = ""

    status = models.CharField(
        _("statut"), max_length=10, choices=JobStatus.choices, default=JobStatus.QUEUED
    )
    stage = models.CharField(_("étape"), max_length=120, blank=True)
    progress = models.PositiveSmallIntegerField(default=0)
    error_message = models.TextField(_("motif de l'échec"), blank=True)
    attempts = models.PositiveSmallIntegerField(_("tentatives"), default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    # Set once the broker has accepted the task; empty while a broker outage holds it back.
    dispatched_at = models.DateTimeField(null=True, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    # While running: until when the worker holds it (extended by its heartbeat), and which
    # delivery of the task holds it. Empty lease on a running job: it waits for its parts.
    lease_expires_at = models.DateTimeField(null=True, blank=True)
    lease_owner = models.CharField(max_length=64, blank=True)

    class Meta:
        abstract = True

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE

    @property
    def reference(self) -> str:
        """How the technical team finds it in the logs."""
        return f"{self._meta.model_name}-{self.pk}"

    def job_failed(self, reason: str) -> None:
        """Called when this job fails: a part of a larger job fails the whole (override)."""

    def job_relaunched(self) -> None:
        """Called when a failed job is queued again: a whole resets its failed parts."""


J = TypeVar("J", bound=Job)


def job_models() -> list[type[Job]]:
    """Every kind of job the installed apps define."""
    return [model for model in apps.get_models() if issubclass(model, Job)]


def lease_seconds() -> int:
    return settings.JOB_LEASE_SECONDS


def _lease_end() -> datetime.datetime:
    return timezone.now() + datetime.timedelta(seconds=lease_seconds())


# --- Dispatch ---------------------------------------------------------------------------


def job_dispatch(job: Job) -> None:
    """Send ``job`` to a worker once the current transaction commits. If the broker is
    unreachable the job simply stays queued: ``jobs_recover`` sends it later."""
    model, pk = type(job), job.pk
    transaction.on_commit(lambda: _send(model, pk))


def _send(model: type[Job], pk: int) -> bool:
    try:
        celery_app.send_task(model.task_name, args=[pk])
    except Exception:  # the broker is down or refuses: the row keeps the job
        log.warning("job.dispatch_failed", job=model._meta.label, job_id=pk, exc_info=True)
        return False
    model.objects.filter(pk=pk).update(dispatched_at=timezone.now())
    return True


# --- Claim, heartbeat, progress, outcome --------------------------------------------------


def job_claim(model: type[J], pk: int, *, owner: str = "", stage: str = "") -> J | None:
    """Hand the job to this worker, or None when another one has it or it is over.

    Claimable: a queued job; a running job whose lease has expired (its worker died); a
    running job held by this same delivery (``owner``: the broker delivered the message
    again because the process running it is gone)."""
    with transaction.atomic():
        job = model.objects.select_for_update().get(pk=pk)
        if job.status in (JobStatus.DONE, JobStatus.FAILED):
            return None
        if job.status == JobStatus.RUNNING and not _lease_lost(job, owner):
            return None
        now = timezone.now()
        job.status = JobStatus.RUNNING
        job.attempts += 1
        job.started_at = job.started_at or now
        job.finished_at = None
        job.error_message = ""
        job.lease_expires_at = _lease_end()
        job.lease_owner = owner[:64]
        if stage:
            job.stage = stage
        job.save()
    log.info("job.claimed", job=model._meta.label, job_id=pk, attempt=job.attempts)
    return job


def _lease_lost(job: Job, owner: str) -> bool:
    if owner and job.lease_owner == owner:
        return True
    return job.lease_expires_at is not None and job.lease_expires_at <= timezone.now()


def job_still_held(job: Job) -> bool:
    """Inside the transaction that stores a job's result: whether this claim still holds
    the job (locks its row). False when the lease expired and another worker took it
    over meanwhile: this result must then not be stored twice."""
    current = type(job).objects.select_for_update().get(pk=job.pk)
    return current.status == JobStatus.RUNNING and current.attempts == job.attempts


def job_release_lease(job: Job) -> None:
    """The job stays running but no worker holds it: it waits for its parts (chunks)."""
    type(job).objects.filter(pk=job.pk).update(lease_expires_at=None, lease_owner="")


def job_progress(job: Job, *, progress: int | None = None, stage: str | None = None) -> None:
    """Record progress (0-100) and the stage shown on the page; extends the lease."""
    fields: dict = {"lease_expires_at": _lease_end()}
    if progress is not None:
        fields["progress"] = max(0, min(100, int(progress)))
    if stage is not None:
        fields["stage"] = stage[:120]
    type(job).objects.filter(pk=job.pk, status=JobStatus.RUNNING).update(**fields)


def job_done(job: Job, *, stage: str = "", **fields) -> None:
    """Mark the job done (``fields``: the kind's own results, e.g. ``result=version``)."""
    type(job).objects.filter(pk=job.pk).update(
        status=JobStatus.DONE,
        progress=100,
        stage=stage,
        finished_at=timezone.now(),
        lease_expires_at=None,
        lease_owner="",
        **fields,
    )


def job_fail(job: Job, *, reason: str) -> None:
    """Mark the job failed with a reason a clinician can read (never patient text)."""
    type(job).objects.filter(pk=job.pk).update(
        status=JobStatus.FAILED,
        error_message=reason,
        stage="",
        finished_at=timezone.now(),
        lease_expires_at=None,
        lease_owner="",
    )
    log.warning("job.failed", job=job._meta.label, job_id=job.pk)
    job.job_failed(reason)


def job_requeue(job: Job) -> None:
    """Put a claimed job back in the queue (a transient error: the task is retried)."""
    type(job).objects.filter(pk=job.pk, status=JobStatus.RUNNING).update(
        status=JobStatus.QUEUED, lease_expires_at=None, lease_owner="", progress=0
    )


@contextlib.contextmanager
def job_heartbeat(*jobs: Job) -> Iterator[None]:
    """Extend the jobs' leases while the block runs, from a thread: the work itself may
    hold the interpreter in a model call for minutes. Outside a transaction only (a real
    worker): inside one, the rows it claimed are locked until it ends."""
    if connection.in_atomic_block or not jobs:
        yield
        return
    stop = threading.Event()
    beat = threading.Thread(target=_beat, args=(jobs, stop), name="job-heartbeat", daemon=True)
    beat.start()
    try:
        yield
    finally:
        stop.set()
        beat.join(timeout=10)


def _beat(jobs: Iterable[Job], stop: threading.Event) -> None:
    interval = max(1.0, lease_seconds() / 3)
    try:
        while not stop.wait(interval):
            for job in jobs:
                try:
                    type(job).objects.filter(pk=job.pk, status=JobStatus.RUNNING).exclude(
                        lease_expires_at=None
                    ).update(lease_expires_at=_lease_end())
                except Exception:  # a locked SQLite file: the next beat tries again
                    log.warning("job.heartbeat_missed", job_id=job.pk, exc_info=True)
    finally:
        close_old_connections()
        connection.close()


# --- Recovery (celery beat) ----------------------------------------------------------------


def jobs_recover() -> dict[str, int]:
    """Put back in the queue the jobs whose worker died (lease expired), and send again the
    jobs that never reached the broker. Safe to run any time, on any process."""
    counts = {"requeued": 0, "failed": 0, "sent": 0}
    now = timezone.now()
    for model in job_models():
        for pk in model.objects.filter(
            status=JobStatus.RUNNING, lease_expires_at__lte=now
        ).values_list("pk", flat=True):
            outcome = _recover_expired(model, pk)
            if outcome:
                counts[outcome] += 1
        # A queued job just created is dispatched when its transaction commits: give it time.
        grace = now - datetime.timedelta(seconds=settings.JOB_DISPATCH_GRACE_SECONDS)
        for pk in model.objects.filter(
            status=JobStatus.QUEUED, dispatched_at__isnull=True, created_at__lte=grace
        ).values_list("pk", flat=True):
            counts["sent"] += _send(model, pk)
    if any(counts.values()):
        log.info("jobs.recovered", **counts)
    return counts


def _recover_expired(model: type[Job], pk: int) -> str | None:
    with transaction.atomic():
        job = model.objects.select_for_update().get(pk=pk)
        if job.status != JobStatus.RUNNING or job.lease_expires_at is None:
            return None
        if job.lease_expires_at > timezone.now():
            return None  # its worker came back to it meanwhile
        if job.attempts >= settings.JOB_MAX_ATTEMPTS:
            job_fail(
                job,
                reason=INTERRUPTED_TOO_OFTEN.format(attempts=job.attempts, reference=job.reference),
            )
            return "failed"
        model.objects.filter(pk=pk).update(
            status=JobStatus.QUEUED,
            stage=RESUMED,
            lease_expires_at=None,
            lease_owner="",
            dispatched_at=None,
        )
        log.warning("job.lease_expired", job=model._meta.label, job_id=pk, attempt=job.attempts)
    _send(model, pk)  # committed: a worker may take it at once
    return "requeued"


def job_relaunch(job: J) -> J:
    """Queue a failed job again (the person asking was checked by the caller); its attempts
    start over. Refused for a job that is not failed."""
    with transaction.atomic():
        job = type(job).objects.select_for_update().get(pk=job.pk)
        if job.status != JobStatus.FAILED:
            raise ServiceError("Seul un traitement en échec peut être relancé.")
        job.status = JobStatus.QUEUED
        job.error_message = ""
        job.stage = "Relancé"
        job.progress = 0
        job.attempts = 0
        job.dispatched_at = None
        job.finished_at = None
        job.save()
        job.job_relaunched()
        job_dispatch(job)
    return job
