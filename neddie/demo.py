"""Synthetic demo material: a short French consultation spoken by espeak-ng.

Used by `make run` (the demo dossier) and by the tests (short clips with known words).
Nothing here comes from a real patient.
"""

import json
import secrets
import shutil
import subprocess
import tempfile
import wave
from pathlib import Path

from django.contrib.auth import get_user_model

from dossiers.services import clinician_grant

# (voice, text): an invented teleconsultation between a clinician and a mother.
DEMO_DIALOGUE = [
    (
        "fr+m3",
        "Bonjour madame. Nous commençons la consultation pour votre fils Léo, qui a trois ans.",
    ),
    (
        "fr+f2",
        "Bonjour docteur. Léo parle très peu. "
        "Il dit quelques mots, mais il ne fait pas de phrases.",
    ),
    ("fr+m3", "Est-ce qu'il répond quand vous l'appelez par son prénom ?"),
    ("fr+f2", "Pas souvent. À la crèche, il joue seul et il aligne ses petites voitures."),
    (
        "fr+m3",
        "D'accord. Nous allons proposer un bilan orthophonique et un bilan de psychomotricité.",
    ),
]

_PAUSE_SECONDS = 0.7


class SpeechSynthesisError(RuntimeError):
    pass


def synthesize(text: str, output: Path, *, voice: str = "fr", speed: int = 140) -> Path:
    """Speak ``text`` into a WAV file with espeak-ng (22.05 kHz mono)."""
    binary = shutil.which("espeak-ng")
    if binary is None:
        raise SpeechSynthesisError("espeak-ng is not installed (apt-get install espeak-ng).")
    subprocess.run(
        [binary, "-v", voice, "-s", str(speed), "-w", str(output), text],
        check=True,
        capture_output=True,
    )
    return output


def join_wavs(parts: list[Path], output: Path, *, pause_seconds: float) -> Path:
    """Join WAV files of the same format into one, with a silence after each."""
    with wave.open(str(parts[0]), "rb") as first:
        params = first.getparams()
    silence = b"\x00" * int(params.framerate * pause_seconds) * params.sampwidth * params.nchannels
    with wave.open(str(output), "wb") as out:
        out.setparams(params)
        for part in parts:
            with wave.open(str(part), "rb") as audio:
                out.writeframes(audio.readframes(audio.getnframes()))
            out.writeframes(silence)
    return output


def synthesize_dialogue(turns: list[tuple[str, str]], output: Path) -> Path:
    """Speak each turn with its voice and join them with short pauses into one WAV."""
    with tempfile.TemporaryDirectory() as tmp:
        parts = [
            synthesize(text, Path(tmp) / f"{i}.wav", voice=voice)
            for i, (voice, text) in enumerate(turns)
        ]
        return join_wavs(parts, output, pause_seconds=_PAUSE_SECONDS)


def make_demo_recording(output: Path) -> Path:
    output.parent.mkdir(parents=True, exist_ok=True)
    return synthesize_dialogue(DEMO_DIALOGUE, output)


DEMO_ACCOUNTS = [
    # username, first name, last name, role in the demo dossier, is_staff
    ("clinicienne", "Camille", "Martin", "clinician", False),
    ("coordinatrice", "Inès", "Bernard", "coordinator", False),
    # A speech therapist in town: reads the signed report once the family agreed to share.
    ("orthophoniste", "Paul", "Roux", "external", False),
    ("admin", "Admin", "neddie", None, True),
]


def demo_accounts_ensure(credentials_file: Path) -> dict[str, str]:
    """Create the demo accounts with random passwords, once; return username → password.
    The clinician is in the group « Cliniciens » (she opens dossiers); the coordinator and
    the speech therapist are not.

    Passwords are kept in ``credentials_file`` (readable by its owner only) so that later
    runs print the same ones.
    """
    user_model = get_user_model()
    saved = json.loads(credentials_file.read_text()) if credentials_file.is_file() else {}
    for username, first, last, role, is_staff in DEMO_ACCOUNTS:
        user, created = user_model.objects.get_or_create(
            username=username,
            defaults={
                "first_name": first,
                "last_name": last,
                "is_staff": is_staff,
                "is_superuser": is_staff,
                # Reserved domain: the emails (shares, reminders) go to the console backend.
                "email": f"{username}@demo.neddie.invalid",
            },
        )
        if created or username not in saved:
            saved[username] = secrets.token_urlsafe(9)
            user.set_password(saved[username])
            user.save(update_fields=["password"])
        if role == "clinician":
            clinician_grant(user=user)
    credentials_file.parent.mkdir(parents=True, exist_ok=True)
    credentials_file.touch(mode=0o600)
    credentials_file.write_text(json.dumps(saved, indent=2))
    return saved
