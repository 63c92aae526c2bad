"""The admin as the configuration site for protocol grids: who gets in, the draft →
published → retired workflow, read-only published versions, preview, search, history."""

from html.parser import HTMLParser

import pytest
from django.urls import reverse

from protocols.models import ProtocolSection, ProtocolVersion
from protocols.services import version_duplicate, version_publish
from tests.protocols.conftest import version_snapshot

Status = ProtocolVersion.Status


class _FormFields(HTMLParser):
    """The values a browser would submit for the form with the given id."""

    def __init__(self, form_id: str):
        super().__init__()
        self.form_id = form_id
        self.inside = False
        self.data: dict[str, str] = {}
        self.select: str | None = None
        self.textarea: str | None = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self.inside = attrs.get("id") == self.form_id
            return
        name = attrs.get("name")
        if not self.inside or (name and "__prefix__" in name):
            return
        if tag == "input" and name:
            kind = attrs.get("type", "text")
            if kind in ("submit", "button", "file", "image", "reset"):
                return
            if kind in ("checkbox", "radio") and "checked" not in attrs:
                return
            self.data[name] = attrs.get("value") or ("on" if kind == "checkbox" else "")
        elif tag == "select" and name:
            self.select = name
            self.data.setdefault(name, "")
        elif tag == "option" and self.select and "selected" in attrs:
            self.data[self.select] = attrs.get("value", "")
        elif tag == "textarea" and name:
            self.textarea = name
            self.data[name] = ""

    def handle_endtag(self, tag):
        if tag == "form":
            self.inside = False
        elif tag == "select":
            self.select = None
        elif tag == "textarea":
            self.textarea = None

    def handle_data(self, data):
        if self.textarea:
            self.data[self.textarea] += data


def form_data(response, form_id: str) -> dict[str, str]:
    parser = _FormFields(form_id)
    parser.feed(response.content.decode())
    assert parser.data, f"no form {form_id} in the page"
    return parser.data


def url(name: str, *args) -> str:
    return reverse(f"admin:{name}", args=args)


def change_url(version) -> str:
    return url("protocols_protocolversion_change", version.pk)


@pytest.fixture
def published(screening_protocol) -> ProtocolVersion:
    return screening_protocol.published_version()


@pytest.fixture
def draft(published) -> ProtocolVersion:
    return version_duplicate(version=published)


# --- Who gets in ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name",
    ["protocols_protocol_changelist", "protocols_protocolversion_changelist"],
)
def test_clinician_is_sent_to_the_admin_login(client, alice, name):
    client.force_login(alice)
    response = client.get(url(name))
    assert response.status_code == 302
    assert response["Location"].startswith(url("login"))


def test_anonymous_is_sent_to_the_admin_login(client, draft):
    for target in (url("protocols_protocolversion_changelist"), change_url(draft)):
        response = client.get(target)
        assert response.status_code == 302 and response["Location"].startswith(url("login"))
    response = client.post(url("protocols_version_publish", draft.pk))
    assert response.status_code == 302 and response["Location"].startswith(url("login"))
    draft.refresh_from_db()
    assert draft.status == Status.DRAFT


def test_staff_without_the_group_is_forbidden(client, staff, draft, published):
    client.force_login(staff)
    pages = [
        url("protocols_protocol_changelist"),
        url("protocols_protocolversion_changelist"),
        url("protocols_protocolversion_add"),
        change_url(draft),
        change_url(published),
        url("protocols_protocolsection_changelist"),
        url("protocols_version_preview", published.pk),
    ]
    for page in pages:
        assert client.get(page).status_code == 403, page


def test_staff_without_the_group_cannot_use_the_workflow_buttons(client, staff, draft, published):
    client.force_login(staff)
    for name, version in [
        ("protocols_version_duplicate", published),
        ("protocols_version_publish", draft),
        ("protocols_version_retire", published),
    ]:
        assert client.post(url(name, version.pk)).status_code == 403
    draft.refresh_from_db()
    published.refresh_from_db()
    assert (draft.status, published.status) == (Status.DRAFT, Status.PUBLISHED)
    assert published.protocol.versions.count() == 2


