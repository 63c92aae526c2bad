from dataclasses import dataclass

from django.db.models import Exists, OuterRef, QuerySet

from protocols.models import Protocol, ProtocolItem, ProtocolSection, ProtocolVersion


def protocols_available() -> QuerySet[Protocol]:
    """Protocols a clinician may choose for a new dossier: active, with a published version."""
    published = ProtocolVersion.objects.filter(
        protocol=OuterRef("pk"), status=ProtocolVersion.Status.PUBLISHED
    )
    return Protocol.objects.filter(is_active=True).filter(Exists(published)).order_by("title")


@dataclass(frozen=True)
class GridSection:
    section: ProtocolSection
    items: list[ProtocolItem]


def version_grid(
    version: ProtocolVersion, age_months: int | None, *, kind: str = ProtocolSection.Kind.REPORT
) -> list[GridSection]:
    """The sections of ``version`` with the items that apply to a child of ``age_months``
    (items without an age band always apply)."""
    sections = version.sections.filter(kind=kind).prefetch_related("items").order_by("position")
    return [
        GridSection(
            section=section,
            items=[item for item in section.items.all() if item.applies_at(age_months)],
        )
        for section in sections
    ]
