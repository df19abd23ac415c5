"""Writing and verifying the audit log.

``record`` joins the caller's transaction when there is one, so an event and its
audit entry commit together; appends are serialised so the chain never forks.
"""

from __future__ import annotations

import json
from datetime import datetime, timezone
from typing import Any

import msgspec

from backend import db
from backend.audit.chain import GENESIS_HASH, ChainCursor, entry_hash
from backend.audit.tables import AuditEntry
from backend.lib import clock


class ChainReport(msgspec.Struct):
    ok: bool
    entries: int
    first_broken_seq: int | None = None


def _timestamp(value: datetime) -> str:
    return value.astimezone(timezone.utc).isoformat(timespec="microseconds")


async def record(
    action: str,
    *,
    actor: str = "",
    target: str = "",
    address: str = "",
    details: dict[str, Any] | None = None,
) -> None:
    """Append one entry (inside the caller's transaction when there is one)."""
    await record_many([{"action": action, "actor": actor, "target": target, "address": address, "details": details}])


async def record_many(entries: list[dict[str, Any]]) -> None:
    """Append several entries, in order, with one lock and one multi-row INSERT.

    Each item has ``action`` and optionally ``actor``, ``target``, ``address``, ``details``.
    """
    if not entries:
        return
    at = clock.now()
    async with db.transaction():
        await db.advisory_lock("audit_chain")
        last = (
            await AuditEntry.select(AuditEntry.seq, AuditEntry.hash)
            .order_by(AuditEntry.seq, ascending=False)
            .first()
        )
        seq = last["seq"] if last else 0
        prev_hash = last["hash"] if last else GENESIS_HASH
        rows = []
        for item in entries:
            seq += 1
            entry = {
                "seq": seq,
                "at": _timestamp(at),
                "action": item["action"],
                "actor": (item.get("actor") or "")[:64],
                "target": (item.get("target") or "")[:100],
                "address": (item.get("address") or "")[:64],
                "details": json.dumps(item.get("details") or {}, ensure_ascii=False, sort_keys=True, separators=(",", ":")),
            }
            digest = entry_hash(prev_hash, entry)
            rows.append((seq, at, entry["action"], entry["actor"], entry["target"], entry["address"],
                         entry["details"], prev_hash, digest))
            prev_hash = digest
        await db.insert_rows(
            "audit_entry", ("seq", "at", "action", "actor", "target", "address", "details", "prev_hash", "hash"), rows
        )


async def verify_chain(batch: int = 5000) -> ChainReport:
    """Walk the whole log in order and check every link."""
    cursor = ChainCursor()
    while True:
        rows = (
            await AuditEntry.select()
            .where(AuditEntry.seq >= cursor.next_seq)
            .order_by(AuditEntry.seq)
            .limit(batch)
        )
        if not rows:
            return ChainReport(ok=True, entries=cursor.next_seq - 1)
        if not cursor.feed({**row, "at": _timestamp(row["at"])} for row in rows):
            return ChainReport(ok=False, entries=cursor.next_seq - 1, first_broken_seq=cursor.broken_seq)


async def recent(limit: int = 100, before_seq: int | None = None, action: str | None = None) -> list[dict]:
    query = AuditEntry.select().order_by(AuditEntry.seq, ascending=False).limit(limit)
    if before_seq is not None:
        query = query.where(AuditEntry.seq < before_seq)
    if action:
        query = query.where(AuditEntry.action == action)
    return await query
