"""Database plumbing: transactions, migrations, lifecycle (the engines themselves: ``backend.engines``)."""

from __future__ import annotations

import contextlib
import io
import json
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from piccolo.conf.apps import AppConfig
from piccolo.engine.base import Engine
from piccolo.engine.postgres import PostgresEngine
from piccolo.engine.sqlite import SQLiteEngine, TransactionType
from piccolo.querystring import QueryString

from backend.engines import PooledSQLiteEngine

os.environ.setdefault("PICCOLO_CONF", "backend.piccolo_conf")

class _SqlitePing:
    """``/api/health``'s database check on SQLite, run inline on the event loop.

    Through aiosqlite even ``SELECT 1`` costs a hand-off to a connection thread and back,
    and the GIL changing hands twice: ~60 % of a health request (py-spy, bench/RESULTS.md).
    This kept read-only connection reads the database header instead (``PRAGMA
    schema_version``: the file opened, its WAL index read, a page from the cache), in
    microseconds, with a short busy timeout: a WAL reader waits only for a recovery.
    """

    BUSY_TIMEOUT_SECONDS = 0.2

    def __init__(self) -> None:
        self.connection = None

    def __call__(self, engine: SQLiteEngine) -> None:
        import sqlite3

        if self.connection is None:
            path = engine.connection_kwargs["database"]
            connection = sqlite3.connect(path, timeout=self.BUSY_TIMEOUT_SECONDS, isolation_level=None,
                                         check_same_thread=False)
            connection.execute("PRAGMA query_only = 1")
            self.connection = connection
        try:
            self.connection.execute("PRAGMA schema_version").fetchone()
        except sqlite3.Error:
            self.close()
            raise

    def close(self) -> None:
        connection, self.connection = self.connection, None
        if connection is not None:
            connection.close()


_sqlite_ping = _SqlitePing()


async def ping() -> None:
    """Raise if the database does not answer (SQLite: inline; PostgreSQL: a pool round trip)."""
    engine = get_engine()
    if isinstance(engine, SQLiteEngine):
        _sqlite_ping(engine)
    else:
        await engine.run_querystring(QueryString("SELECT 1"))


def get_engine() -> Engine:
    from backend.piccolo_conf import DB

    return DB


_read_engine: Engine | None = None


def read_engine() -> Engine:
    """Where reads that may lag a little go: the replica of ``HOSHO_DATABASE_READ_URL``, else the primary.

    For D-Sure's lookups, the certificate lists and the dashboard: a streaming replica is a
    few milliseconds behind the primary. Writes, and reads that must see the caller's own
    write (a read-then-write in a transaction, the page after a change), use ``get_engine()``.
    """
    global _read_engine
    if _read_engine is None:
        from backend.settings import get_settings

        url = get_settings().database_read_url
        if url and isinstance(get_engine(), PostgresEngine):
            if not url.startswith(("postgres://", "postgresql://")):
                raise ValueError("HOSHO_DATABASE_READ_URL must be a postgres:// URL (a replica of the primary)")
            _read_engine = PostgresEngine(config={"dsn": url})
        else:
            _read_engine = get_engine()
    return _read_engine


async def read(sql: str, *values) -> list[dict]:
    """A raw SELECT (``{}`` placeholders) on the read engine."""
    return await read_engine().run_querystring(QueryString(sql, *values))


def json_value(value, default=None):
    """A Piccolo ``JSON`` column's value as Python: the drivers hand it back as text (aiosqlite,
    asyncpg for ``json``), a value built in this process is already a dict or list."""
    if value is None:
        return default
    return json.loads(value) if isinstance(value, str) else value


def is_sqlite() -> bool:
    return isinstance(get_engine(), SQLiteEngine)


def transaction():
    """A write transaction.

    SQLite: IMMEDIATE, so read-then-write sequences (numbering, the audit chain)
    take the write lock before reading and never fail with a lock upgrade error.
    PostgreSQL: a normal transaction; callers that read-then-write lock rows or
    use ``advisory_lock``.
    """
    engine = get_engine()
    if isinstance(engine, SQLiteEngine):
        return engine.transaction(transaction_type=TransactionType.immediate)
    return engine.transaction()


async def advisory_lock(name: str) -> None:
    """Serialise a read-then-write section inside the current transaction.

    SQLite needs nothing (IMMEDIATE already holds the database write lock);
    PostgreSQL takes a transaction-scoped advisory lock keyed by ``name``.
    """
    engine = get_engine()
    if isinstance(engine, PostgresEngine):
        await engine.run_querystring(QueryString("SELECT pg_advisory_xact_lock(hashtext({}))", name))


async def migrate() -> None:
    """Run every app's migrations forwards (idempotent)."""
    from piccolo.apps.migrations.commands.forwards import run_forwards

    engine = get_engine()
    if isinstance(engine, SQLiteEngine):
        # WAL lets readers proceed during writes; it is a property of the file, set once.
        await engine.run_ddl("PRAGMA journal_mode=WAL;")
    # Piccolo prints a banner per app; keep it only for when something goes wrong.
    output = io.StringIO()
    with contextlib.redirect_stdout(output):
        result = await run_forwards("all")
    if not result.success:
        raise RuntimeError(f"migrations failed: {result.message}\n{output.getvalue()}")


@asynccontextmanager
async def database_lifespan() -> AsyncIterator[None]:
    engine, reads = get_engine(), read_engine()
    if isinstance(engine, PostgresEngine):
        await engine.start_connection_pool(min_size=2, max_size=20)
    if reads is not engine:
        await reads.start_connection_pool(min_size=2, max_size=20)
    try:
        yield
    finally:
        if reads is not engine:
            await reads.close_connection_pool()
        if isinstance(engine, PostgresEngine):
            await engine.close_connection_pool()
        elif isinstance(engine, PooledSQLiteEngine):
            await engine.close_connections()
            _sqlite_ping.close()


INSERT_CHUNK = 100  # rows per statement: the event loop serves requests between chunks


async def insert_rows(table: str, columns: tuple[str, ...], rows: list[tuple]) -> None:
    """Raw multi-row INSERTs (in the current transaction, if any).

    For bulk writes on hot paths: building hundreds of Piccolo row objects costs more
    event-loop time than the database work.
    """
    names = ", ".join(f'"{name}"' for name in columns)
    one_row = "(" + ", ".join("{}" for _ in columns) + ")"
    for start in range(0, len(rows), INSERT_CHUNK):
        chunk = rows[start : start + INSERT_CHUNK]
        values = ", ".join(one_row for _ in chunk)
        await get_engine().run_querystring(
            QueryString(f'INSERT INTO "{table}" ({names}) VALUES {values}', *[value for row in chunk for value in row])
        )


def app_config(name: str, module_file: str, tables: list, depends_on: tuple[str, ...] = ()) -> AppConfig:
    """A Piccolo app whose migrations live in ``piccolo_migrations/`` beside ``module_file``."""
    return AppConfig(
        app_name=name,
        migrations_folder_path=os.path.join(os.path.dirname(module_file), "piccolo_migrations"),
        table_classes=tables,
        migration_dependencies=list(depends_on),
        commands=[],
    )
