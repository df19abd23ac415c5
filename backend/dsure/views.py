"""The D-Sure view log, written by group commit: a verification is answered only once its
view and its ``dsure.viewed`` audit entry are committed.

Each view is an audit entry: an orderer's view that the contractor is told about must
exist, also after a crash. So a successful verification hands its view to the one writer
of the process and waits for it. The writer (a thread of its own, with its own database
connection) takes whatever has queued — under load dozens of views — and commits them in
ONE transaction: the ``dsure_view`` rows, each certificate's ``last_viewed_at``, and the
audit entries appended to the hash chain. Then it wakes the waiting requests.

Why a thread: on SQLite every write transaction takes the database's one write lock. A
transaction run on the event loop holds it across every await, and under load each await
waits a whole busy loop iteration (a 500-view flush took 2-3 s that way, bench/RESULTS.md);
the thread runs the transaction from BEGIN to COMMIT without the loop (a few ms), and the
loop only pays one hand-off per batch. On PostgreSQL the thread runs its own event loop and
asyncpg connection for the same reason (5 round trips per batch, none waiting on the
request loop).

Bounded, never dropping: at most ``IN_FLIGHT_MAX`` views wait at once; a further request
waits for room (back-pressure) instead of queueing without bound. A batch that cannot be
committed fails its requests (503, nothing answered as seen); nothing committed is lost.
Readers never wait for the writer: what they read is committed.

The rows are D-Sure's (``ds_view``, ``ds_certificate.last_viewed_at``). Embedded in e-Net
(same process and database), the writer also copies the views of the local issuer's
certificates into e-Net's ``dsure_view`` / ``certificate.last_viewed_at`` in the same
transaction (``mirror_issuer``, set by ``backend.publication``): the contractor's "who
viewed it" is then exactly what D-Sure committed.
"""

from __future__ import annotations

import asyncio
import ipaddress
import logging
import re
import sqlite3
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime

from piccolo.engine.sqlite import SQLiteEngine

from backend import db
from backend.audit import chain
from backend.certificates import events
from backend.certificates.schemas import ViewOut
from backend.dsure.tables import DsureView
from backend.lib import clock
from backend.lib.errors import Unavailable

# The issuer whose views are copied to e-Net's tables (embedded D-Sure only; None: no copy).
mirror_issuer: str | None = None

log = logging.getLogger("hosho.dsure")

BATCH_MAX = 500  # views per transaction
IN_FLIGHT_MAX = 2_000  # views queued or being written at once (each holds a waiting request)
# A batch starts at most every 2 ms: under load the next one gathers meanwhile (each commit has
# a fixed cost of ~0.2 ms of CPU); alone, a view is written at once.
COMMIT_INTERVAL_SECONDS = 0.002


@dataclass(frozen=True, slots=True)
class PendingView:
    certificate_id: int  # D-Sure's
    contract_number: str
    issuer_code: str
    version: int
    at: datetime
    address: str
    user_agent: str
    kind: str = "verify"

    def row(self) -> tuple:
        return (self.certificate_id, self.at, self.version, self.address[:64], self.user_agent[:300], self.kind)

    def mirror_row(self) -> tuple:
        return (self.contract_number, self.at, self.version, self.address[:64], self.user_agent[:300], self.kind)

    def audit_entry(self) -> dict:
        return {
            "action": "dsure.viewed",
            "actor": "dsure",
            "target": self.contract_number,
            "address": self.address,
            "details": {"version": self.version, "kind": self.kind, "viewed_at": self.at.isoformat(), "issuer": self.issuer_code},
        }


class ViewNotRecorded(Unavailable):
    """The view could not be committed: the verification is not answered (code ``unavailable``)."""

    def __init__(self) -> None:
        super().__init__(
            "閲覧の記録を保存できなかったため、確認結果をお返しできませんでした。時間をおいて再度お試しください。",
            retry_after=5,
        )


VIEW_COLUMNS = ("certificate", "at", "version", "address", "user_agent", "kind")


