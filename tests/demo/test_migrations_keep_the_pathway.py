"""An existing database goes through the pathway's migrations with nothing lost, on SQLite
and on PostgreSQL. A database holding the demo pathway (signed report, signed care plan,
shares, audit events) is taken back and forward again across:
- the job migration (reports 0010: job columns, the care plan's proposals as a job of their
  own), back to reports 0009;
- the split into apps by domain (reports 0011 and each app's 0001: the models move to their
  apps on the tables they had), back to the single ``reports`` app of reports 0010;
and every row, every signature hash and every immutability trigger is still there; after
the split the content types (and so the permissions granted on them) name the new apps."""

import pytest
from django.contrib.auth.models import Group
from django.contrib.contenttypes.models import ContentType
from django.db import DatabaseError, connection, transaction
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from care_plans.models import CarePlan, CarePlanDraftJob
from care_plans.services import plan_sha256
from dossiers.permissions import CLINICIANS_GROUP, OPEN_DOSSIER, can
from drafting.models import DraftRun
from neddie.management.commands.seed_demo import Command
from reports.models import Report, ReportSection
from reports.review.services import content_sha256
from tests.demo.pathway import demo_dossier_drafted

pytestmark = pytest.mark.django_db(transaction=True)

BEFORE = ("reports", "0009_dossier_open_permission")
AFTER = ("reports", "0010_background_jobs")
# Tables the migration creates: absent before it.
NEW_TABLES = {"reports_careplandraftjob"}


# The apps that took their models over from ``reports`` (each app's 0001).
SPLIT_APPS = ("dossiers", "transcription", "drafting", "care_plans", "documents", "sharing")
BEFORE_SPLIT = [AFTER, *((app, None) for app in SPLIT_APPS)]


def _migrate(target) -> None:
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(target if isinstance(target, list) else [target])


def _migrate_to_latest() -> None:
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())


def _content_types() -> set[tuple[str, str]]:
    return set(ContentType.objects.values_list("app_label", "model"))


def _row_counts() -> dict[str, int]:
    tables = [
        t
        for t in connection.introspection.table_names()
        if t.startswith(("reports_", "audit_", "auth_", "protocols_")) and t not in NEW_TABLES
    ]
    with connection.cursor() as cursor:
        counts = {}
        for table in tables:
            cursor.execute(f'SELECT COUNT(*) FROM "{table}"')  # noqa: S608 (names from the schema)
            counts[table] = cursor.fetchone()[0]
    return counts


def _refused(sql: str, params) -> bool:
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql, params)
    except DatabaseError:
        return True
    return False


def test_the_demo_pathway_survives_the_jobs_migration_both_ways(
    tmp_path, tone_wav, django_user_model
):
    dossier, users = demo_dossier_drafted(tmp_path / "accounts.json", tone_wav, django_user_model)
    Command()._demo_signed_pathway(dossier.reports.get(), users)
    signed = Report.objects.get(dossier=dossier, status=Report.Status.SIGNED)
    plan = CarePlan.objects.get(report=signed, status=CarePlan.Status.SIGNED)
    report_hash, plan_hash = signed.signed_sha256, plan.signed_sha256
    assert content_sha256(signed) == report_hash and plan_sha256(plan) == plan_hash
    drafting = plan.drafting
    assert drafting.status == "done"
    counts = _row_counts()
    assert counts["reports_share"] and counts["audit_auditevent"]

    _migrate(BEFORE)
    assert _row_counts() == counts
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT drafting_status, drafting_engine FROM reports_careplan WHERE id = %s",
            [plan.pk],
        )
        assert cursor.fetchone() == ("done", drafting.engine)
    assert _refused("UPDATE reports_careplan SET participants = 'x' WHERE id = %s", [plan.pk])

    _migrate(AFTER)
    assert _row_counts() == counts
    signed.refresh_from_db()
    plan = CarePlan.objects.get(pk=plan.pk)
    assert (signed.signed_sha256, plan.signed_sha256) == (report_hash, plan_hash)
    assert content_sha256(signed) == report_hash and plan_sha256(plan) == plan_hash
    assert CarePlanDraftJob.objects.filter(care_plan=plan, status="done").count() == 1
    # The database still refuses any change to what was signed.
    section = ReportSection.objects.filter(report=signed).first()
    assert _refused("UPDATE reports_report SET child_age_months = 1 WHERE id = %s", [signed.pk])
    assert _refused("UPDATE reports_reportsection SET title = 'x' WHERE id = %s", [section.pk])
    assert _refused("UPDATE reports_careplan SET participants = 'x' WHERE id = %s", [plan.pk])
    assert _refused("DELETE FROM reports_careplan WHERE id = %s", [plan.pk])
    assert _refused("DELETE FROM audit_auditevent", [])
    _migrate_to_latest()


