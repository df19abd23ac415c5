"""D-Sure: checking a (保証契約番号, 認証キー) pair and everything that needs one.

Malformed input is not an attempt: a number that is not 10 digits or a key that is not 10
Crockford characters (after folding spaces, hyphens, full width and look-alikes) is a 400
naming each failing field (code ``validation``), counted nowhere.

Refusals leak nothing. An unknown number and a wrong key get the same 404 with the same
body (code ``dsure.refused``) and take the same path through the code: the per-address
limit, the lock check folded into the one lookup query, an HMAC over the presented pair
compared with ``hmac.compare_digest`` against the stored MAC or a dummy one, then the
same failure bookkeeping (``backend.dsure.locks``: counted per (number, address) and per
number, audited). Cancelled / expired status is visible only after a correct pair.

The hot path (a correct pair) is two reads — certificate + key with the pair's and the
number's locks folded in when the counters live in the database, then the versions — on a
long-lived SQLite read connection used inline (PostgreSQL: the pool); then the view is
committed by the group-commit writer (``backend.dsure.views``) before the answer goes out.
The public key and its id are cached.
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
from backend.dsure import locks, views
from backend.dsure.schemas import DsureStats, LockReleased, PublicKeyOut, VerifyResult, VersionSummary
from backend.dsure.tables import DsureView
from backend.lib import clock, keyring
from backend.lib.clock import JST
from backend.settings import get_settings
from backend.throttle import service as throttle

REFUSAL_STATUS = 404
REFUSAL_DETAIL = "保証契約番号または認証キーが正しくありません。「認証キー等のお知らせ」の記載どおりに入力されているかご確認ください。"

_DUMMY_NUMBER = "0000000000"


class Refused(HTTPException):
    """The one answer to an unknown number and a wrong key (code ``dsure.refused``)."""

    status_code = REFUSAL_STATUS
    code = "dsure.refused"

    def __init__(self) -> None:
        super().__init__(detail=REFUSAL_DETAIL)


class Malformed(HTTPException):
    """A number or key that cannot be one (code ``validation``): every failing field named."""

    status_code = 400
    code = "validation"

    def __init__(self, errors: list[dict[str, str]]) -> None:
        super().__init__(detail=" ".join(error["message"] for error in errors), extra=errors)


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


@lru_cache(maxsize=1)  # the key never changes while the process runs: ~10 % of this endpoint's time was PEM + JWK
def public_key_out() -> PublicKeyOut:
    public_key, key_id = verifier()
    return PublicKeyOut(
        algorithm="Ed25519",
        key_id=key_id,
        pem=signing.public_key_pem(public_key),
        jwk=signing.public_key_jwk(public_key),
    )


# --- input ----------------------------------------------------------------------------------

_SEPARATORS = re.compile(r"[\s\-‐‑–—−ー_]")


def _folded(text: str) -> str:
    return _SEPARATORS.sub("", unicodedata.normalize("NFKC", text or "")).upper()


def _number_problem(raw: str) -> str:
    folded = _folded(raw)
    if not folded:
        return "保証契約番号を入力してください。"
    if not folded.isdigit():
        return "保証契約番号は数字10桁で入力してください（数字以外の文字が含まれています）。"
    return f"保証契約番号は10桁の数字です（入力されたのは{len(folded)}桁です）。"


def _key_problem(raw: str) -> str:
    # Never echo any part of the key: a near miss is almost the key.
    folded = _folded(raw)
    if not folded:
        return "認証キーを入力してください。"
    if len(folded) != keys.KEY_LENGTH:
        return f"認証キーは英数字10文字です（入力されたのは{len(folded)}文字です）。"
    return "認証キーに使われない文字が含まれています（認証キーは数字と英字の10文字で、記号や「U」は含まれません）。"


def parse_pair(raw_number: str, raw_key: str) -> tuple[str, str]:
    """The normalised (number, key), or Malformed naming every field that cannot be one."""
    number = numbering.normalize_contract_number(raw_number)
    key = keys.normalize_key(raw_key)
    errors = []
    if number is None:
        errors.append({"field": "contract_number", "message": _number_problem(raw_number)})
    if key is None:
        errors.append({"field": "auth_key", "message": _key_problem(raw_key)})
    if errors:
        raise Malformed(errors)
    return number, key


def parse_number(raw_number: str) -> str:
    number = numbering.normalize_contract_number(raw_number)
    if number is None:
        raise Malformed([{"field": "number", "message": _number_problem(raw_number)}])
    return number


def _as_date(value) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value)[:10])


def _as_datetime(value) -> datetime | None:
    if value is None or isinstance(value, datetime):
        return value
    parsed = datetime.fromisoformat(str(value))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=timezone.utc)


# --- reading --------------------------------------------------------------------------------

# Exactly one row whatever the input: the locks of the pair and of the number (database
# counters), and the certificate with its key, NULLs where there is none.
_LOOKUP_WITH_LOCKS = (
    "SELECT (SELECT until FROM throttle_lock WHERE key = {}) AS pair_until, "
    "(SELECT until FROM throttle_lock WHERE key = {}) AS number_until, "
    "c.id, c.contract_number, c.current_version, c.period_end, c.cancelled_at, c.cancel_on, c.cancel_reason, "
    "c.acknowledged_at, c.project_name, c.orderer_name, c.company, k.key_mac "
    "FROM (SELECT 1 AS one) o "
    "LEFT JOIN certificate c ON c.contract_number = {} AND c.delivery = 'electronic' "
    "LEFT JOIN auth_key k ON k.certificate = c.id"
)
_LOOKUP = (
    "SELECT c.id, c.contract_number, c.current_version, c.period_end, c.cancelled_at, c.cancel_on, c.cancel_reason, "
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
    return await db.read_engine().run_querystring(querystring)  # a replica when HOSHO_DATABASE_READ_URL is set


async def versions_of(certificate_id: int) -> list[dict]:
    return await _query(_VERSIONS, certificate_id)


async def _lookup(number: str, address: str) -> dict:
    """The certificate + key row (``id`` None when unknown); PairLocked / NumberLocked if locked."""
    if isinstance(throttle.get_counters(), throttle.DatabaseCounters):
        # The lock checks folded into the lookup: one round trip instead of three.
        row = (await _query(_LOOKUP_WITH_LOCKS, locks.pair_key(number, address), locks.number_key(number), number))[0]
        locks.raise_if_locked(_as_datetime(row["pair_until"]), _as_datetime(row["number_until"]))
        return row
    await locks.check_locks(number, address)
    return (await _query(_LOOKUP, number))[0]


# --- the check ------------------------------------------------------------------------------


async def authenticate(raw_number: str, raw_key: str, address: str, *, with_versions: bool = False) -> tuple[Match, list[dict]]:
    """The pair's certificate (and its versions when asked), or Malformed / Refused / a 429."""
    number, key = parse_pair(raw_number, raw_key)
    await locks.check_address(address)
    row = await _lookup(number, address)
    found = row["id"] is not None and row["key_mac"] is not None
    # The same HMAC and comparison whether or not the number exists.
    presented = keys.key_mac(keyring.auth_key_mac_secret(), number, key)
    expected = row["key_mac"] if found else _dummy_mac()
    ok = hmac.compare_digest(presented.encode(), expected.encode()) and found
    if not ok:
        await locks.record_failure(
            number, "wrong_key" if found else "unknown_number", address,
            project_name=row["project_name"] if found else None,
        )
        raise Refused()
    versions = await versions_of(row["id"]) if with_versions else []
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
        **_cancellation(match),
    )