def test_clinician_cannot_use_the_workflow_buttons(client, alice, draft):
    client.force_login(alice)
    response = client.post(url("protocols_version_publish", draft.pk))
    assert response.status_code == 302 and response["Location"].startswith(url("login"))
    draft.refresh_from_db()
    assert draft.status == Status.DRAFT


def test_editor_opens_the_pages(client, editor, draft, protocol):
    client.force_login(editor)
    assert client.get(url("protocols_protocol_changelist")).status_code == 200
    assert client.get(url("protocols_protocolversion_changelist")).status_code == 200
    assert client.get(url("protocols_protocolversion_add")).status_code == 200
    assert client.get(url("protocols_protocol_change", protocol.pk)).status_code == 200
    page = client.get(change_url(draft))
    assert page.status_code == 200
    html = page.content.decode()
    assert 'name="notes"' in html and 'name="sources"' in html
    assert "Publier cette version" in html and "Dupliquer en nouveau brouillon" in html
    assert "Retirer cette version" not in html


# --- Workflow buttons -------------------------------------------------------------------------


def test_editor_duplicates_publishes_and_retires(client, editor, published):
    client.force_login(editor)

    response = client.post(url("protocols_version_duplicate", published.pk))
    assert response.status_code == 302
    new = published.protocol.versions.get(number=2)
    assert response["Location"] == change_url(new)
    assert new.status == Status.DRAFT and new.created_by == editor

    response = client.post(url("protocols_version_publish", new.pk))
    assert response.status_code == 302 and response["Location"] == change_url(new)
    new.refresh_from_db()
    published.refresh_from_db()
    assert new.status == Status.PUBLISHED and new.published_by == editor
    assert published.status == Status.RETIRED

    response = client.post(url("protocols_version_retire", new.pk), follow=True)
    assert response.status_code == 200
    new.refresh_from_db()
    assert new.status == Status.RETIRED
    assert published.protocol.published_version() is None
    assert "Version retirée" in response.content.decode()


@pytest.mark.parametrize(
    "name",
    ["protocols_version_duplicate", "protocols_version_publish", "protocols_version_retire"],
)
def test_workflow_buttons_refuse_get(client, editor, draft, published, name):
    client.force_login(editor)
    target = published if name.endswith("retire") else draft
    assert client.get(url(name, target.pk)).status_code == 405
    draft.refresh_from_db()
    published.refresh_from_db()
    assert (draft.status, published.status) == (Status.DRAFT, Status.PUBLISHED)
    assert published.protocol.versions.count() == 2


def test_workflow_buttons_on_an_unknown_version_are_404(client, editor):
    client.force_login(editor)
    assert client.post(url("protocols_version_publish", 999_999)).status_code == 404


def test_publishing_an_invalid_draft_shows_why_and_keeps_it_draft(client, editor, draft):
    ProtocolSection.objects.create(version=draft, key="vide", title="Vide", position=99)
    client.force_login(editor)

    response = client.post(url("protocols_version_publish", draft.pk), follow=True)

    assert response.status_code == 200
    assert "Publication impossible" in response.content.decode()
    assert "« vide »" in response.content.decode()
    draft.refresh_from_db()
    assert draft.status == Status.DRAFT


def test_publishing_twice_is_refused_with_a_message(client, editor, published):
    client.force_login(editor)
    response = client.post(url("protocols_version_publish", published.pk), follow=True)
    assert "Seul un brouillon peut être publié" in response.content.decode()
    published.refresh_from_db()
    assert published.status == Status.PUBLISHED


def test_bulk_action_duplicates_as_draft(client, editor, published, protocol):
    client.force_login(editor)
    report_v1 = protocol.published_version()
    response = client.post(
        url("protocols_protocolversion_changelist"),
        {"action": "duplicate_as_draft", "_selected_action": [published.pk, report_v1.pk]},
    )
    assert response.status_code == 302
    assert published.protocol.versions.get(number=2).is_draft
    assert protocol.versions.get(number=2).is_draft


