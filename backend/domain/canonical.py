"""Canonical JSON: one byte sequence per value, so digests and signatures are stable."""

from __future__ import annotations

import hashlib
import json
from typing import Any


def canonical_json(value: Any) -> bytes:
    """UTF-8 JSON with sorted keys and no insignificant whitespace."""
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode("utf-8")


def digest_hex(value: Any) -> str:
    return hashlib.sha256(canonical_json(value)).hexdigest()