def _cancellation(match: Match) -> dict:
    """解約日 and reason of a cancelled guarantee (the orderer must see both)."""
    if match.status != "cancelled" or match.row["cancel_on"] is None:
        return {}
    return {"cancelled_on": _as_date(match.row["cancel_on"]), "cancel_reason": match.row["cancel_reason"]}


# --- the admin dashboard --------------------------------------------------------------------


async def stats() -> DsureStats:
    now = clock.now()
    local = now.astimezone(JST)
    day_start = local.replace(hour=0, minute=0, second=0, microsecond=0)
    month_start = day_start.replace(day=1)
    views_today = await DsureView.count().where(DsureView.at >= day_start)
    views_month = await DsureView.count().where(DsureView.at >= month_start)
    failures = await AuditEntry.count().where(
        (AuditEntry.action == "dsure.failed") & (AuditEntry.at >= now - timedelta(hours=24))
    )
    return DsureStats(
        views_today=views_today,
        views_this_month=views_month,
        failures_last_24h=failures,
        lockouts=await locks.current_lockouts(),
    )


async def release_lock(raw_number: str, *, actor: str, address: str) -> LockReleased:
    """Staff lift a number's lock (and its (number, address) locks)."""
    number = parse_number(raw_number)
    released, pairs = await locks.release(number, actor=actor, address=address, cause="staff")
    return LockReleased(contract_number=number, released=released, pairs_released=pairs)


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
        "snapshot": json.loads(current["content"]),  # the version checked: 保証の種類, 保証契約者, 保証金額, 保証期限, 保証機関
    }
    if cancellation := _cancellation(match):
        context["cancellation"] = {"cancel_on": cancellation["cancelled_on"].isoformat(), "reason": cancellation["cancel_reason"] or ""}
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
