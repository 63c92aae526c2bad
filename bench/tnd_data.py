"""Reader for bench/tnd/: synthetic TND consultations labelled turn by turn with the grid
target each turn documents (see bench/README.md, "bench/tnd: TND dev set").

Held out: the set measures drafting on the default TND grids, nothing is tuned on it.
"""

from dataclasses import dataclass
from pathlib import Path

import yaml

if __package__:  # imported as bench.tnd_data (tests)
    from .eval_data import as_transcript as _turns_as_transcript
else:  # run from a script that put bench/ on sys.path
    from eval_data import as_transcript as _turns_as_transcript

TND_DIR = Path(__file__).resolve().parent / "tnd"
ROLES = ("clinician", "parent", "child")


@dataclass(frozen=True)
class Turn:
    speaker: str  # label as a transcript would carry it: "clinicienne", "mère", "enfant"...
    role: str  # one of ROLES; "" when the file gives the speaker none
    text: str
    # grid slug -> "section" (free-text section) or "section/item"; empty: nothing to report
    labels: dict[str, str]


@dataclass(frozen=True)
class Consultation:
    name: str  # file stem, e.g. "01-entretien-parents-tsa-3ans"
    title: str
    child_first_name: str
    age_months: int
    grids: tuple[str, ...]  # protocol slugs of protocols/defaults/
    turns: tuple[Turn, ...]


def read_consultation(path: Path) -> Consultation:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    roles = data.get("speakers") or {}
    turns = tuple(
        Turn(
            speaker=turn["speaker"],
            role=roles.get(turn["speaker"], ""),
            text=" ".join(str(turn["text"]).split()),
            labels=dict(turn.get("labels") or {}),
        )
        for turn in data["turns"]
    )
    return Consultation(
        name=path.stem,
        title=data["title"],
        child_first_name=data["child"]["first_name"],
        age_months=int(data["child"]["age_months"]),
        grids=tuple(data["grids"]),
        turns=turns,
    )


def consultations() -> dict[str, Consultation]:
    """Every consultation of bench/tnd/, in file order."""
    return {path.stem: read_consultation(path) for path in sorted(TND_DIR.glob("*.yaml"))}


def as_transcript(consultation: Consultation, *, words_per_second: float = 2.5) -> dict:
    """The consultation as the transcript JSON that ``draft_report --json`` reads (the
    ``transcribe --json`` format), one segment per turn, speakers as labelled."""
    return _turns_as_transcript(list(consultation.turns), words_per_second=words_per_second)
