"""D-Sure: checking a (保証契約番号, 認証キー) pair and everything that needs one.

Refusals leak nothing. An unknown number, a wrong key and a malformed number or key
(within the schema's length bounds) all get the same 404 with the same body, and take
the same path through the code: the per-address limit, the lock check, the one lookup
query (a dummy number when the input is malformed), an HMAC over the presented pair
compared with ``hmac.compare_digest`` against the stored MAC or a dummy one, then the
same failure bookkeeping (a per-number failure counted, audited, the number locked on
the 5th). Cancelled / expired status is visible only after a correct pair.

Throttling goes through ``backend.throttle.service.get_counters()`` (database by
default, Redis with ``HOSHO_REDIS_URL``, so workers share it):

- ``dsure:num:<number>``: failures in a sliding 15 minutes; the 5th locks the number
  for 15 minutes (429 + Retry-After, even for the right key). Unknown numbers count the
  same way, so probing is throttled identically. Successes do not clear the counter
  (an attacker gains nothing from the real orderer's visit). A malformed number counts
  under a hash of the input, never the raw text (it may be a key typed in the wrong box).
- ``dsure:addr:<address>``: every attempt, at most ``dsure_attempts_per_minute`` a
  minute per client address (0 = off); the address comes from ``client_address()``, so
  the UI server's forwarded browser address counts.

The hot path (a correct pair) is two reads — certificate + key (with the number's lock
folded in when the counters live in the database), then the versions — on a long-lived
SQLite read connection used inline (PostgreSQL: the pool); the view goes to the batched writer
(``backend.dsure.views``); the public key and its id are cached.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import sqlite3
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from functools import lru_cache

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from litestar.exceptions import HTTPException
from piccolo.engine.sqlite import SQLiteEngine
from piccolo.querystring import QueryString

from backend import db
from backend.audit import service as audit
from backend.audit.tables import AuditEntry
from backend.certificates.tables import Certificate
from backend.domain import keys, numbering, signing
from backend.domain.certificate import STATUS_LABELS, status_of
from backend.dsure import views
from backend.dsure.schemas import DsureStats, Lockout, PublicKeyOut, VerifyResult, VersionSummary
from backend.dsure.tables import DsureView
from backend.lib import clock, keyring
from backend.lib.clock import JST
from backend.settings import get_settings
from backend.throttle import service as throttle

FAILURES_BEFORE_LOCK = 5
FAILURE_WINDOW = timedelta(minutes=15)
LOCK_DURATION = timedelta(minutes=15)
ADDRESS_WINDOW = timedelta(minutes=1)

REFUSAL_STATUS = 404
REFUSAL_DETAIL = "保証契約番号または認証キーが正しくありません。「認証キー等のお知らせ」の記載どおりに入力されているかご確認ください。"

_DUMMY_NUMBER = "0000000000"


class Refused(HTTPException):
    """The one answer to an unknown number, a wrong key and malformed input."""

    status_code = REFUSAL_STATUS

    def __init__(self) -> None:
        super().__init__(detail=REFUSAL_DETAIL)


class NumberLocked(HTTPException):
    status_code = 429

    def __init__(self, until: datetime) -> None:
        retry_after = throttle.retry_after_seconds(until)
        minutes = max(1, -(-retry_after // 60))
        super().__init__(
            detail=(
                "この保証契約番号は、認証キーの誤りが続いたため一時的に照会を停止しています。"
                f"約{minutes}分後に再度お試しください。"
            ),
            headers={"Retry-After": str(retry_after)},
        )


class AddressLimited(HTTPException):
    status_code = 429

    def __init__(self, retry_after: int) -> None:
        super().__init__(
            detail="短時間に多くの照会が行われたため、一時的に受付を停止しています。1分ほど待ってから再度お試しください。",
            headers={"Retry-After": str(retry_after)},
        )


@dataclass(frozen=True, slots=True)
class Match:
    """A correct pair: the certificate row (plain dict from the lookup)."""

    certificate_id: int
    contract_number: str
    row: dict

    @property
    def status(self) -> str:
        return status_of(
            cancelled=self.row["cancelled_at"] is not None,
            period_end=_as_date(self.row["period_end"]),
            today=clock.today_jst(),
        )


# --- keys (cached: the hot path never re-derives them) -------------------------------------


@lru_cache(maxsize=1)
def verifier() -> tuple[Ed25519PublicKey, str]:
    public_key = keyring.public_key()
    return public_key, signing.key_id(public_key)


@lru_cache(maxsize=1)
def _dummy_mac() -> str:
    return keys.key_mac(keyring.auth_key_mac_secret(), _DUMMY_NUMBER, "0" * keys.KEY_LENGTH)


def public_key_out() -> PublicKeyOut:
    public_key, key_id = verifier()
    return PublicKeyOut(
        algorithm="Ed25519",
        key_id=key_id,
        pem=signing.public_key_pem(public_key),
        jwk=signing.public_key_jwk(public_key),
    )


# --- input ----------------------------------------------------------------------------------


def _fold(text: str) -> str:
    return re.sub(r"[\s\-‐‑–—−ー_]", "", unicodedata.normalize("NFKC", text or "")).upper()[:40]


def _number_bucket(raw: str, number: str | None) -> str:
    """The per-number counter's name: the number, or a hash of a malformed input."""
    if number is not None:
        return number
    return "x" + hashlib.sha256(_fold(raw).encode()).hexdigest()[:24]


