"""The database triggers that make a signed report immutable, whatever code path tries
(a view, the admin, a shell, a bug): the report row, its sections, items, section versions,
statements and their citations, its sources and its review comments. Deleting them is
refused too, unless a row in ``protocols_purge_allowed`` opens the documented escape hatch
for whole-database maintenance (the test suite's flush uses it). ``SignedRecordTriggers``
writes them for SQLite and PostgreSQL; the signed care plan uses it too
(care_plans/db_triggers.py).

SQLite rebuilds a table to alter most columns and refuses to rename a table that a trigger
names: a later migration that alters one of these tables runs ``uninstall`` before and
``install`` after, as protocols/migrations/0005 does for protocol grids."""

from dataclasses import dataclass, field

NO_PURGE = "NOT EXISTS (SELECT 1 FROM protocols_purge_allowed)"


@dataclass(frozen=True)
class SignedRecordTriggers:
    """Triggers refusing changes to a signed record (``root``, whose ``status`` column says
    'signed') and to the rows it is made of. ``children`` maps each child table to the SQL
    giving the status of its root ({row}: NEW or OLD). ``frozen_columns`` names, for a child
    table, the only columns an update may not touch (the others stay writable after
    signature); without it, no update goes through."""

    root: str
    message: str
    root_function: str  # PostgreSQL's trigger function for the root table
    children: dict[str, str]
    frozen_columns: dict[str, str] = field(default_factory=dict)

    def _update_of(self, table: str) -> str:
        columns = self.frozen_columns.get(table)
        return f"UPDATE OF {columns}" if columns else "UPDATE"

    def sqlite(self) -> list[str]:
        abort = f"BEGIN SELECT RAISE(ABORT, '{self.message}'); END;"
        statements = [
            f"""CREATE TRIGGER {self.root}_signed_update BEFORE UPDATE ON {self.root}
            WHEN OLD.status = 'signed' {abort}""",
            f"""CREATE TRIGGER {self.root}_signed_delete BEFORE DELETE ON {self.root}
            WHEN OLD.status = 'signed' AND {NO_PURGE} {abort}""",
        ]
        for table, status in self.children.items():
            old, new = status.format(row="OLD"), status.format(row="NEW")
            statements += [
                f"""CREATE TRIGGER {table}_signed_insert BEFORE INSERT ON {table}
                WHEN {new} = 'signed' {abort}""",
                f"""CREATE TRIGGER {table}_signed_update BEFORE {self._update_of(table)}
                ON {table} WHEN {old} = 'signed' OR {new} = 'signed' {abort}""",
                f"""CREATE TRIGGER {table}_signed_delete BEFORE DELETE ON {table}
                WHEN {old} = 'signed' AND {NO_PURGE} {abort}""",
            ]
        return statements

    def postgresql(self) -> list[str]:
        # PostgreSQL's UPDATE OF, like SQLite's, fires for the columns named in the
        # statement's SET list: an update of the writable columns alone goes through.
        raise_ = (
            f"RAISE EXCEPTION '{self.message}' USING ERRCODE = 'integrity_constraint_violation'"
        )
        statements = [
            f"""CREATE OR REPLACE FUNCTION {self.root_function}() RETURNS trigger AS $$
            BEGIN
              IF OLD.status = 'signed' AND (TG_OP = 'UPDATE' OR {NO_PURGE}) THEN {raise_}; END IF;
              IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
              RETURN NEW;
            END $$ LANGUAGE plpgsql;""",
            f"""CREATE TRIGGER {self.root}_signed BEFORE UPDATE OR DELETE ON {self.root}
            FOR EACH ROW EXECUTE FUNCTION {self.root_function}();""",
        ]
        for table, status in self.children.items():
            old, new = status.format(row="OLD"), status.format(row="NEW")
            statements += [
                f"""CREATE OR REPLACE FUNCTION {table}_refuse_signed() RETURNS trigger AS $$
                BEGIN
                  IF TG_OP <> 'INSERT' AND {old} = 'signed'
                     AND (TG_OP = 'UPDATE' OR {NO_PURGE}) THEN {raise_}; END IF;
                  IF TG_OP <> 'DELETE' AND {new} = 'signed' THEN {raise_}; END IF;
                  IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
                  RETURN NEW;
                END $$ LANGUAGE plpgsql;""",
                f"""CREATE TRIGGER {table}_signed
                BEFORE INSERT OR {self._update_of(table)} OR DELETE ON {table}
                FOR EACH ROW EXECUTE FUNCTION {table}_refuse_signed();""",
            ]
        return statements

    def uninstall(self, apps, schema_editor) -> None:
        vendor = schema_editor.connection.vendor
        if vendor == "sqlite":
            for operation in ("update", "delete"):
                schema_editor.execute(f"DROP TRIGGER IF EXISTS {self.root}_signed_{operation}")
            for table in self.children:
                for operation in ("insert", "update", "delete"):
                    schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_signed_{operation}")
        elif vendor == "postgresql":
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {self.root}_signed ON {self.root}")
            for table in self.children:
                schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_signed ON {table}")
        else:
            raise RuntimeError(f"No immutability triggers written for the {vendor} database.")

    def install(self, apps, schema_editor) -> None:
        self.uninstall(apps, schema_editor)
        vendor = schema_editor.connection.vendor
        for statement in self.sqlite() if vendor == "sqlite" else self.postgresql():
            schema_editor.execute(statement)


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

SIGNED_REPORT = SignedRecordTriggers(
    root="reports_report",
    message="neddie: a signed report is immutable",
    root_function="reports_refuse_signed_report",
    children={
        "reports_reportsection": _REPORT,
        "reports_report_transcripts": _REPORT,
        "reports_report_protocol_versions": _REPORT,
        "reports_reviewcomment": _REPORT,
        "reports_reportitem": _VIA_SECTION,
        "reports_sectionversion": _VIA_SECTION,
        "reports_statement": _VIA_VERSION,
        "reports_statement_citations": _VIA_STATEMENT,
    },
)

# Named in migrations (reports/0006).
install = SIGNED_REPORT.install
uninstall = SIGNED_REPORT.uninstall
