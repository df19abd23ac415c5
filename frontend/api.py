"""The one client the UI uses to reach the API (DESIGN §3, §5): HTTP + JSON, typed.

The Reflex server calls the API server-to-server with ``httpx``; it never imports
``backend``. Every call forwards the browser's address (``x-hosho-client-ip``) with
the shared secret from the data dir (``x-hosho-forward-secret``), so the API's
throttles count the person at the browser, not the UI server; and the browser's
``User-Agent``, so sessions and D-Sure view logs name the real browser.

The response types mirror the API's schemas (DESIGN §5.1) as msgspec Structs. They
ignore fields they do not know, so the API can grow without breaking the UI.

Errors come back as :class:`ApiError` carrying the API's stable ``code``, its Japanese
``detail`` and the per-field messages of a 400 (``errors: [{field, message}]``).
"""

from __future__ import annotations

import os
import secrets
from datetime import date, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal, TypeVar

import httpx
import msgspec

API_URL_ENV = "HOSHO_API_URL"
DEFAULT_API_URL = "http://127.0.0.1:3000"
FORWARDED_FOR_HEADER = "x-hosho-client-ip"
FORWARDED_CHAIN_HEADER = "x-hosho-client-forwarded-for"  # the browser request's X-Forwarded-For (proxies)
FORWARD_SECRET_HEADER = "x-hosho-forward-secret"
FORWARD_SECRET_FILE = "ui-forward.secret"
TIMEOUT = httpx.Timeout(30.0, connect=5.0)

GuaranteeType = Literal["advance", "interim_advance", "contract"]
DocumentKind = Literal["certificate", "auth-key-notice", "fee-statement", "fee-receipt", "fee-adjustment"]

T = TypeVar("T")


# --- errors -----------------------------------------------------------------------------


class ApiError(Exception):
    """A refused or failed API call, with what to tell the person.

    ``code`` is the API's stable name for the case (DESIGN §5.2: ``validation``,
    ``unauthorized``, ``dsure.locked``, ``auth.bad_credentials``, …): the UI branches
    on it, never on the Japanese text, which may be reworded.
    """

    def __init__(
        self,
        status_code: int,
        detail: str,
        errors: dict[str, str] | None = None,
        retry_after: int | None = None,
        code: str | None = None,
    ) -> None:
        super().__init__(detail)
        self.status_code = status_code
        self.detail = detail
        self.errors = errors or {}
        self.retry_after = retry_after
        self.code = code or STATUS_CODES.get(status_code, "internal" if status_code >= 500 else "validation")


UNREACHABLE = "サーバーに接続できませんでした。しばらくしてから再度お試しください。"
GENERIC = {
    400: "入力内容をご確認ください。",
    401: "ログインが必要です。",
    403: "この操作を行う権限がありません。",
    404: "お探しの情報は見つかりませんでした。",
    409: "現在の状態ではこの操作はできません。",
    429: "試行回数が多すぎます。しばらく待ってから再度お試しください。",
}
FAILED = "サーバーで問題が発生しました。時間をおいて再度お試しください。"
# The code of a body without one (a proxy's page, the API unreachable): the status's general case.
STATUS_CODES = {
    400: "validation", 401: "unauthorized", 403: "forbidden", 404: "not_found", 405: "method_not_allowed",
    409: "conflict", 413: "payload_too_large", 415: "unsupported_media_type", 429: "throttled",
    500: "internal", 503: "unavailable",
}


def error_from_response(response: httpx.Response) -> ApiError:
    """The error body ``{status_code, code, detail, errors?: [{field, message}]}`` as an :class:`ApiError`."""
    try:
        body = response.json()
    except ValueError:
        body = None
    if not isinstance(body, dict):
        body = {}
    errors: dict[str, str] = {}
    for item in body.get("errors") or []:
        if isinstance(item, dict) and item.get("field") and item.get("message"):
            errors.setdefault(str(item["field"]).split(".")[-1], str(item["message"]))
    detail = str(body.get("detail") or "")
    if not any(ord(ch) > 0x2E80 for ch in detail):  # a framework's or a proxy's English
        detail = GENERIC.get(response.status_code, FAILED)
    retry_after = response.headers.get("retry-after", "")
    return ApiError(response.status_code, detail, errors, int(retry_after) if retry_after.isdigit() else None,
                    code=str(body.get("code") or "") or None)


# --- schemas (DESIGN §5.1) --------------------------------------------------------------


