"""The final PDF documents of a report: asking the care team's worker for one, the panel
of the report page that lists them (polled by htmx while one is being rendered), the
report page's « Télécharger le PDF » (a document of the report as it is now, followed until
it is rendered), and the download of a stored document: the one door every PDF goes
through. No view renders a PDF: the ``render_document`` task does."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from audit.services import audit_read
from documents import selectors as document_selectors
from documents import services
from documents.models import RenderedDocument
from dossiers.permissions import require
from dossiers.services import ServiceError
from reports.selectors import report_for_user
from sharing.selectors import report_download_detail


class DocumentRequestForm(forms.Form):
    audience = forms.ChoiceField(
        choices=RenderedDocument.Audience.choices, initial=RenderedDocument.Audience.TEAM
    )


def _panel(request, report, *, error: str = ""):
    context = document_selectors.documents_panel(request.user, report)
    return render(request, "documents/_panel.html", {**context, "error": error})


@login_required
@require_http_methods(["POST"])
def document_request(request, report_id: int):
    """Render the report, with its care plan if it has one, as a PDF (in a worker)."""
    report = report_for_user(request.user, report_id)
    require(request.user, "reports.view_report_sources", report)
    form = DocumentRequestForm(request.POST)
    error = ""
    if not form.is_valid():
        error = "Choisissez pour qui est le document."
    else:
        try:
            services.document_request(
                report=report,
                care_plan=document_selectors.report_care_plan(report),
                audience=form.cleaned_data["audience"],
                user=request.user,
            )
        except ServiceError as exc:
            error = exc.message
    if request.htmx:
        return _panel(request, report, error=error)
    if error:
        messages.error(request, error)
    else:
        messages.success(request, "Document PDF demandé : il sera prêt dans quelques instants.")
    return redirect("drafting:report_detail", report_id=report.pk)


@login_required
@require_GET
def document_panel(request, report_id: int):
    """The documents panel alone, for htmx to refresh while a document is rendered."""
    report = report_for_user(request.user, report_id)
    return _panel(request, report)


@login_required
@require_GET
def report_pdf(request, report_id: int):
    """« Télécharger le PDF »: asks a worker for the report as it is now (the team's copy for
    the care team, the recipients' copy for an external member it is shared with), then
    sends the reader to the stored file if it is ready, or answers with a page that follows
    the rendering and offers the download once done. Not audited as a read: it shows no
    content; the download is audited (``document_download``)."""
    report = report_for_user(request.user, report_id)
    try:
        document = services.document_for_reader(report=report, user=request.user)
    except ServiceError as exc:
        return render(
            request,
            "documents/document_status.html",
            {"report": report, "document": None, "error": exc.message},
        )
    if document.status == RenderedDocument.Status.DONE:
        return redirect("documents:document_download", document_id=document.pk)
    return _status(request, document)


@login_required
@require_GET
def document_status(request, document_id: int):
    """Where a document asked for stands, polled by htmx every 2 s while it is queued or
    being rendered; the partial stops polling once the document is done (it offers the
    download) or failed (it says why and offers to ask again). Without htmx: the whole
    page, or the download itself once ready. Not audited as a read: a status, no content."""
    document = document_selectors.document_for_user(request.user, document_id, ready_only=False)
    if not request.htmx and document.status == RenderedDocument.Status.DONE:
        return redirect("documents:document_download", document_id=document.pk)
    return _status(request, document)


def _status(request, document: RenderedDocument):
    if request.htmx:
        return render(request, "documents/_status.html", {"document": document})
    return render(
        request,
        "documents/document_status.html",
        {"report": document.report, "document": document},
    )


@login_required
@require_GET
def document_download(request, document_id: int):
    """A stored PDF as a download named by the pseudonym code. External members get only
    the recipients' copy of a signed report shared with them (404 otherwise)."""
    document = document_selectors.document_for_user(request.user, document_id)
    if document.status != RenderedDocument.Status.DONE or not document.file:
        raise Http404
    # Recorded on the report: a recipient's download names the share it goes through, and
    # the sharing panel counts it there. The only read event of a PDF (report_pdf and
    # document_status show no content).
    detail = report_download_detail(request.user, document.report)
    if detail == "PDF":
        detail = f"PDF n° {document.pk} ({document.get_audience_display()})"
    audit_read(request, document.report, detail=detail)
    response = FileResponse(
        document.file.open("rb"),
        as_attachment=True,
        filename=document_selectors.document_filename(document),
        content_type="application/pdf",
    )
    response["Cache-Control"] = "no-store"
    return response
