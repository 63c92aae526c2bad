"""The editor in Chromium: a citation chip plays its passage in the shared player, the
toolbar writes Markdown, autosave saves while typing, and a conflict stops it in place.
(The page's Content-Security-Policy forbids eval: wait on functions, not strings.)"""

import pytest

from dossiers import services
from drafting import services as drafting
from reports.models import SectionVersion
from tests.audio import write_tone
from tests.conftest import PASSWORD
from tests.drafting.dossiers import consult, drafted
from tests.drafting.editor.conftest import flag
from tests.drafting.support import DRAFTING_PROTOCOL
from tests.drafting.transcripts import PARENT_INTERVIEW
from tests.e2e.conftest import log_in
from tests.protocol_files import import_published

pytestmark = pytest.mark.e2e


@pytest.mark.django_db(transaction=True)
def test_a_clinician_listens_to_a_source_writes_markdown_and_meets_a_conflict(
    page,
    live_server,
    alice,
    tmp_path,
):
    # Long enough for every passage's start: the player cannot seek past the end.
    recording = write_tone(tmp_path / "consultation.wav", seconds=90.0)
    protocol = import_published(DRAFTING_PROTOCOL).protocol
    dossier = services.dossier_create(
        initials="LM", birth_date=None, sex="M", protocols=[protocol], created_by=alice
    )
    consult(dossier, alice, recording, PARENT_INTERVIEW, day=2)
    drafted(dossier)
    report = dossier.reports.get()
    section = report.sections.get(key="communication")
    flag(section.versions.get(status=SectionVersion.Status.ACCEPTED).statements.get(position=2))
    refused = []
    page.on("console", lambda m: "Content Security Policy" in m.text and refused.append(m.text))

    log_in(page, live_server, "alice", PASSWORD)
    page.goto(f"{live_server.url}/comptes-rendus/{report.pk}/")
    block = page.locator(f"#section-{section.pk}")
    assert "1 phrase à vérifier" in page.locator("#to-verify").inner_text()

    # A chip, from the keyboard: the passage in the panel, the recording at its start.
    chip = block.locator(".statement", has_text="Il ne pointe jamais").locator("button.cite")
    start = float(chip.first.get_attribute("data-start"))
    chip.first.focus()
    page.keyboard.press("Enter")
    page.wait_for_function(
        f"() => Math.abs(document.querySelector('#evidence audio').currentTime - {start}) < 0.5"
    )
    passage = page.locator("#evidence .evidence-passage").inner_text()
    assert "C1-U" in passage and "Il ne pointe jamais" in passage and "0:" in passage

    # Typing autosaves; the toolbar writes Markdown (and autosaves too).
    block.locator("details.section-text summary").click()
    textarea = block.locator("textarea[name=text]")
    textarea.click()
    page.keyboard.press("Control+End")
    page.keyboard.type("\n\nAjout du clinicien")
    block.locator(".autosave-status").filter(has_text="(version 2)").wait_for()
    assert block.locator("input[name=based_on]").input_value() == "2"
    page.keyboard.press("Shift+Home")
    block.locator("button[data-md=bullets]").click()
    block.locator(".autosave-status").filter(has_text="(version 3)").wait_for()
    section.refresh_from_db()
    assert section.body.endswith("»\n\n- Ajout du clinicien")
    assert block.locator(".reading li", has_text="Ajout du clinicien").is_visible()
    assert block.locator(".statement.needs-review").count() == 1  # still to verify

    # Someone else saves; the next autosave shows both texts and stops.
    drafting.section_text_save(section=section, text="Texte d'un collègue.", user=alice)
    page.keyboard.type(" encore")
    conflict = page.locator(f"#editor-{section.pk} .conflict")
    conflict.wait_for()
    assert "Texte d'un collègue." in conflict.inner_text()
    assert "Ajout du clinicien encore" in conflict.inner_text()
    versions = section.versions.count()
    page.locator(f"#editor-{section.pk} textarea").press_sequentially(" plus")
    page.wait_for_timeout(2_000)
    assert section.versions.count() == versions
    assert not refused
