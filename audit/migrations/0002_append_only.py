"""Database triggers: the audit log is append-only. No row can be updated; rows can be
deleted only while protocols_purge_allowed holds a row (whole-database maintenance, the test
suite's flush), never through the application."""

from django.db import migrations

MESSAGE = "neddie: the audit log is append-only"
NO_PURGE = "NOT EXISTS (SELECT 1 FROM protocols_purge_allowed)"

SQLITE = [
    f"""CREATE TRIGGER audit_auditevent_no_update BEFORE UPDATE ON audit_auditevent
    BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END;""",
    f"""CREATE TRIGGER audit_auditevent_no_delete BEFORE DELETE ON audit_auditevent
    WHEN {NO_PURGE}
    BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END;""",
]
_RAISE = f"RAISE EXCEPTION '{MESSAGE}' USING ERRCODE = 'integrity_constraint_violation'"
POSTGRESQL = [
    f"""CREATE OR REPLACE FUNCTION audit_refuse_change() RETURNS trigger AS $$
    BEGIN
      IF TG_OP = 'UPDATE' OR {NO_PURGE} THEN {_RAISE}; END IF;
      RETURN OLD;
    END $$ LANGUAGE plpgsql;""",
    """CREATE TRIGGER audit_auditevent_append_only BEFORE UPDATE OR DELETE ON audit_auditevent
    FOR EACH ROW EXECUTE FUNCTION audit_refuse_change();""",
]


def install(apps, schema_editor):
    statements = {"sqlite": SQLITE, "postgresql": POSTGRESQL}[schema_editor.connection.vendor]
    for statement in statements:
        schema_editor.execute(statement)


def uninstall(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        schema_editor.execute("DROP TRIGGER IF EXISTS audit_auditevent_no_update")
        schema_editor.execute("DROP TRIGGER IF EXISTS audit_auditevent_no_delete")
    else:
        schema_editor.execute(
            "DROP TRIGGER IF EXISTS audit_auditevent_append_only ON audit_auditevent"
        )


class Migration(migrations.Migration):
    dependencies = [
        ("protocols", "0002_immutable_published_versions"),
        ("audit", "0001_initial"),
    ]

    operations = [migrations.RunPython(install, uninstall)]
