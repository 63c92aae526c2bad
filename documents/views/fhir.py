"""The report in FHIR (``documents.fhir``): a file to download from the report page, and the
same bundle as a small JSON endpoint for the care team's own systems, authenticated by the
session. The care team only (clinicians and coordinator): the bundle carries the report
and the plan, and points to the team's PDF. Every export is written in the audit log."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.views.decorators.http import require_GET

from audit.models import AuditEvent
from audit.services import audit_record
from documents.fhir import (
    FHIR_MEDIA_TYPE,
    FhirExportError,
    operation_outcome_json,
    report_bundle_json,
)
from dossiers.permissions import require
from reports.selectors import report_for_user


def _exportable(user, report_id: int):
    """The report, if ``user`` may export it: 404 for outsiders (the selector), 403 for
    members outside the care team."""
    report = report_for_user(user, report_id)
    require(user, "documents.export_report", report)
    return report


def _audit(request, report, detail: str) -> None:
    # An export is patient data leaving neddie: logged as such, not as a page read.
    audit_record(user=request.user, action=AuditEvent.Action.EXPORT, obj=report, detail=detail)


def _fhir_response(body: str, status: int = 200) -> HttpResponse:
    response = HttpResponse(body, content_type=FHIR_MEDIA_TYPE, status=status)
    response["Cache-Control"] = "no-store"
    return response


@login_required
@require_GET
def report_fhir_download(request, report_id: int):
    report = _exportable(request.user, report_id)
    try:
        body = report_bundle_json(report)
    except FhirExportError as exc:
        messages.error(request, exc.message)
        return redirect("drafting:report_detail", report_id=report.pk)
    _audit(request, report, "export FHIR (fichier)")
    response = _fhir_response(body)
    filename = f"fhir-{report.dossier.patient.code}-compte-rendu-{report.pk}.json"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@require_GET
def report_fhir_api(request, report_id: int):
    """JSON in, JSON out: errors are OperationOutcomes with their HTTP status, never the
    login page (a program cannot follow it)."""
    if not request.user.is_authenticated:
        return _fhir_response(operation_outcome_json("login", "Authentification requise."), 401)
    try:
        report = _exportable(request.user, report_id)
    except Http404:
        return _fhir_response(operation_outcome_json("not-found", "Compte rendu introuvable."), 404)
    except PermissionDenied as exc:
        return _fhir_response(operation_outcome_json("forbidden", str(exc)), 403)
    try:
        body = report_bundle_json(report)
    except FhirExportError as exc:
        return _fhir_response(operation_outcome_json("processing", exc.message), 500)
    _audit(request, report, "export FHIR (API)")
    return _fhir_response(body)
