"""Every generated statement is checked against the passages it cites.

Two kinds of checks:

- hard checks, which a fluent but wrong sentence fails: each number, age (number + unit),
  month, drug or instrument name, and proper name in the statement must appear in the cited
  passages (or the question they answer); a statement must not flip the polarity of its
  evidence ("ne pointe pas" cited for "pointe"); every citation must be one of the
  passages the model was shown;
- semantic support: the e5 cosine between the statement and its closest cited passage.

Statements that are not report sentences at all (a question, "je"/"vous" outside quotes: a
transcript copied without understanding; a copy of the grid's own hint) are refused too.

A statement failing a hard check is ``unsupported``: it is never shown as fact (kept aside,
with the reason, for the clinician to look at). Weak semantic support alone makes it
``flagged``: shown, marked "à vérifier".
"""

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from drafting import french
from drafting.embeddings import Embedder
from drafting.text import fold
from drafting.utterances import Utterance

SUPPORTED = "supported"
FLAGGED = "flagged"
UNSUPPORTED = "unsupported"

# Below this cosine (e5, statement vs. best cited passage) the link is weak. Measured on
# French pairs with e5-small (4-bit): unrelated sentences 0.82–0.85, faithful rewordings of
# the cited sentence 0.89–0.97.
SUPPORT_MIN = 0.87

_WORD = re.compile(r"[\w'-]+")


@dataclass
class Verdict:
    status: str
    reasons: list[str] = field(default_factory=list)
    support: float | None = None

    @property
    def shown(self) -> bool:
        return self.status != UNSUPPORTED


def _tokens(text: str) -> list[str]:
    return _WORD.findall(fold(text))


def numbers(text: str) -> set[float]:
    found: set[float] = set()
    tokens = _tokens(text)
    for position, token in enumerate(tokens):
        following = tokens[position + 1] if position + 1 < len(tokens) else ""
        for digits in re.findall(r"\d+(?:[.,]\d+)?", token):
            found.add(float(digits.replace(",", ".")))
        if token in french.NUMBER_WORDS:
            found.add(float(french.NUMBER_WORDS[token]))
        elif token in ("un", "une") and following in french.UNITS:
            found.add(1.0)
    return found


def quantities(text: str) -> set[tuple[float, str]]:
    """(number, unit) pairs: "18 mois", "deux ans", "un an"."""
    pairs: set[tuple[float, str]] = set()
    tokens = _tokens(text)
    for position, token in enumerate(tokens[:-1]):
        unit = french.UNITS.get(tokens[position + 1])
        if unit is None:
            continue
        value = numbers(token) or ({1.0} if token in ("un", "une") else set())
        pairs |= {(number, unit) for number in value}
    return pairs


def negated(text: str) -> bool:
    return bool(french.NEGATION.search(fold(text)))


def _terms(text: str, vocabulary: Iterable[str]) -> set[str]:
    folded = fold(text)
    found = {
        term
        for term in vocabulary
        if re.search(r"(?<!\w)" + re.escape(fold(term)) + r"(?!\w)", folded)
    }
    # Proper names and acronyms: capitalised words other than a sentence's first.
    for sentence in re.split(r"(?<=[.!?:;])\s+", text):
        for word in re.findall(r"[\w-]+", sentence)[1:]:
            if word[0].isupper() and len(word) > 1 and word not in french.NAME_STOPWORDS:
                found.add(word)
    return found


def _contains(evidence: str, term: str) -> bool:
    return re.search(r"(?<!\w)" + re.escape(fold(term)) + r"(?!\w)", fold(evidence)) is not None


_QUOTED = re.compile(r"«[^»]*»")


