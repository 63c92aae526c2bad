"""A report drafted through the real services (extractive engine, no model): alice writes
it, charlie coordinates (reads, never edits), bob is outside the care team."""

import pytest

from dossiers import services
from dossiers.models import DossierMember
from reports.models import SectionVersion, Statement
from tests.drafting.conftest import drafting_dossier  # noqa: F401 (a fixture)
from tests.drafting.dossiers import SECOND_SESSION, consult, drafted
from tests.drafting.transcripts import PARENT_INTERVIEW


@pytest.fixture
def report(drafting_dossier, alice, charlie, tone_wav):  # noqa: F811
    services.dossier_member_add(
        dossier=drafting_dossier, user=charlie, role=DossierMember.Role.COORDINATOR
    )
    consult(drafting_dossier, alice, tone_wav, PARENT_INTERVIEW, day=2)
    consult(drafting_dossier, alice, tone_wav, SECOND_SESSION, day=9)
    drafted(drafting_dossier)
    return drafting_dossier.reports.get()


@pytest.fixture
def section(report):
    """The communication section: several quoted sentences, each citing its passage."""
    return report.sections.get(key="communication")


def accepted(section) -> SectionVersion:
    return section.versions.get(status=SectionVersion.Status.ACCEPTED)


def flag(statement: Statement, reason: str = "chiffre absent des passages cités") -> None:
    """What verification does to a sentence it doubts (arranged here: the extractive
    drafts these tests use only quote, and quotes are never flagged)."""
    statement.verdict = Statement.Verdict.FLAGGED
    statement.reasons = [reason]
    statement.save(update_fields=["verdict", "reasons"])
