"""The one door a PDF goes through, as a browser and the worker use it: « Télécharger le
PDF » asks for a document and answers a page that polls; the worker renders the document
(``document_render_execute``, what the ``render_document`` task calls); the poll then
offers the stored file; the download serves it.

``WorkerOnlyRenderer`` stands in for ``documents.pdf.report_pdf_render`` where the PDF's
content is not what a test is about: it fails the test if anything but the worker renders."""

from django.urls import reverse

from documents import rendering
from documents.models import RenderedDocument
from documents.pdf import RenderedPDF

FAKE_PDF = b"%PDF-1.7\n% rendered by the worker\n"


class WorkerOnlyRenderer:
    """Renders (a fake PDF) inside ``worker_render`` only; anywhere else, such as a view,
    it raises."""

    def __init__(self) -> None:
        self.in_worker = False
        self.rendered: list[int] = []

    def __call__(self, report, **kwargs) -> RenderedPDF:
        if not self.in_worker:
            raise AssertionError("a PDF was rendered outside the worker")
        self.rendered.append(report.pk)
        return RenderedPDF(FAKE_PDF, pages=1)

    def worker_render(self, document: RenderedDocument) -> RenderedDocument:
        self.in_worker = True
        try:
            return render(document)
        finally:
            self.in_worker = False


def render(document: RenderedDocument) -> RenderedDocument:
    """What the worker does with a queued document."""
    rendering.document_render_execute(document_id=document.pk)
    document.refresh_from_db()
    return document


def status_url(document: RenderedDocument) -> str:
    return reverse("documents:document_status", args=[document.pk])


def download_url(document: RenderedDocument) -> str:
    return reverse("documents:document_download", args=[document.pk])


def ask(client, report) -> RenderedDocument:
    """« Télécharger le PDF » while no document of the report as it is now is ready: the
    page that follows the document asked for (queued, polled every 2 s)."""
    page = client.get(reverse("documents:report_pdf", args=[report.pk]))
    assert page.status_code == 200, page.status_code
    document = page.context["document"]
    assert document.status == RenderedDocument.Status.QUEUED
    content = page.content.decode()
    assert f'hx-get="{status_url(document)}"' in content
    assert 'hx-trigger="every 2s"' in content
    return document


def poll(client, document: RenderedDocument) -> str:
    """One poll of the page, as htmx sends it."""
    response = client.get(status_url(document), HTTP_HX_REQUEST="true")
    assert response.status_code == 200, response.status_code
    return response.content.decode()


def download(client, document: RenderedDocument):
    """The stored file's download (its bytes read into ``response.pdf``)."""
    response = client.get(download_url(document))
    assert response.status_code == 200, response.status_code
    response.pdf = b"".join(response.streaming_content)
    return response


def pdf_through_the_door(client, report, *, worker=render):
    """The whole way: ask, the worker renders, the poll offers the file (and stops
    polling), download. Returns the download response (bytes in ``response.pdf``)."""
    document = ask(client, report)
    document = worker(document)
    assert document.status == RenderedDocument.Status.DONE, document.error_message
    offered = poll(client, document)
    assert download_url(document) in offered and "hx-trigger" not in offered
    response = download(client, document)
    response.document = document
    return response
