"""The data each PDF document is rendered from (DESIGN §7).

The lifecycle code builds plain dicts (JSON-like: dates as ISO ``YYYY-MM-DD`` strings,
amounts as whole yen) and passes them to :func:`backend.documents.render_pdf`. They are
checked here against msgspec Structs, so a missing or misspelt key fails loudly with the
key's path instead of printing an empty cell. Document contexts refuse unknown keys; the
certificate *snapshot* (an immutable, signed record owned by the certificates code) may
carry more keys than the printout shows, and those are ignored.

``sample_*()`` build realistic contexts for tests, previews and the demo.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal

import msgspec

Yen = Annotated[int, msgspec.Meta(ge=0)]
Digest = Annotated[str, msgspec.Meta(pattern=r"^[0-9a-f]{64}$")]
ContractNumber = Annotated[str, msgspec.Meta(pattern=r"^[0-9]{10}$")]
AuthKey = Annotated[str, msgspec.Meta(pattern=r"^[0-9A-Z]{10}$")]
Rate = Annotated[str, msgspec.Meta(pattern=r"^[0-9]+(\.[0-9]+)?$")]
GuaranteeType = Literal["advance", "interim_advance", "contract"]


class _Strict(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """A document context: unknown keys are refused."""


class _Record(msgspec.Struct, kw_only=True):
    """Part of a stored snapshot: extra keys are tolerated (and not printed)."""


# --- certificate snapshot (the content of one version) -------------------------------


class Surety(_Record, kw_only=True):
    name: str  # 保証事業会社, e.g. 西日本建設業保証株式会社
    office_code: str  # e.g. "207"
    representative: str | None = None  # 代表者 (versions before round 2 have none)
    address: str | None = None  # 所在地


class Contractor(_Record, kw_only=True):
    # No お客様ID: it is the contractor's login and orderers read this (older versions carry
    # one; it is never printed).
    company_name: str  # 商号
    representative: str  # 代表者
    address: str  # 所在地
    license_number: str | None = None  # 建設業許可番号


class Orderer(_Record, kw_only=True):
    code: str
    name: str  # 鳥取県建設技術センター
    title: str  # printed as the addressee, e.g. ○○県知事


class Project(_Record, kw_only=True):
    name: str  # 工事名
    location: str  # 工事場所
    orderer_project_number: str | None = None  # 工事番号 / 仕様書番号
    contract_amount: Yen  # 請負代金額
    contract_date: date  # 契約日
    period_start: date  # 工期（始期）
    period_end: date  # 工期（終期）


class Guarantee(_Record, kw_only=True):
    amount: Yen  # 保証金額 (= 前払金額 for the advance types)
    period_start: date  # 保証期間（始期）
    period_end: date  # 保証期限


class Terms(_Record, kw_only=True):
    name: str  # 前払金保証約款
    version: str  # 令和6年4月版


class DepositBank(_Record, kw_only=True):
    name: str  # 預託金融機関 (the bank of the 前払金専用口座)
    branch: str


class Interim(_Record, kw_only=True):
    advance_contract_number: str  # the 前払金保証 the 中間前払金 stands on
    certified_on: date  # the orderer's 認定日


class Change(_Record, kw_only=True):
    field: str  # guarantee_amount, contract_amount, period_end, …
    label: str  # 保証金額
    before: Any = None  # int yen, ISO date string or text
    after: Any = None


class CertificateSnapshot(_Record, kw_only=True):
    contract_number: ContractNumber  # 保証契約番号
    version: Annotated[int, msgspec.Meta(ge=1)]
    guarantee_type: GuaranteeType
    certificate_title: str  # 前払金保証証書 / 中間前払金保証証書 / 契約保証証書
    guarantee_type_label: str  # 前払金保証 / 中間前払金保証 / 契約保証
    issued_on: date
    surety: Surety
    contractor: Contractor
    orderer: Orderer
    project: Project
    guarantee: Guarantee
    terms: Terms
    changes: list[Change] = []
    change_reason: str | None = None
    deposit_bank: DepositBank | None = None  # advance types
    interim: Interim | None = None  # 中間前払金


class VersionChanges(_Record, kw_only=True):
    """One earlier (or the printed) version's changes, for the printout's history."""

    version: int
    issued_on: date
    changes: list[Change] = []
    change_reason: str | None = None


class Cancellation(_Record, kw_only=True):
    cancel_on: date  # 解約日
    reason: str


CertificateStatus = Literal["valid", "cancelled", "expired", "superseded"]


class CertificateContext(_Strict, kw_only=True):
    """``certificate``: the printout of one version, watermarked 閲覧用."""

    snapshot: CertificateSnapshot
    digest: Digest  # SHA-256 of the snapshot's canonical JSON
    status: CertificateStatus
    public_url: str
    history: list[VersionChanges] = []  # every change of versions 2 … the printed one, oldest first
    cancellation: Cancellation | None = None  # when status is cancelled


# --- 認証キー等のお知らせ ----------------------------------------------------------------


class AuthKeyNoticeContext(_Strict, kw_only=True):
    """``auth-key-notice``: what the contractor sends to the orderer."""

    contract_number: ContractNumber
    auth_key: AuthKey  # 10 Crockford Base32 characters (printed as ABCDE-FGHJK; never in the QR)
    guarantee_type_label: str  # 区分
    project_name: str  # 工事名
    orderer_title: str  # 発注者, e.g. ○○県知事
    surety_name: str  # 保証機関
    surety_representative: str = ""
    surety_address: str = ""
    public_url: str  # the QR points at {public_url}/dsure?no={contract_number}
    issued_on: date


# --- fee documents ---------------------------------------------------------------------


class FeeParty(_Record, kw_only=True):
    company_name: str
    address: str


class FeeStatementContext(_Strict, kw_only=True):
    """``fee-statement``: 保証料計算書, issued with the fee notice."""

    application_id: int | str
    contract_number: ContractNumber | None = None  # not allocated before conclusion
    contractor: FeeParty
    orderer_name: str
    project_name: str
    guarantee_type_label: str
    guarantee_amount: Yen
    period_start: date
    period_end: date
    days: Annotated[int, msgspec.Meta(ge=0)]
    rate_per_year: Rate  # "0.0150" = 1.50% a year
    rate_table_version: str
    minimum_fee: Yen
    fee: Yen
    computed_on: date
    sample_data: bool = False  # True: label the figures 「（サンプル料率）」
    flat: bool = False  # True: amount × rate once (中間前払金の公表料率), no days in the formula
    surety_name: str
    surety_representative: str = ""
    surety_address: str = ""
    payment_account: str | None = None  # 振込先 (fee notices)
    payment_due_on: date | None = None  # 支払期限


class FeeReceiptContext(FeeStatementContext, kw_only=True):
    """``fee-receipt``: 保証料領収証, issued when the payment is confirmed; with
    ``change_request_id`` the 領収証 of a change's 追加保証料 (``amount`` = the 追加)."""

    receipt_number: str
    paid_on: date
    amount: Yen
    change_request_id: int | None = None
    previous_fee: Yen | None = None  # a change: the fee before it (``fee`` is the fee after)


