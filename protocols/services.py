from django.db import transaction

from protocols.defaults import DEFAULT_PROTOCOLS
from protocols.models import Protocol, ProtocolSection


@transaction.atomic
def protocols_load_defaults() -> list[Protocol]:
    """Create or update the default protocols. Idempotent: running it twice changes nothing.

    Sections are matched by key; their titles, guidance and order follow the defaults.
    """
    loaded = []
    for spec in DEFAULT_PROTOCOLS:
        protocol, _created = Protocol.objects.update_or_create(
            slug=spec["slug"],
            defaults={"title": spec["title"], "description": spec["description"]},
        )
        # Park existing positions out of the way so the reordering below never collides
        # with the (protocol, position) unique constraint.
        for section in protocol.sections.all():
            section.position += 10_000
            section.save(update_fields=["position"])
        for position, (key, title, guidance) in enumerate(spec["sections"], start=1):
            section = ProtocolSection(
                protocol=protocol, key=key, title=title, guidance=guidance, position=position
            )
            existing = protocol.sections.filter(key=key).first()
            if existing:
                section.pk = existing.pk
            section.full_clean(validate_constraints=False)
            section.save()
        loaded.append(protocol)
    return loaded
