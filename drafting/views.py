"""The report editor: the report page with its sections, sources and proposals, the
clinician's text, AI edits (background jobs), proposals accepted or refused, undo."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods
from django_htmx.http import reswap, retarget

from audit.services import audit_read
from dossiers.permissions import can, require
from drafting import selectors as drafting_selectors
from drafting import services as drafting_services
from drafting.models import EditJob
from neddie.errors import ServiceError
from reports.models import SectionVersion, Statement
from reports.review import selectors as review_selectors
from reports.selectors import (
    report_for_editor,
    report_for_user,
    report_rule_outcomes,
    report_timelines,
    statements_to_verify,
)
from transcription import services as transcription_services
from transcription.forms import SpeakerRenameForm
from transcription.models import Segment


@login_required
@require_GET
def report_detail(request, report_id: int):
    """The report: for the care team, the editor (sections with their sources, proposals,
    the review); for an external member, the shared signed report only."""
    report = report_for_user(request.user, report_id)
    audit_read(request, report)
    if not can(request.user, "reports.view_report_sources", report):
        return render(
            request,
            "drafting/report_shared.html",
            {"report": report},
        )
    return _report_page(request, report)


def _report_page(request, report, *, conflict: dict | None = None, status: int = 200):
    return render(
        request,
        "drafting/report_detail.html",
        {
            "report": report,
            "can_edit": can(request.user, "reports.change_report", report),
            "edit_jobs": drafting_selectors.report_active_edit_jobs(report),
            **review_selectors.report_review_context(request.user, report),
            "sections": report.sections.prefetch_related("items"),
            "versions": report.protocol_versions.select_related("protocol"),
            "outcomes": report_rule_outcomes(report),
            "timelines": report_timelines(report),
            "speaker_roles": Segment.Role.choices,
            "panels": drafting_selectors.report_section_panels(report),
            "to_verify": list(statements_to_verify(report)),
            "run": drafting_selectors.report_latest_run(report),
            "edit_actions": EDIT_ACTIONS,
            "conflict": conflict,
        },
        status=status,
    )


EDIT_ACTIONS = [
    ("expand", "Développer"),
    ("shorten", "Réduire"),
    ("rephrase", "Reformuler"),
    ("regenerate", "Régénérer"),
]


@login_required
@require_http_methods(["POST"])
def report_draft(request, report_id: int):
    """Queue a new draft of the whole report; it arrives as proposals where the clinician
    already has text."""
    report = report_for_editor(request.user, report_id)
    try:
        drafting_services.draft_run_request(report=report, user=request.user)
    except drafting_services.DraftingError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, "Rédaction du brouillon demandée : elle se fait en arrière-plan.")
    return redirect("drafting:report_detail", report_id=report.pk)


@login_required
@require_http_methods(["POST"])
def section_edit(request, report_id: int, section_id: int):
    """Ask for an AI edit of a section, or of the sentences ticked in it: a background job
    whose progress the page shows; its result is a proposal to accept or refuse."""
    report = report_for_editor(request.user, report_id)
    section = get_object_or_404(report.sections, pk=section_id)
    action = request.POST.get("action", "")
    job, error = None, ""
    try:
        selection = [int(value) for value in request.POST.getlist("selection")]
        job = drafting_services.section_edit_request(
            section=section, action=action, user=request.user, selection=selection or None
        )
    except ValueError:
        error = "Sélection invalide."
    except drafting_services.DraftingError as exc:
        error = exc.message
    if request.htmx:
        # Into the section's job slot, in place: the progress box, or why there is none.
        return render(
            request, "drafting/_edit_job.html", {"report": report, "job": job, "error": error}
        )
    if error:
        messages.error(request, error)
    return redirect(f"{reverse('drafting:report_detail', args=[report.pk])}#section-{section.pk}")


@login_required
@require_GET
def edit_job_status(request, report_id: int, job_id: int):
    """An AI edit's progress, polled by htmx; once done, the page reloads the section."""
    report = report_for_user(request.user, report_id)
    require(request.user, "reports.view_report_sources", report)
    job = get_object_or_404(EditJob, pk=job_id, section__report=report)
    response = render(request, "drafting/_edit_job.html", {"report": report, "job": job})
    if not job.is_active and request.htmx:
        # Finished: show the proposal (or the reason it failed) in the whole page.
        response["HX-Refresh"] = "true"
    return response


@login_required
@require_http_methods(["POST"])
def section_text(request, report_id: int, section_id: int):
    """The clinician's own text for a section (Markdown), saved by the "Enregistrer"
    button or autosaved by htmx while typing. Saved against the version the page showed:
    if the section changed meanwhile, nothing is saved and both texts are shown (for an
    autosave, in place of the editor, which then stops autosaving)."""
    report = report_for_editor(request.user, report_id)
    section = get_object_or_404(report.sections, pk=section_id)
    try:
        based_on = int(request.POST.get("based_on", ""))
    except ValueError:
        based_on = None
    text = request.POST.get("text", "")
    try:
        version = drafting_services.section_text_save(
            section=section, text=text, user=request.user, based_on=based_on
        )
    except drafting_services.SectionConflict as exc:
        conflict = {"section": section, "error": exc}
        if request.htmx:
            return _autosave_conflict(request, report, section, conflict)
        return _report_page(request, report, conflict=conflict, status=409)
    except drafting_services.DraftingError as exc:
        if request.htmx:
            context = {"section": section, "based_on": based_on, "error": exc.message}
            return render(request, "drafting/_autosave.html", context)
        messages.error(request, exc.message)
    else:
        if request.htmx:
            return _autosaved(request, report, section, version)
    return redirect(f"{reverse('drafting:report_detail', args=[report.pk])}#section-{section.pk}")