def _as_date(value) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value)[:10])


def _as_datetime(value) -> datetime | None:
    if value is None or isinstance(value, datetime):
        return value
    parsed = datetime.fromisoformat(str(value))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=timezone.utc)


# --- reading --------------------------------------------------------------------------------

# Exactly one row whatever the input: the number's lock (database counters) and the
# certificate with its key, NULLs where there is none.
_LOOKUP_WITH_LOCK = (
    "SELECT l.until AS locked_until, c.id, c.contract_number, c.current_version, c.period_end, c.cancelled_at, "
    "c.acknowledged_at, c.project_name, c.orderer_name, c.company, k.key_mac "
    "FROM (SELECT 1 AS one) o "
    "LEFT JOIN throttle_lock l ON l.key = {} "
    "LEFT JOIN certificate c ON c.contract_number = {} AND c.delivery = 'electronic' "
    "LEFT JOIN auth_key k ON k.certificate = c.id"
)
_LOOKUP = (
    "SELECT c.id, c.contract_number, c.current_version, c.period_end, c.cancelled_at, "
    "c.acknowledged_at, c.project_name, c.orderer_name, c.company, k.key_mac "
    "FROM (SELECT 1 AS one) o "
    "LEFT JOIN certificate c ON c.contract_number = {} AND c.delivery = 'electronic' "
    "LEFT JOIN auth_key k ON k.certificate = c.id"
)
_VERSIONS = (
    "SELECT version, issued_on, content, digest, signature, key_id FROM certificate_version "
    "WHERE certificate = {} ORDER BY version"
)


class SqliteReader:
    """One long-lived read connection for the hot path's two reads (SQLite only), used
    synchronously on the event loop.

    Both reads are point lookups on unique / foreign-key indexes (~50 µs and ~150 µs of
    SQLite work). Going through a connection thread (aiosqlite) costs two thread hand-offs
    per query, 0.3–1 ms each on a busy machine, more than the work; so this connection runs
    them inline. In WAL mode a reader never waits for writers (the busy timeout only
    covers the rare WAL recovery). It lives from app start to app stop (opened by
    ``backend.dsure.background``); outside the app queries go through the engine, and
    PostgreSQL always uses the engine's pool. Each autocommit SELECT sees the latest commit.
    """

    BUSY_TIMEOUT_SECONDS = 1.0

    def __init__(self) -> None:
        self.connection: sqlite3.Connection | None = None

    async def open(self) -> None:
        engine = db.get_engine()
        if self.connection is not None or not isinstance(engine, SQLiteEngine):
            return
        from piccolo.engine.sqlite import dict_factory

        kwargs = {
            **engine.connection_kwargs,
            "timeout": self.BUSY_TIMEOUT_SECONDS,
            "isolation_level": None,
            "check_same_thread": False,  # opened by the lifespan, used by the loop: one thread at a time
        }
        connection = sqlite3.connect(**kwargs)
        connection.row_factory = dict_factory
        connection.execute("PRAGMA query_only = 1")
        self.connection = connection

    async def close(self) -> None:
        connection, self.connection = self.connection, None
        if connection is not None:
            connection.close()


