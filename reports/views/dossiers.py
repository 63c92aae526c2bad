"""Dossiers, consultations and their recordings, transcripts (speakers) and the audio
player. The report's PDF is in reports/views/documents.py."""

from pathlib import PurePath

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from audit.services import audit_read
from reports import selectors, services
from reports.audio_responses import audio_response
from reports.forms import (
    ConsultationRecordingForm,
    DossierForm,
    SegmentSpeakerForm,
    SpeakerRenameForm,
    TrackForm,
)
from reports.models import Segment
from reports.permissions import OPEN_DOSSIER, can, require
from reports.retention import audio_deleted_message, audio_is_deleted
from reports.work import job_for_user, job_relaunch_by, work_in_progress


@login_required
@require_GET
def dossier_list(request):
    dossiers = selectors.dossiers_for_user(request.user)
    return render(
        request,
        "reports/dossier_list.html",
        {"dossiers": dossiers, "can_open_dossier": can(request.user, OPEN_DOSSIER, None)},
    )


@login_required
@require_http_methods(["GET", "POST"])
def dossier_create(request):
    require(request.user, OPEN_DOSSIER, None)
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
    if request.method == "POST":
        require(request.user, "reports.add_recording", dossier)
    audit_read(request, dossier)
    if not can(request.user, "reports.view_pathway", dossier):
        # An external member: the documents shared with the team, nothing else.
        return render(
            request,
            "reports/dossier_shared.html",
            {"dossier": dossier, "reports": selectors.reports_visible(request.user, dossier)},
        )
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
            "reports": selectors.reports_visible(request.user, dossier),
            "can_upload": can(request.user, "reports.add_recording", dossier),
            "form": form,
            "grids": selectors.dossier_grids(dossier),
            "child_age_months": age_months,
            "age_is_corrected": age_is_corrected,
            **_jobs_context(dossier, request.user),
        },
        status=400 if form.errors else 200,
    )


@login_required
@require_GET
def dossier_jobs(request, dossier_id: int):
    """The pipeline progress panel, polled by htmx while work is under way."""
    dossier = selectors.dossier_for_user(request.user, dossier_id)
    require(request.user, "reports.view_pathway", dossier)
    return render(
        request, "reports/_jobs.html", {"dossier": dossier, **_jobs_context(dossier, request.user)}
    )


def _jobs_context(dossier, user, report=None) -> dict:
    rows = work_in_progress(user, dossier, report=report)
    return {
        "job_rows": rows,
        "jobs_active": any(row.job.is_active for row in rows),
        "jobs_poll_url": reverse("reports:report_jobs", args=[report.pk])
        if report
        else reverse("reports:dossier_jobs", args=[dossier.pk]),
    }


@login_required
@require_GET
def report_jobs(request, report_id: int):
    """The report's background work (drafts, AI edits, care-plan proposals, PDFs), loaded
    by the report page and polled while some of it is under way."""
    report = selectors.report_for_user(request.user, report_id)
    require(request.user, "reports.view_report_sources", report)
    return render(
        request,
        "reports/_jobs.html",
        {"dossier": report.dossier, **_jobs_context(report.dossier, request.user, report)},
    )


@login_required
@require_http_methods(["POST"])
def job_relaunch(request, kind: str, job_id: int):
    """Queue a failed job again (whoever may start that kind of work)."""
    job_kind, job = job_for_user(request.user, kind, job_id)
    try:
        job_relaunch_by(user=request.user, kind=job_kind, job=job)
    except services.ServiceError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, "Traitement relancé : il reprend en arrière-plan.")
    return redirect(reverse("reports:dossier_detail", args=[job_kind.dossier_id(job)]) + "#jobs")


@login_required
@require_http_methods(["POST"])
def consultation_track_add(request, consultation_id: int):
    """Another participant's track for a consultation: transcribed with its speaker and
    merged into the consultation's timeline."""
    consultation = selectors.consultation_for_user(request.user, consultation_id)
    require(request.user, "reports.add_recording", consultation.dossier)
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
    require(request.user, "reports.change_transcript", report.dossier)
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
                user=request.user,
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
    require(
        request.user,
        "reports.change_transcript",
        segment.transcript.recording.consultation.dossier,
    )
    form = SegmentSpeakerForm(request.POST)
    if form.is_valid():
        try:
            services.segment_speaker_set(
                segment=segment, speaker=form.cleaned_data["speaker"], user=request.user
            )
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
def recording_audio(request, recording_id: int):
    """The recording for the browser's player, with range requests (seeking to a cited
    passage); the dossier's care team only. Once the retention period has deleted the
    audio: 410 Gone, saying when and that the transcript stays."""
    recording = selectors.recording_for_user(request.user, recording_id)
    if audio_is_deleted(recording):
        return HttpResponse(
            audio_deleted_message(recording),
            status=410,
            content_type="text/plain; charset=utf-8",
        )
    audit_read(
        request,
        recording,
        dossier_id=recording.consultation.dossier_id,
        detail=f"audio {request.headers.get('Range', 'entier')}"[:300],
    )
    return audio_response(
        recording.file,
        range_header=request.headers.get("Range", ""),
        download_name=f"enregistrement-{recording.pk}{PurePath(recording.file.name).suffix}",
    )
