"""The audit hash chain (pure): how an entry's hash is computed and checked."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from backend.domain.canonical import canonical_json

GENESIS_HASH = "0" * 64
HASHED_FIELDS = ("seq", "at", "action", "actor", "target", "address", "details")


def entry_hash(prev_hash: str, entry: Mapping) -> str:
    body = canonical_json({name: entry[name] for name in HASHED_FIELDS})
    return hashlib.sha256(prev_hash.encode() + body).hexdigest()


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