# How long a batch waits for the database's write lock (SQLite) or the audit chain's lock
# (PostgreSQL) held by someone else before its verifications fail (503) instead of hanging.
LOCK_TIMEOUT_SECONDS = 10.0


class SqliteViewStore:
    """The writer's own SQLite connection (used only by the writer thread).

    One statement per table per batch (multi-row VALUES) rather than one per view: the
    sqlite3 module lets go of the GIL around every statement step and must then take it back
    from the busy request loop, so a batch costs a handful of steps instead of five per view.
    """

    _LAST_VIEWED = (
        "UPDATE ds_certificate SET last_viewed_at = t.column2 FROM (VALUES {}) AS t "
        "WHERE ds_certificate.id = t.column1 "
        "AND (ds_certificate.last_viewed_at IS NULL OR ds_certificate.last_viewed_at < t.column2)"
    )
    # (number, at, version, address, user_agent, kind) → e-Net's certificate of that number.
    _MIRROR_VIEW = (
        f"INSERT INTO dsure_view ({', '.join(VIEW_COLUMNS)}) "
        "SELECT c.id, t.column2, t.column3, t.column4, t.column5, t.column6 "
        "FROM (VALUES {}) AS t JOIN certificate c ON c.contract_number = t.column1"
    )
    _MIRROR_LAST_VIEWED = (
        "UPDATE certificate SET last_viewed_at = t.column2 FROM (VALUES {}) AS t "
        "WHERE certificate.contract_number = t.column1 "
        "AND (certificate.last_viewed_at IS NULL OR certificate.last_viewed_at < t.column2)"
    )

    def __init__(self, connection_kwargs: dict) -> None:
        self._kwargs = {**connection_kwargs, "timeout": LOCK_TIMEOUT_SECONDS, "isolation_level": None}
        self._connection: sqlite3.Connection | None = None

    def write(self, views: list[PendingView]) -> None:
        if self._connection is None:
            self._connection = sqlite3.connect(**self._kwargs)
            self._connection.execute("PRAGMA foreign_keys = 1")
        connection = self._connection
        connection.execute("BEGIN IMMEDIATE")
        try:
            last = connection.execute("SELECT seq, hash FROM audit_entry ORDER BY seq DESC LIMIT 1").fetchone()
            rows = chain.link(
                [view.audit_entry() for view in views],
                last_seq=last[0] if last else 0, last_hash=last[1] if last else chain.GENESIS_HASH, at=clock.now(),
            )
            _insert(connection, "ds_view", VIEW_COLUMNS, [view.row() for view in views])
            _execute_values(connection, self._LAST_VIEWED, _latest(views))
            _insert(connection, "audit_entry", chain.COLUMNS, rows)
            mirrored = _mirrored(views)
            if mirrored:
                _execute_values(connection, self._MIRROR_VIEW, [view.mirror_row() for view in mirrored])
                _execute_values(connection, self._MIRROR_LAST_VIEWED, _latest_by_number(mirrored))
            connection.execute("COMMIT")
        except BaseException:
            if connection.in_transaction:
                connection.execute("ROLLBACK")
            raise

    def close(self) -> None:
        connection, self._connection = self._connection, None
        if connection is not None:
            connection.close()

    reset = close


