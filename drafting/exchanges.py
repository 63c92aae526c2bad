"""Exchanges: a question with the answers it gets, the unit a consultation is made of.

An answer means what it means only with its question (« Non. » after « Vous fumez ? »), and
a question tells nothing by itself: it is the context of its answers, never a finding. So
routing decides one topic per exchange (question and answers land in the same section) and
drafting cites the answers, showing the question beside them.
"""

from collections.abc import Sequence
from dataclasses import dataclass

from drafting.utterances import Utterance, is_clinician

# Turns of other speakers that still answer one question (« Non. » then a longer story, or
# the mother then the father); a fourth turn without a new question starts an exchange.
MAX_ANSWER_TURNS = 3


@dataclass(frozen=True)
class Exchange:
    question: tuple[Utterance, ...]  # the turn that asks (empty: talk without a question)
    answers: tuple[Utterance, ...]

    @property
    def utterances(self) -> tuple[Utterance, ...]:
        return self.question + self.answers

    @property
    def text(self) -> str:
        return " ".join(u.text for u in self.utterances)

    @property
    def answer_text(self) -> str:
        return " ".join(u.text for u in self.answers)


def _known(speaker: str) -> bool:
    return speaker not in ("", "inconnu")


def turns(utterances: Sequence[Utterance]) -> list[tuple[Utterance, ...]]:
    """Runs of one speaker's utterances. Without diarization every segment has the same
    speaker, so a turn never spans two segments of an unknown speaker."""
    found: list[list[Utterance]] = []
    for utterance in utterances:
        last = found[-1][-1] if found else None
        same_turn = (
            last is not None
            and last.source == utterance.source
            and last.speaker == utterance.speaker
            and (_known(utterance.speaker) or last.segment_index == utterance.segment_index)
        )
        if same_turn:
            found[-1].append(utterance)
        else:
            found.append([utterance])
    return [tuple(turn) for turn in found]


def exchanges(utterances: Sequence[Utterance]) -> list[Exchange]:
    """The utterances of one or several transcripts, in order, grouped into exchanges."""
    grouped: list[tuple[tuple[Utterance, ...], list[tuple[Utterance, ...]]]] = []
    for turn in turns(utterances):
        current = grouped[-1] if grouped else None
        # A clinician's turn that asks anything opens an exchange (« D'accord. Et depuis
        # quand ? »); another speaker's, only when it ends on its question.
        if is_clinician(turn[0].speaker):
            asks = any(u.is_question for u in turn)
        else:
            asks = turn[-1].is_question
        if asks:
            grouped.append((turn, []))
        elif (
            current is not None
            and current[0]
            and current[0][0].source == turn[0].source
            and (current[0][0].speaker != turn[0].speaker or not _known(turn[0].speaker))
            and len(current[1]) < MAX_ANSWER_TURNS
        ):
            current[1].append(turn)
        else:
            grouped.append(((), [turn]))
    return [
        Exchange(question=question, answers=tuple(u for turn in answers for u in turn))
        for question, answers in grouped
    ]
