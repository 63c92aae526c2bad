"""Contradictions between consultations, surfaced to the clinician, never resolved.

Two passages from different consultations that speak to the same item, about the same
thing (close e5 embeddings), contradict when one is negative and the other not, or when
both give ages or durations that differ ("premiers mots à 18 mois" / "à 3 ans").
"""

from collections.abc import Mapping
from dataclasses import dataclass
from itertools import combinations

from drafting.embeddings import Embedder
from drafting.routing import Routing, routing_text
from drafting.utterances import Utterance
from drafting.verification import negated, quantities

SAME_TOPIC_MIN = 0.87  # e5 cosine: unrelated French sentences reach 0.85


@dataclass(frozen=True)
class Contradiction:
    target: str  # "section" or "section/item"
    first: str  # utterance uids, in consultation order
    second: str
    reason: str


def find_contradictions(
    routing: Routing, utterances: Mapping[str, Utterance], embedder: Embedder
) -> list[Contradiction]:
    found = []
    for target, evidence in routing.evidence.items():
        # Questions assert nothing: only statements can contradict each other.
        cited = [utterances[e.uid] for e in evidence[:30] if not utterances[e.uid].is_question]
        if len({u.source for u in cited}) < 2:
            continue
        vectors = embedder.passages([routing_text(u) for u in cited])
        for (i, a), (j, b) in combinations(enumerate(cited), 2):
            if a.source == b.source or float(vectors[i] @ vectors[j]) < SAME_TOPIC_MIN:
                continue
            first, second = sorted((a, b), key=lambda u: u.uid)
            reason = _disagreement(first, second)
            if reason:
                found.append(Contradiction(target, first.uid, second.uid, reason))
    return found


def _disagreement(a: Utterance, b: Utterance) -> str:
    if negated(a.text) != negated(b.text):
        return "l'un des passages est négatif, l'autre non"
    qa, qb = quantities(a.text), quantities(b.text)
    units = {unit for _, unit in qa} & {unit for _, unit in qb}
    for unit in units:
        if {n for n, u in qa if u == unit} != {n for n, u in qb if u == unit}:
            return f"valeurs différentes ({unit})"
    return ""
