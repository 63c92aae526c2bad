"""A clinician edits a section, asks for a shorter passage (a background job run by a real
Celery worker), accepts the diff, checks a sentence against the recording, and undoes."""

import pytest

from dossiers import services
from drafting.models import EditJob
from reports.models import SectionVersion
from tests.audio import write_tone
from tests.conftest import PASSWORD
from tests.drafting.dossiers import consult, drafted
from tests.drafting.support import DRAFTING_PROTOCOL
from tests.drafting.transcripts import PARENT_INTERVIEW
from tests.e2e.conftest import log_in
from tests.protocol_files import import_published

pytestmark = pytest.mark.e2e


@pytest.mark.django_db(transaction=True)
def test_a_clinician_edits_shortens_accepts_checks_a_source_and_undoes(
    page, live_server, alice, tmp_path, worker
):
    # Long enough for every cited passage: the player cannot seek past the end.
    recording = write_tone(tmp_path / "consultation.wav", seconds=90.0)
    protocol = import_published(DRAFTING_PROTOCOL).protocol
    dossier = services.dossier_create(
        initials="LM", birth_date=None, sex="M", protocols=[protocol], created_by=alice
    )
    consult(dossier, alice, recording, PARENT_INTERVIEW, day=2)
    drafted(dossier)
    report = dossier.reports.get()
    section = report.sections.get(key="communication")

    log_in(page, live_server, "alice", PASSWORD)
    page.goto(f"{live_server.url}/comptes-rendus/{report.pk}/")
    block = page.locator(f"#section-{section.pk}")

    # The clinician adds a sentence: autosaved as version 2.
    block.locator("details.section-text summary").click()
    block.locator("textarea[name=text]").click()
    page.keyboard.press("Control+End")
    page.keyboard.type("\n\nContact visuel fuyant pendant la séance.")
    block.locator(".autosave-status").filter(has_text="(version 2)").wait_for()
    section.refresh_from_db()
    edited = section.body
    assert edited.endswith("Contact visuel fuyant pendant la séance.")

    # "Réduire" on two ticked sentences: a job with its progress, run by the worker, then
    # a proposal with a diff; the text is unchanged until accepted.
    page.reload()
    block = page.locator(f"#section-{section.pk}")
    checkboxes = block.locator("input[name=selection]")
    checkboxes.nth(0).check()
    checkboxes.nth(1).check()
    block.locator("button.ai-action[value=shorten]").click()
    block.locator(".edit-job").wait_for()
    proposal = page.locator(f"#section-{section.pk} .proposal")
    proposal.wait_for(timeout=90_000)  # the page reloads itself when the job is done
    job = EditJob.objects.get(section=section)
    assert job.status == EditJob.Status.DONE and job.progress == 100
    assert "Proposition : réduire" in proposal.inner_text()
    assert proposal.locator("pre.diff").inner_text().strip()
    section.refresh_from_db()
    assert section.body == edited

    proposal.locator("button[value=accept]").click()
    page.locator(f"#section-{section.pk} .proposal").wait_for(state="detached")
    section.refresh_from_db()
    accepted = section.versions.get(status=SectionVersion.Status.ACCEPTED)
    assert accepted.origin == SectionVersion.Origin.SHORTEN
    assert section.body == accepted.text != edited
    assert "Contact visuel fuyant" in section.body  # the clinician's sentence was kept

    # A sentence's source: the passage in the panel, the recording at the passage's start.
    chip = page.locator(f"#section-{section.pk} .statement button.cite").first
    start = float(chip.get_attribute("data-start"))
    chip.click()
    page.wait_for_function(
        f"() => Math.abs(document.querySelector('#evidence audio').currentTime - {start}) < 0.5"
    )
    passage = page.locator("#evidence .evidence-passage").inner_text()
    assert "C1-U" in passage

    # Undo brings the clinician's text back.
    page.locator(f"#section-{section.pk} details.section-text summary").click()
    page.locator(f"#section-{section.pk}").get_by_text("Annuler la dernière modification").click()
    page.wait_for_load_state()
    section.refresh_from_db()
    assert section.body == edited