class FeeBasis(_Record, kw_only=True):
    """One side (変更前 / 変更後) of a fee adjustment."""

    guarantee_amount: Yen
    period_end: date
    period_start: date | None = None
    days: int | None = None
    fee: Yen | None = None
    rate_per_year: Rate | None = None
    flat: bool = False


class RefundBasis(_Record, kw_only=True):
    """保証料返還計算書 of a cancellation: every figure of the arithmetic."""

    cancel_on: date  # 解約日
    total_days: int  # 保証期間の日数
    used_days: int  # 経過日数 (始期 … 解約日)
    unused_days: int  # 未経過日数
    fee_paid: Yen  # お支払済みの保証料
    minimum_fee: Yen
    prorated_refund: Yen  # 保証料 × 未経過日数 ÷ 保証期間の日数 (円未満切捨て)
    retained: Yen  # 既経過保証料 (at least the minimum fee)
    minimum_applied: bool
    refund: Yen


class FeeAdjustmentContext(_Strict, kw_only=True):
    """``fee-adjustment``: 追加保証料計算書 (additional) or 保証料返還計算書 (refund)."""

    kind: Literal["additional", "refund"]
    contract_number: ContractNumber
    version: Annotated[int, msgspec.Meta(ge=1)]  # the certificate version the change produced
    reason: str
    before: FeeBasis
    after: FeeBasis
    amount: Yen  # 追加保証料 or 返還保証料
    computed_on: date
    sample_data: bool = False
    contractor: FeeParty
    project_name: str
    surety_name: str
    rate_table_version: str
    orderer_name: str | None = None
    guarantee_type_label: str | None = None
    cancellation: RefundBasis | None = None  # a cancellation's refund arithmetic
    change_request_id: int | None = None  # computed for a change request (before its conclusion)
    surety_representative: str = ""
    surety_address: str = ""
    payment_account: str | None = None  # 振込先 of a 追加保証料
    payment_due_on: date | None = None  # 支払期限


