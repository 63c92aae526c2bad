"""Transcription tasks (queue ``transcription``): thin, take a job's id, safe to run twice.
A recording's transcription fans out: ``transcribe_recording`` cuts it into chunks and
queues one ``transcribe_chunk`` per chunk; the worker finishing the last chunk merges them."""

from celery import shared_task

from neddie.tasks import MAX_RETRIES, job_task_run
from transcription import pipeline
from transcription.models import PipelineJob, TranscriptionChunk


@shared_task(bind=True, acks_late=True, max_retries=MAX_RETRIES)
def transcribe_recording(self, job_id: int) -> None:
    """Cut the recording into chunks (once) and queue every chunk not yet transcribed.
    Sent again after everything was transcribed, it finalizes the job instead."""
    job_task_run(
        self,
        PipelineJob,
        job_id,
        lambda: pipeline.job_prepare(job_id=job_id, owner=self.request.id or ""),
    )


@shared_task(bind=True, acks_late=True, max_retries=MAX_RETRIES)
def transcribe_chunk(self, chunk_id: int) -> None:
    """Transcribe one chunk; the worker that completes the last chunk merges the job."""
    job_task_run(
        self,
        TranscriptionChunk,
        chunk_id,
        lambda: pipeline.chunk_transcribe(chunk_id=chunk_id, owner=self.request.id or ""),
    )
