import json
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from dossiers.audio import AudioInputError, probe_audio
from transcription.engine import TranscriptionEngineError
from transcription.transcribers import get_transcriber


class Command(BaseCommand):
    help = (
        "Transcrit un enregistrement et affiche les segments (début, fin, texte, locuteur). "
        "Avec --json : un objet JSON dont « segments » est la liste des segments."
    )

    def add_arguments(self, parser):
        parser.add_argument("audio", type=Path)
        parser.add_argument("--language", default=settings.TRANSCRIPTION_LANGUAGE)
        parser.add_argument("--json", action="store_true", help="sortie JSON sur stdout")

    def handle(self, *args, audio: Path, language: str, json: bool, **options):
        if not audio.is_file():
            raise CommandError(f"Fichier introuvable : {audio}")
        try:
            probe_audio(
                audio,
                max_bytes=settings.RECORDING_MAX_BYTES,
                max_seconds=settings.RECORDING_MAX_SECONDS,
            )
            result = get_transcriber().transcribe(audio, language=language)
        except (AudioInputError, TranscriptionEngineError) as exc:
            raise CommandError(exc.message) from exc
        if json:
            self.stdout.write(_as_json(result))
            return
        for segment in result.segments:
            self.stdout.write(
                f"[{segment.start:7.2f} → {segment.end:7.2f}] {segment.speaker} : {segment.text}"
            )


def _as_json(result) -> str:
    return json.dumps(
        {
            "language": result.language,
            "duration_seconds": result.duration_seconds,
            "engine": result.engine,
            "model": result.model_name,
            "segments": result.segments_as_dicts(),
        },
        ensure_ascii=False,
        indent=2,
    )