# --- D-Sure 閲覧証明 ----------------------------------------------------------------------


class DsureReceiptContext(_Strict, kw_only=True):
    """``dsure-receipt``: the orderer's verification receipt (閲覧証明)."""

    contract_number: ContractNumber
    version: Annotated[int, msgspec.Meta(ge=1)]
    status_label: str  # 有効 / 解約 / 期限満了 / 変更済（旧版）
    digest: Digest
    checked_at: datetime  # ISO datetime; printed in JST
    project_name: str
    orderer_name: str
    signature: str  # base64 Ed25519 signature by D-Sure's key over the check's result (dsure.service.receipt_data)
    key_id: str  # the id of D-Sure's key that made ``signature``
    public_url: str
    snapshot: CertificateSnapshot  # the content of the version checked: names the guarantee
    issuer_code: str = ""  # the surety that published the certificate to D-Sure
    issuer_name: str = ""
    cancellation: Cancellation | None = None  # 解約日 and reason of a cancelled guarantee


CONTEXT_TYPES: dict[str, type[msgspec.Struct]] = {
    "auth-key-notice": AuthKeyNoticeContext,
    "certificate": CertificateContext,
    "fee-statement": FeeStatementContext,
    "fee-receipt": FeeReceiptContext,
    "fee-adjustment": FeeAdjustmentContext,
    "dsure-receipt": DsureReceiptContext,
}
KINDS: tuple[str, ...] = tuple(CONTEXT_TYPES)


class ContextError(ValueError):
    """The context does not have the shape the document needs."""


def document_identity(kind: str, parsed: msgspec.Struct) -> str:
    """Which document a context renders, whatever its content: the PDF cache keeps one
    rendering per identity (a reissued key or a changed status replaces the old file)."""
    if kind == "certificate":
        return f"{parsed.snapshot.contract_number}/v{parsed.snapshot.version}"
    if kind == "fee-receipt" and parsed.change_request_id is not None:
        return f"change/{parsed.change_request_id}"
    if kind in ("fee-statement", "fee-receipt"):
        return f"application/{parsed.application_id}"
    if kind == "fee-adjustment":
        source = f"/change/{parsed.change_request_id}" if parsed.change_request_id is not None else ""
        return f"{parsed.contract_number}/v{parsed.version}/{parsed.kind}{source}"
    if kind == "dsure-receipt":
        return f"{parsed.contract_number}/v{parsed.version}"
    return parsed.contract_number  # auth-key-notice


def parse_context(kind: str, context: dict[str, Any]) -> msgspec.Struct:
    """Check ``context`` for ``kind`` and return it as a Struct (dates parsed)."""
    try:
        struct_type = CONTEXT_TYPES[kind]
    except KeyError:
        raise ContextError(f"unknown document kind: {kind!r}") from None
    try:
        return msgspec.convert(_compat(kind, context), struct_type)
    except msgspec.ValidationError as exc:
        raise ContextError(f"{kind}: {exc}") from exc