reader = SqliteReader()


async def _query(sql: str, *args) -> list[dict]:
    querystring = QueryString(sql, *args)
    connection = reader.connection
    if connection is not None:
        compiled, values = querystring.compile_string(engine_type="sqlite")
        return connection.execute(compiled, values).fetchall()
    return await db.get_engine().run_querystring(querystring)


async def versions_of(certificate_id: int) -> list[dict]:
    return await _query(_VERSIONS, certificate_id)


async def _lookup(bucket: str, number: str | None) -> dict:
    """The certificate + key row (``id`` None when unknown); NumberLocked if the number is locked."""
    lock_key = f"dsure:num:{bucket}"
    counters = throttle.get_counters()
    if isinstance(counters, throttle.DatabaseCounters):
        # The lock check folded into the lookup: one round trip instead of two.
        row = (await _query(_LOOKUP_WITH_LOCK, lock_key, number or _DUMMY_NUMBER))[0]
        until = _as_datetime(row["locked_until"])
        if until is not None and until > clock.now():
            raise NumberLocked(until)
        return row
    until = await counters.locked_until(lock_key)
    if until is not None:
        raise NumberLocked(until)
    return (await _query(_LOOKUP, number or _DUMMY_NUMBER))[0]


# --- the check ------------------------------------------------------------------------------


async def _check_address(address: str) -> None:
    limit = get_settings().dsure_attempts_per_minute
    if limit <= 0:
        return
    count = await throttle.get_counters().hit(f"dsure:addr:{address}", ADDRESS_WINDOW)
    if count > limit:
        raise AddressLimited(int(ADDRESS_WINDOW.total_seconds()))


async def _record_failure(bucket: str, number: str | None, reason: str, address: str) -> None:
    counters = throttle.get_counters()
    key = f"dsure:num:{bucket}"
    async with db.transaction():
        count = await counters.hit(key, FAILURE_WINDOW)
        # Never the key, and never a malformed input (it may be a key typed in the number box).
        await audit.record(
            "dsure.failed", actor="dsure", target=number or "", address=address,
            details={"reason": reason, "failures": count},
        )
        if count >= FAILURES_BEFORE_LOCK and await counters.locked_until(key) is None:
            until = await counters.lock(key, LOCK_DURATION, reason="dsure")
            await audit.record(
                "dsure.locked", actor="dsure", target=number or "", address=address,
                details={"until": until.isoformat(), "failures": count, "malformed": number is None},
            )


async def authenticate(raw_number: str, raw_key: str, address: str, *, with_versions: bool = False) -> tuple[Match, list[dict]]:
    """The pair's certificate (and its versions when asked), or Refused / NumberLocked / AddressLimited."""
    await _check_address(address)
    number = numbering.normalize_contract_number(raw_number)
    key = keys.normalize_key(raw_key)
    bucket = _number_bucket(raw_number, number)
    row = await _lookup(bucket, number)
    found = row["id"] is not None and row["key_mac"] is not None
    # The same HMAC and comparison whether or not the number exists or the input is well formed.
    presented = keys.key_mac(keyring.auth_key_mac_secret(), number or bucket, key or _fold(raw_key))
    expected = row["key_mac"] if found else _dummy_mac()
    same = hmac.compare_digest(presented.encode(), expected.encode())
    ok = same and found and number is not None and key is not None
    versions = await versions_of(row["id"]) if ok and with_versions else []
    if not ok:
        reason = "malformed" if number is None or key is None else ("wrong_key" if found else "unknown_number")
        await _record_failure(bucket, number, reason, address)
        raise Refused()
    return Match(certificate_id=row["id"], contract_number=number, row=row), versions


