"""The D-Sure view log, written in batches off the request path.

A successful verification only appends to an in-process list; a background task
(started with the app, ``backend.dsure.background``) writes the pending views every
``FLUSH_SECONDS`` in ONE transaction: the ``dsure_view`` rows (one multi-row INSERT),
``Certificate.last_viewed_at`` and the ``dsure.viewed`` audit entries (appended in bulk). On SQLite every
write transaction takes the database's single write lock, so writing each view in its own
transaction would put 50 concurrent verifications in a queue behind the lock (and
SQLite's busy handler sleeps in steps of up to 100 ms); batching keeps the verify p99 in
single-digit milliseconds. The cost: a view becomes visible up to ``FLUSH_SECONDS``
later, and a crashed process loses the views of its last fraction of a second.

Without the background task (a script, a test without the app) views are written at once.
Readers in this process call :func:`flush` first, so they always see their own views.
"""

from __future__ import annotations

import asyncio
import ipaddress
import logging
import re
from dataclasses import dataclass
from datetime import datetime

from piccolo.querystring import QueryString

from backend import db
from backend.audit import service as audit
from backend.dsure.schemas import ViewOut
from backend.dsure.tables import DsureView

log = logging.getLogger("hosho.dsure")

FLUSH_SECONDS = 0.1
BATCH_MAX = 500  # views per transaction
PENDING_MAX = 50_000  # memory bound while the database is unreachable
MAX_FLUSH_FAILURES = 30  # ~30 s of retries, then the pending views are dropped (and logged)


@dataclass(frozen=True, slots=True)
class PendingView:
    certificate_id: int
    contract_number: str
    version: int
    at: datetime
    address: str
    user_agent: str
    kind: str = "verify"


class ViewRecorder:
    def __init__(self) -> None:
        self._pending: list[PendingView] = []
        self._lock: asyncio.Lock | None = None
        self._wakeup: asyncio.Event | None = None
        self.running = False

    @property
    def pending(self) -> int:
        return len(self._pending)

    async def add(self, view: PendingView) -> None:
        if not self.running:
            await write_views([view])
            return
        self._pending.append(view)
        if len(self._pending) >= BATCH_MAX and self._wakeup is not None:
            self._wakeup.set()

    async def flush(self) -> int:
        """Write every pending view now (and wait for a flush in progress); returns how many were written."""
        if self._lock is None:
            self._lock = asyncio.Lock()
        if not self._pending and not self._lock.locked():
            return 0
        written = 0
        async with self._lock:
            while self._pending:
                batch, self._pending = self._pending[:BATCH_MAX], self._pending[BATCH_MAX:]
                try:
                    await write_views(batch)
                except BaseException:
                    # Keep them for the next pass (bounded), then let the caller see the error.
                    self._pending[:0] = batch
                    del self._pending[:-PENDING_MAX]
                    raise
                written += len(batch)
        return written

    async def run(self, stop: asyncio.Event) -> None:
        """The background loop: flush every FLUSH_SECONDS (sooner when a batch is full)."""
        self._wakeup = asyncio.Event()
        self.running = True
        failures = 0
        try:
            while not stop.is_set():
                try:
                    await asyncio.wait_for(self._wakeup.wait(), timeout=FLUSH_SECONDS)
                except TimeoutError:
                    pass
                self._wakeup.clear()
                try:
                    await self.flush()
                    failures = 0
                except Exception:
                    failures += 1
                    log.exception("dsure: could not write %d pending views (attempt %d)", self.pending, failures)
                    if failures >= MAX_FLUSH_FAILURES:
                        log.error("dsure: dropping %d views after %d failed attempts", self.pending, failures)
                        self._pending.clear()
                        failures = 0
                    await asyncio.sleep(1.0)
        finally:
            self.running = False
            self._wakeup = None
            try:
                await self.flush()
            except Exception:
                log.exception("dsure: %d views lost at shutdown", self.pending)


recorder = ViewRecorder()


async def write_views(views: list[PendingView]) -> None:
    """One transaction: the rows (one INSERT), each certificate's last_viewed_at (one UPDATE),
    the ``dsure.viewed`` audit entries (appended to the chain in one INSERT)."""
    certificate_ids = sorted({view.certificate_id for view in views})
    placeholders = ", ".join("{}" for _ in certificate_ids)
    async with db.transaction():
        # Only views of certificates that still exist under the same number (a test database
        # emptied in between, never in production: certificates are not deleted).
        existing = await db.get_engine().run_querystring(
            QueryString(f"SELECT id, contract_number FROM certificate WHERE id IN ({placeholders})", *certificate_ids)
        )
        known = {(row["id"], row["contract_number"]) for row in existing}
        views = [view for view in views if (view.certificate_id, view.contract_number) in known]
        if not views:
            return
        certificate_ids = sorted({view.certificate_id for view in views})
        placeholders = ", ".join("{}" for _ in certificate_ids)
        # Raw multi-row INSERTs: building hundreds of Piccolo row objects costs more event-loop
        # time than the database work.
        await db.insert_rows(
            "dsure_view",
            ("certificate", "at", "version", "address", "user_agent", "kind"),
            [(v.certificate_id, v.at, v.version, v.address[:64], v.user_agent[:300], v.kind) for v in views],
        )
        await db.get_engine().run_querystring(
            QueryString(
                "UPDATE certificate SET last_viewed_at = "
                "(SELECT MAX(v.at) FROM dsure_view v WHERE v.certificate = certificate.id) "
                f"WHERE id IN ({placeholders})",
                *certificate_ids,
            )
        )
        await audit.record_many(
            [
                {
                    "action": "dsure.viewed",
                    "actor": "dsure",
                    "target": view.contract_number,
                    "address": view.address,
                    "details": {"version": view.version, "kind": view.kind, "viewed_at": view.at.isoformat()},
                }
                for view in views
            ]
        )


async def record_view(view: PendingView) -> None:
    await recorder.add(view)


async def flush() -> int:
    return await recorder.flush()


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


async def views_for(certificate_id: int, limit: int = 100) -> list[ViewOut]:
    """The newest views of a certificate for its contractor (coarse origin and browser)."""
    await flush()
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
