"""Versioning invariants: publish, duplicate, retire, and a published version that cannot
change whatever code path tries (ORM, queryset, raw SQL)."""

import pytest
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from dossiers import services as report_services
from protocols.models import (
    DecisionRule,
    Protocol,
    ProtocolItem,
    ProtocolSection,
    ProtocolVersion,
)
from protocols.services import (
    ProtocolError,
    protocol_file_for,
    version_duplicate,
    version_publish,
    version_retire,
)
from reports.services import report_draft_ensure
from tests.protocols.conftest import version_snapshot

Status = ProtocolVersion.Status

TABLES = {
    ProtocolVersion: "protocols_protocolversion",
    ProtocolSection: "protocols_protocolsection",
    ProtocolItem: "protocols_protocolitem",
    DecisionRule: "protocols_decisionrule",
}


def sql(statement: str, params=()) -> None:
    with connection.cursor() as cursor:
        cursor.execute(statement, params)


@pytest.fixture
def published(screening_protocol) -> ProtocolVersion:
    return screening_protocol.published_version()


def test_raw_sql_below_targets_the_real_tables():
    assert {model: model._meta.db_table for model in TABLES} == TABLES


# --- Publication ----------------------------------------------------------------------------


def test_publish_sets_state_and_retires_the_previous_version(screening_protocol, alice):
    v1 = screening_protocol.published_version()
    draft = version_duplicate(version=v1, user=alice)
    assert draft.status == Status.DRAFT and draft.published_at is None
    assert draft.content_sha256 == ""

    before = timezone.now()
    version_publish(version=draft, user=alice)

    draft.refresh_from_db()
    v1.refresh_from_db()
    assert draft.status == Status.PUBLISHED
    assert draft.published_at is not None and draft.published_at >= before
    assert draft.published_by == alice
    assert draft.content_sha256 == protocol_file_for(draft).content_sha256()
    assert len(draft.content_sha256) == 64
    assert v1.status == Status.RETIRED
    assert v1.retired_at is not None and v1.retired_at >= before
    assert list(screening_protocol.versions.filter(status=Status.PUBLISHED)) == [draft]
    assert screening_protocol.published_version() == draft


def test_publish_leaves_other_protocols_alone(protocol, screening_protocol):
    report_v1 = protocol.published_version()
    version_publish(version=version_duplicate(version=screening_protocol.published_version()))
    report_v1.refresh_from_db()
    assert report_v1.status == Status.PUBLISHED


@pytest.mark.parametrize("status", [Status.PUBLISHED, Status.RETIRED])
def test_only_a_draft_can_be_published(screening_protocol, status):
    v1 = screening_protocol.published_version()
    if status == Status.RETIRED:
        version_retire(version=v1)
    with pytest.raises(ProtocolError, match="brouillon"):
        version_publish(version=v1)
    v1.refresh_from_db()
    assert v1.status == status


def test_publishing_a_draft_with_an_empty_section_is_refused(published):
    draft = version_duplicate(version=published)
    ProtocolSection.objects.create(version=draft, key="vide", title="Section vide", position=99)

    with pytest.raises(ProtocolError) as excinfo:
        version_publish(version=draft)

    assert "vide" in excinfo.value.message and "« vide »" in excinfo.value.message
    draft.refresh_from_db()
    assert draft.status == Status.DRAFT and draft.published_at is None
    published.refresh_from_db()
    assert published.status == Status.PUBLISHED


def test_publishing_a_draft_with_a_key_in_two_sections_is_refused(published):
    draft = version_duplicate(version=published)
    socialisation = draft.sections.get(key="socialisation")
    ProtocolItem.objects.create(
        section=socialisation, key="dix-mots-24m", label="Doublon", hint="h", position=99
    )

    with pytest.raises(ProtocolError) as excinfo:
        version_publish(version=draft)

    assert "dix-mots-24m" in excinfo.value.message
    assert "déjà utilisée" in excinfo.value.message
    draft.refresh_from_db()
    assert draft.status == Status.DRAFT
    assert published.protocol.published_version() == published


