"""The report editor in the browser's HTML: Markdown text read sentence by sentence with
its sources, autosave (one version per change, a conflict never overwrites), flagged
sentences kept or deleted, AI actions in place, and a read-only page for who may not edit
(404 for outsiders, 403 for the coordinator)."""

import re

from django.urls import reverse

from drafting import services as drafting
from drafting.models import EditJob
from reports.models import SectionVersion
from reports.review.services import report_transition
from tests.drafting.editor.conftest import accepted, flag
from tests.pathway_urls import pathway_url

HTMX = {"HX-Request": "true"}


def page_of(client, report) -> str:
    response = client.get(reverse("drafting:report_detail", args=[report.pk]))
    assert response.status_code == 200
    return response.content.decode()


def text_url(report, section) -> str:
    return reverse("drafting:section_text", args=[report.pk, section.pk])


def autosave(client, report, section, text, based_on):
    return client.post(
        text_url(report, section), {"text": text, "based_on": based_on}, headers=HTMX
    )


def citations(version) -> dict[str, set[int]]:
    return {
        s.text: {u.pk for u in s.citations.all()} for s in version.statements.order_by("position")
    }


# --- Reading view ------------------------------------------------------------------------


def test_each_sentence_shows_its_citation_chips_and_the_evidence_panel(client, alice, report):
    client.force_login(alice)
    html = page_of(client, report)
    assert '<aside id="evidence"' in html and "<audio controls" in html
    chip = re.search(r'<button type="button" class="cite"[^>]*>C1-U\d{4}</button>', html, re.S)
    assert chip is not None
    assert re.search(r'data-audio="/enregistrements/\d+/audio/"', chip.group(0))
    assert re.search(r'data-start="\d+\.\d{2}"', chip.group(0))
    assert 'data-text="Il ne pointe jamais' in html
    assert 'src="/static/neddie/editor.js"' in html


def test_statements_keep_their_citations_through_emphasis_and_lists(client, alice, report, section):
    client.force_login(alice)
    drafted = accepted(section)
    before = citations(drafted)
    first, second, third = list(before)[:3]  # each item's answers: one statement
    markdown = f"{first} **{second}**\n\n- *{third}*\n- Phrase ajoutée."

    response = client.post(text_url(report, section), {"text": markdown, "based_on": 1})

    assert response.status_code == 302
    after = citations(accepted(section))
    assert list(after) == [first, second, third, "Phrase ajoutée."]
    for sentence in (first, second, third):
        assert after[sentence] == before[sentence] and after[sentence]
    assert after["Phrase ajoutée."] == set()
    # Read back as a list, with the sources of the sentence in bold still beside it.
    html = page_of(client, report)
    assert "<ul><li>" in html.replace("\n", "")
    bold = re.search(
        "<strong>" + re.escape(second[:20]) + r".*?</span>(.*?)</span>",
        html.replace("&#x27;", "'"),
        re.S,
    )
    assert bold is not None and 'class="cite"' in bold.group(1)


# --- Autosave ----------------------------------------------------------------------------


def test_autosave_creates_one_version_per_change_and_none_for_an_unchanged_text(
    client, alice, report, section
):
    client.force_login(alice)
    response = autosave(client, report, section, "Premier jet, *à reprendre*.", based_on=1)
    assert response.status_code == 200
    html = response.content.decode()
    assert re.search(r"Enregistré à \d\d:\d\d \(version 2\)", html)
    assert '<input type="hidden" name="based_on" value="2">' in html  # the next save's base
    assert 'id="reading-' in html and 'hx-swap-oob="true"' in html  # the text as read
    assert "<em>à reprendre</em>" in html
    assert section.versions.count() == 2

    # The same text again (typing, then undoing it): nothing new, the same answer.
    response = autosave(client, report, section, "Premier jet, *à reprendre*.\r\n", based_on=2)
    assert response.status_code == 200
    assert "(version 2)" in response.content.decode()
    assert section.versions.count() == 2

    response = autosave(client, report, section, "Second jet.", based_on=2)
    assert "(version 3)" in response.content.decode()
    assert section.versions.count() == 3
    section.refresh_from_db()
    assert section.body == "Second jet."


def test_an_autosave_after_someone_elses_save_shows_both_texts_and_saves_nothing(
    client, alice, report, section
):
    client.force_login(alice)
    # Another tab (or colleague) saved meanwhile, on the version this editor loaded.
    drafting.section_text_save(section=section, text="Texte d'un collègue.", user=alice, based_on=1)

    response = autosave(client, report, section, "Mon texte **non enregistré**.", based_on=1)

    assert response.status_code == 409
    assert response.headers["HX-Retarget"] == f"#editor-{section.pk}"
    assert response.headers["HX-Reswap"] == "outerHTML"
    html = response.content.decode()
    assert "a changé entre-temps" in html
    assert "Texte d&#x27;un collègue." in html or "Texte d'un collègue." in html
    assert "Mon texte <strong>non enregistré</strong>." in html  # the unsaved text, readable
    assert ">Mon texte **non enregistré**.</textarea>" in html  # kept to be saved deliberately
    assert "hx-post" not in html  # autosave stops
    assert '<input type="hidden" name="based_on" value="2">' in html
    assert section.versions.count() == 2
    section.refresh_from_db()
    assert section.body == "Texte d'un collègue."


def test_the_save_button_works_without_javascript(client, alice, report, section):
    client.force_login(alice)
    response = client.post(text_url(report, section), {"text": "- un\n- deux", "based_on": 1})
    assert response.status_code == 302
    assert response.url.endswith(f"#section-{section.pk}")
    assert re.search(r"<ul>\s*<li>.*un.*</li>\s*<li>.*deux.*</li>\s*</ul>", page_of(client, report))


