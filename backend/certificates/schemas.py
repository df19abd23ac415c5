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
    cc_self: bool = False  # also send the contractor a copy (控え)


class CancelInput(Input, kw_only=True):
    reason: Reason
    cancel_on: date | None = None  # 解約日; staff may leave it out: today (or the 保証期限 if earlier)


class AdjustmentResult(Output):
    contract_number: str
    version: int
    status: CertificateStatus
    adjustment_kind: Literal["additional", "refund", "none"]
    adjustment_amount: int


# --- change requests (変更・解約の申込み, DESIGN §5.2) -------------------------------------------

ChangeKind = Literal["amend", "cancel"]
ChangeStatus = Literal["submitted", "fee_notified", "concluded", "rejected"]
FeeKind = Literal["additional", "refund", "none"]


class ChangeRequestInput(Input, kw_only=True):
    """amend: one or more of 請負代金額 / 保証金額 / 保証期限; cancel: 解約日. Both: a reason."""

    kind: ChangeKind
    contract_amount: PositiveYen | None = None
    guarantee_amount: PositiveYen | None = None
    period_end: date | None = None
    cancel_on: date | None = None
    reason: Reason

    @classmethod
    def rule_problems(cls, values: dict) -> list[tuple[str, str]]:
        """The fields of the one kind only (every misplaced field at once)."""
        kind = values.get("kind")
        if kind == "cancel":
            problems = [
                (name, "解約の申込みでは変更後の金額・期限は入力しません。解約日と理由を入力してください。")
                for name in ("contract_amount", "guarantee_amount", "period_end")
                if values.get(name) is not None
            ]
            if values.get("cancel_on") is None:
                problems.append(("cancel_on", "解約日を入力してください。"))
            return problems
        if kind == "amend" and values.get("cancel_on") is not None:
            return [("cancel_on", "変更の申込みでは解約日は入力しません。解約する場合は「解約」を選んでください。")]
        return []


class ChangeTimelineStep(Output):
    step: str
    label: str
    on: date | None
    done: bool


class ChangeRequestOut(Output):
    id: int
    kind: ChangeKind
    kind_label: str  # 変更 / 解約
    status: ChangeStatus
    status_label: str
    contract_number: str
    project_name: str
    base_version: int
    contract_amount: int | None
    guarantee_amount: int | None
    period_end: date | None
    cancel_on: date | None
    reason: str
    fee_delta: int | None  # > 0 追加保証料, < 0 返還保証料, 0 none; null before the fee notice
    fee_kind: FeeKind | None
    fee_kind_label: str | None
    fee_notified_on: date | None
    payment_due_on: date | None  # 支払期限 of a 追加保証料
    payment_account: str | None  # 振込先 of a 追加保証料
    paid_on: date | None
    paid_amount: int | None
    receipt_number: str | None
    rejected_reason: str | None
    version: int | None  # the version the conclusion issued (amend)
    created_at: datetime
    concluded_at: datetime | None
    timeline: list[ChangeTimelineStep]
    company_name: str | None = None  # admins only


class ChangeFeeNoticeOut(Output):
    id: int
    fee_delta: int
    fee_kind: FeeKind
    amount: int  # |fee_delta|
    payment_due_on: date | None
    payment_account: str | None


class ChangeConcludeOut(Output):
    id: int
    contract_number: str
    version: int
    status: CertificateStatus