class PostgresViewStore:
    """The writer's own asyncpg connection, on an event loop of the writer thread."""

    # One statement for the three writes: the rows, last_viewed_at, the audit entries (arrays, so
    # its size does not depend on the batch's).
    _WRITE = (
        "WITH v AS ("
        f" INSERT INTO ds_view ({', '.join(VIEW_COLUMNS)})"
        " SELECT * FROM unnest($1::int[], $2::timestamptz[], $3::int[], $4::text[], $5::text[], $6::text[])"
        "), c AS ("
        " UPDATE ds_certificate SET last_viewed_at = t.at"
        " FROM unnest($7::int[], $8::timestamptz[]) AS t(id, at)"
        " WHERE ds_certificate.id = t.id AND (ds_certificate.last_viewed_at IS NULL OR ds_certificate.last_viewed_at < t.at)"
        f") INSERT INTO audit_entry ({', '.join(chain.COLUMNS)})"
        " SELECT * FROM unnest($9::bigint[], $10::timestamptz[], $11::text[], $12::text[], $13::text[], $14::text[],"
        " $15::text[], $16::text[], $17::text[])"
    )

    _MIRROR = (
        "WITH v AS ("
        f" INSERT INTO dsure_view ({', '.join(VIEW_COLUMNS)})"
        " SELECT c.id, t.at, t.version, t.address, t.user_agent, t.kind"
        " FROM unnest($1::text[], $2::timestamptz[], $3::int[], $4::text[], $5::text[], $6::text[])"
        " AS t(number, at, version, address, user_agent, kind) JOIN certificate c ON c.contract_number = t.number"
        ") UPDATE certificate SET last_viewed_at = t.at FROM unnest($7::text[], $8::timestamptz[]) AS t(number, at)"
        " WHERE certificate.contract_number = t.number"
        " AND (certificate.last_viewed_at IS NULL OR certificate.last_viewed_at < t.at)"
    )

    def __init__(self, config: dict) -> None:
        self._config = config
        self._loop: asyncio.AbstractEventLoop | None = None
        self._connection = None

    def write(self, views: list[PendingView]) -> None:
        if self._loop is None:
            self._loop = asyncio.new_event_loop()
        self._loop.run_until_complete(self._write(views))

    async def _write(self, views: list[PendingView]) -> None:
        import asyncpg

        if self._connection is None or self._connection.is_closed():
            self._connection = await asyncpg.connect(
                **self._config, server_settings={"lock_timeout": str(int(LOCK_TIMEOUT_SECONDS * 1000))}
            )
        connection = self._connection
        async with connection.transaction():
            await connection.execute("SELECT pg_advisory_xact_lock(hashtext('audit_chain'))")  # = db.advisory_lock
            last = await connection.fetchrow("SELECT seq, hash FROM audit_entry ORDER BY seq DESC LIMIT 1")
            rows = chain.link(
                [view.audit_entry() for view in views],
                last_seq=last["seq"] if last else 0, last_hash=last["hash"] if last else chain.GENESIS_HASH,
                at=clock.now(),
            )
            latest = _latest(views)
            await connection.execute(
                self._WRITE,
                *_columns([view.row() for view in views], len(VIEW_COLUMNS)),
                [certificate for certificate, _ in latest], [at for _, at in latest],
                *_columns(rows, len(chain.COLUMNS)),
            )
            mirrored = _mirrored(views)
            if mirrored:
                by_number = _latest_by_number(mirrored)
                await connection.execute(
                    self._MIRROR, *_columns([view.mirror_row() for view in mirrored], len(VIEW_COLUMNS)),
                    [number for number, _ in by_number], [at for _, at in by_number],
                )

    def reset(self) -> None:
        connection, self._connection = self._connection, None
        if connection is not None and self._loop is not None:
            self._loop.run_until_complete(connection.close(timeout=2))

    def close(self) -> None:
        try:
            self.reset()
        except Exception:
            log.debug("dsure: closing the view writer's connection failed", exc_info=True)
        if self._loop is not None:
            self._loop.close()
            self._loop = None


def _newest(views: list[PendingView], key) -> list[tuple]:
    """(key, the newest view's time in the batch), one per key, sorted."""
    latest: dict = {}
    for view in views:
        name = key(view)
        if name not in latest or latest[name] < view.at:
            latest[name] = view.at
    return sorted(latest.items())


def _latest(views: list[PendingView]) -> list[tuple[int, datetime]]:
    """(D-Sure's certificate id, its newest view in the batch)."""
    return _newest(views, lambda view: view.certificate_id)


def _mirrored(views: list[PendingView]) -> list[PendingView]:
    return [view for view in views if mirror_issuer is not None and view.issuer_code == mirror_issuer]


def _latest_by_number(views: list[PendingView]) -> list[tuple[str, datetime]]:
    return _newest(views, lambda view: view.contract_number)


def _columns(rows: list[tuple], width: int) -> list[list]:
    return [[row[index] for row in rows] for index in range(width)] if rows else [[] for _ in range(width)]


