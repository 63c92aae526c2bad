"""Text typed by people (consultation participants, who gave consent, speaker names, the
clinician's section text, review comments, user names) and text sent by anyone (a failed
login's username, a browser name) never comes out as live markup: on the report page, the
dossier page, and the admin pages that show it."""

from html.parser import HTMLParser

import pytest
from django.urls import reverse

from dossiers.models import Consultation
from drafting.services import section_text_save
from reports.review.services import report_transition, review_comment_add
from transcription.services import segment_speaker_set

SCRIPT = "<script>alert(1)</script>"
IMG = '"><img src=x onerror=alert(1)>'
JS_URL = "javascript:alert(1)"
PAYLOADS = f"{SCRIPT} {IMG} {JS_URL}"

# How Django's autoescape writes them: what a reader sees as text.
SCRIPT_ESCAPED = "&lt;script&gt;alert(1)&lt;/script&gt;"
IMG_ESCAPED = "&quot;&gt;&lt;img src=x onerror=alert(1)&gt;"


class _LiveMarkup(HTMLParser):
    """What a browser would run from a page: script content, event-handler attributes,
    images pointing nowhere, javascript: URLs."""

    URL_ATTRIBUTES = ("href", "src", "action", "formaction", "xlink:href", "data")

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag, attrs):
        if tag == "script":
            self._in_script = True
        for name, value in attrs:
            if name.startswith("on"):
                self.found.append(f"<{tag} {name}=…>")
            if name in self.URL_ATTRIBUTES and (value or "").strip().lower().startswith(
                "javascript:"
            ):
                self.found.append(f"<{tag} {name}={value!r}>")
        if tag == "img" and dict(attrs).get("src") == "x":
            self.found.append("<img src=x>")

    def handle_endtag(self, tag):
        if tag == "script":
            self._in_script = False

    def handle_data(self, data):
        if self._in_script and "alert(" in data:
            self.found.append(f"<script>{data}</script>")


def assert_inert(response):
    assert response.status_code == 200, response.status_code
    html = response.content.decode()
    parser = _LiveMarkup()
    parser.feed(html)
    assert not parser.found, f"live markup in {response.wsgi_request.path}: {parser.found}"
    assert "<script>alert" not in html
    assert "<img src=x" not in html
    return html


@pytest.fixture
def poisoned(db, world, world_media, client):
    """The world's dossier with the payloads in every free-text field, the report in review
    with a comment, and a failed login and a browser name carrying them too."""
    alice, charlie = world.users["alice"], world.users["charlie"]
    Consultation.objects.filter(pk=world.consultation.pk).update(
        participants=PAYLOADS, consent_given_by=IMG
    )
    charlie.first_name, charlie.last_name = SCRIPT, IMG
    charlie.save()
    transcript = world.recording.transcript
    first, second, *_ = transcript.segments.order_by("index")
    segment_speaker_set(segment=first, speaker=SCRIPT, user=alice)
    segment_speaker_set(segment=second, speaker=IMG, user=alice)
    section = world.report.sections.get(key="communication")
    section_text_save(
        section=section,
        text=f'Il pointe. {SCRIPT} {IMG} [voir]({JS_URL}) <a href="{JS_URL}">ici</a>',
        user=alice,
    )
    report_transition(report=world.report, name="submit", user=alice)
    review_comment_add(report=world.report, section=section, user=charlie, text=PAYLOADS)
    client.post(
        reverse("login"),
        {"username": IMG, "password": "wrong"},
        HTTP_USER_AGENT=SCRIPT,
    )
    return world


def test_the_report_page_shows_the_payloads_as_text(client, poisoned):
    client.force_login(poisoned.users["alice"])
    html = assert_inert(client.get(reverse("drafting:report_detail", args=[poisoned.report.pk])))
    # Speaker names and the review comment, as text.
    assert SCRIPT_ESCAPED in html and IMG_ESCAPED in html


def test_the_dossier_page_shows_the_payloads_as_text(client, poisoned):
    client.force_login(poisoned.users["alice"])
    html = assert_inert(client.get(reverse("dossiers:dossier_detail", args=[poisoned.dossier.pk])))
    # Participants and who gave consent, as text.
    assert SCRIPT_ESCAPED in html and IMG_ESCAPED in html


def test_the_coordinator_sees_the_payloads_as_text(client, poisoned):
    client.force_login(poisoned.users["charlie"])
    assert_inert(client.get(reverse("drafting:report_detail", args=[poisoned.report.pk])))


@pytest.mark.parametrize(
    ("page", "shown"),
    [
        ("admin:dossiers_consultation_changelist", False),
        ("admin:dossiers_consultation_change", True),
        ("admin:dossiers_dossier_changelist", False),
        ("admin:dossiers_dossier_change", False),
        ("admin:audit_auditevent_changelist", True),
    ],
)
def test_admin_pages_show_the_payloads_as_text(client, poisoned, page, shown):
    client.force_login(poisoned.users["eve"])
    ids = {
        "admin:dossiers_consultation_change": [poisoned.consultation.pk],
        "admin:dossiers_dossier_change": [poisoned.dossier.pk],
    }
    html = assert_inert(client.get(reverse(page, args=ids.get(page, []))))
    if shown:
        # The consent record; the failed login's username in the audit log.
        assert IMG_ESCAPED in html
