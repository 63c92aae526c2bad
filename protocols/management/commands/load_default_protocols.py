from django.core.management.base import BaseCommand, CommandError

from protocols.formats import ProtocolFileError
from protocols.services import protocols_load_defaults


class Command(BaseCommand):
    help = "Importe et publie les protocoles fournis par défaut (protocols/defaults/). Idempotent."

    def handle(self, *args, **options):
        try:
            results = protocols_load_defaults()
        except ProtocolFileError as exc:
            raise CommandError("\n".join(exc.errors)) from exc
        for result in results:
            version = result.version
            state = "importée" if result.created else "déjà à jour"
            self.stdout.write(f"{version.protocol.slug} v{version.number} : {state}")