def signature_valid(version: dict) -> bool:
    """Check the stored bytes themselves: SHA-256 = digest and the Ed25519 signature over them."""
    data = version["content"].encode("utf-8")
    if hashlib.sha256(data).hexdigest() != version["digest"]:
        return False
    public_key, _ = verifier()
    try:
        public_key.verify(_b64decode(version["signature"]), data)
    except (InvalidSignature, ValueError):
        return False
    return True


def _b64decode(value: str) -> bytes:
    import base64

    return base64.b64decode(value, validate=True)


async def verify(raw_number: str, raw_key: str, address: str, user_agent: str) -> VerifyResult:
    match, versions = await authenticate(raw_number, raw_key, address, with_versions=True)
    current = versions[-1]
    checked_at = clock.now()
    status = match.status
    summaries = []
    content: dict = {}
    for version in versions:
        parsed = json.loads(version["content"])
        if version is current:
            content = parsed
        summaries.append(
            VersionSummary(
                version=version["version"],
                issued_on=_as_date(version["issued_on"]),
                changes=parsed.get("changes") or [],
                change_reason=parsed.get("change_reason"),
            )
        )
    await views.record_view(
        views.PendingView(
            certificate_id=match.certificate_id, contract_number=match.contract_number,
            version=current["version"], at=checked_at, address=address, user_agent=user_agent,
        )
    )
    return VerifyResult(
        contract_number=match.contract_number,
        status=status,
        status_label=STATUS_LABELS[status],
        version=current["version"],
        certificate=content,
        versions=summaries,
        digest=current["digest"],
        signature=current["signature"],
        key_id=current["key_id"],
        signature_valid=signature_valid(current),
        checked_at=checked_at,
        acknowledged_at=_as_datetime(match.row["acknowledged_at"]),
    )


# --- the admin dashboard --------------------------------------------------------------------


async def stats() -> DsureStats:
    now = clock.now()
    local = now.astimezone(JST)
    day_start = local.replace(hour=0, minute=0, second=0, microsecond=0)
    month_start = day_start.replace(day=1)
    await views.flush()
    views_today = await DsureView.count().where(DsureView.at >= day_start)
    views_month = await DsureView.count().where(DsureView.at >= month_start)
    failures = await AuditEntry.count().where(
        (AuditEntry.action == "dsure.failed") & (AuditEntry.at >= now - timedelta(hours=24))
    )
    return DsureStats(
        views_today=views_today,
        views_this_month=views_month,
        failures_last_24h=failures,
        lockouts=await current_lockouts(),
    )


async def current_lockouts() -> list[Lockout]:
    """Numbers locked now: the lock audit entries of the last lock period, checked against the counters."""
    now = clock.now()
    rows = (
        await AuditEntry.select(AuditEntry.target, AuditEntry.details)
        .where((AuditEntry.action == "dsure.locked") & (AuditEntry.at >= now - LOCK_DURATION - timedelta(minutes=1)))
        .order_by(AuditEntry.seq, ascending=False)
    )
    counters = throttle.get_counters()
    found: dict[str, Lockout] = {}
    malformed: list[Lockout] = []
    for row in rows:
        details = json.loads(row["details"] or "{}")
        until = _as_datetime(details.get("until"))
        if until is None or until <= now:
            continue
        number = row["target"] or None
        if number is None:
            malformed.append(Lockout(contract_number=None, until=until))
            continue
        if number in found:
            continue
        actual = await counters.locked_until(f"dsure:num:{number}")
        if actual is not None:
            found[number] = Lockout(contract_number=number, until=actual)
    return sorted([*found.values(), *malformed], key=lambda item: item.until)


# --- 閲覧証明 (verification receipt) ---------------------------------------------------------


def receipt_data(*, contract_number: str, version: int, status: str, digest: str, checked_at: datetime, key_id: str) -> dict:
    """What a receipt's signature covers (canonical JSON, Ed25519 with the surety key).

    ``checked_at`` is UTC to the second, ISO 8601 with "Z": the PDF prints it in JST,
    so anyone can rebuild this dict from the printed receipt and check the signature
    against the published public key (``GET /api/dsure/public-key``).
    """
    return {
        "type": "dsure-receipt",
        "contract_number": contract_number,
        "version": version,
        "status": status,
        "certificate_digest": digest,
        "checked_at": checked_at.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "key_id": key_id,
    }


