"""Report text is untrusted (transcripts, editors, pasted text): whatever it holds, the PDF
renders it as text and the server fetches nothing. The URL fetcher is watched, and a real
HTTP server on the loopback interface, named by every hostile URL, must receive nothing."""

import http.server
import re
import threading
import time

import pytest

from care_plans.models import CarePlanEntry
from documents.pdf import RefusedURL, StaticOnlyURLFetcher, report_pdf_render
from dossiers.models import Consultation
from reports.models import ReportItem
from tests.documents.pdf.conftest import make_plan, sign_report
from tests.documents.pdf.support import flat, pdf_text, squeezed
from transcription.models import Segment

pytestmark = pytest.mark.rendering

STATIC = "https://static.neddie.invalid/static/"
LONG_LINE = "abcdefghij" * 10_000  # 100 KB without a space


@pytest.fixture
def listener():
    """A local HTTP server that records every request it gets."""
    received: list[str] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            received.append(self.path)
            self.send_response(200)
            self.send_header("Content-Type", "text/css")
            self.end_headers()
            self.wfile.write(b"body { color: red }")

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}", received
    server.shutdown()
    server.server_close()


@pytest.fixture
def fetched(monkeypatch):
    """Every URL the PDF's fetcher is asked for, with what it answered."""
    asked: list[tuple[str, str]] = []
    original = StaticOnlyURLFetcher.fetch

    def spy(self, url, headers=None):
        try:
            response = original(self, url, headers)
        except RefusedURL:
            asked.append((url, "refused"))
            raise
        asked.append((url, "served"))
        return response

    monkeypatch.setattr(StaticOnlyURLFetcher, "fetch", spy)
    return asked


def hostile(base: str) -> str:
    return (
        f'<img src="{base}/img.png"> <link rel=stylesheet href="file:///etc/passwd">\n'
        f"<style>@import url({base}/import.css);"
        f" body {{ background: url({base}/bg.png) }}</style>\n"
        f'<iframe src="{base}/frame"></iframe> <object data="{base}/object"></object>\n'
        f"![image]({base}/markdown.png) [lien]({base}/link) [fichier](file:///etc/passwd)\n"
        f"<{base}/autolink> @import url({base}/plain.css);"
    )


def test_hostile_text_everywhere_renders_as_text_and_fetches_nothing(
    signed_report, alice, charlie, listener, fetched
):
    base, received = listener
    attack = hostile(base)
    # Section text (Markdown), an item's answer and note, a consultation's participants, a
    # transcript passage, the plan's participants, a section's text and a row's fields.
    plan = make_plan(signed_report, clinician=alice, coordinator=charlie)
    plan.participants = attack[:400]
    plan.save(update_fields=["participants"])
    plan_section = plan.sections.get(key="plan-interventions")
    plan_section.body = attack
    plan_section.save(update_fields=["body"])
    CarePlanEntry.objects.filter(section=plan_section).update(
        text=attack, professional=attack[:200], frequency=f"<b>{base}</b>"
    )
    Consultation.objects.filter(dossier=signed_report.dossier).update(participants=attack[:300])
    Segment.objects.filter(transcript__reports=signed_report).update(text=attack)
    # (The signed report's own text is frozen: the next test writes it into a draft.)

    started = time.monotonic()
    pdf = report_pdf_render(signed_report, care_plan=plan).content
    assert time.monotonic() - started < 30

    text = pdf_text(pdf)
    assert squeezed(f'<img src="{base}/img.png">') in squeezed(text)
    assert squeezed(f"<style>@import url({base}/import.css);") in squeezed(text)
    assert f"![image]({base}/markdown.png)" in squeezed(text)
    assert f"<b>{base}</b>" in squeezed(text)  # a narrow cell: broken inside the word
    assert received == []
    assert fetched and all(url.startswith(STATIC) and answer == "served" for url, answer in fetched)


def test_hostile_report_text_and_a_100_kb_line(report, alice, listener, fetched):
    base, received = listener
    attack = hostile(base)
    section = report.sections.get(key="communication")
    section.body = f"{attack}\n\n{LONG_LINE}\n\nFin du texte."
    section.save(update_fields=["body"])
    ReportItem.objects.filter(section=section, key="pointage").update(
        answer=attack[:200], note=f"{attack}\n{LONG_LINE}"
    )
    # Signed: no watermark letters interleaved with the text read back.
    report = sign_report(report, alice)

    started = time.monotonic()
    pdf = report_pdf_render(report).content
    seconds = time.monotonic() - started

    text = pdf_text(pdf)
    # Shown as typed, every character of the long line (wrapped, never cut at the margin).
    assert squeezed('<link rel=stylesheet href="file:///etc/passwd">') in squeezed(text)
    assert "[fichier](file:///etc/passwd)" in squeezed(text)
    assert "Fin du texte." in text
    code = report.dossier.patient.code
    chrome = {
        f"Réf. {code} · compte rendu n° {report.pk}, version 1 · document confidentiel "
        "(données de santé)",
        "Équipe de diagnostic TND",
        f"Compte rendu de bilan — {code}",
    }
    body = [
        line
        for line in text.splitlines()
        if line.strip() not in chrome and not re.fullmatch(r"\f?Page \d+ / \d+", line.strip())
    ]
    assert squeezed("\n".join(body)).count("abcdefghij") == 2 * 10_000
    assert seconds < 60  # minutes before long runs got break opportunities
    assert received == []
    assert all(url.startswith(STATIC) and answer == "served" for url, answer in fetched)


def test_a_stored_value_outside_the_choices_prints_escaped(signed_report, alice, charlie):
    plan = make_plan(signed_report, clinician=alice, coordinator=charlie)
    CarePlanEntry.objects.filter(section__care_plan=plan, kind="intervention").update(
        place='<img src="x">'
    )
    text = flat(pdf_text(report_pdf_render(signed_report, care_plan=plan).content))
    assert '<img src="x">' in text


@pytest.mark.parametrize(
    "url",
    [
        "file:///etc/passwd",
        "http://127.0.0.1:9/x.png",
        "https://example.org/static/neddie/print.css",
        "https://static.neddie.invalid/etc/passwd",
        "https://static.neddie.invalid/static/../settings.py",
        "https://static.neddie.invalid/static/neddie/../../reports/pdf.py",
        "data:text/css,body{}",
    ],
)
def test_url_fetcher_refuses_everything_but_our_static_files(url):
    with pytest.raises(RefusedURL):
        StaticOnlyURLFetcher().fetch(url)


@pytest.mark.parametrize(
    ("path", "content_type", "marker"),
    [
        ("neddie/print.css", "text/css", b"@page"),
        ("neddie/brouillon.svg", "image/svg+xml", b"BROUILLON"),
    ],
)
def test_url_fetcher_serves_our_print_files(path, content_type, marker):
    response = StaticOnlyURLFetcher().fetch(f"{STATIC}{path}")
    assert marker in response.read()
    assert response.content_type == content_type
