"""Policy accounts are append-only, like the ledger: the database refuses UPDATE and DELETE of account entries.
Policies issued before the insured's sex and smoking were kept on the policy get them from their application."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine.finder import engine_finder

ID = "2026-11-30T04:57:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "account entries append-only"

TABLE = "account_entry"

BACKFILL = """
UPDATE policy SET
  insured_sex = COALESCE((SELECT a.insured_sex FROM application a WHERE a.number = policy.application_number), ''),
  smoker = COALESCE((SELECT a.smoker = 'true' FROM application a WHERE a.number = policy.application_number), {false})
WHERE insured_sex = ''
"""

SQLITE = """
CREATE TRIGGER IF NOT EXISTS {table}_no_{op} BEFORE {op} ON {table}
BEGIN SELECT RAISE(ABORT, 'ledger is append-only: {op} on {table} refused'); END
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
            for op in ("UPDATE", "DELETE"):
                await engine.run_ddl(SQLITE.format(table=TABLE, op=op))
        else:
            await engine.run_ddl(POSTGRES_TRIGGER.format(table=TABLE))
        await engine.run_ddl(BACKFILL.format(false="0" if engine.engine_type == "sqlite" else "false"))

    manager.add_raw(add_triggers)
    return manager
