"""D-Sure bodies (DESIGN §5.1 "D-Sure verify")."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal

import msgspec

from backend.lib.schema import Email, Input, Output, VersionChange

# Room for spaces, hyphens and full-width digits; the format itself (10 digits, 10 Crockford
# characters) is checked by the service, which names each failing field (400, no attempt).
NumberText = Annotated[str, msgspec.Meta(max_length=40, description="保証契約番号（10桁。全角・空白・ハイフン可）")]
KeyText = Annotated[str, msgspec.Meta(max_length=40, description="認証キー（10文字。小文字・空白・ハイフン可）")]
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
    changes: list[VersionChange]
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
    cancelled_on: date | None = None  # 解約日, cancelled guarantees only
    cancel_reason: str | None = None


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
    """A number locked for everybody (100 failures within 24 hours from any addresses)."""

    contract_number: str
    until: datetime
    failures: int  # failures within the 24 hours before the lock
    issued: bool  # an issued certificate (False: an unknown number was probed)


class LockReleased(Output):
    contract_number: str
    released: bool  # the number was locked for everybody
    pairs_released: int  # (number, address) locks lifted with it


class DsureStats(Output):
    views_today: int
    views_this_month: int
    failures_last_24h: int
    lockouts: list[Lockout]
