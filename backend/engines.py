"""The database engines, chosen from a URL: below both ``db`` and ``piccolo_conf``.

``piccolo_conf`` builds the engine from ``HOSHO_DATABASE_URL`` here, and ``db`` reaches it
through ``piccolo_conf``; neither imports the other back.
"""

from __future__ import annotations

import os

from piccolo.engine.base import Engine
from piccolo.engine.postgres import PostgresEngine
from piccolo.engine.sqlite import SQLiteEngine

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



def private_sqlite_file(path: str) -> None:
    """The database file 0600 before SQLite opens it (its -wal and -shm files take the
    database file's mode from SQLite itself); an existing file and its companions are tightened."""
    if path == ":memory:":
        return
    try:
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    except FileExistsError:
        pass
    for name in (path, f"{path}-wal", f"{path}-shm", f"{path}-journal"):
        try:
            if os.stat(name).st_mode & 0o077:
                os.chmod(name, 0o600)
        except FileNotFoundError:
            pass


def engine_from_url(url: str) -> Engine:
    if url.startswith("sqlite:///"):
        path = url.removeprefix("sqlite:///")
        private_sqlite_file(path)
        return PooledSQLiteEngine(path=path, timeout=SQLITE_TIMEOUT_SECONDS)
    if url.startswith(("postgres://", "postgresql://")):
        return PostgresEngine(config={"dsn": url})
    raise ValueError(f"unsupported HOSHO_DATABASE_URL: {url.split(':', 1)[0]}://…")
