"""Shared fixtures. Named users, as in healthchecks' test base:

- alice: clinician in the dossier's care team
- charlie: care coordinator in the same team
- bob: a clinician of another team (an outsider to alice's dossier)

alice and bob are in the group « Cliniciens » (they may open dossiers); charlie is not.
"""

from importlib import import_module
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.db import connection
from django.test import TransactionTestCase

from dossiers import services
from dossiers.models import DossierMember
from dossiers.permissions import CLINICIANS_GROUP
from tests.audio import FRENCH_SENTENCE, write_sentences, write_speech, write_tone
from tests.factories import UserFactory
from tests.protocol_files import REPORT_PROTOCOL, SCREENING_PROTOCOL, import_published
from tests.workers import RedisServer

PASSWORD = "correct horse battery staple"


@pytest.fixture(scope="session", autouse=True)
def _flush_may_purge_published_protocols():
    """Transactional tests end by deleting every row (Django's flush on SQLite), which the
    immutability triggers refuse for published protocol versions. Open the documented
    escape hatch (protocols_purge_allowed) for that flush only."""
    original = TransactionTestCase._fixture_teardown

    def teardown(self):
        with connection.cursor() as cursor:
            cursor.execute("INSERT INTO protocols_purge_allowed (reason) VALUES ('test flush')")
        try:
            original(self)
        finally:
            with connection.cursor() as cursor:
                cursor.execute("DELETE FROM protocols_purge_allowed")
            _rows_of_data_migrations_restore()

    TransactionTestCase._fixture_teardown = teardown
    yield
    TransactionTestCase._fixture_teardown = original


def _rows_of_data_migrations_restore() -> None:
    """The flush also deletes what data migrations made; flush's post_migrate brings back
    content types and permissions, not the groups: make the protocol editors group and the
    clinicians group again, as protocols/migrations/0003 and reports/migrations/0009 do, so
    that the next test finds the database as migrated."""
    from django.contrib.auth.models import Group, Permission

    clinicians, _ = Group.objects.get_or_create(name=CLINICIANS_GROUP)
    clinicians.permissions.set(
        Permission.objects.filter(content_type__app_label="dossiers", codename="open_dossier")
    )

    migration = import_module("protocols.migrations.0003_protocol_editors_group")
    codenames = [
        f"{action}_{model}"
        for model in migration.MODELS
        for action in ("add", "change", "delete", "view")
    ] + ["publish_protocolversion"]
    group, _ = Group.objects.get_or_create(name=migration.GROUP)
    group.permissions.set(
        Permission.objects.filter(content_type__app_label="protocols", codename__in=codenames)
    )


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    """Every test stores its files in its own folder."""
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def protocol(db):
    """A published report structure: three free-text sections."""
    return import_published(REPORT_PROTOCOL).protocol


@pytest.fixture
def screening_protocol(db):
    """A published screening grid with age bands and decision rules."""
    return import_published(SCREENING_PROTOCOL).protocol


@pytest.fixture
def alice(db):
    return UserFactory(
        username="alice", first_name="Alice", last_name="Clinicienne", clinician=True
    )


@pytest.fixture
def bob(db):
    return UserFactory(username="bob", first_name="Bob", last_name="Autre-équipe", clinician=True)


@pytest.fixture
def charlie(db):
    return UserFactory(username="charlie", first_name="Charlie", last_name="Coordinateur")


@pytest.fixture
def dossier(alice, charlie, protocol):
    dossier = services.dossier_create(
        initials="LM", birth_date=None, sex="M", protocols=[protocol], created_by=alice
    )
    services.dossier_member_add(dossier=dossier, user=charlie, role=DossierMember.Role.COORDINATOR)
    return dossier


@pytest.fixture(scope="session")
def audio_dir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("audio")


@pytest.fixture(scope="session")
def tone_wav(audio_dir) -> Path:
    return write_tone(audio_dir / "tone.wav", seconds=3.0)


@pytest.fixture(scope="session")
def french_speech(audio_dir) -> Path:
    """A short French sentence spoken by Kokoro (about 4 s at 16 kHz)."""
    return write_speech(audio_dir / "parole.wav", FRENCH_SENTENCE)


@pytest.fixture(scope="session")
def long_recording(audio_dir) -> Path:
    """About 30 seconds of speech with pauses, for chunked transcription."""
    return write_sentences(
        audio_dir / "long.wav",
        [
            "Bonjour docteur, mon enfant joue avec ses voitures.",
            "Le matin, il refuse de manger.",
            "À la crèche, il joue tout seul.",
            "Il répète souvent les mêmes phrases.",
        ]
        * 2,
        pause_seconds=1.5,
    )


@pytest.fixture(scope="session")
def whisper_model_dir() -> Path:
    folder = Path(django_settings.WHISPER_MODEL_DIR)
    if not (folder / "model.bin").is_file():
        pytest.fail(f"No Whisper model in {folder}: run `make models` first.")
    return folder


@pytest.fixture(scope="session")
def redis_url(tmp_path_factory):
    """A real Redis server for the session, on a free loopback port."""
    server = RedisServer(tmp_path_factory.mktemp("redis"))
    try:
        server.start()
    except RuntimeError as exc:
        pytest.fail(str(exc))
    yield server.url
    server.stop()


def pytest_report_header(config):
    db = django_settings.DATABASES["default"]
    return f"database: {db['ENGINE'].rsplit('.', 1)[-1]} ({db.get('HOST') or 'local file'})"
