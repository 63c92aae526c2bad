"""Transcription of a recording as a pipeline of chunks.

1. ``job_prepare``: cut the recording into chunks of a few minutes at silences (per channel
   when a stereo file holds one speaker per channel) and store them.
2. ``chunk_transcribe``: transcribe one chunk; workers take chunks in parallel. A finished
   chunk is stored and never redone; a worker that dies loses only the chunk in flight,
   which the broker delivers again.
3. ``job_finalize``: once every chunk is done, merge them on the recording's timeline into
   the transcript, attach it to the dossier's draft report. Runs once, whoever calls it.

``recording_transcribe`` runs the three steps in one process (command line, demo, tests);
the Celery tasks run them across workers.
"""

import contextlib
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

import structlog
from django.conf import settings
from django.core.files import File
from django.db import transaction
from django.db.models import Count, Q
from django.dispatch import Signal

from dossiers.audio import AudioInputError
from dossiers.audio_retention import recording_audio_require
from dossiers.models import Consultation, Recording
from dossiers.selectors import dossier_protocols
from dossiers.services import RECORDING_CONSENT_WITHDRAWN, ServiceError, local_path_for
from neddie import jobs
from transcription import chunking
from transcription.engine import (
    UNKNOWN_SPEAKER,
    TranscribedSegment,
    TranscribedWord,
    Transcriber,
    TranscriptionEngineError,
    TranscriptionResult,
)
from transcription.models import PipelineJob, TranscriptionChunk
from transcription.services import transcript_store
from transcription.transcribers import get_transcriber

log = structlog.get_logger(__name__)

ProgressCallback = Callable[[float], None]

# Sent inside the transaction that stores a transcript (argument: transcript).
transcript_ready = Signal()
STEREO_SPEAKERS = ("interlocuteur 1 (voie gauche)", "interlocuteur 2 (voie droite)")


# --- Job state ------------------------------------------------------------------------------


def job_fail(*, job_id: int, reason: str) -> None:
    """Mark a transcription failed with a reason a clinician can read."""
    jobs.job_fail(PipelineJob.objects.get(pk=job_id), reason=reason)


# --- Step 1: chunks -------------------------------------------------------------------------


@contextlib.contextmanager
def _stored_path(field_file) -> Iterator[Path]:
    """A local path to a stored file (a temporary copy on remote storages such as S3)."""
    try:
        local = Path(field_file.path)
    except NotImplementedError:
        with field_file.open("rb") as stored, local_path_for(stored) as copy:
            yield copy
    else:
        yield local


def _speaker(recording: Recording, channels: int, channel: int) -> str:
    if recording.speaker_label:
        return recording.speaker_label  # one participant's own track
    if channels == 2:
        return STEREO_SPEAKERS[channel]
    return UNKNOWN_SPEAKER


def job_prepare(*, job_id: int, owner: str = "", dispatch: bool = True) -> list[int] | None:
    """Claim the job and cut its recording into chunks (once), then send every chunk not
    yet transcribed to the workers (``dispatch=False``: the caller runs them). Returns the
    ids of those chunks, or None if the job is done or held by another worker. A job
    whose chunks are all done is merged here. A recording that turns out unreadable or
    too long when decoded, or whose consultation no longer has the legal representative's
    recording consent (withdrawn since the upload), fails the job with a readable reason."""
    job = jobs.job_claim(PipelineJob, job_id, owner=owner, stage="Découpage de l'enregistrement")
    if job is None:
        return None
    # Checked at every start and redelivery: consent can be withdrawn while a job waits.
    if not job.recording.consultation.recording_consent:
        job_fail(job_id=job.pk, reason=RECORDING_CONSENT_WITHDRAWN)
        _discard_chunk_audio(job.pk)
        return []
    if not job.chunks.exists():
        try:
            # Past the retention period the audio is gone: nothing left to cut.
            recording_audio_require(job.recording)
            with jobs.job_heartbeat(job):
                _cut_into_chunks(job)
        except (AudioInputError, ServiceError) as exc:
            job_fail(job_id=job.pk, reason=exc.message)
            return []
    pending = list(
        job.chunks.exclude(status=TranscriptionChunk.Status.DONE).values_list("pk", flat=True)
    )
    if not pending:
        with transaction.atomic():
            job_finalize(job_id=job_id)
        return []
    # The chunks carry their own leases from now on: the job waits for them.
    jobs.job_progress(job, stage="Transcription")
    jobs.job_release_lease(job)
    if dispatch:
        for chunk in TranscriptionChunk.objects.filter(pk__in=pending):
            jobs.job_dispatch(chunk)
    return pending


