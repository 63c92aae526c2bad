"""Dossiers, consultations and their recordings, transcripts (speakers) and the audio
player. The report's PDF is in documents/views/documents.py."""

from pathlib import PurePath

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from audit.services import audit_read
from dossiers import selectors, services
from dossiers.audio_responses import audio_response
from dossiers.audio_retention import audio_deleted_message, audio_is_deleted
from dossiers.forms import ConsultationRecordingForm, DossierForm, TrackForm
from dossiers.permissions import OPEN_DOSSIER, can, require


@login_required
@require_GET
def dossier_list(request):
    dossiers = selectors.dossiers_for_user(request.user)
    return render(
        request,
        "dossiers/dossier_list.html",
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
            return redirect("dossiers:dossier_detail", dossier_id=dossier.pk)
    return render(request, "dossiers/dossier_form.html", {"form": form})


@login_required
@require_http_methods(["GET", "POST"])
def dossier_detail(request, dossier_id: int):
    dossier = selectors.dossier_for_user(request.user, dossier_id)
    if request.method == "POST":
        require(request.user, "dossiers.add_recording", dossier)
    audit_read(request, dossier)
    if not can(request.user, "dossiers.view_pathway", dossier):
        # An external member: the documents shared with the team, nothing else.
        return render(
            request,
            "dossiers/dossier_shared.html",
            {"dossier": dossier},
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
            return redirect("dossiers:dossier_detail", dossier_id=dossier.pk)
    age_months, age_is_corrected = selectors.dossier_child_age(dossier)
    return render(
        request,
        "dossiers/dossier_detail.html",
        {
            "dossier": dossier,
            "consultations": selectors.dossier_consultations(dossier),
            "can_upload": can(request.user, "dossiers.add_recording", dossier),
            "form": form,
            "grids": selectors.dossier_grids(dossier),
            "child_age_months": age_months,
            "age_is_corrected": age_is_corrected,
        },
        status=400 if form.errors else 200,
    )


@login_required
@require_http_methods(["POST"])
def consultation_track_add(request, consultation_id: int):
    """Another participant's track for a consultation: transcribed with its speaker and
    merged into the consultation's timeline."""
    consultation = selectors.consultation_for_user(request.user, consultation_id)
    require(request.user, "dossiers.add_recording", consultation.dossier)
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
    return redirect("dossiers:dossier_detail", dossier_id=consultation.dossier_id)


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
