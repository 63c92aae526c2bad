"""The default protocol shipped with neddie, and its loader (run by `make migrate` on every
deployment, so running it again must change nothing)."""

from io import StringIO

import pytest
from django.core.management import call_command

from protocols.defaults import DEFAULT_PROTOCOLS
from protocols.models import Protocol, ProtocolSection
from protocols.services import protocols_load_defaults

pytestmark = pytest.mark.django_db


def snapshot() -> list[tuple]:
    return list(
        ProtocolSection.objects.order_by("protocol__slug", "position").values_list(
            "pk", "protocol__slug", "protocol_id", "key", "title", "guidance", "position"
        )
    )


def test_load_defaults_creates_the_tnd_protocol_with_ordered_sections():
    loaded = protocols_load_defaults()

    protocol = Protocol.objects.get(slug="bilan-tnd")
    assert loaded == [protocol]
    assert protocol.title == "Bilan diagnostique TND (structure générale)"
    assert protocol.is_active
    sections = list(protocol.sections.order_by("position"))
    assert len(sections) == 11
    assert [section.position for section in sections] == list(range(1, 12))
    assert sections[0].title == "Identification et cadre"
    assert sections[-1].title == "Restitution et diffusion"
    assert [section.key for section in sections] == [
        key for key, _title, _guidance in DEFAULT_PROTOCOLS[0]["sections"]
    ]
    assert all(section.guidance for section in sections)


def test_load_defaults_twice_changes_nothing():
    protocols_load_defaults()
    protocol_ids = list(Protocol.objects.values_list("pk", flat=True))
    before = snapshot()

    protocols_load_defaults()

    assert list(Protocol.objects.values_list("pk", flat=True)) == protocol_ids
    assert Protocol.objects.count() == len(DEFAULT_PROTOCOLS)
    assert ProtocolSection.objects.count() == 11
    assert snapshot() == before


def test_load_defaults_restores_edited_titles_and_order():
    protocols_load_defaults()
    before = snapshot()
    protocol = Protocol.objects.get(slug="bilan-tnd")
    # An administrator swapped the first two sections and retitled one.
    first, second = protocol.sections.order_by("position")[:2]
    first.position, second.position = 100, 1
    first.save()
    second.save()
    first.position = 2
    first.title = "Cadre"
    first.save()

    protocols_load_defaults()

    assert snapshot() == before


def test_defaults_do_not_touch_other_protocols(protocol):
    before = list(protocol.sections.values_list("pk", "key", "title", "position"))
    protocols_load_defaults()
    assert list(protocol.sections.values_list("pk", "key", "title", "position")) == before


def test_load_defaults_twice_keeps_a_section_added_in_the_admin():
    protocols_load_defaults()
    protocol = Protocol.objects.get(slug="bilan-tnd")
    ProtocolSection.objects.create(
        protocol=protocol, key="annexes", title="Annexes", guidance="", position=12
    )
    protocols_load_defaults()
    after_first = snapshot()

    protocols_load_defaults()

    assert snapshot() == after_first
    assert protocol.sections.get(key="annexes").position == 12


def test_management_command_prints_each_protocol():
    out = StringIO()
    call_command("load_default_protocols", stdout=out)
    assert "bilan-tnd" in out.getvalue()
    assert "bilan-tnd : 11 sections" in out.getvalue()
    assert Protocol.objects.filter(slug="bilan-tnd").exists()


def test_management_command_twice_keeps_one_protocol():
    call_command("load_default_protocols", stdout=StringIO())
    before = snapshot()
    call_command("load_default_protocols", stdout=StringIO())
    assert Protocol.objects.filter(slug="bilan-tnd").count() == 1
    assert snapshot() == before
