"""Statements built from the evidence itself: quoted, attributed, never rephrased.

Used when no model can run, when the model's answer fails validation, and for items whose
generated statements all failed verification. A quote cannot invent a fact; it can only be
too long, so long utterances are cut at a word boundary with an ellipsis.
"""

from drafting import french
from drafting.text import fold
from drafting.utterances import Utterance, is_clinician

MAX_QUOTE_WORDS = 45


def speaker_phrase(speaker: str) -> str:
    """How a sentence names who spoke: « La mère », « Le clinicien »; a label neddie does not
    know is kept, capitalised (« Éducatrice »)."""
    name = speaker.strip()
    known = french.SPEAKER_PHRASES.get(fold(name))
    if known:
        return known
    return name[:1].upper() + name[1:] if name else "Un participant"


def quote(text: str) -> str:
    words = text.split()
    if len(words) > MAX_QUOTE_WORDS:
        return " ".join(words[:MAX_QUOTE_WORDS]) + " […]"
    return " ".join(words)


def extractive_statement(utterance: Utterance) -> tuple[str, list[str]]:
    """(text, cited uids) quoting ``utterance``; a short answer is quoted with the question
    it answers, and cites both."""
    who = speaker_phrase(utterance.speaker)
    if utterance.answers_a_question and utterance.words < 8:
        return (
            f"À la question « {quote(utterance.context)} », {who[0].lower()}{who[1:]} "
            f"répond : « {quote(utterance.text)} »",
            [utterance.context_uid, utterance.uid],
        )
    verb = "note" if is_clinician(utterance.speaker) else "rapporte"
    return f"{who} {verb} : « {quote(utterance.text)} »", [utterance.uid]
