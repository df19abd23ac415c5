"""Certificate bodies (DESIGN §5.1)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal

import msgspec

from backend.lib.schema import Input, Output, PositiveYen, Reason, VersionChange

CertificateStatus = Literal["valid", "cancelled", "expired"]
GuaranteeType = Literal["advance", "interim_advance", "contract"]


class ViewOut(Output):
    """One D-Sure view as the contractor sees it: the orderer's address only coarsened."""

    at: datetime
    version: int
    kind: Literal["verify", "receipt"]
    origin: str  # e.g. "203.0.113.0/24" (IPv4 /24, IPv6 /48), never the full address
    browser: str  # e.g. "Chrome（Windows）"


class CertificateListItem(Output):
    contract_number: str
    guarantee_type: GuaranteeType
    guarantee_type_label: str
    project_name: str
    orderer_name: str
    guarantee_amount: int
    status: CertificateStatus
    status_label: str
    version: int
    issued_on: date
    period_end: date
    delivery: str
    last_viewed_at: datetime | None
    acknowledged_at: datetime | None
    customer_id: str | None = None  # admins only
    company_name: str | None = None


class CertificatePage(Output):
    items: list[CertificateListItem]
    next_cursor: str | None


class VersionOut(Output):
    version: int
    issued_on: date
    changes: list[VersionChange]
    change_reason: str | None
    digest: str
    signature: str
    key_id: str


class FeeAdjustmentOut(Output):
    version: int
    kind: Literal["additional", "refund"]
    kind_label: str
    amount: int
    created_at: datetime


class CertificateDetail(CertificateListItem, kw_only=True):
    certificate: dict[str, Any]  # the current version's content
    digest: str
    signature: str
    key_id: str
    versions: list[VersionOut]
    cancelled_at: datetime | None
    sent_to_orderer_at: datetime | None
    sent_to_orderer_address: str | None
    fee_adjustments: list[FeeAdjustmentOut]
    has_auth_key: bool
    views: list[ViewOut] = msgspec.field(default_factory=list)  # D-Sure views, newest first (coarse origin)


class AuthKeyOut(Output):
    contract_number: str
    auth_key: str


class AmendInput(Input, kw_only=True):
    contract_amount: PositiveYen | None = None
    guarantee_amount: PositiveYen | None = None
    period_end: date | None = None
    reason: Reason


class SendToOrdererInput(Input):
    # The key notice goes to the orderer at most once per 10 minutes unless the contractor
    # confirms a resend (409 ``certificate.recently_sent`` otherwise).
    resend: bool = False


class CancelInput(Input):
    reason: Reason


class AdjustmentResult(Output):
    contract_number: str
    version: int
    status: CertificateStatus
    adjustment_kind: Literal["additional", "refund", "none"]
    adjustment_amount: int
