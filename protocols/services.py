from django.db import transaction
from django.db.models import F

from protocols.defaults import DEFAULT_PROTOCOLS
from protocols.models import Protocol, ProtocolSection

# Added to every position while sections are reordered, so that no intermediate state
# collides with the (protocol, position) unique constraint.
_PARKING_OFFSET = 1_000_000


@transaction.atomic
def protocols_load_defaults() -> list[Protocol]:
    """Create or update the default protocols. Idempotent: running it twice changes nothing.

    Sections are matched by key: their titles, guidance and order follow the defaults.
    Sections an admin added to a default protocol are kept, after the default ones, in
    their existing order.
    """
    loaded = []
    for spec in DEFAULT_PROTOCOLS:
        protocol, _created = Protocol.objects.update_or_create(
            slug=spec["slug"],
            defaults={"title": spec["title"], "description": spec["description"]},
        )
        existing = {section.key: section for section in protocol.sections.order_by("position")}
        protocol.sections.update(position=F("position") + _PARKING_OFFSET)

        for position, (key, title, guidance) in enumerate(spec["sections"], start=1):
            section = existing.pop(key, None) or ProtocolSection(protocol=protocol, key=key)
            section.title, section.guidance, section.position = title, guidance, position
            section.full_clean(validate_unique=False, validate_constraints=False)
            section.save()
        for position, section in enumerate(existing.values(), start=len(spec["sections"]) + 1):
            section.position = position
            section.save(update_fields=["position"])
        loaded.append(protocol)
    return loaded