# --- Published versions are read-only ---------------------------------------------------------


def test_published_version_page_is_read_only(client, editor, published):
    client.force_login(editor)
    response = client.get(change_url(published))
    assert response.status_code == 200
    html = response.content.decode()
    for field in ("notes", "sources", "source_status", "protocol"):
        assert f'name="{field}"' not in html
    assert 'name="sections-0-title"' not in html and 'name="rules-0-message"' not in html
    assert "Langage oral" in html  # shown, not editable
    assert "Publier cette version" not in html
    assert "Retirer cette version" in html and "Dupliquer en nouveau brouillon" in html


def test_posting_a_change_to_a_published_version_changes_nothing(client, editor, published):
    client.force_login(editor)
    before = version_snapshot(published.pk)
    response = client.post(
        change_url(published),
        {
            "protocol": published.protocol_id,
            "source_status": "official",
            "sources": "Autre source",
            "notes": "Modifié après publication",
            "_save": "Enregistrer",
        },
    )
    assert response.status_code == 403
    assert version_snapshot(published.pk) == before


def test_posting_a_change_to_a_published_section_changes_nothing(client, editor, published):
    client.force_login(editor)
    section = published.sections.get(key="langage")
    page = client.get(url("protocols_protocolsection_change", section.pk))
    assert page.status_code == 200 and 'name="title"' not in page.content.decode()
    before = version_snapshot(published.pk)
    response = client.post(
        url("protocols_protocolsection_change", section.pk),
        {"position": 1, "key": "langage", "title": "Piraté", "kind": "report"},
    )
    assert response.status_code == 403
    assert version_snapshot(published.pk) == before


def test_published_version_cannot_be_deleted_in_admin(client, editor, published):
    client.force_login(editor)
    delete = url("protocols_protocolversion_delete", published.pk)
    assert client.post(delete, {"post": "yes"}).status_code == 403
    assert ProtocolVersion.objects.filter(pk=published.pk).exists()


# --- Preview ----------------------------------------------------------------------------------


def test_preview_shows_sections_and_items_for_the_age(client, editor, published):
    client.force_login(editor)
    preview = url("protocols_version_preview", published.pk)

    without_age = client.get(preview).content.decode()
    assert "Langage oral" in without_age and "Socialisation" in without_age
    assert "Régression des acquisitions" in without_age  # no age band: always shown
    assert "Plus de 10 mots" not in without_age and "Conjugue au présent" not in without_age

    at_30 = client.get(preview, {"age_mois": "30"})
    assert at_30.status_code == 200
    html = at_30.content.decode()
    assert "Langage oral" in html and "Socialisation" in html
    assert "Plus de 10 mots" in html and "Jeu de faire semblant" in html
    assert "Conjugue au présent" not in html and "Attend son tour" not in html
    assert "Régression des acquisitions" in html

    at_50 = client.get(preview, {"age_mois": "50"}).content.decode()
    assert "Conjugue au présent" in at_50 and "Attend son tour" in at_50
    assert "Plus de 10 mots" not in at_50


def test_preview_ignores_a_malformed_age(client, editor, published):
    client.force_login(editor)
    response = client.get(url("protocols_version_preview", published.pk), {"age_mois": "-3"})
    assert response.status_code == 200
    assert "Plus de 10 mots" not in response.content.decode()


def test_preview_of_a_draft_shows_its_changes(client, editor, draft):
    section = draft.sections.get(key="langage")
    section.title = "Langage et communication"
    section.save()
    client.force_login(editor)
    html = client.get(url("protocols_version_preview", draft.pk)).content.decode()
    assert "Langage et communication" in html and "Langage oral" not in html


# --- Changelist search and filters -----------------------------------------------------------


def changelist(client, **params):
    response = client.get(url("protocols_protocolversion_changelist"), params)
    assert response.status_code == 200
    return set(response.context["cl"].result_list)


