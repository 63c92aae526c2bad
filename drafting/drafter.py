"""The drafting core: routed evidence in, verified statements out, one section at a time.

For each section: the evidence routed to its items (best first, capped, then put back in
the order it was said), one LLM call with the section's schema, parsing, verification of
every statement against its citations, and an extractive statement wherever nothing
generated survives. Items with no evidence are "non abordé" and get no call and no text.
"""

import re
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

from drafting import french, prompts, schemas
from drafting.contradictions import Contradiction, find_contradictions
from drafting.embeddings import Embedder
from drafting.extractive import informants, merged_statement
from drafting.grid import OBSERVATION, Grid, ItemTarget, SectionTarget
from drafting.llm import LLM, LLMError
from drafting.routing import Evidence, Routing, route, target_id
from drafting.schemas import FINDINGS
from drafting.text import fold
from drafting.utterances import Utterance, by_uid
from drafting.verification import (
    FLAGGED,
    SUPPORTED,
    UNSUPPORTED,
    Verdict,
    hard_check_reasons,
    verify,
)

NOT_ADDRESSED = "non_aborde"  # no evidence: never filled by guessing
PROPOSED = "propose"  # a finding backed by a verified statement
TO_COMPLETE = "a_completer"  # evidence exists, no verified finding: the clinician decides

# Evidence per item (and per free-text section) shown to the model and quoted: every answer
# should land. On the tune half of the dev dialogues, 5, 12 and 20 per item left 37, 17 and 8
# of 99 informative answers out of the draft (bench/draft_quality.py).
MAX_EVIDENCE_PER_ITEM = 20
MAX_EVIDENCE_PER_SECTION = 24
TOKENS_PER_ITEM = 140
# Answers quoted where nothing written survives: every answer of an item (one statement
# citing them all), up to six per free-text section (two statements).
MAX_QUOTED_PER_SECTION = 6
OVER_BUDGET = "temps de rédaction dépassé : passages cités tels quels"


@dataclass
class DraftStatement:
    text: str
    cites: list[str]
    item_key: str | None
    origin: str  # "llm" or "extractive"
    verdict: Verdict

    @property
    def shown(self) -> bool:
        return self.verdict.shown


@dataclass
class ItemDraft:
    key: str
    label: str
    status: str
    finding: str = ""
    evidence: list[Evidence] = field(default_factory=list)


@dataclass
class SectionDraft:
    key: str
    title: str
    protocol: str
    items: list[ItemDraft] = field(default_factory=list)
    statements: list[DraftStatement] = field(default_factory=list)
    evidence: list[Evidence] = field(default_factory=list)  # a free-text section's own
    note: str = ""  # why this section fell back to extractive drafting, if it did
    seconds: float = 0.0
    prompt_tokens: int = 0
    completion_tokens: int = 0

    @property
    def text(self) -> str:
        return " ".join(s.text for s in self.statements if s.shown)


@dataclass
class Draft:
    sections: list[SectionDraft]
    contradictions: list[Contradiction]
    engine: str
    model: str
    prompt_version: str
    grid_versions: tuple[str, ...]
    routing: Routing
    utterances: list[Utterance]
    fallback_reason: str = ""
    seconds: dict[str, float] = field(default_factory=dict)

    @property
    def statements(self) -> list[DraftStatement]:
        return [s for section in self.sections for s in section.statements]


@dataclass
class SectionContext:
    """What drafting one section needs besides the section itself."""

    utterances: Mapping[str, Utterance]
    routing: Routing
    embedder: Embedder
    vocabulary: Sequence[str] = ()
    instructions: Sequence[str] = ()  # the grid's labels and hints, not to be copied


def _evidence_for(section: SectionTarget, routing: Routing) -> dict[str | None, list[Evidence]]:
    if section.free_text:
        found = routing.for_target(target_id(section.protocol, section.key))
        return {None: found[:MAX_EVIDENCE_PER_SECTION]}
    return {
        item.key: routing.for_target(target_id(section.protocol, section.key, item.key))[
            :MAX_EVIDENCE_PER_ITEM
        ]
        for item in section.items
    }