def form_reasons(statement: str, instructions: Sequence[str] = ()) -> list[str]:
    """Why ``statement`` is not a report sentence at all, whatever its evidence says."""
    reasons = []
    outside_quotes = fold(_QUOTED.sub(" ", statement))
    if outside_quotes.rstrip().endswith("?"):
        reasons.append("la phrase est une question, pas un constat")
    if french.SPEAKER_PRONOUNS.search(outside_quotes):
        reasons.append("phrase à la première ou deuxième personne : transcription recopiée")
    # A quote of the family may echo a hint, and so may the words that attribute it
    # (« la mère rapporte : … ; le père rapporte : … »): only the statement's own words count.
    words = set(_tokens(outside_quotes))
    if "«" in statement:
        words -= french.ATTRIBUTION_WORDS
    for instruction in instructions:
        own = set(_tokens(instruction))
        if len(words) >= 4 and len(words & own) >= 0.6 * len(words):
            reasons.append("la phrase recopie la consigne de la grille")
            break
    return reasons


def hard_check_reasons(
    statement: str, cited: Sequence[Utterance], vocabulary: Iterable[str] = ()
) -> list[str]:
    """Reasons, in French, why ``statement`` says what its evidence does not."""
    evidence = " ".join(f"{u.context} {u.text}" for u in cited)
    reasons = []
    missing_numbers = numbers(statement) - numbers(evidence)
    if missing_numbers:
        shown = ", ".join(f"{n:g}" for n in sorted(missing_numbers))
        reasons.append(f"nombre absent des passages cités : {shown}")
    missing_quantities = quantities(statement) - quantities(evidence)
    if missing_quantities and not missing_numbers:
        shown = ", ".join(f"{n:g} {unit}" for n, unit in sorted(missing_quantities))
        reasons.append(f"âge ou durée absent des passages cités : {shown}")
    months = [m for m in french.MONTHS if m in _tokens(statement) and m not in _tokens(evidence)]
    if months:
        reasons.append(f"date absente des passages cités : {', '.join(months)}")
    terms = _terms(statement, (*french.KNOWN_TERMS, *vocabulary))
    names = [term for term in terms if not _contains(evidence, term)]
    if names:
        reasons.append(f"nom absent des passages cités : {', '.join(sorted(names))}")
    answers = [u.text for u in cited]
    if answers:
        statement_negated = negated(statement)
        evidence_negated = [negated(text) for text in answers]
        if statement_negated and not any(evidence_negated):
            reasons.append("la phrase est négative, les passages cités ne le sont pas")
        elif not statement_negated and all(evidence_negated):
            reasons.append("la phrase est affirmative, les passages cités sont négatifs")
    return reasons


def verify(
    statement: str,
    cites: Sequence[str],
    *,
    utterances: Mapping[str, Utterance],
    allowed: set[str],
    embedder: Embedder,
    vocabulary: Iterable[str] = (),
    instructions: Sequence[str] = (),
) -> Verdict:
    """Check one statement against the passages it cites (see the module's docstring).
    ``instructions``: the grid's own wording (labels, hints), which a statement must not
    merely copy."""
    if not cites:
        return Verdict(UNSUPPORTED, ["aucun passage cité"])
    unknown = [uid for uid in cites if uid not in allowed or uid not in utterances]
    if unknown:
        return Verdict(UNSUPPORTED, [f"cite un passage non fourni : {', '.join(unknown)}"])
    cited = [utterances[uid] for uid in cites]
    reasons = form_reasons(statement, instructions) + hard_check_reasons(
        statement, cited, vocabulary
    )
    if all(u.is_question for u in cited):
        # What was asked is not what was found: a finding rests on an answer or a remark.
        reasons.append("ne cite qu'une question, aucune réponse")
    vectors = embedder.passages([statement, *(f"{u.context} {u.text}".strip() for u in cited)])
    support = round(float((vectors[1:] @ vectors[0]).max()), 4)
    if reasons:
        return Verdict(UNSUPPORTED, reasons, support)
    if support < SUPPORT_MIN:
        return Verdict(FLAGGED, ["lien faible avec les passages cités : à vérifier"], support)
    return Verdict(SUPPORTED, [], support)
