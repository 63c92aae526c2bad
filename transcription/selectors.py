"""Reading transcripts and their passages, scoped to the user's care teams (404 for
outsiders)."""

from django.contrib.auth.models import AbstractBaseUser
from django.shortcuts import get_object_or_404

from dossiers.selectors import dossiers_for_care_team
from transcription.models import Segment, Transcript


def transcript_for_user(user: AbstractBaseUser, transcript_id: int) -> Transcript:
    return get_object_or_404(
        Transcript.objects.filter(
            recording__consultation__dossier__in=dossiers_for_care_team(user)
        ),
        pk=transcript_id,
    )


def segment_for_user(user: AbstractBaseUser, segment_id: int) -> Segment:
    return get_object_or_404(
        Segment.objects.filter(
            transcript__recording__consultation__dossier__in=dossiers_for_care_team(user)
        ).select_related("transcript"),
        pk=segment_id,
    )