def test_retire_requires_a_published_version(published):
    draft = version_duplicate(version=published)
    with pytest.raises(ProtocolError):
        version_retire(version=draft)
    version_retire(version=published)
    published.refresh_from_db()
    assert published.status == Status.RETIRED and published.retired_at is not None
    assert published.protocol.published_version() is None
    with pytest.raises(ProtocolError):
        version_retire(version=published)


# --- Duplication ----------------------------------------------------------------------------


def test_duplicate_is_a_draft_numbered_next_with_identical_content(published, bob):
    draft = version_duplicate(version=published, user=bob)

    assert draft.pk != published.pk
    assert draft.number == published.number + 1
    assert draft.status == Status.DRAFT and draft.created_by == bob
    assert protocol_file_for(draft).version == protocol_file_for(published).version
    assert protocol_file_for(draft).content_sha256() == published.content_sha256
    # New rows, not shared ones: the draft can change without touching the original.
    assert not set(draft.sections.values_list("pk", flat=True)) & set(
        published.sections.values_list("pk", flat=True)
    )


def test_duplicate_of_an_older_version_is_numbered_after_the_last(published):
    v2 = version_duplicate(version=published)
    v3 = version_duplicate(version=published)
    assert (v2.number, v3.number) == (2, 3)


# --- The database refuses any change to a published version ---------------------------------


def _section(version):
    return version.sections.get(key="langage")


def _item(version):
    return ProtocolItem.objects.get(section__version=version, key="dix-mots-24m")


def _rule(version):
    return version.rules.get(key="pco-0-3")


def _save(obj, **changes):
    for field, value in changes.items():
        setattr(obj, field, value)
    obj.save()


def _move_item_to_a_draft(version):
    draft = version_duplicate(version=version)
    _save(_item(version), section=draft.sections.get(key="socialisation"), key="deplace")


def _move_draft_item_into_published(version):
    draft = version_duplicate(version=version)
    item = ProtocolItem.objects.get(section__version=draft, key="regression")
    _save(item, section=_section(version), position=99)


def _move_draft_section_into_published(version):
    draft = version_duplicate(version=version)
    _save(draft.sections.get(key="langage"), version=version, key="autre", position=99)


