"""An existing database goes through the job migration (reports 0010: job columns, the care
plan's proposals as a job of their own) with nothing lost: a database holding the demo
pathway (signed report, signed care plan, shares, audit events) is taken back to 0009 and
forward again, and every row, every signature hash and every immutability trigger is still
there, on SQLite and on PostgreSQL."""

import pytest
from django.db import DatabaseError, connection, transaction
from django.db.migrations.executor import MigrationExecutor

from care_plans.models import CarePlan, CarePlanDraftJob
from care_plans.services import plan_sha256
from neddie.management.commands.seed_demo import Command
from reports.models import Report, ReportSection
from reports.review.services import content_sha256
from tests.demo.pathway import demo_dossier_drafted

pytestmark = pytest.mark.django_db(transaction=True)

BEFORE = ("reports", "0009_dossier_open_permission")
AFTER = ("reports", "0010_background_jobs")
# Tables the migration creates: absent before it.
NEW_TABLES = {"reports_careplandraftjob"}


def _migrate(target) -> None:
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate([target])


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