def _autosaved(request, report, section, version):
    """The autosave's answer: the time and version saved (the next save is based on it),
    and, out of band, the section's reading view and the count of sentences to verify."""
    return render(
        request,
        "drafting/_autosaved.html",
        {
            "report": report,
            "section": section,
            "panel": drafting_selectors.report_section_panel(report, section),
            "can_edit": True,
            "to_verify": list(statements_to_verify(report)),
            "version": version,
            "based_on": version.number,
            # An unchanged text returns the version already there: not "saved now".
            "saved_at": timezone.localtime(version.decided_at or version.created_at),
        },
    )


def _autosave_conflict(request, report, section, conflict: dict):
    """Someone saved the section meanwhile: the editor is replaced by the conflict view
    (both texts) with the clinician's text in a form that no longer autosaves."""
    panel = drafting_selectors.report_section_panel(report, section)
    response = render(
        request,
        "drafting/_section_editor.html",
        {"report": report, "panel": panel, "can_edit": True, "conflict": conflict},
        status=409,
    )
    return reswap(retarget(response, f"#editor-{section.pk}"), "outerHTML")


@login_required
@require_http_methods(["POST"])
def section_undo(request, report_id: int, section_id: int):
    report = report_for_editor(request.user, report_id)
    section = get_object_or_404(report.sections, pk=section_id)
    try:
        drafting_services.section_undo(section=section, user=request.user)
    except drafting_services.DraftingError as exc:
        messages.error(request, exc.message)
    return redirect(f"{reverse('drafting:report_detail', args=[report.pk])}#section-{section.pk}")


@login_required
@require_http_methods(["POST"])
def section_version_decide(request, report_id: int, version_id: int):
    """Accept a proposal (as it is, or with the clinician's changes) or refuse it; nothing
    else changes the text but the clinician."""
    report = report_for_editor(request.user, report_id)
    version = get_object_or_404(SectionVersion, pk=version_id, section__report=report)
    decision = request.POST.get("decision", "")
    try:
        if decision == "accept":
            drafting_services.section_version_accept(version=version, user=request.user)
        elif decision == "reject":
            drafting_services.section_version_reject(version=version, user=request.user)
        elif decision == "accept_edited":
            drafting_services.section_version_accept_edited(
                version=version, text=request.POST.get("text", ""), user=request.user
            )
        else:
            messages.error(request, "Décision inconnue.")
    except drafting_services.SectionConflict as exc:
        if decision == "accept_edited":
            exc.yours = request.POST.get("text", exc.yours)  # show what the clinician wrote
        conflict = {"section": version.section, "error": exc}
        return _report_page(request, report, conflict=conflict, status=409)
    except drafting_services.DraftingError as exc:
        messages.error(request, exc.message)
    return redirect(
        f"{reverse('drafting:report_detail', args=[report.pk])}#section-{version.section_id}"
    )


@login_required
@require_http_methods(["POST"])
def statement_keep(request, report_id: int, statement_id: int):
    """Keep a flagged sentence after checking it against its sources."""
    report = report_for_editor(request.user, report_id)
    statement = get_object_or_404(Statement, pk=statement_id, version__section__report=report)
    try:
        drafting_services.statement_keep(statement=statement, user=request.user)
    except drafting_services.DraftingError as exc:
        messages.error(request, exc.message)
    return redirect(
        f"{reverse('drafting:report_detail', args=[report.pk])}"
        f"#section-{statement.version.section_id}"
    )


@login_required
@require_http_methods(["POST"])
def statement_remove(request, report_id: int, statement_id: int):
    """Delete a sentence from the section's text (undo brings it back)."""
    report = report_for_editor(request.user, report_id)
    statement = get_object_or_404(Statement, pk=statement_id, version__section__report=report)
    try:
        drafting_services.statement_remove(statement=statement, user=request.user)
    except drafting_services.DraftingError as exc:
        messages.error(request, exc.message)
    return redirect(
        f"{reverse('drafting:report_detail', args=[report.pk])}"
        f"#section-{statement.version.section_id}"
    )


@login_required
@require_http_methods(["POST"])
def report_speaker_rename(request, report_id: int):
    """Name a speaker across one consultation's timeline ("inconnu" → "parent")."""
    report = report_for_user(request.user, report_id)
    require(request.user, "transcription.change_transcript", report.dossier)
    form = SpeakerRenameForm(request.POST)
    consultation_id = request.POST.get("consultation", "")
    timeline = next(
        (t for t in report_timelines(report) if str(t.consultation.pk) == consultation_id),
        None,
    )
    if timeline is None or not form.is_valid():
        messages.error(request, "Choisissez un locuteur et un nom.")
    else:
        try:
            count = transcription_services.transcript_speaker_rename(
                transcripts=timeline.transcripts,
                current=form.cleaned_data["current"],
                new=form.cleaned_data["new"],
                user=request.user,
            )
        except ServiceError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, f"Locuteur renommé dans {count} passage(s).")
    return redirect("drafting:report_detail", report_id=report.pk)
