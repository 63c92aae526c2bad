"""Review fixtures: the named users of tests/conftest.py plus dora, an external member of
the care team (a school doctor: reads shared signed reports only).

Two reports: ``report``, an empty one straight from the dossier's grid (fast, for the
permission tables), and ``drafted_report``, two consultations transcribed and drafted
through the real services (for guards, comments, corrections and consent)."""

import pytest
from django.utils import timezone

from dossiers import services
from dossiers.models import DossierMember
from reports.models import Report
from reports.review.services import content_sha256, report_transition
from reports.services import report_draft_ensure
from tests.drafting.dossiers import SECOND_SESSION, consult, drafted
from tests.drafting.support import DRAFTING_PROTOCOL
from tests.drafting.transcripts import PARENT_INTERVIEW
from tests.factories import UserFactory
from tests.protocol_files import import_published


@pytest.fixture
def dora(db):
    return UserFactory(username="dora", first_name="Dora", last_name="Médecin-scolaire")


@pytest.fixture
def team(alice, charlie, dora, bob):
    """Who plays which part, by the role names of the transition table."""
    return {"clinician": alice, "coordinator": charlie, "external": dora, "outsider": bob}


@pytest.fixture
def report(dossier, dora) -> Report:
    services.dossier_member_add(dossier=dossier, user=dora, role=DossierMember.Role.EXTERNAL)
    return report_draft_ensure(dossier=dossier)


@pytest.fixture
def drafted_report(alice, charlie, dora, tone_wav) -> Report:
    protocol = import_published(DRAFTING_PROTOCOL).protocol
    dossier = services.dossier_create(
        initials="LM", birth_date=None, sex="M", protocols=[protocol], created_by=alice
    )
    services.dossier_member_add(dossier=dossier, user=charlie, role=DossierMember.Role.COORDINATOR)
    services.dossier_member_add(dossier=dossier, user=dora, role=DossierMember.Role.EXTERNAL)
    consult(dossier, alice, tone_wav, PARENT_INTERVIEW, day=2)
    consult(dossier, alice, tone_wav, SECOND_SESSION, day=9)
    drafted(dossier)
    return dossier.reports.get()


def status_set(report: Report, status: str, *, signer=None) -> Report:
    """Put ``report`` in ``status`` directly (the permission tables start from every
    status; the walk through the transitions is tested on its own)."""
    fields = {"status": status}
    if status == Report.Status.SIGNED:
        fields |= {
            "signed_by": signer,
            "signed_at": timezone.now(),
            "signed_sha256": content_sha256(report),
        }
    Report.objects.filter(pk=report.pk).update(**fields)
    report.refresh_from_db()
    return report


def sign(report: Report, *, clinician, coordinator) -> Report:
    """Through the workflow: submitted, approved by the coordinator, signed."""
    report_transition(report=report, name="submit", user=clinician)
    report_transition(report=report, name="approve", user=coordinator)
    return report_transition(report=report, name="sign", user=clinician)
