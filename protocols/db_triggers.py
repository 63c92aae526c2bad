"""The immutability triggers on protocol grids, as they stand now (see migration 0002 for
why they exist). SQLite rebuilds a table to add most columns, and refuses to rename a table
that other triggers name: a migration that alters protocol tables runs ``uninstall`` before
and ``install`` after (0005 does)."""

MESSAGE = "neddie: a published protocol version is immutable"
NO_PURGE = "NOT EXISTS (SELECT 1 FROM protocols_purge_allowed)"

SQLITE = [
    f"""
    CREATE TRIGGER protocols_version_frozen_update BEFORE UPDATE ON protocols_protocolversion
    WHEN OLD.status <> 'draft' AND (
        NEW.protocol_id IS NOT OLD.protocol_id OR NEW.number IS NOT OLD.number
        OR NEW.source_status IS NOT OLD.source_status OR NEW.sources IS NOT OLD.sources
        OR NEW.notes IS NOT OLD.notes OR NEW.vocabulary IS NOT OLD.vocabulary
        OR NEW.content_sha256 IS NOT OLD.content_sha256
        OR NEW.published_at IS NOT OLD.published_at
        OR NEW.published_by_id IS NOT OLD.published_by_id
        OR NEW.created_by_id IS NOT OLD.created_by_id OR NEW.created_at IS NOT OLD.created_at
        OR (NEW.status = 'published' AND NEW.retired_at IS NOT OLD.retired_at)
        OR (OLD.status = 'published' AND NEW.status NOT IN ('published', 'retired'))
        OR (OLD.status = 'retired' AND (NEW.status <> 'retired' OR NEW.retired_at IS NOT OLD.retired_at))
    )
    BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END;
    """,
    f"""
    CREATE TRIGGER protocols_version_frozen_delete BEFORE DELETE ON protocols_protocolversion
    WHEN OLD.status <> 'draft' AND {NO_PURGE}
    BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END;
    """,
]
for table in ("protocols_protocolsection", "protocols_decisionrule"):
    status = "(SELECT status FROM protocols_protocolversion WHERE id = {}.version_id)"
    SQLITE += [
        f"""CREATE TRIGGER {table}_frozen_insert BEFORE INSERT ON {table}
        WHEN {status.format("NEW")} <> 'draft'
        BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END;""",
        f"""CREATE TRIGGER {table}_frozen_update BEFORE UPDATE ON {table}
        WHEN {status.format("OLD")} <> 'draft' OR {status.format("NEW")} <> 'draft'
        BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END;""",
        f"""CREATE TRIGGER {table}_frozen_delete BEFORE DELETE ON {table}
        WHEN {status.format("OLD")} <> 'draft' AND {NO_PURGE}
        BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END;""",
    ]
_item_status = (
    "(SELECT v.status FROM protocols_protocolsection s JOIN protocols_protocolversion v "
    "ON v.id = s.version_id WHERE s.id = {}.section_id)"
)
SQLITE += [
    f"""CREATE TRIGGER protocols_protocolitem_frozen_insert BEFORE INSERT ON protocols_protocolitem
    WHEN {_item_status.format("NEW")} <> 'draft'
    BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END;""",
    f"""CREATE TRIGGER protocols_protocolitem_frozen_update BEFORE UPDATE ON protocols_protocolitem
    WHEN {_item_status.format("OLD")} <> 'draft' OR {_item_status.format("NEW")} <> 'draft'
    BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END;""",
    f"""CREATE TRIGGER protocols_protocolitem_frozen_delete BEFORE DELETE ON protocols_protocolitem
    WHEN {_item_status.format("OLD")} <> 'draft' AND {NO_PURGE}
    BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END;""",
]

