from django.core.management.base import BaseCommand

from protocols.services import protocols_load_defaults


class Command(BaseCommand):
    help = "Crée ou met à jour les protocoles fournis par défaut (idempotent)."

    def handle(self, *args, **options):
        for protocol in protocols_load_defaults():
            self.stdout.write(f"{protocol.slug} : {protocol.sections.count()} sections")
