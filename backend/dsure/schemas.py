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


class IssuerRef(Output):
    code: str  # e.g. "207"
    name: str  # e.g. 西日本建設業保証株式会社


class VerifyResult(Output):
    contract_number: str
    issuer: IssuerRef  # the surety that issued and published the certificate
    status: Status
    status_label: str
    version: int
    certificate: dict[str, Any]  # the content of the current version (canonical JSON, signed)
    versions: list[VersionSummary]
    digest: str  # SHA-256 (hex) of the canonical JSON of ``certificate``
    signature: str  # Ed25519 over the same bytes, base64
    key_id: str  # the issuer's key that signed the version
    signature_valid: bool
    # Compact JWS (alg EdDSA, kid = the issuer's key_id), payload = the RFC 8785 (JCS) bytes of ``certificate``.
    certificate_jws: str
    # Compact JWS by D-Sure's own key (GET /api/dsure/public-key) over {contract_number, issuer, version,
    # status, cancelled_on, checked_at, certificate_digest}: the status as of checked_at, checkable offline.
    status_statement: str
    cancelled_on: date | None  # 解約日 (cancelled certificates)
    cancel_reason: str | None
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
    """D-Sure's own key: it signs status statements and receipts."""

    algorithm: str
    key_id: str
    pem: str
    jwk: dict[str, str]
    # X25519 (base64url, raw 32 bytes): issuers seal key verifiers to it (README "D-Sure and the 認証キー").
    sealing_key: str


class IssuerKeyOut(Output):
    key_id: str
    pem: str
    jwk: dict[str, str]
    valid_from: datetime
    valid_until: datetime | None  # None: current


class IssuerOut(Output):
    code: str
    name: str
    keys: list[IssuerKeyOut]


class PublicationInput(Input):
    """A compact JWS signed by the issuer's key (kid = its key_id); the payload is ``Publication``."""

    publication: Annotated[str, msgspec.Meta(min_length=10, max_length=2_000_000)]


class PublishedVersion(msgspec.Struct, forbid_unknown_fields=True):
    version: int
    issued_on: date
    content: str  # the issuer's canonical JSON of the version
    digest: str
    signature: str
    key_id: str
    certificate_jws: str


class Publication(msgspec.Struct, forbid_unknown_fields=True):
    """What an issuer publishes: the certificate's whole state at ``revision`` (the outbox row's id)."""

    issuer: str
    contract_number: str
    revision: int
    event: str
    project_name: str
    orderer_name: str
    period_end: date
    versions: list[PublishedVersion]
    cancelled_on: date | None = None
    cancel_reason: str | None = None
    verifier: str | None = None  # the key verifier sealed to D-Sure's X25519 key (None: unchanged)


class PublicationResult(Output):
    issuer: str
    contract_number: str
    revision: int
    applied: bool  # False: this revision (or a later one) was applied already


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
