"""The command-line interface, run as a separate process like a user or an evaluation
script would (exit codes, stdout, stderr), on a throwaway data folder."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings as django_settings

from tests.audio import write_tone

REPO_ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def manage(tmp_path_factory):
    """Run manage.py against a fresh, migrated data folder sharing the prepared models."""
    data_dir = tmp_path_factory.mktemp("cli-data")
    env = {
        **os.environ,
        "NEDDIE_DATA_DIR": str(data_dir),
        "WHISPER_MODEL_DIR": str(django_settings.WHISPER_MODEL_DIR),
        "SECRET_KEY": "test-only-not-a-secret",
        "DATABASE_URL": f"sqlite:///{data_dir / 'cli.sqlite3'}",
    }
    env.pop("DJANGO_SETTINGS_MODULE", None)

    def run(*args: str, check: bool = False, **extra_env: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=REPO_ROOT,
            env={**env, **extra_env},
            capture_output=True,
            text=True,
            timeout=300,
            check=check,
        )

    run("migrate", "--noinput", "-v0", check=True)
    run("load_default_protocols", check=True)
    return run


@pytest.mark.whisper
def test_transcribe_prints_segments_as_json(manage, french_speech, whisper_model_dir):
    result = manage("transcribe", str(french_speech), "--language", "fr", "--json")
    assert result.returncode == 0, result.stderr
    output = json.loads(result.stdout)
    assert output["language"] == "fr"
    segment = output["segments"][0]
    assert set(segment) >= {"start", "end", "text", "speaker"}
    assert "bonjour" in " ".join(s["text"] for s in output["segments"]).lower()


@pytest.mark.whisper
def test_process_recording_writes_report_json_and_pdf(
    manage, french_speech, tmp_path, whisper_model_dir
):
    pdf, report_json = tmp_path / "cr.pdf", tmp_path / "cr.json"
    result = manage(
        "process_recording",
        str(french_speech),
        "--protocol",
        "bilan-tnd",
        "--pdf",
        str(pdf),
        "--json",
        str(report_json),
        "--initials",
        "AB",
    )
    assert result.returncode == 0, result.stderr
    assert pdf.read_bytes().startswith(b"%PDF")
    report = json.loads(report_json.read_text())
    assert [p["slug"] for p in report["protocols"]] == ["bilan-tnd"]
    assert [s["title"] for s in report["sections"]][:2] == [
        "Identification et cadre",
        "Motif de la demande",
    ]
    segments = report["transcripts"][0]["segments"]
    assert "bonjour" in " ".join(s["text"] for s in segments).lower()
    # Drafted on the same path as the workers (extractive in tests: DRAFTING_ENGINE).
    assert report["draft"]["run_id"] is not None
    assert report["draft"]["engine"] == "extractive"
    assert report["draft"]["protocol_versions"] == ["bilan-tnd v1"]
    statements = [st for section in report["sections"] for st in section["statements"]]
    assert all(st["cites"] and st["cites"][0].startswith("C1-U") for st in statements)


def test_process_recording_refuses_unreadable_audio_and_stores_nothing(manage, tmp_path):
    fake = tmp_path / "notes.mp3"
    fake.write_text("ceci n'est pas du son")
    before = manage(
        "shell", "-c", "from dossiers.models import Dossier; print(Dossier.objects.count())"
    )
    result = manage("process_recording", str(fake), "--protocol", "bilan-tnd")
    after = manage(
        "shell", "-c", "from dossiers.models import Dossier; print(Dossier.objects.count())"
    )
    assert result.returncode != 0
    assert "n'est pas un enregistrement audio lisible" in result.stderr
    assert before.stdout == after.stdout  # no empty dossier left behind


def test_process_recording_refuses_empty_and_too_long_files(manage, tmp_path):
    empty = tmp_path / "vide.wav"
    empty.touch()
    result = manage("process_recording", str(empty), "--protocol", "bilan-tnd")
    assert result.returncode != 0 and "Le fichier est vide." in result.stderr

    long_tone = write_tone(tmp_path / "long.wav", seconds=3)
    result = manage(
        "process_recording", str(long_tone), "--protocol", "bilan-tnd", RECORDING_MAX_SECONDS="2"
    )
    assert result.returncode != 0
    assert "L'enregistrement dure 3 s ; durée maximale : 2 s." in result.stderr


def test_process_recording_refuses_a_consultation_without_consent(manage, tmp_path):
    create = manage(
        "shell",
        "--no-imports",
        "-c",
        "from dossiers import services; from protocols.models import Protocol;"
        "from dossiers.models import Consultation; import datetime;"
        "op = services.cli_operator_get();"
        "d = services.dossier_create(initials='CD', birth_date=None, sex='X',"
        " protocols=[Protocol.objects.get(slug='bilan-tnd')], created_by=op);"
        "c = services.consultation_create(dossier=d, date=datetime.date(2026, 11, 2),"
        " modality='teleconsultation', participants='', recording_consent=False,"
        " consent_given_by='', created_by=op); print(c.pk)",
    )
    assert create.returncode == 0, create.stderr
    consultation_id = create.stdout.strip()
    tone = write_tone(tmp_path / "t.wav", seconds=2)
    result = manage(
        "process_recording", str(tone), "--protocol", "bilan-tnd", "--consultation", consultation_id
    )
    assert result.returncode != 0
    assert "consentement du représentant légal" in result.stderr


def test_unknown_protocol_lists_the_known_ones(manage, tone_wav):
    result = manage("process_recording", str(tone_wav), "--protocol", "inexistant")
    assert result.returncode != 0
    assert "Protocole inconnu" in result.stderr and "bilan-tnd" in result.stderr
