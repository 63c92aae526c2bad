"""Thin views: fetch through a scoped selector (404 for outsiders), validate with a form,
call one service, render or redirect."""

from pathlib import PurePath

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from reports import selectors, services
from reports.audio_responses import audio_response
from reports.drafting import selectors as drafting_selectors
from reports.drafting import services as drafting_services
from reports.drafting.models import SectionVersion
from reports.forms import (
    ConsultationRecordingForm,
    DossierForm,
    SegmentSpeakerForm,
    SpeakerRenameForm,
    TrackForm,
)
from reports.models import Segment
from reports.pdf import render_report_pdf


@login_required
@require_GET
def dossier_list(request):
    dossiers = selectors.dossiers_for_user(request.user)
    return render(request, "reports/dossier_list.html", {"dossiers": dossiers})


@login_required
@require_http_methods(["GET", "POST"])
def dossier_create(request):
    form = DossierForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            dossier = services.dossier_create(created_by=request.user, **form.cleaned_data)
        except services.ServiceError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, "Dossier créé.")
            return redirect("reports:dossier_detail", dossier_id=dossier.pk)
    return render(request, "reports/dossier_form.html", {"form": form})


@login_required
@require_http_methods(["GET", "POST"])
def dossier_detail(request, dossier_id: int):
    dossier = selectors.dossier_for_user(request.user, dossier_id)
    form = ConsultationRecordingForm(
        request.POST or None, request.FILES or None, initial={"date": timezone.localdate()}
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        audio = data.pop("audio")
        try:
            services.consultation_record(
                dossier=dossier, audio=audio, original_name=audio.name, user=request.user, **data
            )
        except services.ServiceError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(
                request, "Enregistrement déposé : la transcription est en file d'attente."
            )
            return redirect("reports:dossier_detail", dossier_id=dossier.pk)
    age_months, age_is_corrected = selectors.dossier_child_age(dossier)
    return render(
        request,
        "reports/dossier_detail.html",
        {
            "dossier": dossier,
            "consultations": selectors.dossier_consultations(dossier),
            "reports": selectors.reports_for_user(request.user).filter(dossier=dossier),
            "form": form,
            "grids": selectors.dossier_grids(dossier),
            "child_age_months": age_months,
            "age_is_corrected": age_is_corrected,
            **_jobs_context(dossier),
        },
        status=400 if form.errors else 200,
    )


@login_required
@require_GET
def dossier_jobs(request, dossier_id: int):
    """The pipeline progress panel, polled by htmx while work is under way."""
    dossier = selectors.dossier_for_user(request.user, dossier_id)
    return render(request, "reports/_jobs.html", {"dossier": dossier, **_jobs_context(dossier)})


def _jobs_context(dossier) -> dict:
    jobs = list(selectors.dossier_jobs(dossier))
    return {"jobs": jobs, "jobs_active": any(job.is_active for job in jobs)}


@login_required
@require_GET
def report_detail(request, report_id: int):
    report = selectors.report_for_user(request.user, report_id)
    return _report_page(request, report)


def _report_page(request, report, *, conflict: dict | None = None, status: int = 200):
    return render(
        request,
        "reports/report_detail.html",
        {
            "report": report,
            "sections": report.sections.prefetch_related("items"),
            "versions": report.protocol_versions.select_related("protocol"),
            "outcomes": selectors.report_rule_outcomes(report),
            "timelines": selectors.report_timelines(report),
            "speaker_roles": Segment.Role.choices,
            "panels": drafting_selectors.report_section_panels(report),
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
    report = selectors.report_for_editor(request.user, report_id)
    drafting_services.draft_run_request(report=report, user=request.user)
    messages.success(request, "Rédaction du brouillon demandée : elle se fait en arrière-plan.")
    return redirect("reports:report_detail", report_id=report.pk)


@login_required
@require_http_methods(["POST"])
def section_edit(request, report_id: int, section_id: int):
    """An AI edit of a section, or of the sentences ticked in it, stored as a proposal."""
    report = selectors.report_for_editor(request.user, report_id)
    section = get_object_or_404(report.sections, pk=section_id)
    action = request.POST.get("action", "")
    try:
        selection = [int(value) for value in request.POST.getlist("selection")]
        drafting_services.section_edit_propose(
            section=section, action=action, user=request.user, selection=selection or None
        )
    except ValueError:
        messages.error(request, "Sélection invalide.")
    except drafting_services.DraftingError as exc:
        messages.error(request, exc.message)
    return redirect(f"{reverse('reports:report_detail', args=[report.pk])}#section-{section.pk}")


@login_required
@require_http_methods(["POST"])
def section_text(request, report_id: int, section_id: int):
    """The clinician's own text for a section. Saved against the version the page showed:
    if the section changed meanwhile, nothing is saved and both texts are shown."""
    report = selectors.report_for_editor(request.user, report_id)
    section = get_object_or_404(report.sections, pk=section_id)
    try:
        based_on = int(request.POST.get("based_on", ""))
    except ValueError:
        based_on = None
    text = request.POST.get("text", "")
    try:
        drafting_services.section_text_save(
            section=section, text=text, user=request.user, based_on=based_on
        )
    except drafting_services.SectionConflict as exc:
        conflict = {"section": section, "error": exc}
        return _report_page(request, report, conflict=conflict, status=409)
    return redirect(f"{reverse('reports:report_detail', args=[report.pk])}#section-{section.pk}")


@login_required
@require_http_methods(["POST"])
def section_undo(request, report_id: int, section_id: int):
    report = selectors.report_for_editor(request.user, report_id)
    section = get_object_or_404(report.sections, pk=section_id)
    try:
        drafting_services.section_undo(section=section, user=request.user)
    except drafting_services.DraftingError as exc:
        messages.error(request, exc.message)
    return redirect(f"{reverse('reports:report_detail', args=[report.pk])}#section-{section.pk}")


@login_required
@require_http_methods(["POST"])
def section_version_decide(request, report_id: int, version_id: int):
    """Accept or refuse a proposal; nothing else changes the text but the clinician."""
    report = selectors.report_for_editor(request.user, report_id)
    version = get_object_or_404(SectionVersion, pk=version_id, section__report=report)
    decide = {
        "accept": drafting_services.section_version_accept,
        "reject": drafting_services.section_version_reject,
    }.get(request.POST.get("decision", ""))
    if decide is None:
        messages.error(request, "Décision inconnue.")
    else:
        try:
            decide(version=version, user=request.user)
        except drafting_services.DraftingError as exc:
            messages.error(request, exc.message)
    return redirect(
        f"{reverse('reports:report_detail', args=[report.pk])}#section-{version.section_id}"
    )


@login_required
@require_http_methods(["POST"])
def consultation_track_add(request, consultation_id: int):
    """Another participant's track for a consultation: transcribed with its speaker and
    merged into the consultation's timeline."""
    consultation = selectors.consultation_for_user(request.user, consultation_id)
    form = TrackForm(request.POST, request.FILES)
    if form.is_valid():
        audio = form.cleaned_data["audio"]
        try:
            services.recording_upload(
                consultation=consultation,
                audio=audio,
                original_name=audio.name,
                uploaded_by=request.user,
                speaker_label=form.cleaned_data["speaker_label"],
            )
        except services.ServiceError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, "Piste déposée : la transcription est en file d'attente.")
    else:
        messages.error(request, " ".join(e for errors in form.errors.values() for e in errors))
    return redirect("reports:dossier_detail", dossier_id=consultation.dossier_id)


@login_required
@require_http_methods(["POST"])
def report_speaker_rename(request, report_id: int):
    """Name a speaker across one consultation's timeline ("inconnu" → "parent")."""
    report = selectors.report_for_user(request.user, report_id)
    form = SpeakerRenameForm(request.POST)
    consultation_id = request.POST.get("consultation", "")
    timeline = next(
        (
            t
            for t in selectors.report_timelines(report)
            if str(t.consultation.pk) == consultation_id
        ),
        None,
    )
    if timeline is None or not form.is_valid():
        messages.error(request, "Choisissez un locuteur et un nom.")
    else:
        try:
            count = services.transcript_speaker_rename(
                transcripts=timeline.transcripts,
                current=form.cleaned_data["current"],
                new=form.cleaned_data["new"],
            )
        except services.ServiceError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, f"Locuteur renommé dans {count} passage(s).")
    return redirect("reports:report_detail", report_id=report.pk)


@login_required
@require_http_methods(["POST"])
def segment_speaker(request, segment_id: int):
    """Correct the speaker of one passage (htmx: returns the passage)."""
    segment = selectors.segment_for_user(request.user, segment_id)
    form = SegmentSpeakerForm(request.POST)
    if form.is_valid():
        try:
            services.segment_speaker_set(segment=segment, speaker=form.cleaned_data["speaker"])
        except services.ServiceError as exc:
            return HttpResponse(exc.message, status=400)
    else:
        return HttpResponse("Locuteur manquant.", status=400)
    return render(
        request,
        "reports/_segment.html",
        {"segment": segment, "speaker_roles": Segment.Role.choices},
    )


@login_required
@require_GET
def report_pdf(request, report_id: int):
    report = selectors.report_for_user(request.user, report_id)
    response = HttpResponse(render_report_pdf(report), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="compte-rendu-{report.pk}.pdf"'
    response["Cache-Control"] = "no-store"
    return response


@login_required
@require_GET
def recording_audio(request, recording_id: int):
    """The recording for the browser's player, with range requests (seeking to a cited
    passage); the dossier's care team only."""
    recording = selectors.recording_for_user(request.user, recording_id)
    return audio_response(
        recording.file,
        range_header=request.headers.get("Range", ""),
        download_name=f"enregistrement-{recording.pk}{PurePath(recording.file.name).suffix}",
    )
