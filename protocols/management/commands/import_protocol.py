from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from protocols.formats import ProtocolFileError
from protocols.services import ProtocolError, protocol_import


class Command(BaseCommand):
    help = (
        "Importe un protocole au format neddie-protocol/1 (docs/protocol-format.md) comme "
        "nouvelle version, brouillon sauf --publish. Un fichier invalide ne change rien."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)
        parser.add_argument("--publish", action="store_true", help="publier la version importée")

    def handle(self, *args, file: Path, publish: bool, **options):
        if not file.is_file():
            raise CommandError(f"Fichier introuvable : {file}")
        try:
            result = protocol_import(content=file.read_bytes(), publish=publish)
        except ProtocolFileError as exc:
            raise CommandError(f"{file.name} :\n  " + "\n  ".join(exc.errors)) from exc
        except ProtocolError as exc:
            raise CommandError(exc.message) from exc
        version = result.version
        name = f"{version.protocol.slug} v{version.number}"
        if result.created:
            self.stdout.write(f"{name} importée ({version.get_status_display()}).")
        else:
            self.stdout.write(f"{name} : contenu identique, rien à importer.")