def _signed_pathway(tmp_path, tone_wav, django_user_model):
    dossier, users = demo_dossier_drafted(tmp_path / "accounts.json", tone_wav, django_user_model)
    Command()._demo_signed_pathway(dossier.reports.get(), users)
    signed = Report.objects.get(dossier=dossier, status=Report.Status.SIGNED)
    plan = CarePlan.objects.get(report=signed, status=CarePlan.Status.SIGNED)
    return signed, plan


def _signed_rows_refuse_changes(signed, plan) -> bool:
    section = ReportSection.objects.filter(report=signed).first()
    return all(
        (
            _refused("UPDATE reports_report SET child_age_months = 1 WHERE id = %s", [signed.pk]),
            _refused("UPDATE reports_reportsection SET title = 'x' WHERE id = %s", [section.pk]),
            _refused("UPDATE reports_careplan SET participants = 'x' WHERE id = %s", [plan.pk]),
            _refused("DELETE FROM reports_careplan WHERE id = %s", [plan.pk]),
            _refused("DELETE FROM audit_auditevent", []),
        )
    )


def test_the_demo_pathway_survives_the_split_into_apps_both_ways(
    tmp_path, tone_wav, django_user_model
):
    signed, plan = _signed_pathway(tmp_path, tone_wav, django_user_model)
    hashes = (signed.signed_sha256, plan.signed_sha256)
    counts = _row_counts()
    assert counts["reports_share"] and counts["reports_dossier"] and counts["audit_auditevent"]
    moved = {("dossiers", "dossier"), ("transcription", "utterance"), ("sharing", "share")}
    assert moved <= _content_types()

    # Back to one app: the same tables and rows; the content types name ``reports`` again,
    # as in a database made before the split.
    _migrate(BEFORE_SPLIT)
    assert _row_counts() == counts
    assert not moved & _content_types()
    assert {("reports", "dossier"), ("reports", "utterance"), ("reports", "share")} <= (
        _content_types()
    )
    clinicians = Group.objects.get(name=CLINICIANS_GROUP)
    assert list(clinicians.permissions.values_list("content_type__app_label", "codename")) == [
        ("reports", "open_dossier")
    ]
    assert _signed_rows_refuse_changes(signed, plan)
    # A draft queued before the upgrade, its message sent under the task's old name.
    run_id = DraftRun.objects.filter(report__dossier=signed.dossier).values_list("pk", flat=True)[0]
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE reports_draftrun SET status = 'queued', dispatched_at = %s WHERE id = %s",
            [timezone.now(), run_id],
        )

    # Forward to the apps by domain: nothing lost, nothing left behind in ``reports``.
    _migrate_to_latest()
    assert _row_counts() == counts
    assert moved <= _content_types()
    assert not {("reports", "dossier"), ("reports", "utterance"), ("reports", "share")} & (
        _content_types()
    )
    assert list(clinicians.permissions.values_list("content_type__app_label", "codename")) == [
        ("dossiers", "open_dossier")
    ]
    clinician = clinicians.user_set.first()
    assert can(clinician, OPEN_DOSSIER, None)
    signed.refresh_from_db()
    plan = CarePlan.objects.get(pk=plan.pk)
    assert (signed.signed_sha256, plan.signed_sha256) == hashes
    assert content_sha256(signed) == hashes[0] and plan_sha256(plan) == hashes[1]
    assert _signed_rows_refuse_changes(signed, plan)
    # The queued draft counts as never sent: the recovery sends it under the new task name.
    assert DraftRun.objects.get(pk=run_id).dispatched_at is None
