"""The audit hash chain (pure): how an entry's hash is computed and checked."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from backend.domain.canonical import canonical_json

GENESIS_HASH = "0" * 64
HASHED_FIELDS = ("seq", "at", "action", "actor", "target", "address", "details")
# The columns of ``audit_entry`` in the order of the rows :func:`link` builds.
COLUMNS = ("seq", "at", "action", "actor", "target", "address", "details", "prev_hash", "hash")


def timestamp_text(value: datetime) -> str:
    """How an entry's time enters its hash: UTC, ISO 8601 with microseconds."""
    return value.astimezone(timezone.utc).isoformat(timespec="microseconds")


def entry_hash(prev_hash: str, entry: Mapping) -> str:
    body = canonical_json({name: entry[name] for name in HASHED_FIELDS})
    return hashlib.sha256(prev_hash.encode() + body).hexdigest()


def link(entries: Iterable[Mapping[str, Any]], *, last_seq: int, last_hash: str, at: datetime) -> list[tuple]:
    """The rows (in :data:`COLUMNS` order) that append ``entries`` after the entry (last_seq, last_hash).

    Each item has ``action`` and optionally ``actor``, ``target``, ``address``, ``details``.
    """
    seq, prev_hash = last_seq, last_hash
    rows = []
    for item in entries:
        seq += 1
        entry = {
            "seq": seq,
            "at": timestamp_text(at),
            "action": item["action"],
            "actor": (item.get("actor") or "")[:64],
            "target": (item.get("target") or "")[:100],
            "address": (item.get("address") or "")[:64],
            "details": json.dumps(item.get("details") or {}, ensure_ascii=False, sort_keys=True, separators=(",", ":")),
        }
        digest = entry_hash(prev_hash, entry)
        rows.append((seq, at, entry["action"], entry["actor"], entry["target"], entry["address"], entry["details"],
                     prev_hash, digest))
        prev_hash = digest
    return rows


@dataclass
class ChainCursor:
    """Where a verification walk stands: the last good hash and the next expected seq."""

    prev_hash: str = GENESIS_HASH
    next_seq: int = 1
    broken_seq: int | None = None

    def feed(self, entries: Iterable[Mapping]) -> bool:
        """Check the next entries in order; False (and ``broken_seq`` set) at the first bad one."""
        for entry in entries:
            if (
                entry["seq"] != self.next_seq
                or entry["prev_hash"] != self.prev_hash
                or entry_hash(self.prev_hash, entry) != entry["hash"]
            ):
                self.broken_seq = entry["seq"]
                return False
            self.prev_hash = entry["hash"]
            self.next_seq += 1
        return True
