"""A draft as plain JSON-ready data: the stable output of ``draft_report --json``."""

from drafting.drafter import Draft, DraftStatement
from drafting.routing import Evidence


def _evidence(entry: Evidence) -> dict:
    return {
        "utterance": entry.uid,
        "score": entry.score,
        "similarity": entry.similarity,
        "keywords": list(entry.keywords),
    }


def _statement(statement: DraftStatement) -> dict:
    return {
        "text": statement.text,
        "item": statement.item_key,
        "cites": statement.cites,
        "origin": statement.origin,
        "verdict": statement.verdict.status,
        "reasons": statement.verdict.reasons,
        "support": statement.verdict.support,
        "shown": statement.shown,
    }


def draft_as_dict(draft: Draft) -> dict:
    cited = {uid for s in draft.statements for uid in s.cites}
    return {
        "engine": draft.engine,
        "model": draft.model,
        "prompt_version": draft.prompt_version,
        "protocol_versions": list(draft.grid_versions),
        "fallback_reason": draft.fallback_reason,
        "seconds": draft.seconds,
        "tokens": {
            "prompt": sum(s.prompt_tokens for s in draft.sections),
            "completion": sum(s.completion_tokens for s in draft.sections),
        },
        "sections": [
            {
                "key": section.key,
                "title": section.title,
                "protocol": section.protocol,
                "text": section.text,
                "note": section.note,
                "seconds": section.seconds,
                "items": [
                    {
                        "key": item.key,
                        "label": item.label,
                        "status": item.status,
                        "finding": item.finding,
                        "evidence": [_evidence(e) for e in item.evidence],
                    }
                    for item in section.items
                ],
                "evidence": [_evidence(e) for e in section.evidence],
                "statements": [_statement(s) for s in section.statements],
            }
            for section in draft.sections
        ],
        "contradictions": [
            {"target": c.target, "first": c.first, "second": c.second, "reason": c.reason}
            for c in draft.contradictions
        ],
        "utterances": [
            {
                "id": u.uid,
                "source": u.source,
                "speaker": u.speaker,
                "start": u.start,
                "end": u.end,
                "text": u.text,
                "routed_to": draft.routing.assignment.get(u.uid, (None,))[0],
            }
            for u in draft.utterances
            if u.uid in cited or draft.routing.assignment.get(u.uid, (None,))[0]
        ],
        "unrouted": sum(1 for target, *_ in draft.routing.assignment.values() if not target),
    }
