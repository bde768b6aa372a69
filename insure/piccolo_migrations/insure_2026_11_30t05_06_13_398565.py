from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import BigInt
from piccolo.columns.indexes import IndexMethod

ID = "2026-11-30T05:06:13:398565"
VERSION = "1.38.0"
DESCRIPTION = "instalment.offset_fen: the part of a premium paid by dividends"


async def forwards():
    manager = MigrationManager(
        migration_id=ID, app_name="insure", description=DESCRIPTION
    )

    manager.add_column(
        table_class_name="Instalment",
        tablename="instalment",
        column_name="offset_fen",
        db_column_name="offset_fen",
        column_class_name="BigInt",
        column_class=BigInt,
        params={
            "default": 0,
            "null": False,
            "primary_key": False,
            "unique": False,
            "index": False,
            "index_method": IndexMethod.btree,
            "choices": None,
            "db_column_name": None,
            "secret": False,
        },
        schema=None,
    )

    return manager
