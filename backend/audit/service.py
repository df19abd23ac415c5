"""Writing and verifying the audit log.

``record`` joins the caller's transaction when there is one, so an event and its
audit entry commit together; appends are serialised so the chain never forks.
"""

from __future__ import annotations

from typing import Any

import msgspec

from backend import db
from backend.audit import chain
from backend.audit.tables import AuditEntry
from backend.lib import clock
from backend.lib.actor import Actor


_timestamp = chain.timestamp_text  # bench/seed.py builds entries with it


class ChainReport(msgspec.Struct):
    ok: bool
    entries: int
    first_broken_seq: int | None = None


async def record(
    action: str,
    *,
    actor: str = "",
    target: str = "",
    address: str = "",
    details: dict[str, Any] | None = None,
    by: Actor | None = None,
) -> None:
    """Append one entry (inside the caller's transaction when there is one); ``by`` gives actor and address."""
    if by is not None:
        actor, address = by.name, by.address
    await record_many([{"action": action, "actor": actor, "target": target, "address": address, "details": details}])


async def record_many(entries: list[dict[str, Any]]) -> None:
    """Append several entries, in order, with one lock and one multi-row INSERT.

    Each item has ``action`` and optionally ``actor``, ``target``, ``address``, ``details``.
    """
    if not entries:
        return
    async with db.transaction():
        await db.advisory_lock("audit_chain")
        last = (
            await AuditEntry.select(AuditEntry.seq, AuditEntry.hash)
            .order_by(AuditEntry.seq, ascending=False)
            .first()
        )
        rows = chain.link(
            entries, last_seq=last["seq"] if last else 0, last_hash=last["hash"] if last else chain.GENESIS_HASH,
            at=clock.now(),
        )
        await db.insert_rows("audit_entry", chain.COLUMNS, rows)


async def verify_chain(batch: int = 5000) -> ChainReport:
    """Walk the whole log in order and check every link."""
    cursor = chain.ChainCursor()
    while True:
        rows = (
            await AuditEntry.select()
            .where(AuditEntry.seq >= cursor.next_seq)
            .order_by(AuditEntry.seq)
            .limit(batch)
        )
        if not rows:
            return ChainReport(ok=True, entries=cursor.next_seq - 1)
        if not cursor.feed({**row, "at": chain.timestamp_text(row["at"])} for row in rows):
            return ChainReport(ok=False, entries=cursor.next_seq - 1, first_broken_seq=cursor.broken_seq)


async def recent(limit: int = 100, before_seq: int | None = None, action: str | None = None) -> list[dict]:
    query = AuditEntry.select().order_by(AuditEntry.seq, ascending=False).limit(limit)
    if before_seq is not None:
        query = query.where(AuditEntry.seq < before_seq)
    if action:
        query = query.where(AuditEntry.action == action)
    return await query
