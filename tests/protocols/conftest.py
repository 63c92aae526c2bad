"""Fixtures for the protocol tests: admin users and snapshots of a version's content."""

import pytest
from django.contrib.auth.models import Group

from protocols.models import DecisionRule, ProtocolItem, ProtocolSection, ProtocolVersion
from protocols.services import protocol_file_for
from tests.factories import UserFactory

EDITORS_GROUP = "Éditeurs de protocoles"


@pytest.fixture
def editor(db):
    """Staff member of the "Éditeurs de protocoles" group."""
    user = UserFactory(username="edith", first_name="Edith", last_name="Éditrice", is_staff=True)
    user.groups.add(Group.objects.get(name=EDITORS_GROUP))
    return user


@pytest.fixture
def staff(db):
    """Staff member without any protocol permission."""
    return UserFactory(username="dave", first_name="Dave", last_name="Exploitant", is_staff=True)


def version_snapshot(version_pk: int) -> dict:
    """Everything a report or an export could read from a version, re-read from the DB."""
    version = ProtocolVersion.objects.get(pk=version_pk)
    return {
        "row": {
            field: getattr(version, field)
            for field in (
                "protocol_id",
                "number",
                "status",
                "source_status",
                "sources",
                "notes",
                "vocabulary",
                "content_sha256",
                "created_by_id",
                "created_at",
                "published_by_id",
                "published_at",
            )
        },
        "file": protocol_file_for(version).model_dump(),
        "sections": sorted(
            ProtocolSection.objects.filter(version=version).values_list("pk", "title")
        ),
        "items": sorted(
            ProtocolItem.objects.filter(section__version=version).values_list(
                "pk", "section_id", "hint"
            )
        ),
        "rules": sorted(DecisionRule.objects.filter(version=version).values_list("pk", "message")),
    }
