"""Sharing fixtures: alice (clinician), charlie (coordinator), bob (outsider) of
tests/conftest.py, plus dave, an external member of the team, and eve, an administrator in
no team. Every user has an email address (the notifications go there).

``signed``: a dossier with one transcribed consultation, drafted, signed through the
workflow, with the legal representative's sharing consent; ``draft``: a report straight
from the dossier's grid, never signed."""

import pytest

from dossiers import services
from dossiers.models import Consultation, DossierMember
from reports.models import Report
from reports.review.services import report_transition
from reports.services import report_draft_ensure
from tests.drafting.dossiers import consult, drafted
from tests.drafting.support import DRAFTING_PROTOCOL
from tests.drafting.transcripts import PARENT_INTERVIEW
from tests.factories import UserFactory
from tests.protocol_files import import_published


@pytest.fixture
def dave(db):
    return UserFactory(
        username="dave", first_name="Dave", last_name="Externe", email="dave@example.org"
    )


@pytest.fixture
def eve(db):
    return UserFactory(username="eve", is_staff=True, is_superuser=True, email="eve@example.org")


@pytest.fixture
def emails(alice, bob, charlie):
    for user in (alice, bob, charlie):
        user.email = f"{user.username}@example.org"
        user.save(update_fields=["email"])


def team_dossier(alice, charlie, dave):
    protocol = import_published(DRAFTING_PROTOCOL).protocol
    dossier = services.dossier_create(
        initials="LM", birth_date=None, sex="M", protocols=[protocol], created_by=alice
    )
    services.dossier_member_add(dossier=dossier, user=charlie, role=DossierMember.Role.COORDINATOR)
    services.dossier_member_add(dossier=dossier, user=dave, role=DossierMember.Role.EXTERNAL)
    return dossier


def sign(report: Report, *, clinician, coordinator) -> Report:
    report_transition(report=report, name="submit", user=clinician)
    report_transition(report=report, name="approve", user=coordinator)
    return report_transition(report=report, name="sign", user=clinician)


@pytest.fixture
def unconsented(alice, charlie, dave, bob, emails, tone_wav) -> Report:
    """Signed, but the legal representative did not consent to sharing."""
    dossier = team_dossier(alice, charlie, dave)
    consult(dossier, alice, tone_wav, PARENT_INTERVIEW, day=2)
    drafted(dossier)
    return sign(dossier.reports.get(), clinician=alice, coordinator=charlie)


@pytest.fixture
def signed(unconsented) -> Report:
    Consultation.objects.filter(dossier=unconsented.dossier).update(sharing_consent=True)
    return unconsented


@pytest.fixture
def draft(alice, charlie, dave, bob, emails) -> Report:
    return report_draft_ensure(dossier=team_dossier(alice, charlie, dave))
