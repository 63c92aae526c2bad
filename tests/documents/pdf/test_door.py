"""One door for PDFs: « Télécharger le PDF » asks the worker for a document of the report as
it is now and serves the stored, hashed file; no web request renders a PDF (each test here
fails if anything but the worker calls ``documents.pdf.report_pdf_render``), and the web
side does not even import WeasyPrint."""

import html
import os
import subprocess
import sys

import pytest
from django.conf import settings
from django.urls import reverse

from audit.models import AuditEvent
from documents.models import RenderedDocument
from documents.rendering import document_render_execute
from sharing.models import Share
from tests.documents.pdf.door import (
    FAKE_PDF,
    WorkerOnlyRenderer,
    ask,
    download,
    download_url,
    pdf_through_the_door,
    poll,
    status_url,
)

Audience = RenderedDocument.Audience
Status = RenderedDocument.Status


@pytest.fixture
def renderer(monkeypatch) -> WorkerOnlyRenderer:
    renderer = WorkerOnlyRenderer()
    monkeypatch.setattr("documents.rendering.report_pdf_render", renderer)
    return renderer


def pdf_url(report) -> str:
    return reverse("documents:report_pdf", args=[report.pk])


def test_the_care_team_gets_the_stored_team_copy_rendered_by_the_worker(
    client, renderer, signed_report, signed_plan, alice
):
    client.force_login(alice)
    page = client.get(reverse("drafting:report_detail", args=[signed_report.pk])).content.decode()
    assert f'href="{pdf_url(signed_report)}"' in page and "Télécharger le PDF" in page

    document = ask(client, signed_report)
    assert (document.audience, document.care_plan) == (Audience.TEAM, signed_plan)
    assert document.requested_by == alice
    assert "Mise en page du PDF : en attente" in poll(client, document)
    # Without htmx (no script, or a reload): the page itself, still following the document.
    assert client.get(status_url(document)).status_code == 200
    assert (
        client.get(reverse("documents:document_panel", args=[signed_report.pk])).status_code == 200
    )
    assert not renderer.rendered  # nothing rendered by any of these requests

    response = pdf_through_the_door(client, signed_report, worker=renderer.worker_render)

    assert response.document == document  # the same request, not a second render
    assert renderer.rendered == [signed_report.pk]
    assert response.pdf == FAKE_PDF
    assert response["Cache-Control"] == "no-store"
    code = signed_report.dossier.patient.code
    assert f"compte-rendu-{code}-v1-et-plan" in response["Content-Disposition"]
    # Signed content already rendered: straight to the stored file, rendered once.
    again = client.get(pdf_url(signed_report))
    assert again.status_code == 302 and again["Location"] == download_url(document)
    assert client.get(status_url(document))["Location"] == download_url(document)
    assert download(client, document).pdf == FAKE_PDF
    assert renderer.rendered == [signed_report.pk]
    assert RenderedDocument.objects.count() == 1


def test_a_draft_is_rendered_from_its_current_content(client, renderer, report, alice):
    client.force_login(alice)
    first = ask(client, report)
    assert ask(client, report) == first  # still queued: the worker renders what is there then
    renderer.worker_render(first)

    # Rendered: the draft may have changed since, so the next ask is a new rendering.
    second = ask(client, report)
    assert second != first
    response = pdf_through_the_door(client, report, worker=renderer.worker_render)
    assert response.document == second
    assert "-brouillon-" in response["Content-Disposition"]
    assert renderer.rendered == [report.pk, report.pk]


def test_an_external_member_gets_the_recipients_copy_of_a_report_shared_with_him(
    client, renderer, signed_report, signed_plan, alice, dave, bob
):
    client.force_login(dave)
    assert client.get(pdf_url(signed_report)).status_code == 404  # not shared (yet)
    share = Share.objects.create(report=signed_report, recipient=dave, granted_by=alice)

    response = pdf_through_the_door(client, signed_report, worker=renderer.worker_render)

    document = response.document
    assert (document.audience, document.care_plan) == (Audience.RECIPIENT, signed_plan)
    assert document.requested_by == dave
    assert response.pdf == FAKE_PDF
    # Counted against the share, once per download.
    downloads = AuditEvent.objects.filter(action=AuditEvent.Action.READ, username="dave")
    assert [e.detail for e in downloads] == [f"téléchargement PDF (partage n° {share.pk})"]
    # The team's copy (transcripts annexed) stays inside, even to follow it.
    client.force_login(alice)
    team = ask(client, signed_report)
    client.force_login(dave)
    assert client.get(status_url(team)).status_code == 404
    assert client.get(status_url(team), HTTP_HX_REQUEST="true").status_code == 404
    # Outsiders see nothing.
    client.force_login(bob)
    for url in (pdf_url(signed_report), status_url(document), status_url(team)):
        assert client.get(url).status_code == 404
    assert not RenderedDocument.objects.filter(requested_by=bob).exists()


def test_an_external_member_does_not_get_a_plan_not_signed(
    client, renderer, signed_report, plan, alice, dave
):
    Share.objects.create(report=signed_report, recipient=dave, granted_by=alice)
    client.force_login(dave)
    document = ask(client, signed_report)
    assert (document.audience, document.care_plan) == (Audience.RECIPIENT, None)


def test_a_failed_rendering_says_why_and_offers_to_ask_again(
    client, monkeypatch, signed_report, alice
):
    def broken(*args, **kwargs):
        raise RuntimeError("WeasyPrint fell over")

    client.force_login(alice)
    document = ask(client, signed_report)
    monkeypatch.setattr("documents.rendering.report_pdf_render", broken)
    with pytest.raises(RuntimeError):
        document_render_execute(document_id=document.pk)
    monkeypatch.setattr("documents.rendering.report_pdf_render", WorkerOnlyRenderer())

    shown = html.unescape(poll(client, document))

    assert "n'a pas pu être produit" in shown and f"n° {document.pk}" in shown
    assert "WeasyPrint" not in shown  # the reason a person can act on, not the trace
    assert "hx-trigger" not in shown  # polling stops
    assert f'href="{pdf_url(signed_report)}"' in shown and "Demander à nouveau" in shown
    assert client.get(download_url(document)).status_code == 404
    again = ask(client, signed_report)
    assert again != document and again.status == Status.QUEUED


def test_the_web_side_does_not_import_weasyprint():
    """The URLconf with every view, and the WSGI application gunicorn serves, load without
    WeasyPrint or the print module: only the worker renders."""
    code = (
        "import sys, django\n"
        "django.setup()\n"
        "from django.urls import get_resolver\n"
        "get_resolver().url_patterns\n"
        "import neddie.wsgi\n"
        "loaded = sorted(m for m in sys.modules if m == 'documents.pdf' or 'weasyprint' in m)\n"
        "assert not loaded, loaded\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=settings.BASE_DIR,
        env={**os.environ},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr[-2000:]
