"""A stand-in transcriber for tests about plumbing rather than recognition."""

from pathlib import Path

from transcription.engine import TranscribedSegment, TranscriptionResult


class FakeTranscriber:
    engine = "fake"
    model_name = "fake-model"

    def __init__(self, segments: list[TranscribedSegment] | None = None):
        self.segments = segments or [
            TranscribedSegment(0.0, 2.5, "Bonjour, nous commençons la séance.", confidence=0.9),
            TranscribedSegment(2.5, 6.0, "Il aligne ses petites voitures.", confidence=0.8),
        ]
        self.calls: list[Path] = []
        self.vocabularies: list[list[str]] = []

    def transcribe(self, audio_path: Path, *, language: str, vocabulary=(), on_progress=None):
        self.calls.append(audio_path)
        self.vocabularies.append(list(vocabulary))
        assert audio_path.is_file(), "the transcriber must get a readable local file"
        for segment in self.segments:
            if on_progress:
                on_progress(segment.end / self.segments[-1].end)
        return TranscriptionResult(
            language=language,
            duration_seconds=self.segments[-1].end,
            engine=self.engine,
            model_name=self.model_name,
            segments=list(self.segments),
        )