def _compat(kind: str, context: dict[str, Any]) -> dict[str, Any]:
    """Accept ``amount`` for ``guarantee_amount`` in a fee adjustment's before/after."""
    if kind != "fee-adjustment" or not isinstance(context, dict):
        return context
    fixed = dict(context)
    for side in ("before", "after"):
        value = fixed.get(side)
        if isinstance(value, dict) and "amount" in value and "guarantee_amount" not in value:
            value = dict(value)
            value["guarantee_amount"] = value.pop("amount")
            fixed[side] = value
    return fixed


# --- samples ----------------------------------------------------------------------------

SAMPLE_PUBLIC_URL = "http://localhost:3000"
SAMPLE_DIGEST = "3f9a1c0e5b7d2468ace013579bdf2468ace013579bdf2468ace013579bdf2468"


def sample_snapshot(*, version: int = 1, guarantee_type: str = "advance") -> dict[str, Any]:
    """A certificate snapshot; version 2 carries an increase of the guarantee amount."""
    titles = {
        "advance": ("前払金保証証書", "前払金保証", "前払金保証約款"),
        "interim_advance": ("中間前払金保証証書", "中間前払金保証", "中間前払金保証約款"),
        "contract": ("契約保証証書", "契約保証", "契約保証約款"),
    }
    title, label, terms = titles[guarantee_type]
    snapshot: dict[str, Any] = {
        "contract_number": "2070004426",
        "version": version,
        "guarantee_type": guarantee_type,
        "certificate_title": title,
        "guarantee_type_label": label,
        "issued_on": "2025-10-15",
        "surety": {
            "name": "西日本建設業保証株式会社", "office_code": "207",
            "representative": "代表取締役社長　保証　一郎", "address": "大阪府大阪市西区○○一丁目1番1号",
        },
        "contractor": {
            "company_name": "因幡建設株式会社",
            "representative": "代表取締役 因幡 一郎",
            "address": "鳥取県鳥取市東町一丁目220番地",
            "license_number": "鳥取県知事許可（特-5）第1234号",
        },
        "orderer": {
            "code": "tottori-kgc",
            "name": "鳥取県建設技術センター",
            "title": "公益財団法人鳥取県建設技術センター理事長",
        },
        "project": {
            "name": "○○道路改良工事",
            "location": "鳥取県鳥取市○○地内",
            "orderer_project_number": "R7-123",
            "contract_amount": 50_000_000,
            "contract_date": "2025-10-10",
            "period_start": "2025-10-15",
            "period_end": "2026-03-31",
        },
        "guarantee": {"amount": 20_000_000, "period_start": "2025-10-15", "period_end": "2026-03-31"},
        "terms": {"name": terms, "version": "令和6年4月版"},
        "changes": [],
        "change_reason": None,
    }
    if guarantee_type != "contract":
        snapshot["deposit_bank"] = {"name": "鳥取銀行", "branch": "県庁支店"}
    if guarantee_type == "interim_advance":
        snapshot["interim"] = {"advance_contract_number": "2070004400", "certified_on": "2026-01-15"}
    if version > 1:
        snapshot["issued_on"] = "2025-12-01"
        snapshot["project"]["contract_amount"] = 55_000_000
        snapshot["guarantee"]["amount"] = 22_000_000
        snapshot["changes"] = [
            {"field": "contract_amount", "label": "請負代金額", "before": 50_000_000, "after": 55_000_000},
            {"field": "guarantee_amount", "label": "保証金額", "before": 20_000_000, "after": 22_000_000},
        ]
        snapshot["change_reason"] = "請負代金額の増額による"
    return snapshot


def sample_certificate(
    *, version: int = 1, guarantee_type: str = "advance", status: str = "valid"
) -> dict[str, Any]:
    return {
        "snapshot": sample_snapshot(version=version, guarantee_type=guarantee_type),
        "digest": SAMPLE_DIGEST,
        "status": status,
        "public_url": SAMPLE_PUBLIC_URL,
    }