_RAISE = f"RAISE EXCEPTION '{MESSAGE}' USING ERRCODE = 'integrity_constraint_violation'"
POSTGRESQL = [
    f"""
    CREATE OR REPLACE FUNCTION protocols_refuse_frozen_version() RETURNS trigger AS $$
    BEGIN
      IF TG_OP = 'DELETE' THEN
        IF OLD.status <> 'draft' AND {NO_PURGE} THEN {_RAISE}; END IF;
        RETURN OLD;
      END IF;
      IF OLD.status <> 'draft' AND (
          NEW.protocol_id IS DISTINCT FROM OLD.protocol_id OR NEW.number IS DISTINCT FROM OLD.number
          OR NEW.source_status IS DISTINCT FROM OLD.source_status
          OR NEW.sources IS DISTINCT FROM OLD.sources OR NEW.notes IS DISTINCT FROM OLD.notes
          OR NEW.vocabulary IS DISTINCT FROM OLD.vocabulary
          OR NEW.content_sha256 IS DISTINCT FROM OLD.content_sha256
          OR NEW.published_at IS DISTINCT FROM OLD.published_at
          OR NEW.published_by_id IS DISTINCT FROM OLD.published_by_id
          OR NEW.created_by_id IS DISTINCT FROM OLD.created_by_id
          OR NEW.created_at IS DISTINCT FROM OLD.created_at
          OR (NEW.status = 'published' AND NEW.retired_at IS DISTINCT FROM OLD.retired_at)
          OR (OLD.status = 'published' AND NEW.status NOT IN ('published', 'retired'))
          OR (OLD.status = 'retired'
              AND (NEW.status <> 'retired' OR NEW.retired_at IS DISTINCT FROM OLD.retired_at))
      ) THEN {_RAISE}; END IF;
      RETURN NEW;
    END $$ LANGUAGE plpgsql;
    """,
    """CREATE TRIGGER protocols_version_frozen BEFORE UPDATE OR DELETE ON protocols_protocolversion
    FOR EACH ROW EXECUTE FUNCTION protocols_refuse_frozen_version();""",
    f"""
    CREATE OR REPLACE FUNCTION protocols_refuse_frozen_child() RETURNS trigger AS $$
    BEGIN
      IF TG_OP = 'UPDATE' AND (SELECT status FROM protocols_protocolversion
                                WHERE id = OLD.version_id) <> 'draft' THEN {_RAISE}; END IF;
      IF TG_OP = 'DELETE' AND (SELECT status FROM protocols_protocolversion
          WHERE id = OLD.version_id) <> 'draft' AND {NO_PURGE} THEN {_RAISE}; END IF;
      IF TG_OP <> 'DELETE' AND (SELECT status FROM protocols_protocolversion
                                WHERE id = NEW.version_id) <> 'draft' THEN {_RAISE}; END IF;
      IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
      RETURN NEW;
    END $$ LANGUAGE plpgsql;
    """,
    """CREATE TRIGGER protocols_section_frozen BEFORE INSERT OR UPDATE OR DELETE
    ON protocols_protocolsection FOR EACH ROW EXECUTE FUNCTION protocols_refuse_frozen_child();""",
    """CREATE TRIGGER protocols_rule_frozen BEFORE INSERT OR UPDATE OR DELETE
    ON protocols_decisionrule FOR EACH ROW EXECUTE FUNCTION protocols_refuse_frozen_child();""",
    f"""
    CREATE OR REPLACE FUNCTION protocols_refuse_frozen_item() RETURNS trigger AS $$
    BEGIN
      IF TG_OP <> 'INSERT' AND (SELECT v.status FROM protocols_protocolsection s
          JOIN protocols_protocolversion v ON v.id = s.version_id WHERE s.id = OLD.section_id)
          <> 'draft' AND (TG_OP = 'UPDATE' OR {NO_PURGE}) THEN {_RAISE}; END IF;
      IF TG_OP <> 'DELETE' AND (SELECT v.status FROM protocols_protocolsection s
          JOIN protocols_protocolversion v ON v.id = s.version_id WHERE s.id = NEW.section_id)
          <> 'draft' THEN {_RAISE}; END IF;
      IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
      RETURN NEW;
    END $$ LANGUAGE plpgsql;
    """,
    """CREATE TRIGGER protocols_item_frozen BEFORE INSERT OR UPDATE OR DELETE
    ON protocols_protocolitem FOR EACH ROW EXECUTE FUNCTION protocols_refuse_frozen_item();""",
]


_SQLITE_TRIGGERS = [
    "protocols_version_frozen_update",
    "protocols_version_frozen_delete",
    *(
        f"{table}_frozen_{operation}"
        for table in (
            "protocols_protocolsection",
            "protocols_decisionrule",
            "protocols_protocolitem",
        )
        for operation in ("insert", "update", "delete")
    ),
]
_POSTGRESQL_TRIGGERS = {
    "protocols_version_frozen": "protocols_protocolversion",
    "protocols_section_frozen": "protocols_protocolsection",
    "protocols_rule_frozen": "protocols_decisionrule",
    "protocols_item_frozen": "protocols_protocolitem",
}


def uninstall(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "sqlite":
        for name in _SQLITE_TRIGGERS:
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {name}")
    elif vendor == "postgresql":
        for name, table in _POSTGRESQL_TRIGGERS.items():
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {name} ON {table}")
    else:
        raise RuntimeError(f"No immutability triggers written for the {vendor} database.")


def install(apps, schema_editor):
    uninstall(apps, schema_editor)
    statements = {"sqlite": SQLITE, "postgresql": POSTGRESQL}[schema_editor.connection.vendor]
    for statement in statements:
        schema_editor.execute(statement)
