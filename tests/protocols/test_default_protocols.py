"""The four protocols shipped with neddie (protocols/defaults/)."""

import io

import pytest
from django.core.management import CommandError, call_command

from protocols import services
from protocols.formats import ProtocolFileError
from protocols.models import Protocol, ProtocolItem, ProtocolSection, ProtocolVersion
from protocols.selectors import protocols_available
from protocols.services import (
    DEFAULTS_DIR,
    protocols_load_defaults,
    version_duplicate,
    version_publish,
)

SLUGS = ["bilan-tnd", "evaluation-tdah", "evaluation-tsa", "reperage-tnd-0-7"]


@pytest.fixture
def defaults(db):
    return protocols_load_defaults()


def test_load_publishes_the_four_defaults(defaults):
    assert sorted(r.version.protocol.slug for r in defaults) == SLUGS
    assert all(r.created for r in defaults)
    for slug in SLUGS:
        protocol = Protocol.objects.get(slug=slug)
        versions = list(protocol.versions.all())
        assert len(versions) == 1, slug
        version = versions[0]
        assert version.number == 1
        assert version.status == ProtocolVersion.Status.PUBLISHED, slug
        assert version.published_at is not None and len(version.content_sha256) == 64
        assert version.source_status == ProtocolVersion.SourceStatus.SYNTHESIS, slug
        assert version.source_list, slug
        assert protocol.is_active
    assert sorted(p.slug for p in protocols_available()) == SLUGS


def test_scopes(defaults):
    scopes = dict(Protocol.objects.values_list("slug", "scope"))
    assert scopes == {
        "bilan-tnd": "report",
        "evaluation-tdah": "evaluation",
        "evaluation-tsa": "evaluation",
        "reperage-tnd-0-7": "screening",
    }


def test_loading_twice_creates_no_version(defaults):
    published_at = dict(ProtocolVersion.objects.values_list("pk", "published_at"))

    again = protocols_load_defaults()

    assert not any(r.created for r in again)
    assert ProtocolVersion.objects.count() == 4
    assert dict(ProtocolVersion.objects.values_list("pk", "published_at")) == published_at
    assert sorted(r.version.pk for r in again) == sorted(published_at)


def test_bilan_has_11_report_sections_then_9_care_plan_sections(defaults):
    version = Protocol.objects.get(slug="bilan-tnd").published_version()
    kinds = list(version.sections.order_by("position").values_list("kind", flat=True))
    assert kinds == [ProtocolSection.Kind.REPORT] * 11 + [ProtocolSection.Kind.CARE_PLAN] * 9
    keys = list(version.sections.order_by("position").values_list("key", flat=True))
    assert keys[0] == "identification" and keys[10] == "restitution"
    assert all(key.startswith("plan-") for key in keys[11:])


def test_reperage_rules(defaults):
    version = Protocol.objects.get(slug="reperage-tnd-0-7").published_version()
    rules = {rule.key: rule for rule in version.rules.all()}
    assert list(version.rules.order_by("position").values_list("key", flat=True)) == [
        "orientation-pco-0-3",
        "orientation-pco-4-6",
        "regression-urgence",
    ]
    pco_0_3, pco_4_6 = rules["orientation-pco-0-3"], rules["orientation-pco-4-6"]
    assert (pco_0_3.min_age_months, pco_0_3.max_age_months) == (0, 48)
    assert (pco_0_3.min_signs, pco_0_3.min_domains) == (2, 2)
    assert (pco_4_6.min_age_months, pco_4_6.max_age_months) == (48, 84)
    assert (pco_4_6.min_signs, pco_4_6.min_domains) == (3, 2)
    assert rules["regression-urgence"].urgency == "urgent"
    assert rules["regression-urgence"].kind == "any_regression"


def test_reperage_has_milestones_in_every_band_and_a_regression_item(defaults):
    version = Protocol.objects.get(slug="reperage-tnd-0-7").published_version()
    items = ProtocolItem.objects.filter(section__version=version)
    bands = set(items.filter(role="milestone").values_list("min_age_months", "max_age_months"))
    assert {(6, 12), (12, 18), (18, 24), (24, 36), (36, 48), (48, 60), (60, 72), (72, 84)} <= bands
    assert items.filter(role="regression").exists()


