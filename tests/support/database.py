"""Database helpers for tests: empty every table, reset the PostgreSQL schema."""

from __future__ import annotations

from piccolo.conf.apps import Finder
from piccolo.table import sort_table_classes

from backend.db import get_engine, is_sqlite


def all_tables() -> list:
    tables = Finder().get_table_classes()
    return sort_table_classes(tables)


async def empty_all_tables() -> None:
    tables = all_tables()
    engine = get_engine()
    if is_sqlite():
        # Children before parents, so foreign keys never object.
        for table in reversed(tables):
            await engine.run_ddl(f'DELETE FROM "{table._meta.tablename}";')
    else:
        names = ", ".join(f'"{table._meta.tablename}"' for table in tables)
        await engine.run_ddl(f"TRUNCATE {names} RESTART IDENTITY CASCADE;")


async def reset_postgres_schema() -> None:
    """Start the PostgreSQL test database from nothing, so migrations run in full."""
    await get_engine().run_ddl("DROP SCHEMA public CASCADE")
    await get_engine().run_ddl("CREATE SCHEMA public")
