from django.core.management.base import BaseCommand, CommandError

from protocols.formats import ProtocolFileError
from protocols.services import protocols_load_defaults


class Command(BaseCommand):
    help = (
        "Importe les protocoles fournis par défaut (protocols/defaults/) : publiés s'ils sont "
        "nouveaux, en brouillon à relire si le site a déjà ce protocole. Idempotent."
    )

    def handle(self, *args, **options):
        try:
            results = protocols_load_defaults()
        except ProtocolFileError as exc:
            raise CommandError("\n".join(exc.errors)) from exc
        for result in results:
            version = result.version
            if result.created:
                state = f"importée ({version.get_status_display()})"
            else:
                state = "déjà à jour"
            self.stdout.write(f"{version.protocol.slug} v{version.number} : {state}")
