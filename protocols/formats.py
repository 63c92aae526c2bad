"""The protocol file format (docs/protocol-format.md): a strict YAML reader that names the
line of every error, the schema, and the writer.

Protocol files come from outside (another site, an email): the reader accepts plain
mappings, lists and scalars only. It refuses YAML tags, anchors and aliases (no exponential
expansion), duplicate keys, deep nesting and oversized files before anything reaches the
database.
"""

import hashlib
import json
from typing import Annotated, Literal

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationError,
    model_validator,
)
from yaml.constructor import SafeConstructor
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

FORMAT = "neddie-protocol/1"
MAX_BYTES = 1_000_000
MAX_DEPTH = 12

_SCALAR_TAGS = {
    "tag:yaml.org,2002:str",
    "tag:yaml.org,2002:int",
    "tag:yaml.org,2002:float",
    "tag:yaml.org,2002:bool",
    "tag:yaml.org,2002:null",
}
_SEQ_TAG = "tag:yaml.org,2002:seq"
_MAP_TAG = "tag:yaml.org,2002:map"

Path = tuple[str | int, ...]


class ProtocolFileError(ValueError):
    """The file cannot be imported; ``errors`` are French sentences naming line and field."""

    def __init__(self, errors: list[str]):
        super().__init__("\n".join(errors))
        self.errors = errors


# --- Schema -----------------------------------------------------------------------------

Key = Annotated[str, StringConstraints(pattern=r"^[a-z0-9]+(-[a-z0-9]+)*$", max_length=60)]
# List entries are stored one per line: an entry may not span lines.
Line = Annotated[str, StringConstraints(min_length=1, pattern=r"^[^\n\r]*$")]
Text200 = Annotated[str, StringConstraints(min_length=1, max_length=200)]
AgeBand = tuple[Annotated[int, Field(ge=0, le=240)], Annotated[int, Field(ge=1, le=240)]]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


def _ordered_band(band: AgeBand | None) -> AgeBand | None:
    if band is not None and band[0] >= band[1]:
        raise ValueError("age_months doit être [minimum, maximum] avec minimum < maximum")
    return band


class ItemSpec(_Strict):
    key: Key
    label: Text200
    hint: Annotated[str, StringConstraints(min_length=1)]
    examples: list[Line] = []
    keywords: list[Line] = []
    answer_type: Literal["observation", "text", "score", "date"] = "observation"
    role: Literal["milestone", "regression", "risk_factor", "information"] = "information"
    age_months: AgeBand | None = None

    @model_validator(mode="after")
    def _band(self):
        _ordered_band(self.age_months)
        return self


class SectionSpec(_Strict):
    key: Key
    title: Text200
    kind: Literal["report", "care_plan"] = "report"
    guidance: str = ""
    items: list[ItemSpec] = []


class RuleSpec(_Strict):
    key: Key
    kind: Literal["sign_count", "any_regression"]
    age_months: AgeBand | None = None
    min_signs: Annotated[int, Field(ge=1, le=100)] | None = None
    min_domains: Annotated[int, Field(ge=1, le=100)] | None = None
    urgency: Literal["routine", "urgent"] = "routine"
    message: Annotated[str, StringConstraints(min_length=1, max_length=300)]

    @model_validator(mode="after")
    def _thresholds(self):
        _ordered_band(self.age_months)
        if self.kind == "sign_count" and (self.min_signs is None or self.min_domains is None):
            raise ValueError("une règle sign_count demande min_signs et min_domains")
        return self


class VersionSpec(_Strict):
    source_status: Literal["official", "synthesis"]
    sources: list[Line] = Field(min_length=1)
    notes: str = ""
    vocabulary: list[Annotated[Line, StringConstraints(max_length=60)]] = []
    sections: list[SectionSpec] = Field(min_length=1)
    rules: list[RuleSpec] = []


class ProtocolFile(_Strict):
    format: Literal["neddie-protocol/1"]
    slug: Key
    title: Text200
    scope: Literal["screening", "evaluation", "report"]
    description: str = ""
    version: VersionSpec

    def content_sha256(self) -> str:
        """A fingerprint of the version's content, to recognise an identical re-import."""
        canonical = json.dumps(self.version.model_dump(mode="json"), sort_keys=True)
        return hashlib.sha256(canonical.encode()).hexdigest()


def version_problems(version: VersionSpec) -> list[tuple[Path, str]]:
    """Rules the schema cannot express: keys unique in the version, no empty section, at
    least one report section. Returns (path, message) pairs."""
    problems: list[tuple[Path, str]] = []
    seen: dict[str, Path] = {}

    def claim(key: str, path: Path) -> None:
        if key in seen:
            problems.append((path, f"clé « {key} » déjà utilisée dans cette version"))
        else:
            seen[key] = path

    for s, section in enumerate(version.sections):
        path = ("version", "sections", s)
        claim(section.key, (*path, "key"))
        if not section.items and not section.guidance:
            problems.append((path, f"la section « {section.key} » est vide (ni items ni consigne)"))
        for i, item in enumerate(section.items):
            claim(item.key, (*path, "items", i, "key"))
    if not any(section.kind == "report" for section in version.sections):
        problems.append((("version", "sections"), "il faut au moins une section de compte rendu"))
    rule_keys: set[str] = set()
    for r, rule in enumerate(version.rules):
        if rule.key in rule_keys:
            problems.append((("version", "rules", r, "key"), f"règle « {rule.key} » en double"))
        rule_keys.add(rule.key)
    return problems