def _execute_values(connection: sqlite3.Connection, sql: str, rows: list[tuple]) -> None:
    """``sql`` with its ``{}`` replaced by one ``(?, …)`` per row, run once with every row's values."""
    placeholders = "(" + ", ".join("?" * len(rows[0])) + ")"
    connection.execute(sql.format(", ".join([placeholders] * len(rows))), [value for row in rows for value in row])


def _insert(connection: sqlite3.Connection, table: str, columns: tuple[str, ...], rows: list[tuple]) -> None:
    _execute_values(connection, f"INSERT INTO {table} ({', '.join(columns)}) VALUES {{}}", rows)


def _new_store() -> SqliteViewStore | PostgresViewStore:
    engine = db.get_engine()
    if isinstance(engine, SQLiteEngine):
        return SqliteViewStore(engine.connection_kwargs)
    return PostgresViewStore(engine.config)


@dataclass
class WriterStats:
    """What the writer has done since the process started (for benchmarks and drills)."""

    batches: int = 0
    views: int = 0
    failed_batches: int = 0
    largest_batch: int = 0
    slowest_batch_ms: float = 0.0
    batch_ms: list[float] = field(default_factory=list)  # the last 1,000 batches

    def add(self, size: int, seconds: float) -> None:
        self.batches += 1
        self.views += size
        self.largest_batch = max(self.largest_batch, size)
        self.slowest_batch_ms = max(self.slowest_batch_ms, seconds * 1000)
        self.batch_ms.append(seconds * 1000)
        del self.batch_ms[:-1000]


class ViewWriter:
    """The process's one view writer: a thread committing batches, requests awaiting theirs."""

    def __init__(self, in_flight_max: int = IN_FLIGHT_MAX) -> None:
        self.in_flight_max = in_flight_max
        self._inbox: list[tuple[PendingView, asyncio.Future]] = []
        self._ready = threading.Condition()
        self._thread: threading.Thread | None = None
        self._running = False
        self._stopping = False
        self._idle = False  # the writer waits for views: the next one wakes it
        self._slots: asyncio.Semaphore | None = None
        self._slots_loop: asyncio.AbstractEventLoop | None = None
        self.stats = WriterStats()

    @property
    def queued(self) -> int:
        return len(self._inbox)

    def start(self) -> None:
        with self._ready:
            self._ensure_thread()

    def _ensure_thread(self) -> None:
        """Start the writer thread unless it runs (call holding ``_ready``)."""
        if self._running:
            return
        self._running, self._stopping = True, False
        self._thread = threading.Thread(target=self._run, args=(_new_store(),), name="hosho-dsure-views", daemon=True)
        self._thread.start()

    async def stop(self) -> None:
        """Write what is queued, then end the thread."""
        with self._ready:
            thread, self._stopping = self._thread, True
            self._ready.notify()
        if thread is not None:
            await asyncio.to_thread(thread.join)

    def _room(self) -> asyncio.Semaphore:
        loop = asyncio.get_running_loop()
        if self._slots is None or self._slots_loop is not loop:
            self._slots, self._slots_loop = asyncio.Semaphore(self.in_flight_max), loop
        return self._slots

    async def record(self, view: PendingView) -> None:
        """Return once the view and its audit entry are committed (ViewNotRecorded if they cannot be)."""
        async with self._room():
            future = asyncio.get_running_loop().create_future()
            with self._ready:
                self._ensure_thread()  # started with the app; on first use in a script
                self._inbox.append((view, future))
                if self._idle:  # a busy writer takes the view with its next batch: no wake-up
                    self._idle = False
                    self._ready.notify()
            await future

    def _run(self, store: SqliteViewStore | PostgresViewStore) -> None:
        try:
            while True:
                with self._ready:
                    while not self._inbox and not self._stopping:
                        self._idle = True
                        self._ready.wait()
                    self._idle = False
                    if not self._inbox:
                        self._running = False  # decided under the lock: record() starts a new thread
                        return
                    batch, self._inbox = self._inbox[:BATCH_MAX], self._inbox[BATCH_MAX:]
                started = time.perf_counter()
                self._write(store, batch)
                self._pace(started)
        finally:
            store.close()

    def _pace(self, started: float) -> None:
        """Under load, let the next batch gather for what is left of ``COMMIT_INTERVAL_SECONDS``."""
        remaining = started + COMMIT_INTERVAL_SECONDS - time.perf_counter()
        if remaining > 0 and len(self._inbox) < BATCH_MAX and not self._stopping:
            time.sleep(remaining)

    def _write(self, store: SqliteViewStore | PostgresViewStore, batch: list[tuple[PendingView, asyncio.Future]]) -> None:
        started = time.perf_counter()
        failed = False
        try:
            store.write([view for view, _ in batch])
            self.stats.add(len(batch), time.perf_counter() - started)
        except Exception:
            failed = True
            self.stats.failed_batches += 1
            log.exception("dsure: could not commit %d views; their verifications fail", len(batch))
            try:
                store.reset()
            except Exception:
                log.debug("dsure: resetting the view store failed", exc_info=True)
        loops: dict[asyncio.AbstractEventLoop, list[asyncio.Future]] = {}
        for _, future in batch:
            loops.setdefault(future.get_loop(), []).append(future)
        for loop, futures in loops.items():
            try:
                loop.call_soon_threadsafe(_settle, futures, failed)
            except RuntimeError:  # that loop has closed: nobody is waiting any more
                pass


