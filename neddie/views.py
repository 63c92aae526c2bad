"""The work panel's pages: a dossier's and a report's background work (polled while
some of it runs), and relaunching a failed job."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods

from dossiers import selectors
from dossiers.permissions import require
from neddie.errors import ServiceError
from neddie.work import job_for_user, job_relaunch_by, jobs_context
from reports.selectors import report_for_user


@login_required
@require_GET
def dossier_jobs(request, dossier_id: int):
    """The pipeline progress panel, polled by htmx while work is under way."""
    dossier = selectors.dossier_for_user(request.user, dossier_id)
    require(request.user, "dossiers.view_pathway", dossier)
    return render(
        request, "neddie/_jobs.html", {"dossier": dossier, **jobs_context(dossier, request.user)}
    )


@login_required
@require_GET
def report_jobs(request, report_id: int):
    """The report's background work (drafts, AI edits, care-plan proposals, PDFs), loaded
    by the report page and polled while some of it is under way."""
    report = report_for_user(request.user, report_id)
    require(request.user, "reports.view_report_sources", report)
    return render(
        request,
        "neddie/_jobs.html",
        {"dossier": report.dossier, **jobs_context(report.dossier, request.user, report)},
    )


@login_required
@require_http_methods(["POST"])
def job_relaunch(request, kind: str, job_id: int):
    """Queue a failed job again (whoever may start that kind of work)."""
    job_kind, job = job_for_user(request.user, kind, job_id)
    try:
        job_relaunch_by(user=request.user, kind=job_kind, job=job)
    except ServiceError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, "Traitement relancé : il reprend en arrière-plan.")
    return redirect(reverse("dossiers:dossier_detail", args=[job_kind.dossier_id(job)]) + "#jobs")
