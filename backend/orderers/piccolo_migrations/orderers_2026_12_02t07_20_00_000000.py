"""Orderers get a reading (読み仮名): the master is sorted 五十音順 by it and searched by it."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import Varchar
from piccolo.columns.indexes import IndexMethod

ID = "2026-12-02T07:20:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "orderer.reading"


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="orderers", description=DESCRIPTION)
    manager.add_column(
        table_class_name="Orderer",
        tablename="orderer",
        column_name="reading",
        db_column_name="reading",
        column_class_name="Varchar",
        column_class=Varchar,
        params={
            "length": 100,
            "default": "",
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
