from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import Timestamptz
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.columns.indexes import IndexMethod

ID = "2026-12-02T00:02:47:007081"
VERSION = "1.38.0"
DESCRIPTION = "throttle_event.expires_at (the purge), an index on throttle_lock.until"


async def forwards():
    manager = MigrationManager(
        migration_id=ID, app_name="throttle", description=DESCRIPTION
    )

    manager.add_column(
        table_class_name="ThrottleEvent",
        tablename="throttle_event",
        column_name="expires_at",
        db_column_name="expires_at",
        column_class_name="Timestamptz",
        column_class=Timestamptz,
        params={
            "default": TimestamptzNow(),
            "null": False,
            "primary_key": False,
            "unique": False,
            "index": True,
            "index_method": IndexMethod.btree,
            "choices": None,
            "db_column_name": None,
            "secret": False,
        },
        schema=None,
    )

    manager.alter_column(
        table_class_name="ThrottleLock",
        tablename="throttle_lock",
        column_name="until",
        db_column_name="until",
        params={"index": True},
        old_params={"index": False},
        column_class=Timestamptz,
        old_column_class=Timestamptz,
        schema=None,
    )

    return manager
