"""The database triggers that make a signed report immutable, whatever code path tries
(a view, the admin, a shell, a bug): the report row, its sections, items, section versions,
statements and their citations, its sources and its review comments. Deleting them is
refused too, unless a row in ``protocols_purge_allowed`` opens the documented escape hatch
for whole-database maintenance (the test suite's flush uses it).

SQLite rebuilds a table to alter most columns and refuses to rename a table that a trigger
names: a later migration that alters one of these tables runs ``uninstall`` before and
``install`` after, as protocols/migrations/0005 does for protocol grids."""

MESSAGE = "neddie: a signed report is immutable"
NO_PURGE = "NOT EXISTS (SELECT 1 FROM protocols_purge_allowed)"

# For each table: the SQL giving the status of the report a row ({row}: NEW or OLD) is in.
_REPORT = "(SELECT status FROM reports_report WHERE id = {row}.report_id)"
_VIA_SECTION = (
    "(SELECT r.status FROM reports_reportsection s JOIN reports_report r ON r.id = s.report_id "
    "WHERE s.id = {row}.section_id)"
)
_VIA_VERSION = (
    "(SELECT r.status FROM reports_sectionversion v "
    "JOIN reports_reportsection s ON s.id = v.section_id "
    "JOIN reports_report r ON r.id = s.report_id WHERE v.id = {row}.version_id)"
)
_VIA_STATEMENT = (
    "(SELECT r.status FROM reports_statement st "
    "JOIN reports_sectionversion v ON v.id = st.version_id "
    "JOIN reports_reportsection s ON s.id = v.section_id "
    "JOIN reports_report r ON r.id = s.report_id WHERE st.id = {row}.statement_id)"
)
CHILD_TABLES = {
    "reports_reportsection": _REPORT,
    "reports_report_transcripts": _REPORT,
    "reports_report_protocol_versions": _REPORT,
    "reports_reviewcomment": _REPORT,
    "reports_reportitem": _VIA_SECTION,
    "reports_sectionversion": _VIA_SECTION,
    "reports_statement": _VIA_VERSION,
    "reports_statement_citations": _VIA_STATEMENT,
}

SQLITE = [
    f"""CREATE TRIGGER reports_report_signed_update BEFORE UPDATE ON reports_report
    WHEN OLD.status = 'signed'
    BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END;""",
    f"""CREATE TRIGGER reports_report_signed_delete BEFORE DELETE ON reports_report
    WHEN OLD.status = 'signed' AND {NO_PURGE}
    BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END;""",
]
for _table, _status in CHILD_TABLES.items():
    SQLITE += [
        f"""CREATE TRIGGER {_table}_signed_insert BEFORE INSERT ON {_table}
        WHEN {_status.format(row="NEW")} = 'signed'
        BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END;""",
        f"""CREATE TRIGGER {_table}_signed_update BEFORE UPDATE ON {_table}
        WHEN {_status.format(row="OLD")} = 'signed' OR {_status.format(row="NEW")} = 'signed'
        BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END;""",
        f"""CREATE TRIGGER {_table}_signed_delete BEFORE DELETE ON {_table}
        WHEN {_status.format(row="OLD")} = 'signed' AND {NO_PURGE}
        BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END;""",
    ]

_RAISE = f"RAISE EXCEPTION '{MESSAGE}' USING ERRCODE = 'integrity_constraint_violation'"
POSTGRESQL = [
    f"""CREATE OR REPLACE FUNCTION reports_refuse_signed_report() RETURNS trigger AS $$
    BEGIN
      IF OLD.status = 'signed' AND (TG_OP = 'UPDATE' OR {NO_PURGE}) THEN {_RAISE}; END IF;
      IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
      RETURN NEW;
    END $$ LANGUAGE plpgsql;""",
    """CREATE TRIGGER reports_report_signed BEFORE UPDATE OR DELETE ON reports_report
    FOR EACH ROW EXECUTE FUNCTION reports_refuse_signed_report();""",
]
for _table, _status in CHILD_TABLES.items():
    POSTGRESQL += [
        f"""CREATE OR REPLACE FUNCTION {_table}_refuse_signed() RETURNS trigger AS $$
        BEGIN
          IF TG_OP <> 'INSERT' AND {_status.format(row="OLD")} = 'signed'
             AND (TG_OP = 'UPDATE' OR {NO_PURGE}) THEN {_RAISE}; END IF;
          IF TG_OP <> 'DELETE' AND {_status.format(row="NEW")} = 'signed' THEN {_RAISE}; END IF;
          IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
          RETURN NEW;
        END $$ LANGUAGE plpgsql;""",
        f"""CREATE TRIGGER {_table}_signed BEFORE INSERT OR UPDATE OR DELETE ON {_table}
        FOR EACH ROW EXECUTE FUNCTION {_table}_refuse_signed();""",
    ]


def uninstall(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "sqlite":
        for name in ("reports_report_signed_update", "reports_report_signed_delete"):
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {name}")
        for table in CHILD_TABLES:
            for operation in ("insert", "update", "delete"):
                schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_signed_{operation}")
    elif vendor == "postgresql":
        schema_editor.execute("DROP TRIGGER IF EXISTS reports_report_signed ON reports_report")
        for table in CHILD_TABLES:
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_signed ON {table}")
    else:
        raise RuntimeError(f"No immutability triggers written for the {vendor} database.")


def install(apps, schema_editor):
    uninstall(apps, schema_editor)
    statements = {"sqlite": SQLITE, "postgresql": POSTGRESQL}[schema_editor.connection.vendor]
    for statement in statements:
        schema_editor.execute(statement)