ATTACKS = {
    # ORM instance .save() / .delete()
    "orm-section-title": lambda v: _save(_section(v), title="Langage écrit"),
    "orm-item-hint": lambda v: _save(_item(v), hint="Autre chose"),
    "orm-item-age-band": lambda v: _save(_item(v), min_age_months=12),
    "orm-rule-message": lambda v: _save(_rule(v), message="Ne rien faire."),
    "orm-rule-threshold": lambda v: _save(_rule(v), min_signs=5),
    "orm-add-item": lambda v: ProtocolItem.objects.create(
        section=_section(v), key="nouvel-item", label="Nouveau", hint="h", position=99
    ),
    "orm-add-section": lambda v: ProtocolSection.objects.create(
        version=v, key="nouvelle", title="Nouvelle", guidance="g", position=99
    ),
    "orm-add-rule": lambda v: DecisionRule.objects.create(
        version=v, key="nouvelle", kind="any_regression", message="m", position=99
    ),
    "orm-delete-item": lambda v: _item(v).delete(),
    "orm-delete-section": lambda v: _section(v).delete(),
    "orm-delete-rule": lambda v: _rule(v).delete(),
    "orm-move-item-out": _move_item_to_a_draft,
    "orm-move-item-in": _move_draft_item_into_published,
    "orm-move-section-in": _move_draft_section_into_published,
    "orm-version-notes": lambda v: _save(v, notes="Note ajoutée après publication"),
    "orm-version-sources": lambda v: _save(v, sources="Une autre source"),
    "orm-version-number": lambda v: _save(v, number=7),
    "orm-version-vocabulary": lambda v: _save(v, vocabulary="PCO\nM-CHAT"),
    "orm-version-source-status": lambda v: _save(v, source_status="official"),
    "orm-version-back-to-draft": lambda v: _save(v, status=Status.DRAFT),
    "orm-version-delete": lambda v: v.delete(),
    # QuerySet .update() / .delete()
    "qs-section-title": lambda v: ProtocolSection.objects.filter(version=v).update(title="X"),
    "qs-item-hint": lambda v: ProtocolItem.objects.filter(section__version=v).update(hint="X"),
    "qs-rule-message": lambda v: DecisionRule.objects.filter(version=v).update(message="X"),
    "qs-item-delete": lambda v: ProtocolItem.objects.filter(section__version=v).delete(),
    "qs-version-notes": lambda v: ProtocolVersion.objects.filter(pk=v.pk).update(notes="X"),
    "qs-version-sources": lambda v: ProtocolVersion.objects.filter(pk=v.pk).update(sources="X"),
    "qs-version-vocabulary": lambda v: ProtocolVersion.objects.filter(pk=v.pk).update(
        vocabulary="autre"
    ),
    "qs-version-number": lambda v: ProtocolVersion.objects.filter(pk=v.pk).update(number=9),
    "qs-version-sha": lambda v: ProtocolVersion.objects.filter(pk=v.pk).update(
        content_sha256="0" * 64
    ),
    "qs-version-published-at": lambda v: ProtocolVersion.objects.filter(pk=v.pk).update(
        published_at=timezone.now()
    ),
    "qs-version-back-to-draft": lambda v: ProtocolVersion.objects.filter(pk=v.pk).update(
        status=Status.DRAFT
    ),
    "qs-version-delete": lambda v: ProtocolVersion.objects.filter(pk=v.pk).delete(),
    # Raw SQL, bypassing Django entirely
    "sql-section-title": lambda v: sql(
        "UPDATE protocols_protocolsection SET title = %s WHERE version_id = %s", ["X", v.pk]
    ),
    "sql-item-hint": lambda v: sql(
        "UPDATE protocols_protocolitem SET hint = %s WHERE id = %s", ["X", _item(v).pk]
    ),
    "sql-rule-message": lambda v: sql(
        "UPDATE protocols_decisionrule SET message = %s WHERE version_id = %s", ["X", v.pk]
    ),
    "sql-add-item": lambda v: sql(
        "INSERT INTO protocols_protocolitem (section_id, key, label, hint, examples, keywords, "
        "answer_type, role, min_age_months, max_age_months, position) "
        "VALUES (%s, 'sql-item', 'SQL', 'h', '', '', 'observation', 'milestone', "
        "NULL, NULL, 99)",
        [_section(v).pk],
    ),
    "sql-add-section": lambda v: sql(
        "INSERT INTO protocols_protocolsection (version_id, key, title, kind, guidance, position) "
        "VALUES (%s, 'sql-section', 'SQL', 'report', 'g', 99)",
        [v.pk],
    ),
    "sql-delete-item": lambda v: sql(
        "DELETE FROM protocols_protocolitem WHERE id = %s", [_item(v).pk]
    ),
    "sql-delete-section": lambda v: sql(
        "DELETE FROM protocols_protocolsection WHERE id = %s", [_section(v).pk]
    ),
    "sql-version-notes": lambda v: sql(
        "UPDATE protocols_protocolversion SET notes = %s WHERE id = %s", ["X", v.pk]
    ),
    "sql-version-sources": lambda v: sql(
        "UPDATE protocols_protocolversion SET sources = %s WHERE id = %s", ["X", v.pk]
    ),
    "sql-version-number": lambda v: sql(
        "UPDATE protocols_protocolversion SET number = %s WHERE id = %s", [9, v.pk]
    ),
    "sql-version-back-to-draft": lambda v: sql(
        "UPDATE protocols_protocolversion SET status = 'draft' WHERE id = %s", [v.pk]
    ),
    "sql-version-delete": lambda v: sql(
        "DELETE FROM protocols_protocolversion WHERE id = %s", [v.pk]
    ),
}


@pytest.mark.parametrize("attack", list(ATTACKS), ids=list(ATTACKS))
def test_database_refuses_changes_to_a_published_version(published, attack):
    before = version_snapshot(published.pk)

    with pytest.raises(IntegrityError), transaction.atomic():
        ATTACKS[attack](ProtocolVersion.objects.get(pk=published.pk))

    assert version_snapshot(published.pk) == before