class _Out(msgspec.Struct, kw_only=True):
    """A response body: unknown fields are ignored."""


class User(_Out):
    login_id: str
    role: Literal["contractor", "admin"]
    display_name: str


class LoginResult(_Out):
    token: str
    user: User
    csrf_token: str
    expires_at: datetime
    totp_setup_required: bool = False


class RegisterResult(_Out):
    customer_id: str
    status: str


class Company(_Out):
    customer_id: str
    company_name: str
    representative: str
    address: str
    phone: str
    email: str
    license_number: str
    status: str
    created_at: datetime
    approved_at: datetime | None = None
    status_reason: str = ""  # why staff rejected or suspended it
    status_changed_at: datetime | None = None


class Me(_Out):
    login_id: str
    role: Literal["contractor", "admin"]
    display_name: str
    company: Company | None = None
    totp_enabled: bool = False
    totp_setup_required: bool = False


class TotpSetup(_Out):
    """A new two-factor secret (active once a first code confirms it)."""

    secret: str
    otpauth_uri: str


class TotpConfirmed(_Out):
    recovery_codes: list[str]


class PasswordPolicy(_Out):
    """The password rule, shown on every form that sets a password before anything is typed."""

    rule: str
    min_length: int
    max_length: int


class Accepted(_Out):
    """202 of a mailed request (reset link, お客様ID reminder): the same words whether the address is known or not."""

    detail: str


class Orderer(_Out):
    code: str
    name: str
    reading: str  # 読み仮名 (hiragana): the API lists orderers in 五十音順 by it
    title: str
    orderer_class: str
    orderer_class_label: str
    e_guarantee_from: date | None
    accepts_electronic: bool
    electronic_note: str
    submission_email: str | None
    channels: list[str]
    subject_templates: dict[str, str]
    routing_note: str
    active: bool


class TimelineStep(_Out):
    step: str
    label: str
    on: date | None
    done: bool


class Application(_Out):
    id: int
    guarantee_type: str
    status: str
    status_label: str
    guarantee_type_label: str
    orderer_code: str
    orderer_name: str
    orderer_project_number: str | None
    project_name: str
    project_location: str
    contract_amount: int
    advance_amount: int | None
    guarantee_amount: int
    contract_date: date
    period_start: date
    period_end: date
    bid_announced_on: date
    delivery: str
    notes: str
    created_at: datetime
    fee: int | None
    fee_notified_at: datetime | None
    paid_on: date | None
    paid_amount: int | None
    contract_number: str | None
    rejected_reason: str | None
    timeline: list[TimelineStep]
    deposit_bank: dict[str, str] | None = None  # 預託金融機関 {name, branch} (advance types)
    advance_contract_number: str | None = None  # interim_advance: its 前払金保証
    interim_certified_on: date | None = None
    payment_due_on: date | None = None  # 支払期限 of a notified, unpaid fee
    payment_account: str | None = None  # 振込先
    # admin views add who applied
    customer_id: str | None = None
    company_name: str | None = None


class CertificateItem(_Out):
    contract_number: str
    guarantee_type: str
    guarantee_type_label: str
    status_label: str
    period_end: date
    delivery: str
    project_name: str
    orderer_name: str
    guarantee_amount: int
    status: str
    version: int
    issued_on: date
    last_viewed_at: datetime | None
    acknowledged_at: datetime | None
    customer_id: str | None = None
    company_name: str | None = None


class CertificatePage(_Out):
    items: list[CertificateItem]
    next_cursor: str | None


class Change(_Out):
    """One amended item of a version: 保証金額 金1,000,000円 → 金1,200,000円."""

    field: str
    label: str
    before: Any
    after: Any


class VersionSummary(_Out):
    """A version as D-Sure shows it."""

    version: int
    issued_on: date
    changes: list[Change]
    change_reason: str | None = None


class VersionInfo(VersionSummary, kw_only=True):
    """A version as its contractor sees it: the reason always sent (null for the first)."""

    change_reason: str | None


class View(_Out):
    """One D-Sure view of a certificate, as its contractor sees it (origin coarsened)."""

    at: datetime
    version: int
    kind: str  # verify | receipt
    origin: str
    browser: str


class FeeAdjustment(_Out):
    version: int
    kind: str
    kind_label: str
    amount: int
    created_at: datetime