def verified_statement(
    text: str, cites: Sequence[str], item_key: str | None, origin: str, allowed: set[str],
    context: SectionContext,
) -> DraftStatement:  # fmt: skip
    if origin == "llm":
        text = french.tidy(text)  # a small model's slips (« que il »), before verification
    verdict = verify(
        text,
        cites,
        utterances=context.utterances,
        allowed=allowed,
        embedder=context.embedder,
        vocabulary=context.vocabulary,
        instructions=context.instructions,
    )
    if origin == "llm" and verdict.status == FLAGGED:
        # A model sentence only loosely tied to what it cites was wrong in 7 of 7 cases of
        # the hand check (bench/README.md): set aside, its answers are quoted instead.
        verdict = Verdict(UNSUPPORTED, verdict.reasons, verdict.support)
    return DraftStatement(text.strip(), list(cites), item_key, origin, verdict)


def extractive_statements(
    evidence: Sequence[Evidence],
    item_key: str | None,
    context: SectionContext,
    *,
    limit: int,
    per_statement: int = 3,
) -> list[DraftStatement]:
    """Quotes of the best evidence: up to ``limit`` answers per consultation, so that when
    two sessions disagree both are quoted, in session order, never one chosen silently.
    Answers on one topic make one statement citing them all (``per_statement`` of them at
    most), rather than the same thing said in as many sentences."""
    # A question asserts nothing: quote answers and remarks (an answer brings its question).
    answers = [e for e in evidence if not context.utterances[e.uid].is_question]
    per_source: dict[str, list[Evidence]] = {}
    for entry in answers:
        per_source.setdefault(context.utterances[entry.uid].source, []).append(entry)
    chosen = sorted(
        (e for found in per_source.values() for e in found[:limit]), key=lambda e: e.uid
    )
    statements = []
    for start in range(0, len(chosen), per_statement):
        group = [context.utterances[e.uid] for e in chosen[start : start + per_statement]]
        text, cites = merged_statement(group)
        statements.append(
            verified_statement(text, cites, item_key, "extractive", set(cites), context)
        )
    return statements


def _finding_supported(
    finding: str, item: ItemTarget, statements: Sequence[DraftStatement], context: SectionContext
) -> bool:
    """An observation finding is one of the fixed answers (the schema saw to it); a free
    value must say something of its own (not echo the label) that its evidence holds."""
    if not finding or (finding == "non_evalue" and item.answer_type != OBSERVATION):
        return False
    if item.answer_type == OBSERVATION:
        return finding in FINDINGS
    if fold(finding) in fold(item.label) or fold(finding) in fold(item.hint):
        return False
    cited = [context.utterances[uid] for s in statements if s.shown for uid in s.cites]
    # A value says something the answers say: one of its numbers or words of four letters
    # or more is in them (« oui » or « impression » for an age or a diagnosis says nothing).
    answers = fold(" ".join(u.text for u in cited if not u.is_question))
    own = re.findall(r"\d+|[^\W\d_]{4,}", fold(finding))
    if not any(re.search(r"(?<!\w)" + re.escape(token), answers) for token in own):
        return False
    return not hard_check_reasons(finding, cited, context.vocabulary)


def _uncited(evidence: Sequence[Evidence], statements: Sequence[DraftStatement]) -> list[Evidence]:
    cited = {uid for s in statements if s.shown for uid in s.cites}
    return [e for e in evidence if e.uid not in cited]


def _adds_to(statement: DraftStatement, finding_line: DraftStatement) -> bool:
    """Whether ``statement`` says more than ``finding_line``: three words of its own."""
    said = set(re.findall(r"[\w'-]{4,}", fold(finding_line.text)))
    own = set(re.findall(r"[\w'-]{4,}", fold(statement.text))) - said - french.ATTRIBUTION_WORDS
    return len(own) >= 3


