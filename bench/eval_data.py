"""Readers for ../shared/eval-dev/ (read in place, never copied into the repository)."""

from dataclasses import dataclass
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
EVAL_DEV = REPO_ROOT.parent / "shared" / "eval-dev"
DIALOGUES_DIR = EVAL_DEV / "dialogues-fr"

# Topic labels of the LabForSims2 corpus → sections of bench/protocols/consultation-adulte.yaml
CATEGORY_SECTIONS = {
    "00": "motif",
    "01": "informations",
    "02": "mode-de-vie",
    "03": "traitement",
    "04": "antecedents",
    "05": "histoire",
    "06": None,  # "inconnu": should be routed nowhere
}
SPEAKERS = {"d": "clinicien", "p": "patient"}


@dataclass(frozen=True)
class Turn:
    speaker: str
    category: str
    text: str


def read_dialogue(path: Path) -> list[Turn]:
    turns = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        code, _, text = line.partition(" ")
        turns.append(Turn(speaker=SPEAKERS[code[0]], category=code[3:5], text=text.strip()))
    return turns


def dialogues() -> dict[str, list[Turn]]:
    return {path.stem: read_dialogue(path) for path in sorted(DIALOGUES_DIR.glob("*.txt"))}


def as_transcript(turns: list[Turn], *, words_per_second: float = 2.5) -> dict:
    """A transcript in the format ``transcribe --json`` prints, one segment per turn, with
    times from a speaking rate of ``words_per_second``."""
    segments, clock = [], 0.0
    for index, turn in enumerate(turns):
        duration = max(1.0, len(turn.text.split()) / words_per_second)
        segments.append(
            {
                "index": index,
                "start": round(clock, 2),
                "end": round(clock + duration, 2),
                "text": turn.text,
                "speaker": turn.speaker,
            }
        )
        clock += duration + 0.4
    return {"language": "fr", "duration_seconds": clock, "segments": segments}
