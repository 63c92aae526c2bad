"""AI edits of a section or of a selected passage, as proposals.

- ``expand`` (développer): brings in evidence of the section not yet cited, and the
  passages said just around the cited ones, as new verified statements;
- ``shorten`` (réduire): fewer, shorter statements on the same citations;
- ``rephrase`` (reformuler): the same facts, reworded, on the same citations;
- ``regenerate`` (régénérer): the section drafted again from its evidence.

Every generated statement is verified as in a draft; when the model cannot help, each
action has an extractive fallback (quotes added, statements dropped, text kept). The
result is only a proposal: ``drafting.services`` stores it as a section version
that replaces nothing until the clinician accepts it.
"""

import re
from collections.abc import Sequence
from dataclasses import dataclass, replace

from drafting import prompts, schemas
from drafting.drafter import (
    DraftStatement,
    SectionContext,
    draft_section,
    extractive_statements,
    verified_statement,
)
from drafting.extractive import merged_statement
from drafting.grid import SectionTarget
from drafting.llm import LLM, LLMError
from drafting.routing import Evidence

ACTIONS = ("expand", "shorten", "rephrase", "regenerate")


@dataclass
class EditResult:
    statements: list[DraftStatement]
    note: str = ""
    findings: dict[str, str] | None = None  # regenerate only: the items' new findings


SHORT_QUOTE_WORDS = 12
_QUOTE = re.compile(r"«\s*([^»]*?)\s*»")


def _shorter_quote(statement: DraftStatement, context: SectionContext) -> DraftStatement:
    """Each long quote cut to its first clause (at least 6 words) or to 12 words, marked
    […]: a statement quoting several answers keeps all of them, shorter."""
    quotes = _QUOTE.findall(statement.text)
    if statement.origin != "extractive" or not quotes:
        return statement
    text, cites = statement.text, statement.cites
    answers = [context.utterances[uid] for uid in cites if uid in context.utterances]
    answers = [u for u in answers if not u.is_question]
    if len(answers) > 1:  # several answers quoted together: the first one alone
        text, cites = merged_statement(answers[:1])
    for quoted in _QUOTE.findall(text):
        words = quoted.split()
        if len(words) <= SHORT_QUOTE_WORDS:
            continue
        cut = SHORT_QUOTE_WORDS
        for position in range(6, SHORT_QUOTE_WORDS):
            if words[position - 1].endswith((",", ";", ":")):
                cut = position
                break
        text = text.replace(quoted, " ".join(words[:cut]).rstrip(",;:") + " […]")
    if text == statement.text:
        return statement
    statement = replace(statement, cites=cites)
    return verified_statement(
        text, statement.cites, statement.item_key, "extractive", set(statement.cites), context
    )


def _neighbours(cited: set[str], context: SectionContext) -> list[str]:
    """Utterances said just before or after a cited one, in the same consultation."""
    ordered = sorted(context.utterances)
    positions = {uid: i for i, uid in enumerate(ordered)}
    found = []
    for uid in sorted(cited):
        for other in (positions[uid] - 1, positions[uid] + 1):
            if 0 <= other < len(ordered):
                candidate = context.utterances[ordered[other]]
                if candidate.source == context.utterances[uid].source:
                    found.append(candidate.uid)
    return [uid for uid in dict.fromkeys(found) if uid not in cited]


def _generate(
    action: str,
    passage: Sequence[DraftStatement],
    evidence_uids: Sequence[str],
    item_key: str | None,
    context: SectionContext,
    llm: LLM,
) -> list[DraftStatement]:
    evidence = [context.utterances[uid] for uid in sorted(set(evidence_uids))]
    allowed = {u.uid for u in evidence}
    schema = schemas.free_text_schema(sorted(allowed))
    completion = llm.complete(
        prompts.edit_messages(action, " ".join(s.text for s in passage), evidence),
        schema=schema,
        max_tokens=400,
    )
    answer = schemas.SectionAnswer.model_validate_json(completion.text or "null")
    return [
        verified_statement(s.text, s.cites, item_key, "llm", allowed, context)
        for s in answer.statements
    ]


def propose_edit(
    action: str,
    *,
    section: SectionTarget,
    statements: Sequence[DraftStatement],
    selection: Sequence[int] | None,
    context: SectionContext,
    llm: LLM | None,
) -> EditResult:
    """The section's statements after ``action`` on ``selection`` (indices into
    ``statements``; None: the whole section). Unsupported statements are returned too,
    marked, so that the clinician sees what was refused."""
    if action not in ACTIONS:
        raise ValueError(f"action inconnue : {action}")
    if action == "regenerate":
        regenerated = draft_section(section, context, llm)
        findings = {item.key: item.finding for item in regenerated.items if item.finding}
        return EditResult(regenerated.statements, regenerated.note, findings)

    chosen = list(range(len(statements))) if selection is None else sorted(set(selection))
    if not chosen or chosen[-1] >= len(statements):
        raise ValueError("passage sélectionné invalide")
    passage = [statements[i] for i in chosen]
    item_key = passage[0].item_key
    cited = {uid for s in passage for uid in s.cites}
    before, after = list(statements[: chosen[0]]), list(statements[chosen[-1] + 1 :])
    untouched_middle = [
        s for i, s in enumerate(statements) if chosen[0] < i < chosen[-1] and i not in chosen
    ]

    if action == "expand":
        section_evidence = [
            e
            for e in context.routing.for_section(section.protocol, section.key)
            if e.uid not in cited
        ]
        extra = [e.uid for e in section_evidence][:4] + _neighbours(cited, context)[:2]
        added: list[DraftStatement] = []
        note = ""
        if not extra:
            return EditResult(list(statements), "aucun autre passage à ajouter")
        if llm is not None:
            try:
                added = _generate(action, passage, [*cited, *extra], item_key, context, llm)
                added = [s for s in added if set(s.cites) - cited]  # must bring something new
            except (LLMError, ValueError) as exc:
                note = f"réponse du modèle écartée ({exc}) : passages cités tels quels"
        if not any(s.shown for s in added):
            scored = [Evidence(uid=uid, score=0.0, similarity=0.0) for uid in extra]
            added = extractive_statements(scored, item_key, context, limit=2)
        return EditResult(before + passage + untouched_middle + added + after, note)

    replaced: list[DraftStatement] = []
    note = ""
    if llm is not None:
        try:
            replaced = _generate(action, passage, sorted(cited), item_key, context, llm)
        except schemas.NothingCitable:
            note = "ce passage ne cite aucune transcription : le modèle n'est pas appelé"
        except (LLMError, ValueError) as exc:
            note = f"réponse du modèle écartée ({exc})"
    if not any(s.shown for s in replaced):
        if action == "shorten":
            # Without the model: keep the best-supported statement of each item.
            best: dict[str | None, DraftStatement] = {}
            for statement in passage:
                current = best.get(statement.item_key)
                if current is None or (statement.verdict.support or 0) > (
                    current.verdict.support or 0
                ):
                    best[statement.item_key] = statement
            replaced = [_shorter_quote(s, context) for s in best.values()]
        else:
            replaced = passage
            note = note or "reformulation impossible sans modèle : texte inchangé"
    return EditResult(before + untouched_middle + replaced + after, note)