def finding_statement(
    item: ItemTarget,
    finding: str,
    item_draft: ItemDraft,
    statements: Sequence[DraftStatement],
    context: SectionContext,
) -> DraftStatement | None:
    """The item's finding as a report line, citing every answer on the item (not only
    those the model cited): the label is the grid's, the value passed
    ``_finding_supported``, so the line is as supported as the statements it rests on."""
    # An observation's oui / non rests on the item's polarity (« contact visuel inhabituel » :
    # « oui » is the worrying answer), which a small model gets wrong as often as not: it
    # stays a proposed answer for the clinician, never a sentence of the report. A value
    # (an age, a score, a date) is written: verification checked it against the answers.
    if item.answer_type == OBSERVATION or fold(finding).strip(" .") in french.NO_FINDING_VALUES:
        return None
    value = finding
    cited = [s for s in statements if s.shown]
    answers = [
        context.utterances[e.uid]
        for e in sorted(item_draft.evidence, key=lambda e: e.uid)
        if not context.utterances[e.uid].is_question
    ]
    uids = sorted({e.uid for e in answers} | {uid for s in cited for uid in s.cites})
    said = [context.utterances[uid] for uid in uids if not context.utterances[uid].is_question]
    if not said:
        return None
    text = french.FINDING_TEMPLATE.format(
        label=item.label.rstrip(" ."), value=value.strip().rstrip("."), who=informants(said)
    )
    support = max((s.verdict.support or 0.0) for s in cited) if cited else None
    return DraftStatement(text, uids, item.key, "llm", Verdict(SUPPORTED, [], support))


def draft_section(
    section: SectionTarget,
    context: SectionContext,
    llm: LLM | None,
    *,
    deadline: float | None = None,
) -> SectionDraft:
    started = time.perf_counter()
    evidence = _evidence_for(section, context.routing)
    result = SectionDraft(key=section.key, title=section.title, protocol=section.protocol)
    items_with_evidence: list[ItemTarget] = []
    for item in section.items:
        found = evidence[item.key]
        result.items.append(
            ItemDraft(
                key=item.key,
                label=item.label,
                status=TO_COMPLETE if found else NOT_ADDRESSED,
                evidence=found,
            )
        )
        if found:
            items_with_evidence.append(item)
    if section.free_text:
        result.evidence = evidence[None]

    shown_uids = sorted({e.uid for entries in evidence.values() for e in entries})
    if not shown_uids:
        return result
    shown = [context.utterances[uid] for uid in shown_uids]
    # A short answer's question is shown too (and may be cited): "Non." alone means nothing.
    questions = {u.context_uid for u in shown if u.answers_a_question} - set(shown_uids)
    questions -= set(context.routing.ignored)
    shown = sorted(shown + [context.utterances[uid] for uid in questions], key=lambda u: u.uid)
    allowed = {u.uid for u in shown}

    answer = None
    if llm is not None:
        keys = [item.key for item in items_with_evidence]
        try:
            completion = llm.complete(
                prompts.section_messages(section, items_with_evidence, shown),
                schema=schemas.section_schema(section, keys, sorted(allowed)),
                max_tokens=min(900, TOKENS_PER_ITEM * max(1, len(keys)) + 60),
                deadline=deadline,
            )
            result.prompt_tokens = completion.prompt_tokens
            result.completion_tokens = completion.completion_tokens
            answer = schemas.parse_section_answer(completion.text, section, keys)
        except (LLMError, schemas.AnswerInvalid) as exc:
            result.note = f"réponse du modèle écartée ({exc}) : passages cités tels quels"
            if deadline is not None and time.monotonic() > deadline:
                result.note = OVER_BUDGET

    if section.free_text:
        generated = answer.statements if answer else []
        result.statements = [
            verified_statement(s.text, s.cites, None, "llm", allowed, context) for s in generated
        ]
        # Every answer lands: what the written sentences leave out is quoted beside them.
        result.statements += extractive_statements(
            _uncited(evidence[None], result.statements), None, context, limit=MAX_QUOTED_PER_SECTION
        )
    items = {item.key: item for item in section.items}
    for item_draft in result.items:
        if item_draft.status == NOT_ADDRESSED:
            continue
        item_answer = answer.items.get(item_draft.key) if answer else None
        statements = [
            verified_statement(s.text, s.cites, item_draft.key, "llm", allowed, context)
            for s in (item_answer.statements if item_answer else [])
        ]
        finding = item_answer.finding.strip() if item_answer else ""
        if any(s.shown for s in statements) and _finding_supported(
            finding, items[item_draft.key], statements, context
        ):
            item_draft.finding = finding
            item_draft.status = PROPOSED
            written = finding_statement(
                items[item_draft.key], finding, item_draft, statements, context
            )
            if written:
                # Nothing said twice: a sentence that only restates the finding goes.
                statements = [written, *(s for s in statements if _adds_to(s, written))]
        # Every answer on the item lands: the answers no shown sentence cites (all of them
        # when nothing generated survived) are quoted, and no finding is decided from them.
        statements += extractive_statements(
            _uncited(item_draft.evidence, statements),
            item_draft.key,
            context,
            limit=MAX_EVIDENCE_PER_ITEM,
        )
        result.statements += statements
    result.seconds = round(time.perf_counter() - started, 3)
    return result


