"""Speech to text behind a small interface.

``Transcriber`` is what the pipeline needs; ``FasterWhisperTranscriber`` is the real
engine (CTranslate2 Whisper, loaded from a folder); tests pass their own fake. The
configured engine is loaded once per process by ``transcription.transcribers.get_transcriber``.
"""

import math
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Protocol

from neddie.model_files import verify_model_folder
from transcription import guards as guards

UNKNOWN_SPEAKER = "inconnu"


class TranscriptionEngineError(RuntimeError):
    """The engine cannot run (missing or corrupt model); ``message`` is shown to users."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class TranscribedWord:
    start: float
    end: float
    word: str
    probability: float


@dataclass(frozen=True)
class TranscribedSegment:
    start: float
    end: float
    text: str
    speaker: str = UNKNOWN_SPEAKER
    confidence: float | None = None
    low_confidence: bool = False
    # Word-level timing, so that a report sentence can cite, and play, a precise passage.
    words: tuple[TranscribedWord, ...] = ()


@dataclass
class TranscriptionResult:
    language: str
    duration_seconds: float
    engine: str
    model_name: str
    segments: list[TranscribedSegment] = field(default_factory=list)

    def segments_as_dicts(self) -> list[dict]:
        return [asdict(segment) for segment in self.segments]


ProgressCallback = Callable[[float], None]  # fraction of the audio done, 0..1


class Transcriber(Protocol):
    engine: str
    model_name: str

    def transcribe(
        self,
        audio_path: Path,
        *,
        language: str,
        vocabulary: Sequence[str] = (),
        on_progress: ProgressCallback | None = None,
    ) -> TranscriptionResult: ...


class FasterWhisperTranscriber:
    engine = "faster-whisper"

    def __init__(
        self,
        model_dir: Path,
        *,
        device: str = "cpu",
        compute_type: str = "int8",
        cpu_threads: int = 0,
        beam_size: int = 5,
    ):
        if not (model_dir / "model.bin").is_file():
            raise TranscriptionEngineError(
                f"Modèle de transcription introuvable dans {model_dir} : "
                "lancez « python manage.py prepare_models »."
            )
        verify_model_folder(model_dir)
        # Imported here so that processes which never transcribe (web) do not load it.
        from faster_whisper import WhisperModel

        self.model_name = model_dir.name
        self.beam_size = beam_size
        self._model = WhisperModel(
            str(model_dir),
            device=device,
            compute_type=compute_type,
            cpu_threads=cpu_threads,
            local_files_only=True,
        )

    def transcribe(
        self,
        audio_path: Path,
        *,
        language: str,
        vocabulary: Sequence[str] = (),
        on_progress: ProgressCallback | None = None,
    ) -> TranscriptionResult:
        """Transcribe ``audio_path``; ``vocabulary`` (protocol terms, participants) is given
        to the model as context so that it spells them right.

        Deterministic: the same audio gives the same transcript (fixed sampling seed for
        the temperature fallback)."""
        import ctranslate2

        ctranslate2.set_random_seed(SAMPLING_SEED)
        vocabulary = [term for term in vocabulary if term.strip()]
        segments, info = self._model.transcribe(
            str(audio_path),
            language=language,
            beam_size=self.beam_size,
            # Silero VAD (shipped inside faster-whisper) skips silence and noise, where
            # Whisper would otherwise invent text.
            vad_filter=True,
            word_timestamps=True,
            # Feeding the previous text back makes the model loop on its own mistakes.
            condition_on_previous_text=False,
            hallucination_silence_threshold=2.0,
            initial_prompt=vocabulary_prompt(vocabulary),
        )
        result = TranscriptionResult(
            language=info.language,
            duration_seconds=info.duration,
            engine=self.engine,
            model_name=self.model_name,
        )
        for segment in segments:  # a generator: decoding happens here
            kept = _keep(segment, vocabulary)
            if kept is not None:
                result.segments.append(kept)
            if on_progress and info.duration:
                on_progress(min(segment.end / info.duration, 1.0))
        return result


SAMPLING_SEED = 1234


# Whisper base follows a long prompt rather than the audio: on the demo consultation, a
# 48-term prompt (three protocols' vocabularies) merged everything into one segment that the
# no-speech guard then dropped, while 8–12 terms kept all 5 segments and 71 words.
MAX_PROMPT_TERMS = 12


def vocabulary_prompt(vocabulary: Sequence[str]) -> str | None:
    """The initial prompt: the first ``MAX_PROMPT_TERMS`` terms (callers put the most
    useful first)."""
    if not vocabulary:
        return None
    return "Termes de la consultation : " + ", ".join(vocabulary[:MAX_PROMPT_TERMS]) + "."


def _keep(segment, vocabulary: Sequence[str]) -> TranscribedSegment | None:
    """The segment as neddie stores it, or None when it is not trustworthy speech."""
    text = segment.text.strip()
    if (
        not text
        or guards.is_unlikely_speech(segment.no_speech_prob, segment.avg_logprob)
        or guards.is_boilerplate(text)
        or guards.echoes_prompt(text, list(vocabulary))
    ):
        return None
    words = tuple(
        TranscribedWord(
            start=round(float(word.start), 3),
            end=round(float(word.end), 3),
            word=word.word,
            probability=round(float(word.probability), 4),
        )
        for word in segment.words or ()
    )
    return TranscribedSegment(
        start=round(float(segment.start), 3),
        end=round(float(segment.end), 3),
        text=text,
        confidence=round(math.exp(float(segment.avg_logprob)), 4),
        low_confidence=guards.is_low_confidence(
            segment.avg_logprob, [word.probability for word in words]
        ),
        words=words,
    )
