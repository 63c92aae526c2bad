"""docker-compose.yml (Docker does not run on our machines: the file is checked here)."""

import re
from pathlib import Path

import yaml
from django.conf import settings

COMPOSE = Path(__file__).resolve().parents[2] / "docker-compose.yml"


def _seconds(duration: str) -> int:
    units = {"h": 3600, "m": 60, "s": 1}
    return sum(int(n) * units[u] for n, u in re.findall(r"(\d+)([hms])", duration))


def test_workers_get_a_stop_grace_period_longer_than_the_longest_task():
    services = yaml.safe_load(COMPOSE.read_text())["services"]
    workers = [s for s in services.values() if "celery -A neddie worker" in s.get("command", "")]
    assert workers
    for worker in workers:
        assert _seconds(worker["stop_grace_period"]) > settings.CELERY_TASK_TIME_LIMIT


def test_beat_runs_once_and_so_does_the_jobs_recovery():
    services = yaml.safe_load(COMPOSE.read_text())["services"]
    beats = [s for s in services.values() if " beat" in str(s.get("command", ""))]
    assert len(beats) == 1
    assert settings.CELERY_BEAT_SCHEDULE["recover-jobs"]["task"] == "neddie.tasks.recover_jobs"
