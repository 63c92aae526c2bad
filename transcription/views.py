"""Correcting a transcript: the speaker of one passage."""

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_http_methods

from dossiers.permissions import require
from neddie.errors import ServiceError
from transcription import selectors, services
from transcription.forms import SegmentSpeakerForm
from transcription.models import Segment


@login_required
@require_http_methods(["POST"])
def segment_speaker(request, segment_id: int):
    """Correct the speaker of one passage (htmx: returns the passage)."""
    segment = selectors.segment_for_user(request.user, segment_id)
    require(
        request.user,
        "transcription.change_transcript",
        segment.transcript.recording.consultation.dossier,
    )
    form = SegmentSpeakerForm(request.POST)
    if form.is_valid():
        try:
            services.segment_speaker_set(
                segment=segment, speaker=form.cleaned_data["speaker"], user=request.user
            )
        except ServiceError as exc:
            return HttpResponse(exc.message, status=400)
    else:
        return HttpResponse("Locuteur manquant.", status=400)
    return render(
        request,
        "dossiers/_segment.html",
        {"segment": segment, "speaker_roles": Segment.Role.choices},
    )
