"""A question is context, never a finding: with or without its question mark (Whisper often
leaves it out), what was asked is never quoted or written up as what was found; the answer
is, with its question."""

import pytest

from drafting.embeddings import get_embedder
from drafting.extractive import extractive_statement
from drafting.utterances import SourceSegment, looks_like_question, split_segments
from drafting.verification import UNSUPPORTED, verify


@pytest.mark.parametrize(
    ("text", "by_clinician", "asks"),
    [
        ("Vous avez mal où au ventre ?", True, True),
        ("est-ce que vous avez de la fièvre", True, True),
        ("D'accord, est-ce que ça le gêne", False, True),
        ("Avez-vous remarqué qu'il aligne ses jouets", False, True),
        ("A-t-il des copains à l'école", True, True),
        ("vous travaillez", True, True),
        ("Tu veux les bulles", True, True),
        ("Comment il réagit quand on l'appelle", True, True),
        # Told, not asked:
        ("Il ne répond pas à son prénom.", True, False),
        ("On passe aux bulles.", True, False),
        ("Il dit papa-maman depuis peu.", False, False),
        ("ok", True, False),
        # A parent telling the history is not asking, whatever the first word:
        ("Quand il était petit, il ne parlait pas.", False, False),
        ("Vous savez, il aligne tout.", False, False),
    ],
)
def test_questions_are_told_from_findings_without_their_question_mark(text, by_clinician, asks):
    assert looks_like_question(text, by_clinician=by_clinician) is asks


def _exchange(question: str, answer: str):
    return split_segments(
        [
            SourceSegment(index=0, start=0.0, end=2.0, text=question, speaker="clinicien"),
            SourceSegment(index=1, start=2.0, end=3.0, text=answer, speaker="parent"),
        ],
        source="C1",
    )


def test_a_short_answer_is_quoted_with_its_question_even_without_a_question_mark():
    question, answer = _exchange("est-ce qu'il pointe du doigt", "Non, jamais.")
    assert question.is_question and not answer.is_question
    assert answer.answers_a_question
    text, cites = extractive_statement(answer)
    assert cites == [question.uid, answer.uid]
    assert text.startswith("À la question « est-ce qu'il pointe du doigt », le parent répond")


def test_a_statement_citing_only_the_question_is_set_aside():
    question, answer = _exchange("est-ce que vous avez de la fièvre", "Non, pas de fièvre.")
    utterances = {u.uid: u for u in (question, answer)}

    def check(text, cites):
        return verify(
            text, cites, utterances=utterances, allowed=set(utterances), embedder=get_embedder()
        )

    refused = check("Le patient a de la fièvre.", [question.uid])
    assert refused.status == UNSUPPORTED
    assert "ne cite qu'une question, aucune réponse" in refused.reasons
    answered = check("Le patient n'a pas de fièvre.", [question.uid, answer.uid])
    assert answered.status != UNSUPPORTED
