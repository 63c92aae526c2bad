"""The review as the two people live it, in a real browser: the clinician submits, the care
coordinator comments a section and asks for a correction, the clinician answers, validates
and signs; the signed report can no longer be edited."""

import pytest

from dossiers import services
from dossiers.models import DossierMember
from reports.models import Report, ReportEvent
from tests.conftest import PASSWORD
from tests.drafting.dossiers import consult, drafted
from tests.drafting.support import DRAFTING_PROTOCOL
from tests.drafting.transcripts import PARENT_INTERVIEW
from tests.e2e.conftest import log_in
from tests.protocol_files import import_published

pytestmark = pytest.mark.e2e


def _click_transition(page, name: str, message: str = "") -> None:
    form = page.locator(f"form.transition-{name}")
    if message:
        form.locator("textarea[name=message]").fill(message)
    form.locator("button[type=submit]").click()
    page.wait_for_load_state()


@pytest.mark.django_db(transaction=True)
def test_coordinator_asks_for_a_correction_then_the_clinician_validates_and_signs(
    page, second_page, live_server, alice, charlie, tone_wav
):
    protocol = import_published(DRAFTING_PROTOCOL).protocol
    dossier = services.dossier_create(
        initials="LM", birth_date=None, sex="M", protocols=[protocol], created_by=alice
    )
    services.dossier_member_add(dossier=dossier, user=charlie, role=DossierMember.Role.COORDINATOR)
    consult(dossier, alice, tone_wav, PARENT_INTERVIEW, day=2)
    drafted(dossier)
    report = dossier.reports.get()
    section = report.sections.get(key="communication")
    url = f"{live_server.url}/comptes-rendus/{report.pk}/"

    # The clinician submits the draft for review.
    log_in(page, live_server, "alice", PASSWORD)
    page.goto(url)
    _click_transition(page, "submit")
    assert "en relecture" in page.locator("#review .status").inner_text().lower()

    # The coordinator reads it, comments on a section and asks for a correction.
    log_in(second_page, live_server, "charlie", PASSWORD)
    second_page.goto(url)
    block = second_page.locator(f"#section-{section.pk}")
    assert block.locator("button[value=shorten]").count() == 0  # a reviewer gets no editor
    block.locator("details.comment-add summary").click()
    block.locator("form.comment-form-section textarea").fill(
        "Préciser depuis quand il ne pointe pas."
    )
    block.locator("form.comment-form-section button[type=submit]").click()
    second_page.wait_for_load_state()
    assert "Préciser depuis quand" in second_page.locator(f"#section-{section.pk}").inner_text()
    _click_transition(second_page, "request_changes", "Voir le commentaire sur la communication.")
    assert "à corriger" in second_page.locator("#review .status").inner_text().lower()
    assert second_page.locator("form.transition-approve").count() == 0

    # The clinician sees the request, answers the comment, validates (blocked until the
    # comment is handled) and signs.
    page.goto(url)
    assert (
        "Voir le commentaire sur la communication." in page.locator(".changes-request").inner_text()
    )
    assert page.locator("form.transition-validate button").is_disabled()
    page.locator(f"#section-{section.pk} form.comment-resolve button").click()
    page.wait_for_load_state()
    _click_transition(page, "validate")
    assert "validé" in page.locator("#review .status").inner_text().lower()
    _click_transition(page, "sign")

    report.refresh_from_db()
    assert report.status == Report.Status.SIGNED
    assert report.signed_by == alice and len(report.signed_sha256) == 64
    signature = page.locator("#signature")
    assert report.signed_sha256 in signature.inner_text()
    # Signed: no editing control is offered any more, the database refuses changes anyway.
    assert page.locator(f"#section-{section.pk} button[value=shorten]").count() == 0
    kinds = list(report.events.values_list("kind", flat=True))
    assert kinds == [
        ReportEvent.Kind.SUBMITTED,
        ReportEvent.Kind.COMMENTED,
        ReportEvent.Kind.CHANGES_REQUESTED,
        ReportEvent.Kind.COMMENT_RESOLVED,
        ReportEvent.Kind.VALIDATED,
        ReportEvent.Kind.SIGNED,
    ]
