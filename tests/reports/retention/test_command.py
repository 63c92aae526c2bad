"""manage.py purge_recordings: what would be deleted (--dry-run), then deleted, in French."""

import io

from django.core.management import call_command

from dossiers.models import Recording
from tests.reports.retention.conftest import days_after_signature


def run(*args) -> str:
    out = io.StringIO()
    call_command("purge_recordings", *args, stdout=out)
    return out.getvalue()


def test_dry_run_lists_each_recording_then_deletes_nothing(clock, signed_report, recordings):
    clock.move_to(days_after_signature(100))

    output = run("--dry-run")

    for recording in recordings:
        assert (
            f"Enregistrement n° {recording.pk} · dossier n° {signed_report.dossier_id} · "
            "signé le 23/11/2026 · "
        ) in output
    assert "Simulation (90 jours après signature) : 2 enregistrements à supprimer" in output
    assert "Rien n'a été supprimé." in output
    assert not Recording.objects.filter(audio_deleted_at__isnull=False).exists()


def test_deletes_and_sums_up(clock, recordings):
    clock.move_to(days_after_signature(100))

    output = run()

    assert output.count("· supprimé") == 2
    assert "2 enregistrements supprimés (90 jours après signature)" in output
    assert Recording.objects.filter(audio_deleted_at__isnull=False).count() == 2
    assert run().splitlines() == [
        "0 enregistrement supprimé (90 jours après signature), espace libéré : 0\xa0octet. "
        "Transcriptions et comptes rendus conservés."
    ]


def test_days_option_overrides_the_setting(clock, recordings):
    clock.move_to(days_after_signature(100))

    assert "0 enregistrement à supprimer" in run("--dry-run", "--days", "120")
    assert "2 enregistrements à supprimer" in run("--dry-run", "--days", "30")


def test_retention_off_says_so(clock, settings, recordings):
    settings.RECORDING_RETENTION_DAYS = 0
    clock.move_to(days_after_signature(1000))

    assert "aucun enregistrement n'est supprimé" in run()
    assert not Recording.objects.filter(audio_deleted_at__isnull=False).exists()
