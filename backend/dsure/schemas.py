"""D-Sure bodies (DESIGN §5.1 "D-Sure verify")."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal

import msgspec

from backend.lib.schema import Email, Input, Output

# Basic length sanity only: anything within these bounds that is not a well-formed
# number or key is refused exactly like an unknown number or a wrong key.
NumberText = Annotated[str, msgspec.Meta(min_length=1, max_length=40)]
KeyText = Annotated[str, msgspec.Meta(min_length=1, max_length=40)]
Status = Literal["valid", "cancelled", "expired"]


class VerifyInput(Input):
    contract_number: NumberText
    auth_key: KeyText


class SubscribeInput(Input):
    contract_number: NumberText
    auth_key: KeyText
    email: Email


class VersionSummary(Output):
    version: int
    issued_on: date
    changes: list[dict[str, Any]]
    change_reason: str | None = None


class VerifyResult(Output):
    contract_number: str
    status: Status
    status_label: str
    version: int
    certificate: dict[str, Any]  # the content of the current version (canonical JSON, signed)
    versions: list[VersionSummary]
    digest: str  # SHA-256 (hex) of the canonical JSON of ``certificate``
    signature: str  # Ed25519 over the same bytes, base64
    key_id: str
    signature_valid: bool
    checked_at: datetime
    acknowledged_at: datetime | None


class AcknowledgeResult(Output):
    contract_number: str
    acknowledged_at: datetime
    first_time: bool


class SubscribeResult(Output):
    contract_number: str
    email: str
    already_subscribed: bool


class PublicKeyOut(Output):
    algorithm: str
    key_id: str
    pem: str
    jwk: dict[str, str]


class ViewOut(Output):
    """One D-Sure view as the contractor sees it: the orderer's address only coarsened."""

    at: datetime
    version: int
    kind: Literal["verify", "receipt"]
    origin: str  # e.g. "203.0.113.0/24" (IPv4 /24, IPv6 /48), never the full address
    browser: str  # e.g. "Chrome（Windows）"


class Lockout(Output):
    contract_number: str | None  # None: a malformed input was locked (not a number)
    until: datetime


class DsureStats(Output):
    views_today: int
    views_this_month: int
    failures_last_24h: int
    lockouts: list[Lockout]
