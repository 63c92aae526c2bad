"""Evidence routing: which exchanges speak to which protocol item.

The unit is the exchange (``drafting.exchanges``): a question and the answers it gets go to
one target, or nowhere, together; the answers become the target's evidence, the question
stays their context. Each exchange is compared with every target (an item, or a free-text
section) on three signals: the e5 cosine between the exchange's words and the target's
description, the best cosine with the target's example phrasings, and the target's keywords
found in the exchange. e5 cosines of French sentences sit in a narrow band (~0.78–0.86), so
a target wins an exchange only by a margin over the "nothing clinical" anchors (greetings,
agreement, logistics): small talk is routed nowhere. Scores are kept: they are shown to the
clinician and printed by ``draft_report``."""

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from drafting import french
from drafting.embeddings import Embedder
from drafting.exchanges import Exchange, exchanges
from drafting.grid import Grid
from drafting.injection import addresses_the_model
from drafting.text import fold
from drafting.utterances import Utterance

MARGIN = 0.015
ANCHOR_EXAMPLE_OFFSET = 0.04  # over the best anchor, in cosine units
KEYWORD_BONUS = 0.04  # per keyword found, at most two
# A consultation moves through topics in runs of exchanges: part of each exchange's score
# comes from its neighbours' (same transcript). Chosen on the tune half of the dev dialogues
# (bench/draft_quality.py): 0.0, 0.5 and 1.0 gave macro-F1 0.593, 0.617 and 0.591 there.
CONTINUITY = 0.5
_CONTEXT_WORDS = 12  # an utterance shorter than this borrows the question it answers


def target_id(protocol: str, section_key: str, item_key: str | None = None) -> str:
    """ "bilan-tnd:motif" for a free-text section, "evaluation-tsa:signes-alerte/pointage"
    for an item: two protocols may use the same section key."""
    return f"{protocol}:{section_key}/{item_key}" if item_key else f"{protocol}:{section_key}"


def parse_target_id(target: str) -> tuple[str, str, str | None]:
    protocol, _, rest = target.partition(":")
    section_key, _, item_key = rest.partition("/")
    return protocol, section_key, item_key or None


@dataclass(frozen=True)
class TargetDescription:
    id: str
    protocol: str
    section_key: str
    item_key: str | None
    descriptor: str
    examples: tuple[str, ...]
    keywords: tuple[str, ...]


@dataclass(frozen=True)
class Evidence:
    uid: str
    score: float  # the combined score that won the routing
    similarity: float  # best e5 cosine (descriptor or example)
    keywords: tuple[str, ...] = ()


@dataclass
class Routing:
    # target id → evidence, best first
    evidence: dict[str, list[Evidence]] = field(default_factory=dict)
    # utterance uid → (target id or None, score of the winner, best anchor score), for the
    # first protocol of the grid that took it (each protocol routes on its own)
    assignment: dict[str, tuple[str | None, float, float]] = field(default_factory=dict)
    # utterance uid → {protocol: target id or None}: each protocol's own decision
    targets: dict[str, dict[str, str | None]] = field(default_factory=dict)
    # utterances addressed to the model ("ignore les consignes…"): never evidence
    ignored: list[str] = field(default_factory=list)

    def for_target(self, target: str) -> list[Evidence]:
        return self.evidence.get(target, [])

    def for_section(self, protocol: str, section_key: str) -> list[Evidence]:
        prefix = target_id(protocol, section_key)
        found = [
            e
            for target, evidence in self.evidence.items()
            if target == prefix or target.startswith(prefix + "/")
            for e in evidence
        ]
        return sorted(found, key=lambda e: -e.score)


def targets_of(grid: Grid) -> list[TargetDescription]:
    """Items are the targets; a section without items is a target itself."""
    targets = []
    for section in grid.sections:
        if section.free_text:
            targets.append(
                TargetDescription(
                    id=target_id(section.protocol, section.key),
                    protocol=section.protocol,
                    section_key=section.key,
                    item_key=None,
                    descriptor=section.descriptor,
                    examples=(),
                    keywords=section.keywords,
                )
            )
        for item in section.items:
            targets.append(
                TargetDescription(
                    id=target_id(section.protocol, section.key, item.key),
                    protocol=section.protocol,
                    section_key=section.key,
                    item_key=item.key,
                    descriptor=f"{section.title} — {item.descriptor}",
                    examples=item.examples,
                    keywords=item.keywords,
                )
            )
    return targets


