"""The review workflow on the report page: status transitions (one service each), review
comments, and the correction of a signed report."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from dossiers.permissions import require
from reports.models import ReviewComment
from reports.review import services
from reports.review.transitions import TRANSITIONS
from reports.selectors import report_for_user

DONE = {
    "submit": "Compte rendu soumis à la relecture.",
    "request_changes": "Correction demandée au clinicien.",
    "approve": "Relecture approuvée : le compte rendu est validé.",
    "validate": "Compte rendu validé.",
    "reopen": "Compte rendu rouvert pour modification.",
    "sign": "Compte rendu signé. Il ne peut plus être modifié : une correction se fait "
    "par une nouvelle version.",
}


@login_required
@require_http_methods(["POST"])
def report_transition(request, report_id: int, transition: str):
    report = report_for_user(request.user, report_id)
    if transition not in TRANSITIONS:
        raise Http404
    # 403 for a member whose role or the report's status does not open this transition;
    # the service checks again under the row lock, with the guards.
    require(request.user, f"reports.{transition}_report", report)
    try:
        services.report_transition(
            report=report,
            name=transition,
            user=request.user,
            message=request.POST.get("message", ""),
        )
    except services.WorkflowError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, DONE[transition])
    return redirect("drafting:report_detail", report_id=report.pk)


@login_required
@require_http_methods(["POST"])
def comment_add(request, report_id: int):
    report = report_for_user(request.user, report_id)
    require(request.user, "reports.comment_report", report)
    section = None
    section_id = request.POST.get("section", "")
    if section_id:
        section = get_object_or_404(report.sections, pk=section_id if section_id.isdigit() else 0)
    try:
        comment = services.review_comment_add(
            report=report, section=section, user=request.user, text=request.POST.get("text", "")
        )
    except services.WorkflowError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, "Commentaire ajouté.")
        return redirect(
            f"{reverse('drafting:report_detail', args=[report.pk])}#comment-{comment.pk}"
        )
    anchor = f"#section-{section.pk}" if section else "#review"
    return redirect(f"{reverse('drafting:report_detail', args=[report.pk])}{anchor}")


@login_required
@require_http_methods(["POST"])
def comment_resolve(request, report_id: int, comment_id: int):
    report = report_for_user(request.user, report_id)
    require(request.user, "reports.resolve_comment", report)
    comment = get_object_or_404(ReviewComment, pk=comment_id, report=report)
    try:
        services.review_comment_resolve(comment=comment, user=request.user)
    except services.WorkflowError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, "Commentaire marqué comme traité.")
    anchor = f"#section-{comment.section_id}" if comment.section_id else "#review"
    return redirect(f"{reverse('drafting:report_detail', args=[report.pk])}{anchor}")


@login_required
@require_http_methods(["POST"])
def report_correct(request, report_id: int):
    """Start a corrected version of a signed report (the signed one never changes)."""
    report = report_for_user(request.user, report_id)
    require(request.user, "reports.correct_report", report)
    try:
        correction = services.report_correction_start(report=report, user=request.user)
    except services.WorkflowError as exc:
        messages.error(request, exc.message)
        return redirect("drafting:report_detail", report_id=report.pk)
    messages.success(
        request, f"Version {correction.version_number} créée : elle corrige la version signée."
    )
    return redirect("drafting:report_detail", report_id=correction.pk)