def grid_instructions(grid: Grid) -> list[str]:
    found = []
    for section in grid.sections:
        found += [section.guidance] if section.guidance else []
        found += [f"{item.label} {item.hint}" for item in section.items]
    return found


def draft(
    utterances: Sequence[Utterance],
    grid: Grid,
    *,
    llm: LLM | None,
    embedder: Embedder,
    fallback_reason: str = "",
    time_budget: float | None = None,
    on_section: Callable[[int, int, str], None] | None = None,
) -> Draft:
    """Draft every section of ``grid`` from ``utterances`` (one or several consultations).

    ``time_budget`` (seconds, counted from the start, routing included) bounds the draft:
    the model's answer in progress when it runs out is cut short, and that section and the
    next ones are drafted extractively, and say so, rather than keep a clinician waiting.
    ``on_section(number, total, title)`` hears of each section as it starts (the page shows
    it)."""
    started = time.perf_counter()
    deadline = time.monotonic() + time_budget if time_budget else None
    routing = route(utterances, grid, embedder)
    routed = time.perf_counter()
    context = SectionContext(
        utterances=by_uid(utterances),
        routing=routing,
        embedder=embedder,
        vocabulary=grid.vocabulary,
        instructions=grid_instructions(grid),
    )
    sections = []
    for number, section in enumerate(grid.sections, start=1):
        if on_section:
            on_section(number, len(grid.sections), section.title)
        over_budget = deadline is not None and time.monotonic() > deadline
        sections.append(
            draft_section(section, context, None if over_budget else llm, deadline=deadline)
        )
        if over_budget and llm is not None and sections[-1].statements:
            sections[-1].note = OVER_BUDGET
    drafted = time.perf_counter()
    contradictions = find_contradictions(routing, context.utterances, embedder)
    return Draft(
        sections=sections,
        contradictions=contradictions,
        engine=llm.engine if llm else "extractive",
        model=llm.model_name if llm else "",
        prompt_version=prompts.PROMPT_VERSION,
        grid_versions=grid.versions,
        routing=routing,
        utterances=list(utterances),
        fallback_reason=fallback_reason,
        seconds={
            "routing": round(routed - started, 3),
            "sections": round(drafted - routed, 3),
            "total": round(time.perf_counter() - started, 3),
        },
    )