def _cut_into_chunks(job: PipelineJob) -> None:
    recording = job.recording
    with _stored_path(recording.file) as path, tempfile.TemporaryDirectory() as tmp:
        analysis = chunking.analyse(
            path, source_channels=recording.channels, max_seconds=settings.RECORDING_MAX_SECONDS
        )
        spans = chunking.plan_chunks(
            analysis,
            chunk_seconds=settings.TRANSCRIPTION_CHUNK_SECONDS,
            search_seconds=settings.TRANSCRIPTION_CHUNK_SEARCH_SECONDS,
        )
        files = chunking.write_chunks(path, spans, channels=analysis.channels, output_dir=Path(tmp))
        with transaction.atomic():
            for span in spans:
                for channel in range(analysis.channels):
                    chunk = TranscriptionChunk(
                        job=job,
                        index=span.index,
                        channel=channel,
                        speaker=_speaker(recording, analysis.channels, channel),
                        start_seconds=round(span.start_seconds, 3),
                        end_seconds=round(span.end_seconds, 3),
                    )
                    file = files[(span.index, channel)]
                    with open(file, "rb") as handle:
                        chunk.audio.save(file.name, File(handle), save=False)
                    chunk.save()
    log.info("job.chunked", job_id=job.pk, chunks=len(spans), channels=analysis.channels)


# --- Step 2: one chunk ----------------------------------------------------------------------


def transcription_vocabulary(consultation: Consultation) -> list[str]:
    """Terms the recognizer should spell right: the participants' roles, then the
    vocabulary of the dossier's protocols, without repeats (the prompt keeps the first
    few: ``transcription.MAX_PROMPT_TERMS``)."""
    terms = [role.strip() for role in consultation.participants.split(",")]
    terms += [
        term
        for protocol in dossier_protocols(consultation.dossier)
        if (version := protocol.published_version()) is not None
        for term in version.vocabulary_list
    ]
    return list(dict.fromkeys(term for term in terms if term))


def chunk_transcribe(
    *,
    chunk_id: int,
    owner: str = "",
    transcriber: Transcriber | None = None,
    on_progress: ProgressCallback | None = None,
) -> int | None:
    """Transcribe one chunk and store its segments on the recording's timeline; the chunk
    that completes its recording merges the transcript in the same transaction.

    Safe to run twice (a chunk done, or held by another worker, is skipped). Returns the
    job id when this chunk completed the job; None otherwise. A missing or corrupt model
    fails the job with a readable reason.
    """
    chunk = jobs.job_claim(TranscriptionChunk, chunk_id, owner=owner)
    if chunk is None:
        return None
    parent = PipelineJob.objects.get(pk=chunk.job_id)
    if parent.status != PipelineJob.Status.RUNNING:
        jobs.job_fail(chunk, reason=parent.error_message or "Transcription arrêtée.")
        return None
    consultation = parent.recording.consultation
    try:
        engine = transcriber or get_transcriber()
        with jobs.job_heartbeat(chunk), _stored_path(chunk.audio) as path:
            result = engine.transcribe(
                path,
                language=settings.TRANSCRIPTION_LANGUAGE,
                vocabulary=transcription_vocabulary(consultation),
                on_progress=on_progress,
            )
    except TranscriptionEngineError as exc:
        jobs.job_fail(chunk, reason=exc.message)
        return None
    if on_progress:
        on_progress(1.0)  # trailing silence yields no segment to report it
    with transaction.atomic():
        # The job's row serializes the chunks finishing at once: one of them merges.
        PipelineJob.objects.select_for_update().get(pk=chunk.job_id)
        jobs.job_done(
            chunk,
            segments=[_on_timeline(segment, chunk) for segment in result.segments],
            language=result.language,
            engine=result.engine,
            model_name=result.model_name,
        )
        counts = TranscriptionChunk.objects.filter(job_id=chunk.job_id).aggregate(
            total=Count("pk"), done=Count("pk", filter=Q(status=TranscriptionChunk.Status.DONE))
        )
        # 95 at most: the last 5 % are merging and building the report.
        PipelineJob.objects.filter(pk=chunk.job_id).update(
            progress=95 * counts["done"] // counts["total"]
        )
        if counts["done"] == counts["total"]:
            job_finalize(job_id=chunk.job_id)
            return chunk.job_id
    return None


