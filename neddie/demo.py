"""Synthetic demo material: a French consultation spoken by Kokoro, a neural voice.

Used by `make run` (the demo dossier). Nothing here comes from a real patient.
"""

import json
import secrets
from pathlib import Path

import yaml
from django.conf import settings
from django.contrib.auth import get_user_model

from dossiers.services import clinician_grant
from neddie.speech_synthesis import (
    CLINICIAN_VOICE,
    OTHER_VOICE,
    WAV_RATE,
    SpeechSynthesisError,
    fingerprint,
    synthesize_dialogue,
)

__all__ = ["SpeechSynthesisError"]  # seed_demo reports it as the command's error

# The demo speaks the opening of the first consultation of the TND dev set (bench/tnd/,
# synthetic, written for neddie): what a new user sees is what the benchmark measures. Its
# first 31 turns (about four minutes: reason for the request, pregnancy, development, first
# words, words today) keep `make run`'s first start to a few minutes of synthesis.
DEMO_CONSULTATION = settings.BASE_DIR / "bench" / "tnd" / "01-entretien-parents-tsa-3ans.yaml"
DEMO_TURNS = 31


def consultation_dialogue(path: Path, turns: int | None = None) -> list[tuple[str, str]]:
    """(role, text) of a dev-set consultation: the clinician's turns and everyone else's."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    roles = data["speakers"]
    return [
        ("clinician" if roles[turn["speaker"]] == "clinician" else "parent", turn["text"])
        for turn in data["turns"][:turns]
    ]


def demo_dialogue() -> list[tuple[str, str]]:
    """The demo's turns, read when a recording is made (not at import)."""
    return consultation_dialogue(DEMO_CONSULTATION, DEMO_TURNS)


DEMO_VOICES = {"clinician": CLINICIAN_VOICE, "parent": OTHER_VOICE}
_PAUSE_SECONDS = 0.7


def make_demo_recording(
    output: Path, turns: list[tuple[str, str]] | None = None, *, model_dir: Path | None = None
) -> Path:
    """Speak ``turns`` (role, text) into ``output`` (16 kHz WAV), the clinician in the
    French voice and the other party in the second one.

    Synthesis takes about real time on one core: the file is kept, with a key of what made
    it next to it, and made again only when the dialogue, the voices or the model change.
    """
    turns = demo_dialogue() if turns is None else turns
    output.parent.mkdir(parents=True, exist_ok=True)
    key = fingerprint(
        turns=[list(turn) for turn in turns],
        voices=DEMO_VOICES,
        pause=_PAUSE_SECONDS,
        rate=WAV_RATE,
    )
    stamp = output.with_name(output.name + ".json")
    if output.is_file() and stamp.is_file() and json.loads(stamp.read_text()).get("key") == key:
        return output
    synthesize_dialogue(
        turns, output, DEMO_VOICES, pause_seconds=_PAUSE_SECONDS, model_dir=model_dir
    )
    stamp.write_text(json.dumps({"key": key}) + "\n")
    return output


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
