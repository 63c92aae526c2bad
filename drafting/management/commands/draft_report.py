import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from drafting.grid import grid_for_versions
from drafting.llm import ENGINES
from drafting.output import draft_as_dict
from drafting.services import draft_with_engine
from drafting.utterances import from_transcript_json
from protocols.models import Protocol


class Command(BaseCommand):
    help = (
        "Rédige un brouillon de compte rendu à partir de transcriptions (format de "
        "« transcribe --json »), selon la grille publiée des protocoles donnés. Chaque phrase "
        "cite ses passages (C1-U0007 : consultation 1, passage 7), avec le verdict de "
        "vérification et les scores de routage."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--transcript",
            type=Path,
            action="append",
            required=True,
            help="transcription JSON ; répéter pour plusieurs consultations (C1, C2, …)",
        )
        parser.add_argument("--protocol", action="append", required=True, help="identifiant")
        parser.add_argument("--engine", choices=ENGINES, help="moteur (défaut : réglages)")
        parser.add_argument("--age-months", type=int, help="âge de l'enfant pour les grilles")
        parser.add_argument("--json", action="store_true", help="sortie JSON sur stdout")

    def handle(self, *args, transcript, protocol, engine, age_months, json, **options):
        utterances = []
        for number, path in enumerate(transcript, start=1):
            utterances += _read_transcript(path, source=f"C{number}")
        versions = []
        for slug in protocol:
            found = Protocol.objects.filter(slug=slug).first()
            version = found.published_version() if found else None
            if version is None:
                raise CommandError(f"Protocole sans version publiée : {slug}")
            versions.append(version)
        grid = grid_for_versions(versions, age_months)
        result = draft_with_engine(utterances, grid, engine=engine)
        if result.fallback_reason:
            self.stderr.write(f"Avertissement : {result.fallback_reason}")
        data = draft_as_dict(result)
        if json:
            self.stdout.write(_dumps(data))
            return
        for section in data["sections"]:
            self.stdout.write(f"\n## {section['title']}")
            for item in section["items"]:
                self.stdout.write(f"- {item['label']} : {item['finding'] or item['status']}")
            for statement in section["statements"]:
                mark = {"supported": "", "flagged": " [à vérifier]"}.get(
                    statement["verdict"], " [écartée]"
                )
                cites = ", ".join(statement["cites"])
                self.stdout.write(f"  {statement['text']} ({cites}){mark}")
        for contradiction in data["contradictions"]:
            self.stdout.write(
                f"Contradiction : {contradiction['first']} / {contradiction['second']} "
                f"({contradiction['reason']})"
            )


def _read_transcript(path: Path, *, source: str):
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise CommandError(f"Fichier introuvable : {path}") from exc
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise CommandError(f"{path} n'est pas un fichier JSON lisible") from exc
    try:
        return from_transcript_json(data if isinstance(data, dict) else {}, source=source)
    except ValueError as exc:
        raise CommandError(f"{path} : {exc}") from exc


def _dumps(data: dict) -> str:
    return json.dumps(data, ensure_ascii=False, indent=2)
