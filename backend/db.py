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


def engine_from_url(url: str) -> Engine:
    if url.startswith("sqlite:///"):
        return SQLiteEngine(path=url.removeprefix("sqlite:///"), timeout=SQLITE_TIMEOUT_SECONDS)
    if url.startswith(("postgres://", "postgresql://")):
        return PostgresEngine(config={"dsn": url})
    raise ValueError(f"unsupported HOSHO_DATABASE_URL: {url.split(':', 1)[0]}://…")


def get_engine() -> Engine:
    from backend.piccolo_conf import DB

    return DB


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
    engine = get_engine()
    if isinstance(engine, PostgresEngine):
        await engine.start_connection_pool(min_size=2, max_size=20)
    try:
        yield
    finally:
        if isinstance(engine, PostgresEngine):
            await engine.close_connection_pool()


def app_config(name: str, module_file: str, tables: list, depends_on: tuple[str, ...] = ()) -> AppConfig:
    """A Piccolo app whose migrations live in ``piccolo_migrations/`` beside ``module_file``."""
    return AppConfig(
        app_name=name,
        migrations_folder_path=os.path.join(os.path.dirname(module_file), "piccolo_migrations"),
        table_classes=tables,
        migration_dependencies=list(depends_on),
        commands=[],
    )