def keyword_hits(text: str, keywords: Sequence[str]) -> tuple[str, ...]:
    folded = fold(text)
    return tuple(
        keyword
        for keyword in keywords
        if re.search(r"(?<!\w)" + re.escape(fold(keyword)) + r"(?!\w)", folded)
    )


def routing_text(utterance: Utterance) -> str:
    # A short answer takes the question it answers; a question stands on its own.
    if utterance.context and utterance.words < _CONTEXT_WORDS and not utterance.is_question:
        return f"{utterance.context} {utterance.text}"
    return utterance.text


def _with_neighbours(scores: np.ndarray, sources: Sequence[str]) -> np.ndarray:
    """Each row blended with the mean of its previous and next rows of the same source."""
    if CONTINUITY == 0 or len(scores) < 2:
        return scores
    blended = scores.copy()
    for row in range(len(scores)):
        neighbours = [
            scores[other]
            for other in (row - 1, row + 1)
            if 0 <= other < len(scores) and sources[other] == sources[row]
        ]
        if neighbours:
            blended[row] = (scores[row] + CONTINUITY * np.mean(neighbours, axis=0)) / (
                1 + CONTINUITY
            )
    return blended


def route(utterances: Sequence[Utterance], grid: Grid, embedder: Embedder) -> Routing:
    """Route every utterance to at most one target of each protocol, keeping the scores.
    Protocols are different views of one consultation (the report's structure, the autism
    grid): the same sentence may feed both."""
    routing = Routing()
    routing.ignored = [u.uid for u in utterances if addresses_the_model(u.text)]
    utterances = [u for u in utterances if u.uid not in set(routing.ignored)]
    all_targets = targets_of(grid)
    if not utterances or not all_targets:
        return routing
    units = exchanges(utterances)
    for protocol in dict.fromkeys(t.protocol for t in all_targets):
        _route_protocol(
            units, [t for t in all_targets if t.protocol == protocol], embedder, routing
        )
    for target in routing.evidence:
        routing.evidence[target].sort(key=lambda e: -e.score)
    return routing


def _route_protocol(
    units: Sequence[Exchange],
    targets: Sequence[TargetDescription],
    embedder: Embedder,
    routing: Routing,
) -> None:
    """One decision per exchange: its question and answers go to the same target (or
    nowhere), its answers (never its question) become the target's evidence."""
    passages = embedder.passages([unit.text for unit in units])
    descriptors = embedder.queries([t.descriptor for t in targets])
    anchors = embedder.queries(list(french.OFF_TOPIC_ANCHORS))
    similarity = passages @ descriptors.T  # exchanges × targets
    # Examples are typical utterances: compare them as passages, keep the best per target.
    for column, target in enumerate(targets):
        if target.examples:
            examples = embedder.passages(list(target.examples))
            similarity[:, column] = np.maximum(
                similarity[:, column], (passages @ examples.T).max(axis=1)
            )
    anchor_examples = embedder.passages(list(french.OFF_TOPIC_EXAMPLES))
    anchor_best = np.maximum(
        (passages @ anchors.T).max(axis=1),
        (passages @ anchor_examples.T).max(axis=1) - ANCHOR_EXAMPLE_OFFSET,
    )
    hits = [[keyword_hits(unit.text, t.keywords) for t in targets] for unit in units]
    bonus = np.array([[KEYWORD_BONUS * min(len(h), 2) for h in row] for row in hits])
    own = similarity + bonus
    # Neighbours help choose *which* target; whether an exchange is clinical at all is
    # judged on its own words (a greeting amid clinical talk stays a greeting).
    combined = _with_neighbours(own, [unit.utterances[0].source for unit in units])

    for row, unit in enumerate(units):
        best = int(np.argmax(combined[row]))
        score = float(combined[row, best])
        anchor = float(anchor_best[row])
        target = targets[best] if float(own[row].max()) >= anchor + MARGIN else None
        for utterance in unit.utterances:
            routing.targets.setdefault(utterance.uid, {})[targets[0].protocol] = (
                target.id if target else None
            )
            if routing.assignment.get(utterance.uid, (None,))[0] is None:
                routing.assignment[utterance.uid] = (
                    target.id if target else None,
                    round(score, 4),
                    round(anchor, 4),
                )
        if target is None:
            continue
        evidence = routing.evidence.setdefault(target.id, [])
        for utterance in unit.answers or unit.question:
            if utterance.is_question:
                continue  # context of its answers, never evidence
            evidence.append(
                Evidence(
                    uid=utterance.uid,
                    score=round(score, 4),
                    similarity=round(float(similarity[row, best]), 4),
                    keywords=hits[row][best],
                )
            )
