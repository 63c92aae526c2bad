"""Statements built from the evidence itself: quoted, attributed, never rephrased.

Used when no model can run, when the model's answer fails validation, and for items whose
generated statements all failed verification. A quote cannot invent a fact; it can only be
too long, so long utterances are cut at a word boundary with an ellipsis.
"""

from collections.abc import Sequence
from dataclasses import replace

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


def informants(utterances: Sequence[Utterance]) -> str:
    """Who a finding comes from, as a report says it in brackets: « mère », « mère et
    père », « observation » for what the clinician saw."""
    names: list[str] = []
    for utterance in utterances:
        if is_clinician(utterance.speaker):
            name = "observation"
        else:
            phrase = speaker_phrase(utterance.speaker)
            name = french.ARTICLE.sub("", phrase, count=1)
            name = name[:1].lower() + name[1:] if phrase != name else phrase
        if name not in names:
            names.append(name)
    return " et ".join(names)


def quote(text: str) -> str:
    # Quotes inside the quote take the inner marks, so that « … » always encloses a whole
    # quotation (verification reads what lies outside them as the statement's own words).
    inner = text.replace("« ", "“").replace(" »", "”").replace("«", "“").replace("»", "”")
    words = inner.split()
    if len(words) > MAX_QUOTE_WORDS:
        return " ".join(words[:MAX_QUOTE_WORDS]) + " […]"
    return " ".join(words)


def extractive_statement(utterance: Utterance) -> tuple[str, list[str]]:
    """(text, cited uids) quoting ``utterance``; a short answer is quoted with the question
    it answers, and cites both."""
    who = speaker_phrase(utterance.speaker)
    if _quoted_with_its_question(utterance):
        return (
            f"À la question « {quote(utterance.context)} », {who[0].lower()}{who[1:]} "
            f"répond : « {quote(utterance.text)} »",
            [utterance.context_uid, utterance.uid],
        )
    verb = "note" if is_clinician(utterance.speaker) else "rapporte"
    return f"{who} {verb} : « {quote(utterance.text)} »", [utterance.uid]


def merged_statement(utterances: Sequence[Utterance]) -> tuple[str, list[str]]:
    """One statement quoting several answers on one topic, in the order they were said,
    citing them all: a speaker's consecutive sentences are one quote, and a run of quotes
    by one speaker is introduced once (« La mère rapporte : « … » ; « … » »)."""
    groups: list[list[Utterance]] = []
    for utterance in utterances:
        last = groups[-1][-1] if groups else None
        if (
            last is not None
            and last.speaker == utterance.speaker
            and last.source == utterance.source
            and _number(utterance.uid) == _number(last.uid) + 1
        ):
            groups[-1].append(utterance)
        else:
            groups.append([utterance])
    clauses: list[str] = []
    cites: list[str] = []
    previous_speaker = None
    for group in groups:
        first = group[0]
        joined = replace(first, text=" ".join(u.text for u in group))
        text, cited = extractive_statement(joined)
        cites += [uid for uid in cited if uid not in cites] + [
            u.uid for u in group[1:] if u.uid not in cites
        ]
        if _quoted_with_its_question(joined):
            clauses.append(text)
            previous_speaker = None
            continue
        if previous_speaker == first.speaker:
            clauses[-1] += f" ; « {quote(joined.text)} »"
        else:
            clauses.append(text)
        previous_speaker = first.speaker
    sentence = " ; ".join(
        clause if index == 0 else clause[0].lower() + clause[1:]
        for index, clause in enumerate(clauses)
    )
    return sentence, cites


def _quoted_with_its_question(utterance: Utterance) -> bool:
    return utterance.answers_a_question and utterance.words < 8


def _number(uid: str) -> int:
    return int(uid.rpartition("U")[2])
