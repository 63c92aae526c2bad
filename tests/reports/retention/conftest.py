"""A dossier with two transcribed consultations whose report was drafted and signed
through the real workflow on START (Monday 23 November 2026, 10:00 in Paris), under a
clock the tests move forward."""

import datetime

import pytest
import time_machine

from dossiers import services
from dossiers.models import DossierMember, Recording
from reports.models import Report
from tests.drafting.dossiers import SECOND_SESSION, consult, drafted
from tests.drafting.support import DRAFTING_PROTOCOL
from tests.drafting.transcripts import PARENT_INTERVIEW
from tests.protocol_files import import_published
from tests.reports.conftest import sign

START = datetime.datetime(2026, 11, 23, 9, 0, tzinfo=datetime.UTC)


def days_after_signature(days: float) -> datetime.datetime:
    return START + datetime.timedelta(days=days)


@pytest.fixture
def clock():
    with time_machine.travel(START, tick=True) as traveller:
        yield traveller


@pytest.fixture
def signed_report(clock, settings, alice, charlie, tone_wav) -> Report:
    settings.RECORDING_RETENTION_DAYS = 90
    protocol = import_published(DRAFTING_PROTOCOL).protocol
    dossier = services.dossier_create(
        initials="LM", birth_date=None, sex="M", protocols=[protocol], created_by=alice
    )
    services.dossier_member_add(dossier=dossier, user=charlie, role=DossierMember.Role.COORDINATOR)
    consult(dossier, alice, tone_wav, PARENT_INTERVIEW, day=2)
    consult(dossier, alice, tone_wav, SECOND_SESSION, day=9)
    drafted(dossier)
    return sign(dossier.reports.get(), clinician=alice, coordinator=charlie)


@pytest.fixture
def recordings(signed_report) -> list[Recording]:
    return list(Recording.objects.filter(transcript__reports=signed_report).order_by("pk"))
