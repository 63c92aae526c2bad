"""What a draft must cover: the protocol's sections and items, as plain data.

Built from a protocol version (for the child's age) so that the core never touches the
ORM. Each target carries the descriptive text routing compares utterances with: the
label alone scores badly with e5 (see ../shared/MODELS.md); the hint, the examples and the
keywords are what make a target recognisable.
"""

from dataclasses import dataclass, field

from protocols.models import ProtocolItem, ProtocolVersion, in_age_band
from protocols.selectors import version_grid

OBSERVATION = ProtocolItem.AnswerType.OBSERVATION


@dataclass(frozen=True)
class ItemTarget:
    key: str
    label: str
    hint: str
    examples: tuple[str, ...] = ()
    keywords: tuple[str, ...] = ()
    answer_type: str = OBSERVATION
    role: str = ProtocolItem.Role.INFORMATION

    @property
    def descriptor(self) -> str:
        return f"{self.label} : {self.hint}".strip()


@dataclass(frozen=True)
class SectionTarget:
    key: str
    title: str
    guidance: str
    items: tuple[ItemTarget, ...] = ()
    protocol: str = ""  # slug of the protocol the section comes from
    keywords: tuple[str, ...] = ()

    @property
    def descriptor(self) -> str:
        return f"{self.title} : {self.guidance}".strip()

    @property
    def free_text(self) -> bool:
        return not self.items


@dataclass(frozen=True)
class Grid:
    sections: tuple[SectionTarget, ...]
    # Protocol versions behind the grid ("bilan-tnd v2"), recorded with every draft.
    versions: tuple[str, ...] = ()
    vocabulary: tuple[str, ...] = field(default=())


def _lines(text: str) -> tuple[str, ...]:
    return tuple(line.strip() for line in text.splitlines() if line.strip())


def _item_target(item, examples: tuple[str, ...], keywords: tuple[str, ...]) -> ItemTarget:
    """From a database item or a file's item: the same fields, lists stored differently."""
    return ItemTarget(
        key=item.key,
        label=item.label,
        hint=" ".join(item.hint.split()),
        examples=examples,
        keywords=keywords,
        answer_type=item.answer_type,
        role=item.role,
    )


def grid_for_versions(versions: list[ProtocolVersion], age_months: int | None) -> Grid:
    """The report sections of ``versions``, with the items that apply at ``age_months``."""
    sections: list[SectionTarget] = []
    vocabulary: list[str] = []
    for version in versions:
        vocabulary += version.vocabulary_list
        for entry in version_grid(version, age_months):
            sections.append(
                SectionTarget(
                    key=entry.section.key,
                    title=entry.section.title,
                    guidance=" ".join(entry.section.guidance.split()),
                    protocol=version.protocol.slug,
                    items=tuple(
                        _item_target(item, _lines(item.examples), _lines(item.keywords))
                        for item in entry.items
                    ),
                )
            )
    return Grid(
        sections=tuple(sections),
        versions=tuple(f"{v.protocol.slug} v{v.number}" for v in versions),
        vocabulary=tuple(dict.fromkeys(vocabulary)),
    )


def grid_from_file(spec, age_months: int | None = None) -> Grid:
    """A grid straight from a protocol file (``protocols.formats.ProtocolFile``), without
    the database: for benchmarks and checks on a grid not yet imported."""
    sections = []
    for section in spec.version.sections:
        if section.kind != "report":
            continue
        items = tuple(
            _item_target(item, tuple(item.examples), tuple(item.keywords))
            for item in section.items
            if item.age_months is None
            or in_age_band(item.age_months[0], item.age_months[1], age_months)
        )
        sections.append(
            SectionTarget(
                key=section.key,
                title=section.title,
                guidance=" ".join(section.guidance.split()),
                items=items,
                protocol=spec.slug,
            )
        )
    return Grid(
        sections=tuple(sections),
        versions=(f"{spec.slug} (fichier)",),
        vocabulary=tuple(spec.version.vocabulary),
    )
