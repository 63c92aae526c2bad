import pytest
from django.db import transaction
from django.test import override_settings

from tests.security.world import build_world


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker, tmp_path_factory, tone_wav):
    """The world of tests/security/world.py, built once per test module inside a
    transaction rolled back at its end. Each test runs in a savepoint of it (pytest-django's
    ``db``), so what a test changes (a status, a comment) is gone before the next one."""
    media = tmp_path_factory.mktemp("media")
    with django_db_blocker.unblock(), override_settings(MEDIA_ROOT=media):
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            built = build_world(tone_wav)
            built.media_root = media
            yield built
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)


@pytest.fixture
def world_media(settings, world):
    """The world's recordings are stored in its own media folder."""
    settings.MEDIA_ROOT = world.media_root
    return world.media_root