def test_every_item_has_a_hint_and_every_section_content(defaults):
    items = ProtocolItem.objects.filter(section__version__protocol__slug__in=SLUGS)
    assert items.count() > 100
    empty = [item.key for item in items if not item.hint.strip() or not item.label.strip()]
    assert empty == []
    for section in ProtocolSection.objects.filter(version__protocol__slug__in=SLUGS):
        assert section.guidance.strip() or section.items.exists(), section.key


def test_item_keys_are_unique_within_each_version(defaults):
    for version in ProtocolVersion.objects.all():
        keys = list(
            ProtocolItem.objects.filter(section__version=version).values_list("key", flat=True)
        )
        assert len(keys) == len(set(keys)), version


def test_command_prints_each_slug(db):
    out = io.StringIO()
    call_command("load_default_protocols", stdout=out)
    lines = out.getvalue().splitlines()
    assert sorted(lines) == sorted(f"{slug} v1 : importée (publiée)" for slug in SLUGS)

    out = io.StringIO()
    call_command("load_default_protocols", stdout=out)
    assert sorted(out.getvalue().splitlines()) == sorted(
        f"{slug} v1 : déjà à jour" for slug in SLUGS
    )
    assert ProtocolVersion.objects.count() == 4


def test_loading_defaults_again_keeps_a_site_edited_version(defaults):
    bilan = Protocol.objects.get(slug="bilan-tnd")
    draft = version_duplicate(version=bilan.published_version())
    section = draft.sections.get(key="motif")
    section.title = "Motif de consultation (formulation du service)"
    section.save()
    version_publish(version=draft)

    protocols_load_defaults()

    assert bilan.published_version() == draft
    assert bilan.versions.count() == 2


@pytest.fixture
def shipped(tmp_path, monkeypatch):
    """A copy of the shipped defaults that a test can change, as a newer neddie would."""
    folder = tmp_path / "defaults"
    folder.mkdir()
    for path in DEFAULTS_DIR.glob("*.yaml"):
        (folder / path.name).write_bytes(path.read_bytes())
    monkeypatch.setattr(services, "DEFAULTS_DIR", folder)
    return folder


def test_newer_shipped_content_arrives_as_a_draft(db, shipped):
    protocols_load_defaults()
    bilan = Protocol.objects.get(slug="bilan-tnd")
    v1 = bilan.published_version()
    path = shipped / "bilan-tnd.yaml"
    text = path.read_text(encoding="utf-8")
    assert "title: Motif de la demande\n" in text
    path.write_text(text.replace("title: Motif de la demande\n", "title: Motif\n"), "utf-8")

    out = io.StringIO()
    call_command("load_default_protocols", stdout=out)

    assert bilan.published_version() == v1  # the site keeps using what it published
    v2 = bilan.versions.get(number=2)
    assert v2.is_draft
    assert v2.sections.get(key="motif").title == "Motif"
    assert "bilan-tnd v2" in out.getvalue()
    # Running again does not pile up drafts.
    protocols_load_defaults()
    assert bilan.versions.count() == 2


def test_shipped_content_of_an_older_version_is_recognised(db, shipped):
    protocols_load_defaults()
    bilan = Protocol.objects.get(slug="bilan-tnd")
    v1 = bilan.published_version()
    draft = version_duplicate(version=v1)
    section = draft.sections.get(key="motif")
    section.title = "Motif (version du service)"
    section.save()
    version_publish(version=draft)

    results = {r.version.protocol.slug: r for r in protocols_load_defaults()}

    assert not results["bilan-tnd"].created
    assert results["bilan-tnd"].version == v1
    assert bilan.versions.count() == 2
    assert bilan.published_version() == draft


def test_a_broken_shipped_file_names_the_file(db, shipped):
    path = shipped / "evaluation-tsa.yaml"
    path.write_text(path.read_text("utf-8").replace("scope: evaluation", "scope: autre"), "utf-8")
    with pytest.raises(ProtocolFileError) as excinfo:
        protocols_load_defaults()
    assert "evaluation-tsa.yaml" in str(excinfo.value) and "scope" in str(excinfo.value)
    with pytest.raises(CommandError, match=r"evaluation-tsa\.yaml"):
        call_command("load_default_protocols", stdout=io.StringIO())