def test_search_finds_a_version_by_item_label(client, editor, published, protocol):
    client.force_login(editor)
    assert changelist(client, q="Conjugue au présent") == {published}
    assert changelist(client, q="Anamnèse") == {protocol.published_version()}  # section title
    assert changelist(client, q="introuvable-nulle-part") == set()


def test_search_lists_a_version_once_even_if_several_items_match(client, editor, published):
    client.force_login(editor)
    response = client.get(url("protocols_protocolversion_changelist"), {"q": "mots"})
    assert list(response.context["cl"].result_list) == [published]


def test_filter_by_status(client, editor, published, draft, protocol):
    client.force_login(editor)
    assert changelist(client, status__exact="draft") == {draft}
    assert changelist(client, status__exact="published") == {
        published,
        protocol.published_version(),
    }
    version_publish(version=draft)
    assert changelist(client, status__exact="retired") == {published}
    assert changelist(client, status__exact="draft") == set()


# --- History -----------------------------------------------------------------------------------


def test_editing_a_draft_section_is_recorded_with_its_author(client, editor, draft):
    section = draft.sections.get(key="langage")
    client.force_login(editor)
    change = url("protocols_protocolsection_change", section.pk)
    data = form_data(client.get(change), "protocolsection_form")
    assert data["items-TOTAL_FORMS"] == "4" and data["title"] == "Langage oral"

    data["title"] = "Langage oral et écrit"
    data["_save"] = "Enregistrer"
    response = client.post(change, data)

    assert response.status_code == 302, response.content.decode()[:2000]
    section.refresh_from_db()
    assert section.title == "Langage oral et écrit"
    assert section.items.count() == 4
    record = section.history.order_by("-history_date").first()
    assert record.title == "Langage oral et écrit"
    assert record.history_user == editor
    assert record.history_type == "~"
    history_page = client.get(url("protocols_protocolsection_history", section.pk))
    assert history_page.status_code == 200
    assert "edith" in history_page.content.decode()


def test_editing_a_free_text_section_with_the_inline_management_form(client, editor, protocol):
    draft = version_duplicate(version=protocol.published_version())
    section = draft.sections.get(key="anamnese")
    client.force_login(editor)
    response = client.post(
        url("protocols_protocolsection_change", section.pk),
        {
            "position": section.position,
            "key": section.key,
            "title": "Histoire de l'enfant",
            "kind": "report",
            "guidance": "Grossesse, naissance, premiers mois.",
            "items-TOTAL_FORMS": "0",
            "items-INITIAL_FORMS": "0",
            "items-MIN_NUM_FORMS": "0",
            "items-MAX_NUM_FORMS": "1000",
            "_save": "Enregistrer",
        },
    )
    assert response.status_code == 302
    section.refresh_from_db()
    assert section.title == "Histoire de l'enfant"
    assert section.history.latest("history_date").history_user == editor


def test_editing_a_draft_version_with_its_inlines(client, editor, draft):
    client.force_login(editor)
    page = client.get(change_url(draft))
    data = form_data(page, "protocolversion_form")
    assert data["sections-TOTAL_FORMS"] == "2" and data["rules-TOTAL_FORMS"] == "3"

    data["notes"] = "Relu par l'équipe le 3 mars."
    data["sections-1-title"] = "Socialisation et communication"
    rule = next(k for k, v in data.items() if k.endswith("-key") and v == "pco-4-6")
    data[rule.replace("-key", "-min_signs")] = "4"
    data["_save"] = "Enregistrer"
    response = client.post(change_url(draft), data)

    assert response.status_code == 302, response.content.decode()[:3000]
    saved = ProtocolVersion.objects.get(pk=draft.pk)
    assert saved.notes == "Relu par l'équipe le 3 mars."
    assert saved.sections.get(key="socialisation").title == "Socialisation et communication"
    assert saved.rules.get(key="pco-4-6").min_signs == 4
    assert ProtocolSection.objects.filter(version=draft).count() == 2
    assert saved.history.latest("history_date").history_user == editor
