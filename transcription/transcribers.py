"""Which speech-to-text engine this process uses (``TRANSCRIPTION_ENGINE``), loaded once per
process: each worker keeps its model."""

import functools

from django.conf import settings

from transcription.engine import FasterWhisperTranscriber, Transcriber, TranscriptionEngineError

ENGINES = ("faster-whisper", "openai-whisper")


@functools.cache
def get_transcriber() -> Transcriber:
    """The engine chosen by TRANSCRIPTION_ENGINE, loaded once per process (each worker
    keeps its model)."""
    engine = settings.TRANSCRIPTION_ENGINE
    if engine == "openai-whisper":
        # Imported only when chosen: it loads torch, which the default engine does not need.
        from transcription.openai_whisper_engine import OpenAIWhisperTranscriber

        checkpoint = settings.OPENAI_WHISPER_CHECKPOINT
        return OpenAIWhisperTranscriber(
            checkpoint if checkpoint.is_file() else settings.WHISPER_MODEL_DIR,
            device=settings.WHISPER_DEVICE,
            beam_size=settings.WHISPER_BEAM_SIZE,
            cpu_threads=settings.WHISPER_CPU_THREADS,
        )
    if engine != "faster-whisper":
        raise TranscriptionEngineError(
            f"Moteur de transcription inconnu : {engine} (choix : {', '.join(ENGINES)})."
        )
    return FasterWhisperTranscriber(
        settings.WHISPER_MODEL_DIR,
        device=settings.WHISPER_DEVICE,
        compute_type=settings.WHISPER_COMPUTE_TYPE,
        cpu_threads=settings.WHISPER_CPU_THREADS,
        beam_size=settings.WHISPER_BEAM_SIZE,
    )