class CertificateDetail(CertificateItem, kw_only=True):
    """GET /api/certificates/{number}: the current content, its versions, who viewed it."""

    certificate: dict[str, Any]
    versions: list[VersionInfo]
    digest: str
    signature: str
    cancelled_at: datetime | None
    sent_to_orderer_at: datetime | None
    sent_to_orderer_address: str | None
    fee_adjustments: list[FeeAdjustment]
    has_auth_key: bool
    views: list[View] = []


class AuthKey(_Out):
    contract_number: str
    auth_key: str


class SendResult(_Out):
    contract_number: str
    to: str
    subject: str
    mail_id: int
    sent_at: str  # ISO 8601 (the API documents a plain string)


class IssuerRef(_Out):
    code: str
    name: str


class SendPreview(_Out):
    """GET /api/certificates/{number}/send-to-orderer/preview: what 「発注者へ送付」 will send."""

    contract_number: str
    to: str
    subject: str
    attachment: str  # the key notice's file name
    cc_address: str  # the contractor's own address, for an optional copy (控え)
    last_sent_at: str | None  # ISO 8601 (the API documents a plain string)
    last_sent_to: str | None
    resend_required: bool  # sent within the cooldown: the send needs ``resend``
    warning: str | None  # what to tell the contractor before a resend


ChangeKind = Literal["amend", "cancel"]
ChangeStatus = Literal["submitted", "fee_notified", "concluded", "rejected"]
FeeKind = Literal["additional", "refund", "none"]


class ChangeRequest(_Out):
    """A 変更・解約の申込み (contractor and staff views)."""

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
    fee_delta: int | None  # > 0 追加保証料, < 0 返還保証料; null before the fee notice
    fee_kind: str | None  # additional | refund | none
    fee_kind_label: str | None
    fee_notified_on: date | None
    payment_due_on: date | None
    payment_account: str | None
    paid_on: date | None
    paid_amount: int | None
    receipt_number: str | None
    rejected_reason: str | None
    version: int | None  # the version the conclusion issued (amend)
    created_at: datetime
    concluded_at: datetime | None
    company_name: str | None = None  # admins only


class ChangeFeeNotice(_Out):
    """POST /api/admin/change-requests/{id}/fee-notice."""

    id: int
    fee_delta: int
    fee_kind: FeeKind
    amount: int  # |fee_delta|
    payment_due_on: date | None
    payment_account: str | None


class ChangeConclusion(_Out):
    """POST /api/admin/change-requests/{id}/conclude."""

    id: int
    contract_number: str
    version: int
    status: str


class Verification(_Out):
    """POST /api/dsure/verify."""

    contract_number: str
    status: str
    version: int
    status_label: str
    issuer: IssuerRef  # the surety that issued it (numbers may coincide across sureties)
    cancelled_on: date | None
    cancel_reason: str | None
    certificate: dict[str, Any]
    versions: list[VersionSummary]
    digest: str
    signature: str
    signature_valid: bool
    checked_at: datetime
    acknowledged_at: datetime | None


class Acknowledgement(_Out):
    acknowledged_at: datetime
    first_time: bool


class Subscription(_Out):
    email: str
    already_subscribed: bool


class FeeNotice(_Out):
    """The 保証料計算書 data returned by the fee notice."""

    fee: int
    days: int
    rate_per_year: str
    sample_data: bool


class Adjustment(_Out):
    contract_number: str
    version: int
    status: str
    adjustment_kind: str  # additional | refund | none
    adjustment_amount: int


class Lockout(_Out):
    """A number locked for everybody (100 failures within 24 hours)."""

    contract_number: str
    until: datetime
    failures: int
    issued: bool  # False: an unknown number was probed


class LockReleased(_Out):
    contract_number: str
    released: bool
    pairs_released: int


class DsureStats(_Out):
    views_today: int
    views_this_month: int
    failures_last_24h: int
    lockouts: list[Lockout]


class PublicationBacklog(_Out):
    pending: int
    oldest_pending_at: datetime | None
    last_error: str | None


class MonthIssuance(_Out):
    month: str  # YYYY-MM
    advance: int
    interim_advance: int
    contract: int


class PendingRegistration(_Out):
    """A registration waiting for a decision, as the dashboard lists it (oldest first)."""

    customer_id: str
    company_name: str
    registered_at: datetime
    age_hours: int


