"""The final PDF documents of a report: asking the care team's worker for one, the panel
of the report page that lists them (polled by htmx while one is being rendered), and the
download of a stored document."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.urls import path
from django.views.decorators.http import require_GET, require_http_methods

from audit.services import audit_read
from reports import selectors
from reports.documents import selectors as document_selectors
from reports.documents import services
from reports.documents.models import RenderedDocument
from reports.permissions import require
from reports.services import ServiceError
from reports.sharing.selectors import report_download_detail


class DocumentRequestForm(forms.Form):
    audience = forms.ChoiceField(
        choices=RenderedDocument.Audience.choices, initial=RenderedDocument.Audience.TEAM
    )


def _panel(request, report, *, error: str = ""):
    context = document_selectors.documents_panel(request.user, report)
    return render(request, "reports/documents/_panel.html", {**context, "error": error})


@login_required
@require_http_methods(["POST"])
def document_request(request, report_id: int):
    """Render the report, with its care plan if it has one, as a PDF (in a worker)."""
    report = selectors.report_for_user(request.user, report_id)
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
    return redirect("reports:report_detail", report_id=report.pk)


@login_required
@require_GET
def document_panel(request, report_id: int):
    """The documents panel alone, for htmx to refresh while a document is rendered."""
    report = selectors.report_for_user(request.user, report_id)
    return _panel(request, report)


@login_required
@require_GET
def document_download(request, document_id: int):
    """A stored PDF as a download named by the pseudonym code. External members get only
    the recipients' copy of a signed report shared with them (404 otherwise)."""
    document = document_selectors.document_for_user(request.user, document_id)
    if document.status != RenderedDocument.Status.DONE or not document.file:
        raise Http404
    # Recorded on the report, as the preview's downloads are: a recipient's download names
    # the share it goes through, and the sharing panel counts it there.
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


urlpatterns = [
    path(
        "comptes-rendus/<int:report_id>/documents/",
        document_request,
        name="document_request",
    ),
    path(
        "comptes-rendus/<int:report_id>/documents/panneau/",
        document_panel,
        name="document_panel",
    ),
    path(
        "documents/<int:document_id>/telecharger/",
        document_download,
        name="document_download",
    ),
]
