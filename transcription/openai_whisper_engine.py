"""openai-whisper, the reference implementation, behind neddie's ``Transcriber`` interface.

A second engine for comparison and for sites that prefer the reference code; the default
stays ``FasterWhisperTranscriber``. Same weights (the packaged Whisper base, converted by
``transcription.whisper_conversion``), same decoding settings, same output, and the same guards
against invented text:

- audio is decoded with PyAV (``faster_whisper.decode_audio``): openai-whisper's own
  ``load_audio`` needs an ``ffmpeg`` binary;
- openai-whisper has no voice activity detection: faster-whisper's Silero VAD (ONNX, shipped
  in its package) finds the speech first, only the speech is transcribed (concatenated, as
  faster-whisper does), and every timestamp is mapped back onto the original recording;
- each segment then goes through ``transcription.engine._keep``, like the default engine's.
"""

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from transcription.engine import (
    SAMPLING_SEED,
    ProgressCallback,
    TranscriptionEngineError,
    TranscriptionResult,
    _keep,
    vocabulary_prompt,
)
from transcription.whisper_conversion import (
    DEFAULT_CHECKPOINT_NAME,
    ConversionError,
    OpenAIWhisperMissingError,
    convert_ctranslate2_to_openai_whisper,
    load_openai_whisper,
    require_openai_whisper,
)

SAMPLING_RATE = 16_000
# Speech is transcribed in groups of about this many seconds (whole VAD chunks), so that
# progress can be reported between groups: openai-whisper returns only when it is done.
PROGRESS_GROUP_SECONDS = 120.0
# The same fallback schedule as faster-whisper's defaults (and openai-whisper's).
TEMPERATURES = (0.0, 0.2, 0.4, 0.6, 0.8, 1.0)


@dataclass
class _Word:
    start: float
    end: float
    word: str
    probability: float


@dataclass
class _Segment:
    """An openai-whisper segment (a dict) seen as faster-whisper's Segment, the shape that
    ``_keep`` and faster-whisper's ``restore_speech_timestamps`` read (and the latter sets)."""

    start: float
    end: float
    text: str
    avg_logprob: float
    no_speech_prob: float
    words: list[_Word] = field(default_factory=list)

    @classmethod
    def from_dict(cls, segment: dict, offset: float) -> "_Segment":
        return cls(
            start=float(segment["start"]) + offset,
            end=float(segment["end"]) + offset,
            text=segment["text"],
            avg_logprob=float(segment["avg_logprob"]),
            no_speech_prob=float(segment["no_speech_prob"]),
            words=[
                _Word(
                    start=float(word["start"]) + offset,
                    end=float(word["end"]) + offset,
                    word=word["word"],
                    probability=float(word["probability"]),
                )
                for word in segment.get("words") or ()
            ],
        )


class OpenAIWhisperTranscriber:
    engine = "openai-whisper"

    def __init__(
        self,
        model_path: Path,
        *,
        device: str = "cpu",
        beam_size: int = 5,
        cpu_threads: int = 0,
    ):
        """``model_path``: an openai-whisper checkpoint (``.pt``), or a CTranslate2 Whisper
        folder, converted once to ``openai-whisper.pt`` inside it. ``cpu_threads``: torch's
        intra-op threads (0 leaves torch's default); torch's setting is per process."""
        model_path = Path(model_path)
        try:
            torch, _ = require_openai_whisper()
            if model_path.is_dir() and (model_path / "model.bin").is_file():
                model_path = convert_ctranslate2_to_openai_whisper(
                    model_path, model_path / DEFAULT_CHECKPOINT_NAME
                )
            if not model_path.is_file():
                raise TranscriptionEngineError(
                    f"Modèle openai-whisper introuvable : {model_path} "
                    "(convertissez-le avec « python -m transcription.whisper_conversion »)."
                )
            if cpu_threads:
                torch.set_num_threads(cpu_threads)
            self._model = load_openai_whisper(model_path, device=device)
        except OpenAIWhisperMissingError as exc:
            raise TranscriptionEngineError(
                f"Le moteur openai-whisper n'est pas installé : {exc}"
            ) from exc
        except ConversionError as exc:
            raise TranscriptionEngineError(
                f"Le modèle {model_path} est inutilisable par openai-whisper : {exc}"
            ) from exc
        self._torch = torch
        self.model_name = self._model.name
        self.device = device
        self.beam_size = beam_size

    def transcribe(
        self,
        audio_path: Path,
        *,
        language: str,
        vocabulary: Sequence[str] = (),
        on_progress: ProgressCallback | None = None,
    ) -> TranscriptionResult:
        """Transcribe ``audio_path`` like ``FasterWhisperTranscriber.transcribe``: same
        settings, guards and result; deterministic (fixed seed for the temperature
        fallback)."""
        from faster_whisper import decode_audio
        from faster_whisper.transcribe import restore_speech_timestamps
        from faster_whisper.vad import VadOptions, collect_chunks, get_speech_timestamps

        vocabulary = [term for term in vocabulary if term.strip()]
        audio = decode_audio(str(audio_path), sampling_rate=SAMPLING_RATE)
        duration = audio.shape[0] / SAMPLING_RATE
        result = TranscriptionResult(
            language=language,
            duration_seconds=duration,
            engine=self.engine,
            model_name=self.model_name,
        )
        # The VAD settings faster-whisper uses for vad_filter=True without parameters.
        speech_chunks = get_speech_timestamps(audio, VadOptions(), sampling_rate=SAMPLING_RATE)
        if not speech_chunks:
            if on_progress:
                on_progress(1.0)
            return result

        # Groups of whole speech chunks, each the concatenation of its chunks; "offset" is
        # where a group starts on the speech-only timeline (all chunks end to end).
        groups, groups_metadata = collect_chunks(
            audio, speech_chunks, SAMPLING_RATE, max_duration=PROGRESS_GROUP_SECONDS
        )
        self._torch.manual_seed(SAMPLING_SEED)
        segments: list[_Segment] = []
        for group, metadata in zip(groups, groups_metadata, strict=True):
            if group.size == 0:
                continue
            with self._torch.inference_mode():
                output = self._model.transcribe(
                    np.ascontiguousarray(group, dtype=np.float32),
                    language=language,
                    task="transcribe",
                    beam_size=self.beam_size,
                    temperature=TEMPERATURES,
                    word_timestamps=True,
                    # Feeding the previous text back makes the model loop on its mistakes.
                    condition_on_previous_text=False,
                    hallucination_silence_threshold=2.0,
                    initial_prompt=vocabulary_prompt(vocabulary),
                    fp16=self.device != "cpu",
                    verbose=None,
                )
            offset = float(metadata["offset"])
            group_segments = [_Segment.from_dict(s, offset) for s in output["segments"]]
            # Speech-only times back to times in the recording (faster-whisper's own
            # mapping: each word is placed by the chunk its middle falls in).
            group_segments = list(
                restore_speech_timestamps(group_segments, speech_chunks, SAMPLING_RATE)
            )
            segments.extend(group_segments)
            if on_progress and group_segments:
                on_progress(min(group_segments[-1].end / duration, 1.0))

        for segment in segments:
            kept = _keep(segment, vocabulary)
            if kept is not None:
                result.segments.append(kept)
        if on_progress:
            on_progress(1.0)
        return result
