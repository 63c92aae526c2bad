from django.core.management.base import BaseCommand, CommandError
from django.template.defaultfilters import filesizeformat
from django.utils import timezone

from reports.retention import recordings_purge_expired, retention_days


class Command(BaseCommand):
    help = (
        "Supprime l'audio des enregistrements dont la durée de conservation après signature "
        "du compte rendu est écoulée (RECORDING_RETENTION_DAYS). Les transcriptions, les "
        "comptes rendus et les documents sont conservés. Avec --dry-run : affiche ce qui "
        "serait supprimé sans rien supprimer."
    )

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="affiche sans rien supprimer")
        parser.add_argument(
            "--days",
            type=int,
            help="durée de conservation en jours après signature (défaut : réglages)",
        )

    def handle(self, *args, dry_run: bool, days: int | None, **options):
        if days is not None and days < 1:
            raise CommandError("--days : un nombre de jours d'au moins 1.")
        days = retention_days() if days is None else days
        if days <= 0:
            self.stdout.write(
                "Conservation illimitée (RECORDING_RETENTION_DAYS = 0) : aucun "
                "enregistrement n'est supprimé."
            )
            return
        purged = recordings_purge_expired(dry_run=dry_run, days=days)
        verb = "à supprimer" if dry_run else "supprimé"
        for item in purged:
            signed = timezone.localtime(item.signed_at)
            self.stdout.write(
                f"Enregistrement n° {item.recording_id} · dossier n° {item.dossier_id} · "
                f"signé le {signed:%d/%m/%Y} · {filesizeformat(item.size_bytes)} · {verb}"
            )
        total = filesizeformat(sum(item.size_bytes for item in purged))
        count = len(purged)
        plural = "s" if count > 1 else ""
        if dry_run:
            self.stdout.write(
                f"Simulation ({days} jours après signature) : {count} enregistrement{plural} "
                f"à supprimer, {total}. Rien n'a été supprimé."
            )
        else:
            self.stdout.write(
                f"{count} enregistrement{plural} supprimé{plural} ({days} jours après "
                f"signature), espace libéré : {total}. Transcriptions et comptes rendus "
                "conservés."
            )