# --- Reading ------------------------------------------------------------------------------


def load_protocol_file(content: bytes | str) -> ProtocolFile:
    """Parse and validate a protocol file, or raise ProtocolFileError naming each problem."""
    raw = content.encode() if isinstance(content, str) else content
    if len(raw) > MAX_BYTES:
        raise ProtocolFileError(
            [f"fichier trop volumineux ({len(raw)} octets ; maximum {MAX_BYTES})"]
        )
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ProtocolFileError(["le fichier n'est pas encodé en UTF-8"]) from exc
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as exc:
        line = exc.problem_mark.line + 1 if exc.problem_mark else "?"
        raise ProtocolFileError([f"ligne {line} : YAML invalide ({exc.problem})"]) from exc
    except yaml.YAMLError as exc:
        raise ProtocolFileError([f"YAML invalide ({exc})"]) from exc
    except RecursionError as exc:
        raise ProtocolFileError(["imbrication trop profonde"]) from exc
    if node is None:
        raise ProtocolFileError(["le fichier est vide"])
    _refuse_anchors(text)

    lines: dict[Path, int] = {}
    data = _Reader(lines).read(node, path=(), depth=0)
    try:
        spec = ProtocolFile.model_validate(data)
    except ValidationError as exc:
        raise ProtocolFileError(
            [_located(tuple(err["loc"]), err["msg"], lines) for err in exc.errors()]
        ) from exc
    problems = version_problems(spec.version)
    if problems:
        raise ProtocolFileError([_located(path, message, lines) for path, message in problems])
    return spec


def _refuse_anchors(text: str) -> None:
    """Anchors are refused even when never used: the format has no use for them."""
    for event in yaml.parse(text, Loader=yaml.SafeLoader):
        if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None):
            line = event.start_mark.line + 1
            raise ProtocolFileError(
                [f"ligne {line} : les ancres et alias YAML (&, *) ne sont pas acceptés"]
            )


def _located(path: Path, message: str, lines: dict[Path, int]) -> str:
    field = ".".join(str(part) if isinstance(part, str) else f"[{part}]" for part in path)
    field = field.replace(".[", "[")
    line = _nearest_line(path, lines)
    return f"ligne {line}, champ {field or '(racine)'} : {message}"


def _nearest_line(path: Path, lines: dict[Path, int]) -> int | str:
    # A missing field has no line of its own: point at the mapping that lacks it.
    for end in range(len(path), -1, -1):
        if path[:end] in lines:
            return lines[path[:end]]
    return "?"


class _Reader:
    """Turns a composed YAML node tree into plain Python, recording each path's line."""

    def __init__(self, lines: dict[Path, int]):
        self.lines = lines
        self.seen: set[int] = set()
        self.constructor = SafeConstructor()

    def fail(self, node: Node, message: str):
        raise ProtocolFileError([f"ligne {node.start_mark.line + 1} : {message}"])

    def read(self, node: Node, *, path: Path, depth: int):
        if id(node) in self.seen:
            self.fail(node, "les ancres et alias YAML (&, *) ne sont pas acceptés")
        self.seen.add(id(node))
        if depth > MAX_DEPTH:
            self.fail(node, f"imbrication trop profonde (plus de {MAX_DEPTH} niveaux)")
        self.lines[path] = node.start_mark.line + 1
        if isinstance(node, ScalarNode):
            if node.tag not in _SCALAR_TAGS:
                self.fail(
                    node,
                    f"valeur ou étiquette YAML non acceptée ({node.tag}) : "
                    "mettez le texte entre guillemets",
                )
            return self.constructor.construct_object(node)
        if isinstance(node, SequenceNode):
            if node.tag != _SEQ_TAG:
                self.fail(node, f"étiquette YAML non acceptée ({node.tag})")
            return [
                self.read(child, path=(*path, i), depth=depth + 1)
                for i, child in enumerate(node.value)
            ]
        if isinstance(node, MappingNode):
            if node.tag != _MAP_TAG:
                self.fail(node, f"étiquette YAML non acceptée ({node.tag})")
            result = {}
            for key_node, value_node in node.value:
                if not isinstance(key_node, ScalarNode) or key_node.tag != "tag:yaml.org,2002:str":
                    self.fail(key_node, "les noms de champs doivent être du texte")
                key = key_node.value
                if key in result:
                    self.fail(key_node, f"champ « {key} » en double")
                result[key] = self.read(value_node, path=(*path, key), depth=depth + 1)
            return result
        self.fail(node, "élément YAML non reconnu")  # pragma: no cover


# --- Writing ------------------------------------------------------------------------------


def dump_protocol_file(spec: ProtocolFile) -> str:
    """The file for a protocol version, fields in documentation order, defaults omitted."""
    data = spec.model_dump(mode="json", exclude_defaults=True)
    data = {"format": FORMAT, **{k: v for k, v in data.items() if k != "format"}}
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=100)
