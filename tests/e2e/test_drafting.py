"""A clinician reads the draft against its sources, asks for a shorter passage, accepts
the diff, and undoes it."""

import pytest

from reports import services
from reports.drafting.models import SectionVersion
from tests.conftest import PASSWORD
from tests.drafting.dossiers import consult, drafted
from tests.drafting.support import DRAFTING_PROTOCOL
from tests.drafting.transcripts import PARENT_INTERVIEW
from tests.e2e.conftest import log_in
from tests.protocol_files import import_published

pytestmark = pytest.mark.e2e


@pytest.mark.django_db(transaction=True)
def test_a_clinician_checks_sources_shortens_accepts_and_undoes(page, live_server, alice, tone_wav):
    protocol = import_published(DRAFTING_PROTOCOL).protocol
    dossier = services.dossier_create(
        initials="LM", birth_date=None, sex="M", protocols=[protocol], created_by=alice
    )
    consult(dossier, alice, tone_wav, PARENT_INTERVIEW, day=2)
    drafted(dossier)
    report = dossier.reports.get()
    section = report.sections.get(key="communication")
    drafted_text = section.body

    log_in(page, live_server, "alice", PASSWORD)
    page.goto(f"{live_server.url}/comptes-rendus/{report.pk}/")
    block = page.locator(f"#section-{section.pk}")
    pointing = block.locator("li.statement", has_text="Il ne pointe jamais")
    assert pointing.is_visible()

    # The sentence's source: consultation, time, speaker, words, and a player at that time.
    pointing.locator("details.sources summary").click()
    source = pointing.locator("details.sources li").first
    assert "C1-U" in source.inner_text()
    assert "Il ne pointe jamais" in source.inner_text()
    audio_src = source.locator("audio").get_attribute("src")
    assert "/audio/#t=" in audio_src

    # Shorten two ticked sentences: a proposal with a diff, the text unchanged until accepted.
    checkboxes = block.locator("input[name=selection]")
    checkboxes.nth(0).check()
    checkboxes.nth(1).check()
    block.locator("button[value=shorten]").click()
    proposal = page.locator(f"#section-{section.pk} .proposal")
    proposal.wait_for()
    assert "Proposition : réduire" in proposal.inner_text()
    assert proposal.locator("pre.diff").inner_text().strip()
    section.refresh_from_db()
    assert section.body == drafted_text

    proposal.locator("button[value=accept]").click()
    page.locator(f"#section-{section.pk} .proposal").wait_for(state="detached")
    section.refresh_from_db()
    accepted = section.versions.get(status=SectionVersion.Status.ACCEPTED)
    assert accepted.origin == SectionVersion.Origin.SHORTEN
    assert section.body == accepted.text != drafted_text

    # Undo brings the drafted text back.
    page.locator(f"#section-{section.pk} details.section-text summary").click()
    page.locator(f"#section-{section.pk}").get_by_text("Annuler la dernière modification").click()
    page.wait_for_load_state()
    section.refresh_from_db()
    assert section.body == drafted_text
