"""Writing transcripts: storing a transcription (replacing an earlier one) and the
clinician's corrections of who speaks. Keyword-only; refusals raise ``ServiceError``."""

from collections.abc import Sequence
from dataclasses import asdict

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction

from audit.services import Action as AuditAction
from audit.services import audit_record
from dossiers.models import (
    Recording,
)
from neddie.errors import ServiceError
from transcription.engine import (
    TranscriptionResult,
)
from transcription.models import Segment, Transcript


@transaction.atomic
def transcript_store(*, recording: Recording, result: TranscriptionResult) -> Transcript:
    """Store the transcription of ``recording``, replacing any earlier one."""
    Transcript.objects.filter(recording=recording).delete()
    transcript = Transcript.objects.create(
        recording=recording,
        language=result.language,
        engine=result.engine,
        model_name=result.model_name,
        duration_seconds=result.duration_seconds,
    )
    Segment.objects.bulk_create(
        Segment(
            transcript=transcript,
            index=index,
            start=segment.start,
            end=max(segment.end, segment.start),
            text=segment.text,
            speaker=segment.speaker,
            confidence=segment.confidence,
            low_confidence=segment.low_confidence,
            words=[asdict(word) for word in segment.words],
        )
        for index, segment in enumerate(result.segments)
    )
    return transcript


@transaction.atomic
def transcript_speaker_rename(
    *,
    transcripts: Sequence[Transcript],
    current: str,
    new: str,
    user: AbstractBaseUser | None = None,
) -> int:
    """Name a speaker: every segment of ``transcripts`` labelled ``current`` becomes ``new``
    (a consultation's tracks are named together). Returns how many segments changed."""
    new = new.strip()
    if not new or len(new) > 40:
        raise ServiceError("Donnez un nom de locuteur (40 caractères au plus).")
    count = Segment.objects.filter(transcript__in=transcripts, speaker=current).update(speaker=new)
    for transcript in transcripts:
        audit_record(
            user=user,
            action=AuditAction.UPDATE,
            obj=transcript,
            dossier_id=transcript.recording.consultation.dossier_id,
            detail="locuteur renommé",
        )
    return count


@transaction.atomic
def segment_speaker_set(
    *, segment: Segment, speaker: str, user: AbstractBaseUser | None = None
) -> Segment:
    """Correct who speaks in one segment."""
    speaker = speaker.strip()
    if not speaker or len(speaker) > 40:
        raise ServiceError("Donnez un nom de locuteur (40 caractères au plus).")
    segment.speaker = speaker
    segment.save(update_fields=["speaker"])
    audit_record(
        user=user,
        action=AuditAction.UPDATE,
        obj=segment,
        dossier_id=segment.transcript.recording.consultation.dossier_id,
        detail="locuteur du passage",
    )
    return segment