def _on_timeline(segment: TranscribedSegment, chunk: TranscriptionChunk) -> dict:
    offset = chunk.start_seconds

    def shift(value: float) -> float:
        return round(value + offset, 3)

    return {
        "start": shift(segment.start),
        "end": shift(segment.end),
        "text": segment.text,
        "speaker": chunk.speaker,
        "confidence": segment.confidence,
        "low_confidence": segment.low_confidence,
        "words": [
            {
                "start": shift(w.start),
                "end": shift(w.end),
                "word": w.word,
                "probability": w.probability,
            }
            for w in segment.words
        ],
    }


# --- Step 3: merge --------------------------------------------------------------------------


def job_finalize(*, job_id: int) -> PipelineJob | None:
    """Merge the chunks into the recording's transcript and attach it to the dossier's
    draft report, which is queued for drafting. Runs once: returns None when the job is not
    running or has chunks left."""
    with transaction.atomic():
        job = PipelineJob.objects.select_for_update().select_related("recording").get(pk=job_id)
        chunks = list(job.chunks.all())
        if job.status != PipelineJob.Status.RUNNING or any(
            chunk.status != TranscriptionChunk.Status.DONE for chunk in chunks
        ):
            return None
        recording = job.recording
        if not recording.consultation.recording_consent:
            # Withdrawn while the chunks were transcribed: nothing reaches the dossier.
            job_fail(job_id=job.pk, reason=RECORDING_CONSENT_WITHDRAWN)
            transaction.on_commit(lambda: _discard_chunk_audio(job_id))
            return None
        segments = sorted(
            (segment for chunk in chunks for segment in chunk.segments),
            key=lambda segment: (segment["start"], segment["speaker"]),
        )
        first = chunks[0] if chunks else None
        result = TranscriptionResult(
            language=first.language if first else settings.TRANSCRIPTION_LANGUAGE,
            duration_seconds=max((c.end_seconds for c in chunks), default=0.0),
            engine=first.engine if first else "",
            model_name=first.model_name if first else "",
            segments=[_from_dict(segment) for segment in segments],
        )
        transcript = transcript_store(recording=recording, result=result)
        # The report stands above transcription: it hears of the transcript by this signal
        # (and attaches it to the dossier's draft report, in this transaction).
        transcript_ready.send(sender=PipelineJob, transcript=transcript)
        jobs.job_done(job, stage="Transcription terminée")
        transaction.on_commit(lambda: _discard_chunk_audio(job_id))
    log.info("job.done", job_id=job.pk, transcript_id=transcript.pk, segments=len(segments))
    return PipelineJob.objects.get(pk=job_id)


def _from_dict(segment: dict) -> TranscribedSegment:
    return TranscribedSegment(
        start=segment["start"],
        end=segment["end"],
        text=segment["text"],
        speaker=segment["speaker"],
        confidence=segment["confidence"],
        low_confidence=segment["low_confidence"],
        words=tuple(TranscribedWord(**word) for word in segment["words"]),
    )


def _discard_chunk_audio(job_id: int) -> None:
    """The chunk audio files were working copies: the recording itself is kept."""
    for chunk in TranscriptionChunk.objects.filter(job_id=job_id).exclude(audio=""):
        chunk.audio.delete(save=False)
    TranscriptionChunk.objects.filter(job_id=job_id).update(audio="")


# --- All steps in one process -----------------------------------------------------------------


def recording_transcribe(
    *,
    job_id: int,
    transcriber: Transcriber | None = None,
    on_progress: ProgressCallback | None = None,
) -> PipelineJob | None:
    """Run the whole pipeline here, chunk after chunk (command line, demo, tests).

    Same guarantees as the distributed path: returns None for a job already done; a
    failure is recorded on the job with a readable reason.
    """
    pending = job_prepare(job_id=job_id, dispatch=False)
    if pending is None:
        log.info("job.skipped_done", job_id=job_id)
        return None
    reported = 0.0
    for position, chunk_id in enumerate(pending):

        def chunk_progress(fraction: float, position: int = position) -> None:
            nonlocal reported
            # Segment ends are not always increasing: report progress only forwards.
            overall = (position + fraction) / len(pending)
            if on_progress and overall > reported:
                reported = overall
                on_progress(overall)

        chunk_transcribe(chunk_id=chunk_id, transcriber=transcriber, on_progress=chunk_progress)
    return PipelineJob.objects.get(pk=job_id)
