"""A real Celery worker process for tests: the integration tests and the browser tests use
it so that background work runs as in production (a broker, a separate process, the test
database), never in eager mode."""

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

from django.conf import settings as django_settings
from django.db import connection

from neddie.celery import app as celery_app

REPO_ROOT = Path(__file__).resolve().parent.parent


def _point_producer_at(broker_url: str, transport_options: dict) -> None:
    """Make this (test) process publish to the given broker."""
    celery_app.conf.broker_url = broker_url
    celery_app.conf.broker_transport_options = transport_options
    # Drop producer pools built for the previous broker.
    celery_app._pool = None
    celery_app.amqp._producer_pool = None


@contextlib.contextmanager
def broker_for_worker(tmp_path: Path, *, redis_url: str = ""):
    """Point this process's producer at Redis (``redis_url``) or at a fresh filesystem
    broker; yields the environment the worker needs to consume from it."""
    original = (celery_app.conf.broker_url, celery_app.conf.broker_transport_options)
    if redis_url:
        _point_producer_at(redis_url, {"visibility_timeout": 3600})
        env = {"REDIS_URL": redis_url}
    else:
        folder = tmp_path / "broker"
        options = {
            "data_folder_in": str(folder / "queue"),
            "data_folder_out": str(folder / "queue"),
            "control_folder": str(folder / "control"),
            "store_processed": False,
        }
        for path in ("queue", "control"):
            (folder / path).mkdir(parents=True)
        _point_producer_at("filesystem://", options)
        env = {"REDIS_URL": "", "CELERY_BROKER_DIR": str(folder)}
    try:
        yield env
    finally:
        _point_producer_at(*original)


def test_database_url() -> str:
    """The URL of the database this test runs on, for the worker process."""
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{db['NAME']}"
    return f"postgres://{db['USER']}:{db['PASSWORD']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"


test_database_url.__test__ = False  # not a test, whatever pytest's name rules say


@contextlib.contextmanager
def celery_worker(env: dict, settings, log_path: Path, *, beat: bool = False):
    """A `celery worker` process on the test database and media folder, all queues;
    ``beat``: with the periodic tasks (the jobs' recovery among them) embedded."""
    full_env = {
        **os.environ,
        "DATABASE_URL": test_database_url(),
        "MEDIA_ROOT": str(settings.MEDIA_ROOT),
        "WHISPER_MODEL_DIR": str(django_settings.WHISPER_MODEL_DIR),
        "SECRET_KEY": "test-only-not-a-secret",
        **env,
    }
    if beat:
        full_env["CELERY_BEAT_SCHEDULE_FILENAME"] = str(log_path.with_suffix(".beat-schedule"))
    log = open(log_path, "ab")  # noqa: SIM115 (closed below)
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "neddie",
            "worker",
            "--queues",
            "default,transcription,drafting",
            "--concurrency",
            "1",
            "--loglevel",
            "INFO",
            *(["--beat"] if beat else []),
        ],
        cwd=REPO_ROOT,
        env=full_env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        yield process
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
        log.close()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class RedisServer:
    """A real Redis server on a loopback port, that a test can stop and start again on the
    same port (a broker outage)."""

    def __init__(self, workdir: Path, port: int | None = None):
        self.workdir, self.port = workdir, port or free_port()
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        binary = shutil.which("redis-server")
        if binary is None:
            raise RuntimeError("redis-server is not installed (make test installs it).")
        self.process = subprocess.Popen(
            [
                binary,
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.workdir),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                return
            except OSError:
                time.sleep(0.05)
        self.stop()
        raise RuntimeError("redis-server did not start")

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=10)
            self.process = None
