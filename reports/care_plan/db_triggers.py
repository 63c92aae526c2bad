"""Database triggers that make a signed care plan immutable, as reports/db_triggers.py does
for a signed report: the plan row, its sections, and its rows' content. Two columns of a
row stay writable, because they are the plan's follow-up, not its content: ``done_at`` (a
re-evaluation done) and ``reminded_at`` (the coordinator was emailed), with ``updated_at``.
Deletion is refused too, unless ``protocols_purge_allowed`` opens the maintenance hatch."""

from reports.db_triggers import NO_PURGE

MESSAGE = "neddie: a signed care plan is immutable"

_PLAN = "(SELECT status FROM reports_careplan WHERE id = {row}.care_plan_id)"
_VIA_SECTION = (
    "(SELECT p.status FROM reports_careplansection s "
    "JOIN reports_careplan p ON p.id = s.care_plan_id WHERE s.id = {row}.section_id)"
)
# Every column of reports_careplanentry but done_at, reminded_at and updated_at.
ENTRY_CONTENT = (
    "section_id, kind, status, origin, position, domain, text, priority, criterion, "
    "target_date, intervention_type, professional, responsible_id, frequency, duration, "
    "place, funding, school_measure, source_section_id, source_quote, created_by_id, created_at"
)
CHILD_TABLES = {"reports_careplansection": _PLAN, "reports_careplanentry": _VIA_SECTION}


def _sqlite() -> list[str]:
    statements = [
        f"""CREATE TRIGGER reports_careplan_signed_update BEFORE UPDATE ON reports_careplan
        WHEN OLD.status = 'signed'
        BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END;""",
        f"""CREATE TRIGGER reports_careplan_signed_delete BEFORE DELETE ON reports_careplan
        WHEN OLD.status = 'signed' AND {NO_PURGE}
        BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END;""",
    ]
    for table, status in CHILD_TABLES.items():
        columns = f" OF {ENTRY_CONTENT}" if table == "reports_careplanentry" else ""
        statements += [
            f"""CREATE TRIGGER {table}_signed_insert BEFORE INSERT ON {table}
            WHEN {status.format(row="NEW")} = 'signed'
            BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END;""",
            f"""CREATE TRIGGER {table}_signed_update BEFORE UPDATE{columns} ON {table}
            WHEN {status.format(row="OLD")} = 'signed' OR {status.format(row="NEW")} = 'signed'
            BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END;""",
            f"""CREATE TRIGGER {table}_signed_delete BEFORE DELETE ON {table}
            WHEN {status.format(row="OLD")} = 'signed' AND {NO_PURGE}
            BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END;""",
        ]
    return statements


_RAISE = f"RAISE EXCEPTION '{MESSAGE}' USING ERRCODE = 'integrity_constraint_violation'"


def _postgresql() -> list[str]:
    statements = [
        f"""CREATE OR REPLACE FUNCTION reports_refuse_signed_care_plan() RETURNS trigger AS $$
        BEGIN
          IF OLD.status = 'signed' AND (TG_OP = 'UPDATE' OR {NO_PURGE}) THEN {_RAISE}; END IF;
          IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
          RETURN NEW;
        END $$ LANGUAGE plpgsql;""",
        """CREATE TRIGGER reports_careplan_signed BEFORE UPDATE OR DELETE ON reports_careplan
        FOR EACH ROW EXECUTE FUNCTION reports_refuse_signed_care_plan();""",
    ]
    for table, status in CHILD_TABLES.items():
        # PostgreSQL's UPDATE OF fires for columns named in the statement's SET list, as
        # SQLite's does: an update of done_at alone goes through.
        update = f"UPDATE OF {ENTRY_CONTENT}" if table == "reports_careplanentry" else "UPDATE"
        statements += [
            f"""CREATE OR REPLACE FUNCTION {table}_refuse_signed() RETURNS trigger AS $$
            BEGIN
              IF TG_OP <> 'INSERT' AND {status.format(row="OLD")} = 'signed'
                 AND (TG_OP = 'UPDATE' OR {NO_PURGE}) THEN {_RAISE}; END IF;
              IF TG_OP <> 'DELETE' AND {status.format(row="NEW")} = 'signed' THEN {_RAISE};
              END IF;
              IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
              RETURN NEW;
            END $$ LANGUAGE plpgsql;""",
            f"""CREATE TRIGGER {table}_signed BEFORE INSERT OR {update} OR DELETE ON {table}
            FOR EACH ROW EXECUTE FUNCTION {table}_refuse_signed();""",
        ]
    return statements


def uninstall(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "sqlite":
        for name in ("reports_careplan_signed_update", "reports_careplan_signed_delete"):
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {name}")
        for table in CHILD_TABLES:
            for operation in ("insert", "update", "delete"):
                schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_signed_{operation}")
    elif vendor == "postgresql":
        schema_editor.execute("DROP TRIGGER IF EXISTS reports_careplan_signed ON reports_careplan")
        for table in CHILD_TABLES:
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_signed ON {table}")
    else:
        raise RuntimeError(f"No immutability triggers written for the {vendor} database.")


def install(apps, schema_editor):
    uninstall(apps, schema_editor)
    statements = {"sqlite": _sqlite, "postgresql": _postgresql}[schema_editor.connection.vendor]()
    for statement in statements:
        schema_editor.execute(statement)