class Stats(_Out):
    """GET /api/admin/stats: the dashboard's counts."""

    pending_registrations: int
    applications_by_status: dict[str, int]
    certificates_by_status: dict[str, int]
    issued_this_month_by_type: dict[str, int]
    issuance_by_month: list[MonthIssuance]
    mail_by_status: dict[str, int]
    generated_at: str
    oldest_pending_registrations: list[PendingRegistration] = []  # oldest first, at most 10


class Conclusion(_Out):
    contract_number: str


class MailItem(_Out):
    id: int
    to: str
    subject: str
    status: str
    category: str
    attempts: int
    created_at: datetime
    sent_at: datetime | None
    next_attempt_at: datetime | None
    last_error: str
    related: str


class AuditEntry(_Out):
    seq: int
    at: datetime
    action: str
    actor: str
    target: str
    address: str
    details: dict[str, Any]
    hash: str


class ChainReport(_Out):
    ok: bool
    entries: int
    first_broken_seq: int | None = None


class Health(_Out):
    status: str
    database: str


# --- the client ---------------------------------------------------------------------------


def api_url() -> str:
    return (os.environ.get(API_URL_ENV) or DEFAULT_API_URL).rstrip("/")


def dsure_url() -> str | None:
    """A separate D-Sure (HOSHO_DSURE_URL): the D-Sure page's calls go there instead of to e-Net's API."""
    return (os.environ.get("HOSHO_DSURE_URL") or "").rstrip("/") or None


def _data_dir() -> Path:
    return Path(os.environ.get("HOSHO_DATA_DIR") or "./data").resolve()


@lru_cache(maxsize=1)
def forward_secret() -> str:
    """Hex of ``<data dir>/ui-forward.secret``: read it, or create it (0600) as the API would."""
    path = _data_dir() / FORWARD_SECRET_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_bytes().hex()
    value = secrets.token_bytes(32)
    with os.fdopen(fd, "wb") as handle:
        handle.write(value)
    return value.hex()


_client: httpx.AsyncClient | None = None


def _http() -> httpx.AsyncClient:
    """One pooled client for the UI server (created on first use, in the server's loop)."""
    global _client
    if _client is None or _client.is_closed:
        _client = httpx.AsyncClient(base_url=api_url(), timeout=TIMEOUT, headers={"accept": "application/json"})
    return _client


def _drop_none(body: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in body.items() if value is not None}