@pytest.mark.parametrize(
    "attack",
    ["orm-section-title", "orm-item-hint", "orm-add-item", "sql-delete-item", "qs-version-notes"],
)
def test_database_refuses_changes_to_a_retired_version(published, attack):
    version_publish(version=version_duplicate(version=published))
    published.refresh_from_db()
    assert published.status == Status.RETIRED
    before = version_snapshot(published.pk)

    with pytest.raises(IntegrityError), transaction.atomic():
        ATTACKS[attack](ProtocolVersion.objects.get(pk=published.pk))

    assert version_snapshot(published.pk) == before


def test_retiring_is_allowed_at_database_level(published):
    retired_at = timezone.now()
    ProtocolVersion.objects.filter(pk=published.pk).update(
        status=Status.RETIRED, retired_at=retired_at
    )
    published.refresh_from_db()
    assert published.status == Status.RETIRED and published.retired_at == retired_at


@pytest.mark.parametrize("how", ["orm", "queryset", "sql"])
def test_a_retired_version_cannot_be_published_again(published, how):
    version_retire(version=published)
    before = version_snapshot(published.pk)

    with pytest.raises(IntegrityError), transaction.atomic():
        if how == "orm":
            _save(ProtocolVersion.objects.get(pk=published.pk), status=Status.PUBLISHED)
        elif how == "queryset":
            ProtocolVersion.objects.filter(pk=published.pk).update(status=Status.PUBLISHED)
        else:
            sql(
                "UPDATE protocols_protocolversion SET status = 'published' WHERE id = %s",
                [published.pk],
            )

    assert version_snapshot(published.pk) == before
    assert published.protocol.published_version() is None


def test_a_retired_version_cannot_go_back_to_draft(published):
    version_retire(version=published)
    with pytest.raises(IntegrityError), transaction.atomic():
        ProtocolVersion.objects.filter(pk=published.pk).update(status=Status.DRAFT)
    published.refresh_from_db()
    assert published.status == Status.RETIRED


def test_who_created_and_published_a_version_cannot_be_rewritten(published, alice, bob):
    draft = version_duplicate(version=published, user=alice)
    version_publish(version=draft, user=alice)
    before = version_snapshot(draft.pk)
    changes = [
        {"published_by": bob},
        {"published_by": None},
        {"created_by": bob},
        {"created_at": timezone.now()},
        {"retired_at": timezone.now()},  # while still published
    ]
    for change in changes:
        with pytest.raises(IntegrityError), transaction.atomic():
            ProtocolVersion.objects.filter(pk=draft.pk).update(**change)
    draft.refresh_from_db()
    assert (draft.created_by, draft.published_by, draft.retired_at) == (alice, alice, None)
    assert version_snapshot(draft.pk) == before


def test_purge_escape_hatch_allows_deleting_a_published_version(published):
    """The documented maintenance hatch (used by the test suite's flush) works, and only
    while its row exists."""
    sql("INSERT INTO protocols_purge_allowed (reason) VALUES ('maintenance')")
    try:
        with transaction.atomic():
            ProtocolItem.objects.filter(section__version=published).delete()
            ProtocolSection.objects.filter(version=published).delete()
            DecisionRule.objects.filter(version=published).delete()
            ProtocolVersion.objects.filter(pk=published.pk).delete()
    finally:
        sql("DELETE FROM protocols_purge_allowed")
    assert not ProtocolVersion.objects.filter(pk=published.pk).exists()


def test_purge_hatch_does_not_allow_updates(published):
    sql("INSERT INTO protocols_purge_allowed (reason) VALUES ('maintenance')")
    try:
        with pytest.raises(IntegrityError), transaction.atomic():
            _save(_section(published), title="X")
    finally:
        sql("DELETE FROM protocols_purge_allowed")
    assert _section(published).title == "Langage oral"


def test_two_published_versions_of_one_protocol_are_refused(published):
    draft = version_duplicate(version=published)

    with pytest.raises(IntegrityError), transaction.atomic():
        ProtocolVersion.objects.filter(pk=draft.pk).update(
            status=Status.PUBLISHED, published_at=timezone.now()
        )
    with pytest.raises(IntegrityError), transaction.atomic():
        sql(
            "UPDATE protocols_protocolversion SET status = 'published', published_at = %s "
            "WHERE id = %s",
            [timezone.now(), draft.pk],
        )

    draft.refresh_from_db()
    assert draft.status == Status.DRAFT
    assert list(published.protocol.versions.filter(status=Status.PUBLISHED)) == [published]


