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


def create_scratch_postgres_database(server_url: str) -> str:
    """Create ``hosho_test_<random>`` next to the given database; dropped at exit. Returns its URL."""
    import asyncio
    import atexit
    import secrets

    import asyncpg

    name = f"hosho_test_{secrets.token_hex(4)}"

    async def run(sql: str) -> None:
        connection = await asyncpg.connect(server_url)
        try:
            await connection.execute(sql)
        finally:
            await connection.close()

    asyncio.run(run(f'CREATE DATABASE "{name}"'))
    atexit.register(lambda: asyncio.run(run(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')))
    base, _, _ = server_url.rpartition("/")
    return f"{base}/{name}"