class Api:
    """The API as the person at the browser sees it: their token, their address."""

    def __init__(
        self,
        token: str | None = None,
        client_ip: str | None = None,
        user_agent: str | None = None,
        *,
        forwarded_for: str | None = None,
        http: httpx.AsyncClient | None = None,
    ) -> None:
        self.http = http  # tests pass their own client; the UI uses the shared pool
        self.token = token or None
        self.client_ip = client_ip or None
        self.forwarded_for = (forwarded_for or "")[:1000] or None  # the API believes it only via HOSHO_TRUSTED_PROXIES
        self.user_agent = (user_agent or "")[:300] or None

    # -- plumbing --

    def _headers(self) -> dict[str, str]:
        headers: dict[str, str] = {}
        if self.token:
            headers["authorization"] = f"Bearer {self.token}"
        if self.user_agent:  # the browser's, so sessions and D-Sure view logs name the real browser
            headers["user-agent"] = self.user_agent
        if self.client_ip:
            headers[FORWARDED_FOR_HEADER] = self.client_ip
            if self.forwarded_for:
                headers[FORWARDED_CHAIN_HEADER] = self.forwarded_for
            try:
                headers[FORWARD_SECRET_HEADER] = forward_secret()
            except OSError:
                pass  # without the secret the API counts the UI server's address
        return headers

    def _url(self, path: str) -> tuple[str, dict[str, str]]:
        """The URL and headers of a call: D-Sure's own server for /dsure/… when it runs apart."""
        headers = self._headers()
        separate = dsure_url()
        if separate is None or not path.startswith("/dsure/"):
            return "/api" + path, headers
        secret_file = os.environ.get("HOSHO_DSURE_FORWARD_SECRET_FILE")  # D-Sure's ui-forward.secret, if shared
        headers.pop(FORWARD_SECRET_HEADER, None)
        if secret_file and self.client_ip:
            try:
                headers[FORWARD_SECRET_HEADER] = Path(secret_file).read_bytes().hex()
            except OSError:
                pass
        if FORWARD_SECRET_HEADER not in headers:
            headers.pop(FORWARDED_FOR_HEADER, None)
            headers.pop(FORWARDED_CHAIN_HEADER, None)
        return f"{separate}/api{path}", headers

    async def _send(self, method: str, path: str, *, json: Any = None, params: dict | None = None) -> httpx.Response:
        try:
            url, headers = self._url(path)
            response = await (self.http or _http()).request(
                method, url, json=json, params=_drop_none(params or {}) or None, headers=headers
            )
        except httpx.HTTPError as exc:
            raise ApiError(503, UNREACHABLE) from exc
        if response.status_code >= 400:
            raise error_from_response(response)
        return response

    async def _json(self, method: str, path: str, type_: type[T], **kwargs: Any) -> T:
        response = await self._send(method, path, **kwargs)
        return msgspec.json.decode(response.content, type=type_)

    async def _list(self, path: str, type_: type[T], params: dict | None = None) -> list[T]:
        response = await self._send("GET", path, params=params)
        return msgspec.json.decode(response.content, type=list[type_])

    async def _pdf(self, method: str, path: str, *, json: Any = None) -> tuple[bytes, str]:
        response = await self._send(method, path, json=json)
        return response.content, _filename(response) or ""

    # -- system --

    async def health(self) -> Health:
        return await self._json("GET", "/health", Health)

    # -- accounts --

    async def register(self, body: dict[str, Any]) -> RegisterResult:
        return await self._json("POST", "/auth/register", RegisterResult, json=body)

    async def login(self, login_id: str, password: str, otp: str | None = None) -> LoginResult:
        body = {"login_id": login_id, "password": password, **({"otp": otp} if otp else {})}
        return await self._json("POST", "/auth/login", LoginResult, json=body)

    async def logout(self) -> None:
        await self._send("POST", "/auth/logout")

    async def me(self) -> Me:
        return await self._json("GET", "/auth/me", Me)

    async def start_totp(self) -> TotpSetup:
        return await self._json("POST", "/auth/totp", TotpSetup)

    async def confirm_totp(self, otp: str) -> TotpConfirmed:
        return await self._json("POST", "/auth/totp/confirm", TotpConfirmed, json={"otp": otp})

    async def password_policy(self) -> PasswordPolicy:
        return await self._json("GET", "/auth/password-policy", PasswordPolicy)

    async def change_password(self, current_password: str, new_password: str) -> None:
        """The logged-in person's own password; the API ends their other sessions."""
        await self._send("POST", "/auth/password",
                         json={"current_password": current_password, "new_password": new_password})

    async def request_password_reset(self, email: str) -> Accepted:
        """Mails a single-use link (30 minutes) if the address is registered; the answer never tells."""
        return await self._json("POST", "/auth/password-reset", Accepted, json={"email": email})

    async def confirm_password_reset(self, token: str, new_password: str) -> None:
        await self._send("POST", "/auth/password-reset/confirm", json={"token": token, "new_password": new_password})

    async def forgot_id(self, email: str) -> Accepted:
        """Mails the お客様ID registered with the address (if any); the answer never tells."""
        return await self._json("POST", "/auth/forgot-id", Accepted, json={"email": email})

    # -- orderers --

    async def orderers(self) -> list[Orderer]:
        return await self._list("/orderers", Orderer)

    # -- applications (contractor) --

    async def create_application(self, body: dict[str, Any]) -> Application:
        return await self._json("POST", "/applications", Application, json=body)

    async def applications(self) -> list[Application]:
        return await self._list("/applications", Application)

    async def application(self, application_id: int | str) -> Application:
        return await self._json("GET", f"/applications/{application_id}", Application)

    async def withdraw_application(self, application_id: int | str) -> Application:
        return await self._json("POST", f"/applications/{application_id}/withdraw", Application)

    async def application_document(self, application_id: int | str, kind: str) -> tuple[bytes, str]:
        """``fee-statement`` (保証料計算書) or ``fee-receipt`` (保証料領収証), before a certificate exists."""
        return await self._pdf("GET", f"/applications/{application_id}/documents/{kind}")

    # -- certificates (contractor) --

    async def certificates(
        self,
        q: str | None = None,
        guarantee_type: str | None = None,
        status: str | None = None,
        cursor: str | None = None,
        limit: int | None = None,
    ) -> CertificatePage:
        params = {"q": q or None, "guarantee_type": guarantee_type or None, "status": status or None,
                  "cursor": cursor or None, "limit": limit}
        return await self._json("GET", "/certificates", CertificatePage, params=params)

    async def certificate(self, number: str) -> CertificateDetail:
        return await self._json("GET", f"/certificates/{number}", CertificateDetail)

    async def auth_key(self, number: str) -> AuthKey:
        return await self._json("GET", f"/certificates/{number}/auth-key", AuthKey)

    async def reissue_key(self, number: str) -> AuthKey:
        """A new 認証キー; the old one stops working at once (the orderer needs the new notice)."""
        return await self._json("POST", f"/certificates/{number}/reissue-key", AuthKey)

    async def document(self, number: str, kind: DocumentKind) -> tuple[bytes, str]:
        return await self._pdf("GET", f"/certificates/{number}/documents/{kind}")

    async def send_to_orderer(self, number: str, *, resend: bool = False, cc_self: bool = False) -> SendResult:
        return await self._json("POST", f"/certificates/{number}/send-to-orderer", SendResult,
                                json={"resend": resend, "cc_self": cc_self})

    async def send_preview(self, number: str) -> SendPreview:
        return await self._json("GET", f"/certificates/{number}/send-to-orderer/preview", SendPreview)

    async def change_requests(self, number: str) -> list[ChangeRequest]:
        return await self._list(f"/certificates/{number}/change-requests", ChangeRequest)

    async def create_change_request(self, number: str, body: dict[str, Any]) -> ChangeRequest:
        return await self._json("POST", f"/certificates/{number}/change-requests", ChangeRequest, json=_drop_none(body))

    async def change_document(self, number: str, request_id: int | str, kind: str) -> tuple[bytes, str]:
        return await self._pdf("GET", f"/certificates/{number}/change-requests/{request_id}/documents/{kind}")

    # -- D-Sure (no login: the number and the key are the credentials) --

    async def dsure_verify(self, contract_number: str, auth_key: str) -> Verification:
        body = {"contract_number": contract_number, "auth_key": auth_key}
        return await self._json("POST", "/dsure/verify", Verification, json=body)

    async def dsure_receipt(self, contract_number: str, auth_key: str) -> tuple[bytes, str]:
        body = {"contract_number": contract_number, "auth_key": auth_key}
        return await self._pdf("POST", "/dsure/receipt", json=body)

    async def dsure_subscribe(self, contract_number: str, auth_key: str, email: str) -> Subscription:
        body = {"contract_number": contract_number, "auth_key": auth_key, "email": email}
        return await self._json("POST", "/dsure/subscribe", Subscription, json=body)

    async def dsure_acknowledge(self, contract_number: str, auth_key: str) -> Acknowledgement:
        body = {"contract_number": contract_number, "auth_key": auth_key}
        return await self._json("POST", "/dsure/acknowledge", Acknowledgement, json=body)

    # -- admin --

    async def admin_stats(self) -> Stats:
        return await self._json("GET", "/admin/stats", Stats)

    async def admin_companies(self, status: str | None = None) -> list[Company]:
        return await self._list("/admin/companies", Company, params={"status": status})

    async def admin_approve(self, customer_id: str) -> Company:
        return await self._json("POST", f"/admin/companies/{customer_id}/approve", Company)

    async def admin_reject_company(self, customer_id: str, reason: str) -> Company:
        """Refuse a pending registration; the reason goes to the applicant in the mail."""
        return await self._json("POST", f"/admin/companies/{customer_id}/reject", Company, json={"reason": reason})

    async def admin_suspend_company(self, customer_id: str, reason: str = "") -> Company:
        """Stop an active company; its sessions end at once and it is mailed (with the reason, if any)."""
        return await self._json("POST", f"/admin/companies/{customer_id}/suspend", Company, json={"reason": reason})

    async def admin_resume_company(self, customer_id: str) -> Company:
        return await self._json("POST", f"/admin/companies/{customer_id}/resume", Company)

    async def admin_applications(self, status: str | None = None) -> list[Application]:
        return await self._list("/admin/applications", Application, params={"status": status})

    async def admin_fee_notice(self, application_id: int | str) -> FeeNotice:
        return await self._json("POST", f"/admin/applications/{application_id}/fee-notice", FeeNotice)

    async def admin_payment(self, application_id: int | str, paid_on: str, amount: int | str) -> None:
        await self._send("POST", f"/admin/applications/{application_id}/payment",
                         json={"paid_on": paid_on, "amount": amount})

    async def admin_conclude(self, application_id: int | str) -> Conclusion:
        return await self._json("POST", f"/admin/applications/{application_id}/conclude", Conclusion)

    async def admin_reject(self, application_id: int | str, reason: str) -> None:
        await self._send("POST", f"/admin/applications/{application_id}/reject", json={"reason": reason})

    async def admin_certificates(self, q: str | None = None, status: str | None = None) -> CertificatePage:
        return await self._json("GET", "/admin/certificates", CertificatePage,
                                params={"q": q or None, "status": status or None})

    async def admin_amend(self, number: str, body: dict[str, Any]) -> Adjustment:
        return await self._json("POST", f"/admin/certificates/{number}/amend", Adjustment, json=_drop_none(body))

    async def admin_cancel(self, number: str, reason: str) -> Adjustment:
        return await self._json("POST", f"/admin/certificates/{number}/cancel", Adjustment, json={"reason": reason})

    async def admin_change_requests(self, status: str | None = None) -> list[ChangeRequest]:
        return await self._list("/admin/change-requests", ChangeRequest, params={"status": status})

    async def admin_change_fee_notice(self, request_id: int | str) -> ChangeFeeNotice:
        return await self._json("POST", f"/admin/change-requests/{request_id}/fee-notice", ChangeFeeNotice)

    async def admin_change_payment(self, request_id: int | str, paid_on: str, amount: int | str) -> ChangeRequest:
        return await self._json("POST", f"/admin/change-requests/{request_id}/payment", ChangeRequest,
                                json={"paid_on": paid_on, "amount": amount})

    async def admin_change_conclude(self, request_id: int | str) -> ChangeConclusion:
        return await self._json("POST", f"/admin/change-requests/{request_id}/conclude", ChangeConclusion)

    async def admin_change_reject(self, request_id: int | str, reason: str) -> ChangeRequest:
        return await self._json("POST", f"/admin/change-requests/{request_id}/reject", ChangeRequest,
                                json={"reason": reason})

    async def admin_reissue_key(self, number: str) -> AuthKey:
        return await self._json("POST", f"/admin/certificates/{number}/reissue-key", AuthKey)

    async def admin_dsure_stats(self) -> DsureStats:
        return await self._json("GET", "/admin/dsure/stats", DsureStats)

    async def admin_dsure_publications(self) -> PublicationBacklog:
        return await self._json("GET", "/admin/dsure/publications", PublicationBacklog)

    async def admin_release_dsure_lock(self, contract_number: str) -> LockReleased:
        return await self._json("POST", f"/admin/dsure/locks/{contract_number}/release", LockReleased)

    async def admin_orderers(self) -> list[Orderer]:
        return await self._list("/admin/orderers", Orderer)

    async def admin_create_orderer(self, body: dict[str, Any]) -> Orderer:
        return await self._json("POST", "/admin/orderers", Orderer, json=body)

    async def admin_update_orderer(self, code: str, body: dict[str, Any]) -> Orderer:
        return await self._json("PATCH", f"/admin/orderers/{code}", Orderer, json=body)

    async def admin_mail(self, status: str | None = None, limit: int = 100) -> list[MailItem]:
        return await self._list("/admin/mail", MailItem, params={"status": status, "limit": limit})

    async def admin_mail_retry(self, mail_id: int) -> MailItem:
        return await self._json("POST", f"/admin/mail/{mail_id}/retry", MailItem)

    async def admin_audit(
        self, limit: int = 100, action: str | None = None, before_seq: int | None = None
    ) -> list[AuditEntry]:
        params = {"limit": limit, "action": action, "before_seq": before_seq}
        return await self._list("/admin/audit", AuditEntry, params=params)

    async def admin_audit_verify(self) -> ChainReport:
        return await self._json("GET", "/admin/audit/verify", ChainReport)


def _filename(response: httpx.Response) -> str | None:
    """The download name: the Japanese ``filename*`` (RFC 6266) over the ASCII ``filename`` fallback."""
    from urllib.parse import unquote

    names: dict[str, str] = {}
    for part in response.headers.get("content-disposition", "").split(";"):
        name, _, value = part.strip().partition("=")
        if name.lower() == "filename*" and "''" in value:
            names["utf-8"] = unquote(value.split("''", 1)[1])
        elif name.lower() == "filename":
            names["ascii"] = value.strip('"')
    return names.get("utf-8") or names.get("ascii")
