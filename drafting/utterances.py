"""Transcripts split into utterances: the unit a report sentence cites.

A Whisper segment often holds several sentences, and one sentence is what a statement
rests on, so segments are split at sentence ends. Very short sentences ("Non.", "Oui.")
carry their meaning in the question they answer: the previous turn of another speaker is
kept as ``context`` for routing, never as evidence of its own.
"""

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace

from drafting import french
from drafting.text import fold

_SENTENCE_END = re.compile(r"(?<=[.!?…])\s+")
_SHORT_WORDS = 4


@dataclass(frozen=True)
class Utterance:
    uid: str  # "C1-U0007": consultation 1, utterance 7; stable for a given transcript
    source: str  # the consultation it comes from ("C1", "C2", …)
    speaker: str
    text: str
    start: float
    end: float
    segment_index: int
    context: str = ""  # the previous turn when this one answers it (routing only)
    context_uid: str = ""

    @property
    def words(self) -> int:
        return len(self.text.split())

    @property
    def is_question(self) -> bool:
        """A question asserts nothing: it is the context of its answer, never a finding."""
        return looks_like_question(self.text, by_clinician=is_clinician(self.speaker))

    @property
    def answers_a_question(self) -> bool:
        """The previous turn, another speaker's, asked something this one answers."""
        return (
            bool(self.context_uid)
            and not self.is_question
            and looks_like_question(self.context, by_clinician=not is_clinician(self.speaker))
        )


def is_clinician(speaker: str) -> bool:
    return fold(speaker.strip()) in french.CLINICIAN_SPEAKERS


def looks_like_question(text: str, *, by_clinician: bool) -> bool:
    """Whether ``text`` asks rather than tells: a question mark, or (transcripts often have
    none) a French question's opening; what a clinician addresses to the person in front of
    her counts as asking too."""
    if text.rstrip().endswith("?"):
        return True
    folded = fold(text.strip())
    if french.QUESTION_OPENING.match(folded):
        return True
    return by_clinician and bool(french.CLINICIAN_ASKS.match(folded))


@dataclass(frozen=True)
class SourceSegment:
    """What the splitter needs of a transcript segment (database row or JSON object)."""

    index: int
    start: float
    end: float
    text: str
    speaker: str


def _sentences(text: str) -> list[str]:
    parts = [part.strip() for part in _SENTENCE_END.split(text.strip()) if part.strip()]
    merged: list[str] = []
    for part in parts:
        # "Non. Je ne fume pas." stays one utterance: a bare "Non." means nothing alone.
        if merged and len(merged[-1].split()) < _SHORT_WORDS:
            merged[-1] = f"{merged[-1]} {part}"
        else:
            merged.append(part)
    return merged


def split_segments(segments: Iterable[SourceSegment], *, source: str) -> list[Utterance]:
    """Utterances of one transcript, in order, with ids ``{source}-U{n:04d}``."""
    utterances: list[Utterance] = []
    for segment in segments:
        sentences = _sentences(segment.text)
        total = sum(len(s) for s in sentences) or 1
        cursor = segment.start
        for sentence in sentences:
            share = (segment.end - segment.start) * len(sentence) / total
            utterances.append(
                Utterance(
                    uid=f"{source}-U{len(utterances) + 1:04d}",
                    source=source,
                    speaker=segment.speaker,
                    text=sentence,
                    start=round(cursor, 2),
                    end=round(cursor + share, 2),
                    segment_index=segment.index,
                )
            )
            cursor += share
    return with_turn_context(utterances)


def with_turn_context(utterances: Sequence[Utterance]) -> list[Utterance]:
    """Each utterance with the turn it may answer: the last sentence of the previous
    segment, when another speaker said it."""
    linked: list[Utterance] = []
    previous: Utterance | None = None  # last sentence of the previous segment
    for position, utterance in enumerate(utterances):
        if previous is not None and previous.speaker != utterance.speaker:
            utterance = replace(utterance, context=previous.text, context_uid=previous.uid)
        else:
            utterance = replace(utterance, context="", context_uid="")
        linked.append(utterance)
        following = utterances[position + 1] if position + 1 < len(utterances) else None
        if following is None or following.segment_index != utterance.segment_index:
            previous = utterance
    return linked


def from_transcript_json(data: dict, *, source: str) -> list[Utterance]:
    """Utterances of a transcript in the format ``transcribe --json`` prints."""
    segments = data.get("segments")
    if not isinstance(segments, list):
        raise ValueError("le fichier de transcription n'a pas de liste « segments »")
    rows: list[SourceSegment] = []
    for index, raw in enumerate(segments):
        try:
            rows.append(
                SourceSegment(
                    index=int(raw.get("index", index)),
                    start=float(raw["start"]),
                    end=float(raw["end"]),
                    text=str(raw["text"]),
                    speaker=str(raw.get("speaker") or "inconnu"),
                )
            )
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise ValueError(f"segment {index} illisible (start, end et text requis)") from exc
    return split_segments(rows, source=source)


def by_uid(utterances: Sequence[Utterance]) -> dict[str, Utterance]:
    return {utterance.uid: utterance for utterance in utterances}