def _settle(futures: list[asyncio.Future], failed: bool) -> None:
    for future in futures:
        if future.done():  # its request was cancelled
            continue
        if failed:
            future.set_exception(ViewNotRecorded())
        else:
            future.set_result(None)


writer = ViewWriter()


async def record_view(view: PendingView) -> None:
    await writer.record(view)


# --- what the contractor sees -----------------------------------------------------------


def coarse_origin(address: str) -> str:
    """The orderer's network, not its host: IPv4 /24, IPv6 /48; anything else "不明"."""
    try:
        ip = ipaddress.ip_address(address.strip())
    except ValueError:
        return "不明"
    if ip.version == 6 and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    prefix = 24 if ip.version == 4 else 48
    return str(ipaddress.ip_network(f"{ip}/{prefix}", strict=False))


_BROWSERS = (
    ("Edg/", "Edge"),
    ("OPR/", "Opera"),
    ("Firefox/", "Firefox"),
    ("Chrome/", "Chrome"),
    ("CriOS/", "Chrome"),
    ("Safari/", "Safari"),
)
_SYSTEMS = (
    ("iPhone", "iPhone"),
    ("iPad", "iPad"),
    ("Android", "Android"),
    ("Windows", "Windows"),
    ("Mac OS X", "Mac"),
    ("Macintosh", "Mac"),
    ("Linux", "Linux"),
)


def browser_family(user_agent: str) -> str:
    """「Chrome（Windows）」: the family only, never the full User-Agent string."""
    if not user_agent:
        return "不明"
    browser = next((name for marker, name in _BROWSERS if marker in user_agent), None)
    system = next((name for marker, name in _SYSTEMS if marker in user_agent), None)
    if browser is None:
        word = re.match(r"[A-Za-z][A-Za-z0-9._-]{0,30}", user_agent)
        browser = word.group(0) if word else "その他"
    return f"{browser}（{system}）" if system else browser


@events.read_views_with
async def views_for(certificate_id: int, limit: int = 100) -> list[ViewOut]:
    """The newest views of an e-Net certificate for its contractor (coarse origin and browser)."""
    rows = (
        await DsureView.select(DsureView.at, DsureView.version, DsureView.kind, DsureView.address, DsureView.user_agent)
        .where(DsureView.certificate == certificate_id)
        .order_by(DsureView.at, ascending=False)
        .order_by(DsureView.id, ascending=False)
        .limit(limit)
    )
    return [
        ViewOut(
            at=row["at"],
            version=row["version"],
            kind=row["kind"] if row["kind"] in ("verify", "receipt") else "verify",
            origin=coarse_origin(row["address"]),
            browser=browser_family(row["user_agent"]),
        )
        for row in rows
    ]