class ReceiptUnavailable(HTTPException):
    status_code = 503


async def receipt(raw_number: str, raw_key: str, address: str, user_agent: str) -> tuple[bytes, str]:
    """The signed 閲覧証明 PDF and its Content-Disposition."""
    from backend import documents

    match, versions = await authenticate(raw_number, raw_key, address, with_versions=True)
    current = versions[-1]
    if not signature_valid(current):
        raise HTTPException(status_code=409, detail="電子証書の電子署名を検証できなかったため、閲覧証明を発行できません。")
    checked_at = clock.now().replace(microsecond=0)
    status = match.status
    _, key_id = verifier()
    data = receipt_data(
        contract_number=match.contract_number, version=current["version"], status=status,
        digest=current["digest"], checked_at=checked_at, key_id=key_id,
    )
    _, receipt_signature = signing.sign(keyring.signing_key(), data)
    context = {
        "contract_number": match.contract_number,
        "version": current["version"],
        "status_label": STATUS_LABELS[status],
        "digest": current["digest"],
        "checked_at": checked_at.astimezone(timezone.utc).isoformat(),
        "project_name": match.row["project_name"],
        "orderer_name": match.row["orderer_name"],
        "signature": receipt_signature,
        "key_id": key_id,
        "public_url": get_settings().public_url,
    }
    try:
        pdf = await documents.render_pdf("dsure-receipt", context, cached=False)
    except documents.RenderError as exc:
        raise ReceiptUnavailable(detail="閲覧証明（PDF）を作成できませんでした。時間をおいて再度お試しください。") from exc
    await views.record_view(
        views.PendingView(
            certificate_id=match.certificate_id, contract_number=match.contract_number,
            version=current["version"], at=checked_at, address=address, user_agent=user_agent, kind="receipt",
        )
    )
    return pdf, documents.attachment_header("dsure-receipt", match.contract_number)


# --- 受領確認 -----------------------------------------------------------------------------------


async def acknowledge(raw_number: str, raw_key: str, address: str) -> tuple[str, datetime, bool]:
    """Set acknowledged_at the first time (audited, the contractor told by mail); later calls are no-ops."""
    from backend.accounts.tables import Company
    from backend.mail import service as mail

    match, _ = await authenticate(raw_number, raw_key, address)
    if match.status == "cancelled":
        raise HTTPException(status_code=409, detail="解約された保証のため、受領確認はできません。")
    number = match.contract_number
    now = clock.now()
    async with db.transaction():
        updated = (
            await Certificate.update({Certificate.acknowledged_at: now})
            .where((Certificate.id == match.certificate_id) & Certificate.acknowledged_at.is_null())
            .returning(Certificate.acknowledged_at)
        )
        if not updated:
            current = await Certificate.select(Certificate.acknowledged_at).where(Certificate.id == match.certificate_id).first()
            return number, _as_datetime(current["acknowledged_at"]), False
        await audit.record("dsure.acknowledged", actor="dsure", target=number, address=address)
        company = await Company.select(Company.name, Company.email).where(Company.id == match.row["company"]).first()
        if company is not None:
            settings = get_settings()
            await mail.enqueue(
                category="dsure.acknowledged",
                to=company["email"],
                subject=f"【e-Net保証】発注者による受領確認のお知らせ（保証契約番号 {number}）",
                body=(
                    f"{company['name']} 御中\n\n"
                    "発注者が保証確認サービス（D-Sure）で電子証書を確認し、受領確認を行いました。\n\n"
                    f"保証契約番号: {number}\n工事名: {match.row['project_name']}\n発注者: {match.row['orderer_name']}\n"
                    f"受領確認日時: {now.astimezone(JST).strftime('%Y年%m月%d日 %H時%M分')}（日本時間）\n\n"
                    f"e-Net保証（電子証書の確認）: {settings.public_url}/certificates/{number}\n\n"
                    f"{settings.surety_name}\n※このメールは送信専用です。"
                ),
                related=number,
            )
    return number, now, True
