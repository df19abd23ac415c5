"""Database plumbing: engine choice, transactions, migrations, lifecycle."""

from __future__ import annotations

import contextlib
import io
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from piccolo.conf.apps import AppConfig
from piccolo.engine.base import Engine
from piccolo.engine.postgres import PostgresEngine
from piccolo.engine.sqlite import SQLiteEngine, TransactionType
from piccolo.querystring import QueryString

os.environ.setdefault("PICCOLO_CONF", "backend.piccolo_conf")

SQLITE_TIMEOUT_SECONDS = 30


class PooledSQLiteEngine(SQLiteEngine):
    """Piccolo's SQLite engine, keeping its connections instead of opening one per query.

    Piccolo opens a new aiosqlite connection (a thread, the file, the schema) for every
    query outside a transaction and for every transaction, and runs ``PRAGMA foreign_keys``
    again before every statement inside one (a no-op there): about 1 ms per query, most of
    a small request's time (``/api/health`` served ~900 requests/s with one worker, an
    endpoint without the database ~4,900; bench/RESULTS.md). This engine keeps up to
    ``IDLE_MAX`` idle connections, opened with the
    same arguments and PRAGMA, and lends them to queries and transactions. Nothing waits
    for a connection (more are opened when all are busy); one given back inside a
    transaction (a failed rollback) is closed, not kept.
    In WAL mode every autocommit statement on a kept connection sees the latest commit.

    A statement is one hand-off to the connection's thread (``execute_fetchall``), not three
    (execute, fetchall, closing the cursor): each hand-off wakes the thread and then the
    event loop, ~40–100 µs on this machine, more than a small query's own work.
    """

    IDLE_MAX = 64  # above 50 concurrent requests' need: fewer kept meant a thread opened and closed per query

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._idle: list = []

    async def get_connection(self):
        if self._idle:
            return self._idle.pop()
        import aiosqlite
        from piccolo.engine.sqlite import dict_factory

        connection = aiosqlite.connect(**self.connection_kwargs)
        thread = getattr(connection, "_thread", None)
        if thread is not None:
            thread.daemon = True  # an idle kept connection must not keep the process alive at exit
        await connection
        connection.row_factory = dict_factory
        await connection.execute("PRAGMA foreign_keys = 1")
        really_close = connection.close

        async def give_back() -> None:  # SQLiteTransaction "closes" its connection when it ends
            if connection.in_transaction or len(self._idle) >= self.IDLE_MAX:
                await really_close()
            else:
                self._idle.append(connection)

        connection.close = give_back
        connection.really_close = really_close
        return connection

    async def close_connections(self) -> None:
        idle, self._idle = self._idle, []
        for connection in idle:
            await connection.really_close()

    async def _run_in_new_connection(self, query, args=None, query_type="generic", table=None):
        if query_type == "insert" and self.get_version_sync() < 3.35:
            return await super()._run_in_new_connection(query, args, query_type, table)
        connection = await self.get_connection()
        try:
            return await connection.execute_fetchall(query, args or [])
        finally:
            await connection.close()

    async def _run_in_existing_connection(self, connection, query, args=None, query_type="generic", table=None):
        if query_type == "insert" and self.get_version_sync() < 3.35:
            return await super()._run_in_existing_connection(connection, query, args, query_type, table)
        return await connection.execute_fetchall(query, args or [])


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


def engine_from_url(url: str) -> Engine:
    if url.startswith("sqlite:///"):
        return PooledSQLiteEngine(path=url.removeprefix("sqlite:///"), timeout=SQLITE_TIMEOUT_SECONDS)
    if url.startswith(("postgres://", "postgresql://")):
        return PostgresEngine(config={"dsn": url})
    raise ValueError(f"unsupported HOSHO_DATABASE_URL: {url.split(':', 1)[0]}://…")


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
