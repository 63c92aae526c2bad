from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from protocols.formats import dump_protocol_file
from protocols.models import Protocol
from protocols.services import protocol_file_for


class Command(BaseCommand):
    help = (
        "Exporte une version d'un protocole au format neddie-protocol/1 : la version publiée, "
        "ou la dernière à défaut, ou celle de --version."
    )

    def create_parser(self, prog_name, subcommand, **kwargs):
        # --version is Django's own option; here it names the protocol version.
        return super().create_parser(prog_name, subcommand, conflict_handler="resolve", **kwargs)

    def add_arguments(self, parser):
        parser.add_argument("slug")
        parser.add_argument("--version", type=int, dest="number", help="numéro de version")
        parser.add_argument(
            "--output", type=Path, help="fichier à écrire (sinon la sortie standard)"
        )

    def handle(self, *args, slug: str, number: int | None, output: Path | None, **options):
        protocol = Protocol.objects.filter(slug=slug).first()
        if protocol is None:
            raise CommandError(f"Protocole inconnu : {slug}")
        versions = protocol.versions.all()
        if number is not None:
            version = versions.filter(number=number).first()
        else:
            version = protocol.published_version() or versions.order_by("-number").first()
        if version is None:
            raise CommandError(f"Aucune version {number or ''} pour {slug}.".replace("  ", " "))
        text = dump_protocol_file(protocol_file_for(version))
        if output:
            output.write_text(text, encoding="utf-8")
            self.stderr.write(f"{slug} v{version.number} écrite dans {output}")
        else:
            self.stdout.write(text, ending="")