def sample_auth_key_notice(**overrides: Any) -> dict[str, Any]:
    context = {
        "contract_number": "2070004426",
        "auth_key": "7KQ2MXC9RT",
        "guarantee_type_label": "前払金保証",
        "project_name": "○○道路改良工事",
        "orderer_title": "公益財団法人鳥取県建設技術センター理事長",
        "surety_name": "西日本建設業保証株式会社",
        "public_url": SAMPLE_PUBLIC_URL,
        "issued_on": "2025-10-15",
    }
    context.update(overrides)
    return context


def sample_fee_statement(**overrides: Any) -> dict[str, Any]:
    context = {
        "application_id": 42,
        "contract_number": None,
        "contractor": {"company_name": "因幡建設株式会社", "address": "鳥取県鳥取市東町一丁目220番地"},
        "orderer_name": "鳥取県建設技術センター",
        "project_name": "○○道路改良工事",
        "guarantee_type_label": "前払金保証",
        "guarantee_amount": 20_000_000,
        "period_start": "2025-10-15",
        "period_end": "2026-03-31",
        "days": 168,
        "rate_per_year": "0.0150",
        "rate_table_version": "サンプル料率表 2025-04",
        "minimum_fee": 5_000,
        "fee": 138_082,
        "computed_on": "2025-10-12",
        "sample_data": True,
        "surety_name": "西日本建設業保証株式会社",
    }
    context.update(overrides)
    return context


def sample_fee_receipt(**overrides: Any) -> dict[str, Any]:
    context = sample_fee_statement(contract_number="2070004426")
    context.update({"receipt_number": "R2025-000123", "paid_on": "2025-10-14", "amount": 138_082})
    context.update(overrides)
    return context


def sample_fee_adjustment(kind: str = "additional", **overrides: Any) -> dict[str, Any]:
    if kind == "additional":
        before = {"guarantee_amount": 20_000_000, "period_end": "2026-03-31", "days": 168, "fee": 138_082}
        after = {"guarantee_amount": 22_000_000, "period_end": "2026-03-31", "days": 168, "fee": 151_890}
        amount, reason = 13_808, "請負代金額の増額による"
    else:
        before = {"guarantee_amount": 20_000_000, "period_end": "2026-03-31", "days": 168, "fee": 138_082}
        after = {"guarantee_amount": 20_000_000, "period_end": "2026-01-31", "days": 109, "fee": 89_589}
        amount, reason = 48_493, "工期の短縮による"
    context = {
        "kind": kind,
        "contract_number": "2070004426",
        "version": 2,
        "reason": reason,
        "before": before,
        "after": after,
        "amount": amount,
        "computed_on": "2025-12-01",
        "sample_data": True,
        "contractor": {"company_name": "因幡建設株式会社", "address": "鳥取県鳥取市東町一丁目220番地"},
        "project_name": "○○道路改良工事",
        "surety_name": "西日本建設業保証株式会社",
        "rate_table_version": "サンプル料率表 2025-04",
    }
    context.update(overrides)
    return context


def sample_dsure_receipt(**overrides: Any) -> dict[str, Any]:
    context = {
        "contract_number": "2070004426",
        "version": 1,
        "status_label": "有効",
        "digest": SAMPLE_DIGEST,
        "checked_at": "2025-10-20T01:15:30+00:00",
        "project_name": "○○道路改良工事",
        "orderer_name": "鳥取県建設技術センター",
        "signature": "q3J0c2lnbmF0dXJlLWV4YW1wbGUtZWQyNTUxOS1zaWduYXR1cmUtYnl0ZXMtNjQtbG9uZy0xMjM0NTY3ODkwYWJjZA==",
        "key_id": "ed25519-207-2025a",
        "public_url": SAMPLE_PUBLIC_URL,
        "snapshot": sample_snapshot(),
    }
    context.update(overrides)
    return context


SAMPLES = {
    "auth-key-notice": sample_auth_key_notice,
    "certificate": sample_certificate,
    "fee-statement": sample_fee_statement,
    "fee-receipt": sample_fee_receipt,
    "fee-adjustment": sample_fee_adjustment,
    "dsure-receipt": sample_dsure_receipt,
}
