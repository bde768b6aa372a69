"""The ledger is append-only: the database itself refuses UPDATE and DELETE of posted entries and lines."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine.finder import engine_finder

ID = "2026-11-28T11:05:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "ledger append-only triggers"

LEDGER_TABLES = ("journal_entry", "journal_line")

SQLITE = """
CREATE TRIGGER IF NOT EXISTS {table}_no_{op} BEFORE {op} ON {table}
BEGIN SELECT RAISE(ABORT, 'ledger is append-only: {op} on {table} refused'); END
"""

POSTGRES_FUNCTION = """
CREATE OR REPLACE FUNCTION ledger_append_only() RETURNS trigger AS $$
BEGIN
  RAISE EXCEPTION 'ledger is append-only: % on % refused', TG_OP, TG_TABLE_NAME;
END $$ LANGUAGE plpgsql
"""

POSTGRES_TRIGGER = """
CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE OR TRUNCATE ON {table}
FOR EACH STATEMENT EXECUTE FUNCTION ledger_append_only()
"""


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="insure", description=DESCRIPTION)

    async def add_triggers():
        engine = engine_finder()
        if engine.engine_type == "sqlite":
            for table in LEDGER_TABLES:
                for op in ("UPDATE", "DELETE"):
                    await engine.run_ddl(SQLITE.format(table=table, op=op))
        else:
            await engine.run_ddl(POSTGRES_FUNCTION)
            for table in LEDGER_TABLES:
                await engine.run_ddl(POSTGRES_TRIGGER.format(table=table))

    manager.add_raw(add_triggers)
    return manager