def test_outsiders_and_the_coordinator_cannot_autosave(client, bob, charlie, report, section):
    client.force_login(bob)
    assert autosave(client, report, section, "x", based_on=1).status_code == 404
    client.force_login(charlie)
    assert autosave(client, report, section, "x", based_on=1).status_code == 403
    assert section.versions.count() == 1


# --- Flagged sentences -------------------------------------------------------------------


def test_a_flagged_sentence_stands_out_until_kept(client, alice, report, section):
    statement = accepted(section).statements.get(position=2)
    flag(statement)
    client.force_login(alice)
    html = page_of(client, report)
    assert f'id="statement-{statement.pk}"' in html
    assert "needs-review" in html and "à vérifier" in html
    assert "chiffre absent des passages cités" in html
    assert f'form="keep-{statement.pk}"' in html and f'form="remove-{statement.pk}"' in html
    assert re.search(r'class="to-verify-count">1</strong> phrase à vérifier', html)

    response = client.post(reverse("drafting:statement_keep", args=[report.pk, statement.pk]))

    assert response.status_code == 302
    statement.refresh_from_db()
    assert statement.confirmed_by == alice and statement.confirmed_at
    html = page_of(client, report)
    assert "needs-review" not in html
    assert 'class="to-verify-count">0</strong>' in html
    # Kept, then the text edited around it: still kept.
    text = section.versions.get(status=SectionVersion.Status.ACCEPTED).text
    client.post(text_url(report, section), {"text": text + " Ajout.", "based_on": 1})
    assert "needs-review" not in page_of(client, report)


def test_a_flagged_sentence_deleted_leaves_the_rest_and_its_sources(client, alice, report, section):
    client.force_login(alice)
    drafted = accepted(section)
    first, second, third = list(citations(drafted))[:3]
    client.post(
        text_url(report, section),
        {"text": f"**{first}**\n\n- *{second}*\n- {third}", "based_on": 1},
    )
    version = accepted(section)
    before = citations(version)
    statement = version.statements.get(text=second)
    flag(statement)

    response = client.post(reverse("drafting:statement_remove", args=[report.pk, statement.pk]))

    assert response.status_code == 302
    after = accepted(section)
    assert after.text == f"**{first}**\n\n- {third}"
    assert citations(after) == {k: v for k, v in before.items() if k != second}
    assert 'class="to-verify-count">0</strong>' in page_of(client, report)


def test_the_coordinator_cannot_keep_or_delete(client, charlie, report, section):
    statement = accepted(section).statements.get(position=1)
    flag(statement)
    client.force_login(charlie)
    for name in ("statement_keep", "statement_remove"):
        response = client.post(pathway_url(name, args=[report.pk, statement.pk]))
        assert response.status_code == 403
    statement.refresh_from_db()
    assert statement.confirmed_at is None


# --- AI actions --------------------------------------------------------------------------


def test_an_ai_action_shows_its_progress_in_place(client, alice, report, section):
    client.force_login(alice)
    url = reverse("drafting:section_edit", args=[report.pk, section.pk])
    html = page_of(client, report)
    assert f'hx-post="{url}" hx-target="#jobs-{section.pk}"' in html
    assert f'form="ai-form-{section.pk}"' in html  # ticked sentences belong to that form

    response = client.post(url, {"action": "rephrase", "selection": ["2"]}, headers=HTMX)

    assert response.status_code == 200
    job = EditJob.objects.get(section=section)
    assert job.selection == [2]
    html = response.content.decode()
    assert f'id="edit-job-{job.pk}"' in html and 'hx-trigger="every 1s"' in html
    # A second one while the first runs: refused, said in the same place.
    response = client.post(url, {"action": "shorten"}, headers=HTMX)
    assert response.status_code == 200
    assert "déjà en cours" in response.content.decode()
    assert EditJob.objects.filter(section=section).count() == 1


# --- Read only ---------------------------------------------------------------------------

EDIT_CONTROLS = (
    "<textarea",
    'class="md-toolbar"',
    'class="ai-action"',
    'name="selection"',
    ">Garder<",
    ">Supprimer<",
    'value="accept"',
    "Annuler la dernière modification",
    "hx-post",
)


def sections_of(html: str) -> str:
    """The report's sections, without the transcripts beside them (speaker labels are
    the transcript's, with permissions of their own)."""
    return html.split('<div class="report-sections">')[1].split('<div class="report-side">')[0]


def _with_flag_and_proposal(report, section, alice):
    flag(accepted(section).statements.get(position=1))
    drafting.section_edit_propose(section=section, action="shorten", user=alice)


def test_the_coordinator_reads_sources_without_any_edit_control(
    client, alice, charlie, report, section
):
    _with_flag_and_proposal(report, section, alice)
    client.force_login(charlie)
    html = page_of(client, report)
    for control in EDIT_CONTROLS:
        assert control not in sections_of(html), control
    assert 'class="cite"' in html and '<aside id="evidence"' in html
    assert "à vérifier" in html and "Proposition : réduire" in html


def test_a_report_in_review_is_read_only_for_its_clinician(client, alice, report, section):
    client.force_login(alice)
    report_transition(report=report, name="submit", user=alice)
    html = page_of(client, report)
    for control in EDIT_CONTROLS:
        assert control not in sections_of(html), control
    assert 'class="cite"' in html
    assert autosave(client, report, section, "x", based_on=1).status_code == 403