def test_published_versions_of_different_protocols_coexist(protocol, screening_protocol):
    assert ProtocolVersion.objects.filter(status=Status.PUBLISHED).count() == 2


# --- Drafts stay editable -------------------------------------------------------------------


def test_a_draft_is_freely_editable(published):
    draft = version_duplicate(version=published)

    _save(_section(draft), title="Langage oral et écrit")
    _save(_item(draft), hint="Compte les mots produits spontanément")
    _save(_rule(draft), message="Orienter vers la PCO sans attendre.")
    ProtocolItem.objects.create(
        section=_section(draft), key="nouvel-item", label="Nouveau", hint="h", position=99
    )
    ProtocolItem.objects.get(section__version=draft, key="deux-mots-24m").delete()
    _save(draft, notes="Relu en équipe", sources="Source A\nSource B", number=42)
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE protocols_protocolsection SET guidance = %s WHERE version_id = %s",
            ["g", draft.pk],
        )

    spec = protocol_file_for(ProtocolVersion.objects.get(pk=draft.pk)).version
    langage = spec.sections[0]
    assert langage.title == "Langage oral et écrit" and langage.guidance == "g"
    assert [i.key for i in langage.items] == [
        "dix-mots-24m",
        "pourquoi-48m",
        "conjugue-48m",
        "nouvel-item",
    ]
    assert langage.items[0].hint == "Compte les mots produits spontanément"
    assert spec.rules[0].message == "Orienter vers la PCO sans attendre."
    assert spec.notes == "Relu en équipe" and spec.sources == ["Source A", "Source B"]
    # ... and the published original did not move.
    assert protocol_file_for(published).content_sha256() == published.content_sha256


def test_a_draft_can_be_deleted(published):
    draft = version_duplicate(version=published)
    draft.delete()
    assert list(published.protocol.versions.all()) == [published]


# --- Reports keep their version ------------------------------------------------------------


def test_a_report_keeps_its_version_when_a_new_one_is_published(alice, protocol):
    v1 = protocol.published_version()
    dossier = report_services.dossier_create(
        initials="LM", birth_date=None, sex="M", protocols=[protocol], created_by=alice
    )
    report = report_draft_ensure(dossier=dossier)
    titles_v1 = ["Motif de la demande", "Anamnèse", "Conclusion"]
    assert [s.title for s in report.sections.all()] == titles_v1

    draft = version_duplicate(version=v1, user=alice)
    _save(draft.sections.get(key="anamnese"), title="Histoire de l'enfant")
    version_publish(version=draft, user=alice)

    v1.refresh_from_db()
    assert v1.status == Status.RETIRED
    report.refresh_from_db()
    assert [s.title for s in report.sections.all()] == titles_v1
    assert [s.source_section.title for s in report.sections.all()] == titles_v1
    assert list(report.protocol_versions.all()) == [v1]
    # The dossier's draft report is still that one, not rebuilt from the new version.
    assert report_draft_ensure(dossier=dossier).pk == report.pk

    other = report_services.dossier_create(
        initials="AB", birth_date=None, sex="F", protocols=[protocol], created_by=alice
    )
    new_report = report_draft_ensure(dossier=other)
    assert [s.title for s in new_report.sections.all()] == [
        "Motif de la demande",
        "Histoire de l'enfant",
        "Conclusion",
    ]
    assert list(new_report.protocol_versions.all()) == [draft]


def test_a_protocol_whose_version_is_retired_cannot_open_a_dossier(alice, protocol):
    version_retire(version=protocol.published_version())
    with pytest.raises(report_services.ServiceError, match="sans version publiée"):
        report_services.dossier_create(
            initials="LM", birth_date=None, sex="M", protocols=[protocol], created_by=alice
        )
    assert Protocol.objects.get(pk=protocol.pk).dossiers.count() == 0
