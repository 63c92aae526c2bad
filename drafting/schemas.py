"""What the LLM must answer for one section, as a JSON schema built for that section
(item keys and the citable utterance ids are enumerated, so a constrained engine cannot
cite a passage it was not shown), and the pydantic models that parse the answer.

Every engine's answer goes through ``parse_section_answer``: an answer that does not
validate is rejected as a whole and the drafter falls back to extractive statements.
"""

from collections.abc import Sequence

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from drafting.grid import OBSERVATION, SectionTarget

FINDINGS = ("oui", "non", "non_evalue")  # the answers decision rules read
# Small models ramble, and on a CPU every generated token costs ~0.1 s under the grammar:
# one statement per item, two for a free-text section.
MAX_STATEMENTS = 2
MAX_ITEM_STATEMENTS = 1
MAX_STATEMENT_CHARS = 400


class StatementAnswer(BaseModel):
    model_config = ConfigDict(extra="forbid")

    text: str = Field(min_length=3, max_length=MAX_STATEMENT_CHARS)
    cites: list[str] = Field(min_length=1, max_length=6)


class ItemAnswer(BaseModel):
    model_config = ConfigDict(extra="forbid")

    finding: str = Field(max_length=200)
    statements: list[StatementAnswer] = Field(default_factory=list, max_length=MAX_STATEMENTS)


class SectionAnswer(BaseModel):
    model_config = ConfigDict(extra="forbid")

    items: dict[str, ItemAnswer] = Field(default_factory=dict)
    statements: list[StatementAnswer] = Field(default_factory=list, max_length=MAX_STATEMENTS)


class AnswerInvalid(ValueError):
    """The LLM's answer is not the JSON the schema asks for."""


class NothingCitable(ValueError):
    """No passage may be cited: no answer could satisfy the schema (and llama.cpp cannot
    even parse the grammar of an empty choice: its worker dies), so no model is asked."""


def _statement_schema(uids: Sequence[str]) -> dict:
    if not uids:
        raise NothingCitable("aucun passage à citer : le modèle n'est pas appelé")
    return {
        "type": "object",
        "properties": {
            "text": {"type": "string", "maxLength": MAX_STATEMENT_CHARS},
            "cites": {
                "type": "array",
                "items": {"type": "string", "enum": list(uids)},
                "minItems": 1,
                "maxItems": 3,
            },
        },
        "required": ["text", "cites"],
        "additionalProperties": False,
    }


def statements_schema(uids: Sequence[str], most: int = MAX_STATEMENTS) -> dict:
    return {"type": "array", "items": _statement_schema(uids), "maxItems": most}


def free_text_schema(uids: Sequence[str]) -> dict:
    """Statements only: a free-text section, or an edit of a passage."""
    return {
        "type": "object",
        "properties": {"statements": statements_schema(uids)},
        "required": ["statements"],
        "additionalProperties": False,
    }


def section_schema(section: SectionTarget, item_keys: Sequence[str], uids: Sequence[str]) -> dict:
    """The JSON schema of an answer for ``section``: one entry per item in ``item_keys``
    (those with evidence), in order; or a list of statements for a free-text section."""
    if section.free_text:
        return free_text_schema(uids)
    items = {item.key: item for item in section.items}
    properties = {}
    for key in item_keys:
        finding: dict = {"type": "string", "maxLength": 200}
        if items[key].answer_type == OBSERVATION:
            finding = {"type": "string", "enum": list(FINDINGS)}
        properties[key] = {
            "type": "object",
            "properties": {
                "finding": finding,
                "statements": statements_schema(uids, MAX_ITEM_STATEMENTS),
            },
            "required": ["finding", "statements"],
            "additionalProperties": False,
        }
    return {
        "type": "object",
        "properties": {
            "items": {
                "type": "object",
                "properties": properties,
                "required": list(item_keys),
                "additionalProperties": False,
            }
        },
        "required": ["items"],
        "additionalProperties": False,
    }


def parse_section_answer(
    text: str, section: SectionTarget, item_keys: Sequence[str]
) -> SectionAnswer:
    """Parse and validate; raises ``AnswerInvalid`` with a short reason."""
    try:
        answer = SectionAnswer.model_validate_json(text.strip() or "null")
    except ValidationError as exc:
        raise AnswerInvalid(
            f"réponse non conforme au schéma ({exc.error_count()} erreurs)"
        ) from exc
    unknown = set(answer.items) - set(item_keys)
    if unknown:
        raise AnswerInvalid(f"éléments inconnus : {', '.join(sorted(unknown))}")
    items = {item.key: item for item in section.items}
    for key, item_answer in answer.items.items():
        if items[key].answer_type == OBSERVATION and item_answer.finding not in FINDINGS:
            raise AnswerInvalid(f"« {key} » : réponse hors de oui / non / non_evalue")
    return answer
