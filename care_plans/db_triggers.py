"""Database triggers that make a signed care plan immutable, as reports/db_triggers.py does
for a signed report: the plan row, its sections, and its rows' content. Two columns of a
row stay writable, because they are the plan's follow-up, not its content: ``done_at`` (a
re-evaluation done) and ``reminded_at`` (the coordinator was emailed), with ``updated_at``.
Deletion is refused too, unless ``protocols_purge_allowed`` opens the maintenance hatch."""

from reports.db_triggers import SignedRecordTriggers

SIGNED_CARE_PLAN = SignedRecordTriggers(
    root="reports_careplan",
    message="neddie: a signed care plan is immutable",
    root_function="reports_refuse_signed_care_plan",
    children={
        "reports_careplansection": (
            "(SELECT status FROM reports_careplan WHERE id = {row}.care_plan_id)"
        ),
        "reports_careplanentry": (
            "(SELECT p.status FROM reports_careplansection s "
            "JOIN reports_careplan p ON p.id = s.care_plan_id WHERE s.id = {row}.section_id)"
        ),
    },
    # Every column of a row but done_at, reminded_at and updated_at.
    frozen_columns={
        "reports_careplanentry": (
            "section_id, kind, status, origin, position, domain, text, priority, criterion, "
            "target_date, intervention_type, professional, responsible_id, frequency, "
            "duration, place, funding, school_measure, source_section_id, source_quote, "
            "created_by_id, created_at"
        )
    },
)

# Named in migrations (reports/0008).
install = SIGNED_CARE_PLAN.install
uninstall = SIGNED_CARE_PLAN.uninstall
