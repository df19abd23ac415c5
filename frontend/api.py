"""The one client the UI uses to reach the API (DESIGN §3, §5): HTTP + JSON, typed.

The Reflex server calls the API server-to-server with ``httpx``; it never imports
``backend``. Every call forwards the browser's address (``x-hosho-client-ip``) with
the shared secret from the data dir (``x-hosho-forward-secret``), so the API's
throttles count the person at the browser, not the UI server; and the browser's
``User-Agent``, so sessions and D-Sure view logs name the real browser.

The response types mirror the API's schemas (DESIGN §5.1) as msgspec Structs. They
ignore fields they do not know, so the API can grow without breaking the UI.

Errors come back as :class:`ApiError` carrying the API's Japanese ``detail`` and the
per-field messages of a 400 (``errors: [{field, message}]``).
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
    """A refused or failed API call, with what to tell the person."""

    def __init__(
        self,
        status_code: int,
        detail: str,
        errors: dict[str, str] | None = None,
        retry_after: int | None = None,
    ) -> None:
        super().__init__(detail)
        self.status_code = status_code
        self.detail = detail
        self.errors = errors or {}
        self.retry_after = retry_after

    @property
    def unauthorized(self) -> bool:
        return self.status_code == 401

    @property
    def not_built(self) -> bool:
        """The API has no such endpoint (yet): 405, or a 404 without a message of its own."""
        return self.status_code == 405 or (self.status_code == 404 and self.detail == GENERIC[404])


UNREACHABLE = "サーバーに接続できませんでした。しばらくしてから再度お試しください。"
GENERIC = {
    400: "入力内容をご確認ください。",
    401: "ログインが必要です。",
    403: "この操作を行う権限がありません。",
    404: "お探しの情報は見つかりませんでした。",
    409: "現在の状態ではこの操作はできません。",
    429: "試行回数が多すぎます。しばらく待ってから再度お試しください。",
}


def error_from_response(response: httpx.Response) -> ApiError:
    detail = ""
    errors: dict[str, str] = {}
    try:
        body = response.json()
    except ValueError:
        body = None
    if isinstance(body, dict):
        detail = str(body.get("detail") or "")
        for item in body.get("errors") or body.get("extra") or []:
            if isinstance(item, dict) and item.get("field") and item.get("message"):
                field = str(item["field"]).split(".")[-1]
                errors.setdefault(field, str(item["message"]))
    if not detail or not any(ord(ch) > 0x2E80 for ch in detail):
        detail = GENERIC.get(response.status_code, "サーバーで問題が発生しました。時間をおいて再度お試しください。")
    retry_after = None
    if response.headers.get("retry-after", "").isdigit():
        retry_after = int(response.headers["retry-after"])
    return ApiError(response.status_code, detail, errors, retry_after)


# --- schemas (DESIGN §5.1) --------------------------------------------------------------


class _Out(msgspec.Struct, kw_only=True):
    """A response body: unknown fields are ignored."""


class User(_Out):
    login_id: str
    role: Literal["contractor", "admin"]
    display_name: str = ""


class LoginResult(_Out):
    token: str
    user: User
    csrf_token: str = ""
    expires_at: datetime | None = None


class RegisterResult(_Out):
    customer_id: str
    status: str


class Company(_Out):
    customer_id: str
    company_name: str
    representative: str = ""
    address: str = ""
    phone: str = ""
    email: str = ""
    license_number: str = ""
    status: str = "pending"
    created_at: datetime | None = None
    approved_at: datetime | None = None


class Me(_Out):
    login_id: str
    role: Literal["contractor", "admin"]
    display_name: str = ""
    company: Company | None = None


class Orderer(_Out):
    code: str
    name: str
    title: str = ""
    orderer_class: str = "other"
    orderer_class_label: str = ""
    e_guarantee_from: date | None = None
    accepts_electronic: bool = False
    electronic_note: str = ""
    submission_email: str | None = None
    channels: list[str] = []
    subject_templates: dict[str, str] = {}
    routing_note: str = ""
    active: bool = True


class TimelineStep(_Out):
    step: str
    label: str = ""
    on: date | None = None
    done: bool = False


class Application(_Out):
    id: int | str
    guarantee_type: str
    status: str = "submitted"
    status_label: str = ""
    guarantee_type_label: str = ""
    orderer_code: str = ""
    orderer_name: str = ""
    orderer_project_number: str | None = None
    project_name: str = ""
    project_location: str = ""
    contract_amount: int = 0
    advance_amount: int | None = None
    guarantee_amount: int | None = None
    contract_date: date | None = None
    period_start: date | None = None
    period_end: date | None = None
    bid_announced_on: date | None = None
    delivery: str = "electronic"
    notes: str = ""
    created_at: datetime | None = None
    fee: int | None = None
    fee_notified_at: datetime | None = None
    paid_on: date | None = None
    paid_amount: int | None = None
    concluded_at: datetime | None = None
    contract_number: str | None = None
    rejected_reason: str | None = None
    withdrawn_at: datetime | None = None
    timeline: list[TimelineStep] = []
    # admin views add who applied
    customer_id: str | None = None
    company_name: str | None = None


class CertificateItem(_Out):
    contract_number: str
    guarantee_type: str = ""
    guarantee_type_label: str = ""
    status_label: str = ""
    period_end: date | None = None
    delivery: str = ""
    customer_id: str | None = None
    project_name: str = ""
    orderer_name: str = ""
    guarantee_amount: int = 0
    status: str = "valid"
    version: int = 1
    issued_on: date | None = None
    last_viewed_at: datetime | None = None
    acknowledged_at: datetime | None = None
    sent_to_orderer_at: datetime | None = None
    company_name: str | None = None


class CertificatePage(_Out):
    items: list[CertificateItem] = []
    next_cursor: str | None = None


class Change(_Out):
    field: str = ""
    label: str = ""
    before: Any = None
    after: Any = None


class VersionInfo(_Out):
    version: int
    issued_on: date | None = None
    changes: list[Change] = []
    change_reason: str | None = None
    digest: str = ""


class View(_Out):
    """One D-Sure view of a certificate, as its contractor sees it (origin coarsened)."""

    at: datetime
    version: int = 1
    kind: str = "verify"  # verify | receipt
    origin: str = ""
    browser: str = ""


class FeeAdjustment(_Out):
    version: int
    kind: str
    kind_label: str = ""
    amount: int = 0
    created_at: datetime | None = None


class CertificateDetail(CertificateItem):
    """GET /api/certificates/{number}: the current content, its versions, who viewed it."""

    certificate: dict[str, Any] = {}
    versions: list[VersionInfo] = []
    digest: str = ""
    signature: str = ""
    cancelled_at: datetime | None = None
    sent_to_orderer_address: str | None = None
    fee_adjustments: list[FeeAdjustment] = []
    has_auth_key: bool = True
    views: list[View] = []


class AuthKey(_Out):
    contract_number: str
    auth_key: str


class SendResult(_Out):
    contract_number: str = ""
    to: str = ""
    subject: str = ""
    mail_id: int | None = None
    sent_at: datetime | None = None


class Verification(_Out):
    """POST /api/dsure/verify."""

    contract_number: str
    status: str
    version: int
    status_label: str = ""
    certificate: dict[str, Any] = {}
    versions: list[VersionInfo] = []
    digest: str = ""
    signature: str = ""
    signature_valid: bool = False
    checked_at: datetime | None = None
    acknowledged_at: datetime | None = None


class Acknowledgement(_Out):
    acknowledged_at: datetime | None = None
    first_time: bool = True


class Subscription(_Out):
    email: str = ""
    already_subscribed: bool = False


class FeeNotice(_Out):
    """The 保証料計算書 data returned by the fee notice."""

    fee: int | None = None
    days: int | None = None
    rate_per_year: str = ""
    sample_data: bool = False


class Adjustment(_Out):
    contract_number: str = ""
    version: int = 1
    status: str = ""
    adjustment_kind: str = "none"  # additional | refund | none
    adjustment_amount: int = 0


class Lockout(_Out):
    contract_number: str | None = None
    until: datetime | None = None


class DsureStats(_Out):
    views_today: int = 0
    views_this_month: int = 0
    failures_last_24h: int = 0
    lockouts: list[Lockout] = []


class Conclusion(_Out):
    contract_number: str


class MailItem(_Out):
    id: int | None = None
    to: str = ""
    subject: str = ""
    status: str = ""
    category: str = ""
    attempts: int = 0
    created_at: datetime | None = None
    sent_at: datetime | None = None
    next_attempt_at: datetime | None = None
    last_error: str = ""
    related: str = ""


class AuditEntry(_Out):
    seq: int
    at: datetime
    action: str
    actor: str = ""
    target: str = ""
    address: str = ""
    details: dict[str, Any] = {}
    hash: str = ""


class ChainReport(_Out):
    ok: bool
    entries: int = 0
    first_broken_seq: int | None = None


class Health(_Out):
    status: str
    database: str = ""


# --- the client ---------------------------------------------------------------------------


def api_url() -> str:
    return (os.environ.get(API_URL_ENV) or DEFAULT_API_URL).rstrip("/")


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


def _items(payload: Any) -> Any:
    """A list endpoint may answer a bare list or a page ``{items, next_cursor}``."""
    if isinstance(payload, dict) and "items" in payload:
        return payload["items"]
    return payload


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

    async def _send(self, method: str, path: str, *, json: Any = None, params: dict | None = None) -> httpx.Response:
        try:
            response = await (self.http or _http()).request(
                method, "/api" + path, json=json, params=_drop_none(params or {}) or None, headers=self._headers()
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
        return msgspec.convert(_items(msgspec.json.decode(response.content)), type=list[type_], strict=False)

    async def _pdf(self, method: str, path: str, *, json: Any = None) -> tuple[bytes, str]:
        response = await self._send(method, path, json=json)
        return response.content, _filename(response) or ""

    # -- system --

    async def health(self) -> Health:
        return await self._json("GET", "/health", Health)

    async def has_path(self, path: str) -> bool:
        """Whether the API's OpenAPI document lists ``path`` (features land step by step)."""
        response = await self._send("GET", "/schema/openapi.json")
        return path in (response.json().get("paths") or {})

    # -- accounts --

    async def register(self, body: dict[str, Any]) -> RegisterResult:
        return await self._json("POST", "/auth/register", RegisterResult, json=body)

    async def login(self, login_id: str, password: str) -> LoginResult:
        return await self._json("POST", "/auth/login", LoginResult, json={"login_id": login_id, "password": password})

    async def logout(self) -> None:
        await self._send("POST", "/auth/logout")

    async def me(self) -> Me:
        return await self._json("GET", "/auth/me", Me)

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
        response = await self._send("GET", "/certificates", params=params)
        payload = msgspec.json.decode(response.content)
        if isinstance(payload, list):
            payload = {"items": payload}
        return msgspec.convert(payload, type=CertificatePage, strict=False)

    async def certificate(self, number: str) -> CertificateDetail:
        return await self._json("GET", f"/certificates/{number}", CertificateDetail)

    async def auth_key(self, number: str) -> AuthKey:
        return await self._json("GET", f"/certificates/{number}/auth-key", AuthKey)

    async def reissue_key(self, number: str) -> AuthKey:
        """A new 認証キー; the old one stops working at once (the orderer needs the new notice)."""
        return await self._json("POST", f"/certificates/{number}/reissue-key", AuthKey)

    async def document(self, number: str, kind: DocumentKind) -> tuple[bytes, str]:
        return await self._pdf("GET", f"/certificates/{number}/documents/{kind}")

    async def send_to_orderer(self, number: str) -> SendResult:
        return await self._json("POST", f"/certificates/{number}/send-to-orderer", SendResult)

    # -- D-Sure (no login: the number and the key are the credentials) --

    async def dsure_verify(self, contract_number: str, auth_key: str) -> Verification:
        body = {"contract_number": contract_number, "auth_key": auth_key}
        return await self._json("POST", "/dsure/verify", Verification, json=body)

    async def dsure_receipt(self, contract_number: str, auth_key: str) -> tuple[bytes, str]:
        body = {"contract_number": contract_number, "auth_key": auth_key}
        return await self._pdf("POST", "/dsure/receipt", json=body)

    async def dsure_subscribe(self, contract_number: str, auth_key: str, email: str) -> Subscription:
        body = {"contract_number": contract_number, "auth_key": auth_key, "email": email}
        response = await self._send("POST", "/dsure/subscribe", json=body)
        return msgspec.convert(response.json() if response.content else {}, type=Subscription, strict=False)

    async def dsure_acknowledge(self, contract_number: str, auth_key: str) -> Acknowledgement:
        body = {"contract_number": contract_number, "auth_key": auth_key}
        response = await self._send("POST", "/dsure/acknowledge", json=body)
        if not response.content:
            return Acknowledgement()
        return msgspec.convert(msgspec.json.decode(response.content), type=Acknowledgement, strict=False)

    # -- admin --

    async def admin_stats(self) -> dict[str, Any]:
        response = await self._send("GET", "/admin/stats")
        return response.json()

    async def admin_companies(self, status: str | None = None) -> list[Company]:
        return await self._list("/admin/companies", Company, params={"status": status})

    async def admin_approve(self, customer_id: str) -> Company:
        return await self._json("POST", f"/admin/companies/{customer_id}/approve", Company)

    async def admin_applications(self, status: str | None = None) -> list[Application]:
        return await self._list("/admin/applications", Application, params={"status": status})

    async def admin_fee_notice(self, application_id: int | str) -> FeeNotice:
        response = await self._send("POST", f"/admin/applications/{application_id}/fee-notice")
        return msgspec.convert(response.json() if response.content else {}, type=FeeNotice, strict=False)

    async def admin_payment(self, application_id: int | str, paid_on: str, amount: int | str) -> None:
        await self._send("POST", f"/admin/applications/{application_id}/payment",
                         json={"paid_on": paid_on, "amount": amount})

    async def admin_conclude(self, application_id: int | str) -> Conclusion:
        return await self._json("POST", f"/admin/applications/{application_id}/conclude", Conclusion)

    async def admin_reject(self, application_id: int | str, reason: str) -> None:
        await self._send("POST", f"/admin/applications/{application_id}/reject", json={"reason": reason})

    async def admin_certificates(self, q: str | None = None, status: str | None = None) -> CertificatePage:
        response = await self._send("GET", "/admin/certificates", params={"q": q or None, "status": status or None})
        payload = msgspec.json.decode(response.content)
        if isinstance(payload, list):
            payload = {"items": payload}
        return msgspec.convert(payload, type=CertificatePage, strict=False)

    async def admin_amend(self, number: str, body: dict[str, Any]) -> Adjustment:
        return await self._json("POST", f"/admin/certificates/{number}/amend", Adjustment, json=_drop_none(body))

    async def admin_cancel(self, number: str, reason: str) -> Adjustment:
        return await self._json("POST", f"/admin/certificates/{number}/cancel", Adjustment, json={"reason": reason})

    async def admin_reissue_key(self, number: str) -> AuthKey:
        return await self._json("POST", f"/admin/certificates/{number}/reissue-key", AuthKey)

    async def admin_dsure_stats(self) -> DsureStats:
        return await self._json("GET", "/admin/dsure/stats", DsureStats)

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
    disposition = response.headers.get("content-disposition", "")
    for part in disposition.split(";"):
        name, _, value = part.strip().partition("=")
        if name.lower() == "filename*" and "''" in value:
            from urllib.parse import unquote

            return unquote(value.split("''", 1)[1])
        if name.lower() == "filename":
            return value.strip('"')
    return None
