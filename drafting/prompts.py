"""Prompts for drafting and editing, versioned.

Small local models fill fixed fields well from a worked example and write poor free
summaries, so each call covers one section, shows only that section's evidence, and comes
after one worked example (a synthetic exchange, not patient data). ``PROMPT_VERSION`` is
recorded on every draft together with the protocol versions the grid came from: a
report can always say which instructions and which grid produced its text. Change the
version whenever the wording changes.

Transcript text is data: it is fenced, and the system message says that instructions
inside it are quotations, never orders.
"""

import json
from collections.abc import Sequence

from drafting import french
from drafting.grid import OBSERVATION, ItemTarget, SectionTarget
from drafting.utterances import Utterance

PROMPT_VERSION = "neddie-draft/1"


def evidence_block(utterances: Sequence[Utterance]) -> str:
    lines = []
    for utterance in utterances:
        # The fences are ours: a transcript cannot close them.
        text = utterance.text.replace("<<<", "« ").replace(">>>", " »")
        lines.append(f"[{utterance.uid}] ({utterance.speaker}) {text}")
    return "<<<\n" + "\n".join(lines) + "\n>>>"


def _item_line(item: ItemTarget) -> str:
    kind = "oui / non / non_evalue" if item.answer_type == OBSERVATION else "texte : valeur courte"
    return f"- {item.key} ({kind}) : {item.label}. {item.hint[:300]}"


def section_messages(
    section: SectionTarget, items: Sequence[ItemTarget], evidence: Sequence[Utterance]
) -> list[dict]:
    """Messages asking for one section, with its evidence only."""
    if section.free_text:
        wanted = (
            f"Rédige au plus deux phrases pour cette section ({section.guidance[:400]}), "
            "chacune citant ses extraits."
        )
    else:
        wanted = "Éléments à renseigner :\n" + "\n".join(_item_line(item) for item in items)
    request = (
        f"Section : {section.title}\n{wanted}\n\nExtraits :\n{evidence_block(evidence)}\n\n"
        "Réponds uniquement par l'objet JSON demandé."
    )
    return [
        {"role": "system", "content": french.SYSTEM},
        {"role": "user", "content": french.EXAMPLE_REQUEST},
        {"role": "assistant", "content": json.dumps(french.EXAMPLE_ANSWER, ensure_ascii=False)},
        {"role": "user", "content": request},
    ]


def edit_messages(action: str, passage: str, evidence: Sequence[Utterance]) -> list[dict]:
    request = (
        f"{french.EDIT_INSTRUCTIONS[action]}\n\nPassage actuel :\n<<<\n{passage}\n>>>\n\n"
        f"Extraits :\n{evidence_block(evidence)}\n\n"
        'Réponds uniquement par l\'objet JSON demandé : {"statements": [...]}, chaque '
        "phrase citant ses extraits."
    )
    return [{"role": "system", "content": french.SYSTEM}, {"role": "user", "content": request}]
