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

D-Sure reads only its own tables (``backend.dsure_store``): what issuers published. A
number may exist at several issuers; the lookup returns every (issuer, certificate) with
that number and checks the presented key against each verifier (one SHA-256 of the key,
then one HMAC per candidate, at least one: a dummy when there is none), so an unknown
number, a wrong key and a number known at another issuer take the same path.

The hot path (a correct pair) is two reads — certificates + verifiers with the pair's and
the number's locks folded in when the counters live in the database, then the versions —
on a long-lived SQLite read connection used inline (PostgreSQL: the pool); then the view is
committed by the group-commit writer (``backend.dsure.views``) before the answer goes out.
Keys and ids are cached.
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

from piccolo.engine.sqlite import SQLiteEngine
from piccolo.querystring import QueryString

from backend import db
from backend.audit import service as audit
from backend.audit.tables import AuditEntry
from backend.domain import jws, keys, numbering, signing
from backend.domain.certificate import STATUS_LABELS, status_of
from backend.dsure import keys as dsure_keys
from backend.dsure import locks, notices, registry, views
from backend.dsure.schemas import DsureStats, IssuerRef, LockReleased, PublicKeyOut, VerifyResult, VersionSummary
from backend.dsure_store.tables import DsCertificate, DsView
from backend.lib import clock
from backend.lib.actor import Actor
from backend.lib.clock import JST
from backend.lib.errors import Conflict, FieldMessage, NotFound, Unavailable, Validation
from backend.settings import get_settings
from backend.throttle import service as throttle

REFUSAL_STATUS = 404
REFUSAL_DETAIL = "保証契約番号または認証キーが正しくありません。「認証キー等のお知らせ」の記載どおりに入力されているかご確認ください。"

_DUMMY_NUMBER = "0000000000"


class Refused(NotFound):
    """The one answer to an unknown number and a wrong key (code ``dsure.refused``)."""

    status, code = REFUSAL_STATUS, "dsure.refused"

    def __init__(self) -> None:
        super().__init__(REFUSAL_DETAIL)


class Malformed(Validation):
    """A number or key that cannot be one (code ``validation``): every failing field named."""


@dataclass(frozen=True, slots=True)
class Match:
    """A correct pair: D-Sure's certificate row (plain dict from the lookup) and its issuer."""

    certificate_id: int
    contract_number: str
    row: dict

    @property
    def issuer(self) -> IssuerRef:
        return IssuerRef(code=self.row["issuer_code"], name=self.row["issuer_name"])

    @property
    def cancelled_on(self) -> date | None:
        return _as_date(self.row["cancelled_on"]) if self.row["cancelled_on"] is not None else None

    @property
    def status(self) -> str:
        return status_of(
            cancelled=self.row["cancelled_on"] is not None,
            period_end=_as_date(self.row["period_end"]),
            today=clock.today_jst(),
        )


# --- keys (cached: the hot path never re-derives them) -------------------------------------


@lru_cache(maxsize=1)
def _dummy_verifier() -> str:
    return keys.rekeyed_verifier(dsure_keys.verifier_secret(), "000", _DUMMY_NUMBER, "0" * 64)


@lru_cache(maxsize=1)  # the key never changes while the process runs: ~10 % of this endpoint's time was PEM + JWK
def public_key_out() -> PublicKeyOut:
    """D-Sure's own key (status statements, receipts) and its sealing key (key verifiers)."""
    public_key = dsure_keys.public_key()
    return PublicKeyOut(
        algorithm="Ed25519",
        key_id=dsure_keys.key_id(),
        pem=signing.public_key_pem(public_key),
        jwk=signing.public_key_jwk(public_key),
        sealing_key=dsure_keys.sealing_public_key_text(),
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
        errors.append(FieldMessage("contract_number", _number_problem(raw_number)))
    if key is None:
        errors.append(FieldMessage("auth_key", _key_problem(raw_key)))
    if errors:
        raise Malformed(errors)
    return number, key


def parse_number(raw_number: str) -> str:
    number = numbering.normalize_contract_number(raw_number)
    if number is None:
        raise Malformed([FieldMessage("number", _number_problem(raw_number))])
    return number


def _as_date(value) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value)[:10])


def _as_datetime(value) -> datetime | None:
    if value is None or isinstance(value, datetime):
        return value
    parsed = datetime.fromisoformat(str(value))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=timezone.utc)


# --- reading --------------------------------------------------------------------------------

# At least one row whatever the input: the locks of the pair and of the number (database
# counters), and each issuer's certificate of that number with its verifier, NULLs where
# there is none.
_CANDIDATES = (
    "c.id, c.contract_number, c.current_version, c.period_end, c.cancelled_on, c.cancel_reason, "
    "c.acknowledged_at, c.project_name, c.orderer_name, i.code AS issuer_code, i.name AS issuer_name, k.verifier "
    "FROM (SELECT 1 AS one) o "
    "LEFT JOIN ds_certificate c ON c.contract_number = {} "
    "LEFT JOIN ds_issuer i ON i.id = c.issuer "
    "LEFT JOIN ds_verifier k ON k.certificate = c.id "
    "ORDER BY i.code"
)
_LOOKUP_WITH_LOCKS = (
    "SELECT (SELECT until FROM ds_throttle_lock WHERE key = {}) AS pair_until, "
    "(SELECT until FROM ds_throttle_lock WHERE key = {}) AS number_until, " + _CANDIDATES
)
_LOOKUP = "SELECT " + _CANDIDATES
_VERSIONS = (
    "SELECT version, issued_on, content, digest, signature, key_id, certificate_jws FROM ds_version "
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


@lru_cache(maxsize=16)
def _sqlite_sql(sql: str) -> str:
    """A statement's SQLite text as Piccolo compiles it, once per statement rather than per request (~25 µs)."""
    compiled, _ = QueryString(sql, *(None for _ in range(sql.count("{}")))).compile_string(engine_type="sqlite")
    return compiled


async def _query(sql: str, *args: str | int) -> list[dict]:
    connection = reader.connection
    if connection is not None:
        return connection.execute(_sqlite_sql(sql), args).fetchall()
    # a replica when HOSHO_DATABASE_READ_URL is set
    return await db.read_engine().run_querystring(QueryString(sql, *args))


async def versions_of(certificate_id: int) -> list[dict]:
    return await _query(_VERSIONS, certificate_id)


async def _lookup(number: str, address: str) -> list[dict]:
    """The candidate rows (one with ``id`` None when unknown); PairLocked / NumberLocked if locked."""
    if isinstance(locks.counters(), throttle.DatabaseCounters):
        # The lock checks folded into the lookup: one round trip instead of three.
        rows = await _query(_LOOKUP_WITH_LOCKS, locks.pair_key(number, address), locks.number_key(number), number)
        locks.raise_if_locked(_as_datetime(rows[0]["pair_until"]), _as_datetime(rows[0]["number_until"]))
        return rows
    await locks.check_locks(number, address)
    return await _query(_LOOKUP, number)


# --- the check ------------------------------------------------------------------------------


async def authenticate(raw_number: str, raw_key: str, address: str, *, with_versions: bool = False) -> tuple[Match, list[dict]]:
    """The pair's certificate (and its versions when asked), or Malformed / Refused / a 429."""
    number, key = parse_pair(raw_number, raw_key)
    await locks.check_address(address)
    rows = await _lookup(number, address)
    # The same hashing and comparisons whether or not the number exists, at one issuer or several.
    presented = keys.key_verifier(number, key)
    secret = dsure_keys.verifier_secret()
    match = None
    for row in rows:
        found = row["id"] is not None and row["verifier"] is not None
        candidate = keys.rekeyed_verifier(secret, row["issuer_code"] or "000", number, presented)
        expected = row["verifier"] if found else _dummy_verifier()
        if hmac.compare_digest(candidate.encode(), expected.encode()) and found and match is None:
            match = row
    if match is None:
        known = [row for row in rows if row["id"] is not None]
        await locks.record_failure(
            number, "wrong_key" if known else "unknown_number", address,
            project_name=known[0]["project_name"] if known else None,
        )
        raise Refused()
    versions = await versions_of(match["id"]) if with_versions else []
    return Match(certificate_id=match["id"], contract_number=number, row=match), versions


# (issuer key id = the key's hash, digest, signature) triples whose Ed25519 check passed, newest last. Sound to
# reuse: the digest is recomputed from the stored bytes on every answer, so changed bytes miss
# the cache and are checked (and fail); a hit spares the ~145 µs verification.
_VERIFIED_SIGNATURES: dict[tuple[str, str, str], None] = {}
VERIFIED_SIGNATURES_KEPT = 50_000


async def signature_valid(version: dict) -> bool:
    """Check the stored bytes themselves: SHA-256 = digest and the issuer's Ed25519 signature over them."""
    data = version["content"].encode("utf-8")
    if hashlib.sha256(data).hexdigest() != version["digest"]:
        return False
    public_key = await registry.version_key(version["key_id"])
    if public_key is None:
        return False
    checked = (version["key_id"], version["digest"], version["signature"])
    if checked in _VERIFIED_SIGNATURES:
        return True
    if not signing.verify_bytes(public_key, data, version["signature"]):
        return False
    if len(_VERIFIED_SIGNATURES) >= VERIFIED_SIGNATURES_KEPT:
        del _VERIFIED_SIGNATURES[next(iter(_VERIFIED_SIGNATURES))]
    _VERIFIED_SIGNATURES[checked] = None
    return True


def _utc_text(at: datetime) -> str:
    return at.astimezone(timezone.utc).isoformat().replace("+00:00", "Z")


def status_statement(match: Match, version: int, digest: str, checked_at: datetime) -> str:
    """D-Sure's signed word on the status as of ``checked_at`` (compact JWS, D-Sure's key)."""
    cancelled_on = match.cancelled_on
    statement = {
        "type": "dsure-status",
        "contract_number": match.contract_number,
        "issuer": {"code": match.issuer.code, "name": match.issuer.name},
        "version": version,
        "status": match.status,
        "cancelled_on": cancelled_on.isoformat() if cancelled_on else None,
        "checked_at": _utc_text(checked_at),
        "certificate_digest": digest,
    }
    return jws.sign(dsure_keys.signing_key(), dsure_keys.key_id(), statement, typ="dsure-status+jws")


async def verify(raw_number: str, raw_key: str, actor: Actor) -> VerifyResult:
    address, user_agent = actor.address, actor.user_agent
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
            certificate_id=match.certificate_id, contract_number=match.contract_number, issuer_code=match.issuer.code,
            version=current["version"], at=checked_at, address=address, user_agent=user_agent,
        )
    )
    return VerifyResult(
        contract_number=match.contract_number,
        issuer=match.issuer,
        status=status,
        status_label=STATUS_LABELS[status],
        version=current["version"],
        certificate=content,
        versions=summaries,
        digest=current["digest"],
        signature=current["signature"],
        key_id=current["key_id"],
        signature_valid=await signature_valid(current),
        certificate_jws=current["certificate_jws"],
        status_statement=status_statement(match, current["version"], current["digest"], checked_at),
        cancelled_on=match.cancelled_on,
        cancel_reason=match.row["cancel_reason"],
        checked_at=checked_at,
        acknowledged_at=_as_datetime(match.row["acknowledged_at"]),
    )


# --- the admin dashboard --------------------------------------------------------------------


async def stats(issuer_code: str | None = None) -> DsureStats:
    """D-Sure's figures: views of one issuer's certificates (all when None), failures, numbers locked."""
    now = clock.now()
    local = now.astimezone(JST)
    day_start = local.replace(hour=0, minute=0, second=0, microsecond=0)
    month_start = day_start.replace(day=1)
    ours = DsView.certificate.issuer.code == issuer_code if issuer_code else None

    def since(start):
        return (DsView.at >= start) & ours if ours is not None else DsView.at >= start

    views_today = await DsView.count().where(since(day_start))
    views_month = await DsView.count().where(since(month_start))
    failures = await AuditEntry.count().where(
        (AuditEntry.action == "dsure.failed") & (AuditEntry.at >= now - timedelta(hours=24))
    )
    return DsureStats(
        views_today=views_today,
        views_this_month=views_month,
        failures_last_24h=failures,
        lockouts=await locks.current_lockouts(),
    )


async def release_lock(raw_number: str, actor: Actor) -> LockReleased:
    """Staff lift a number's lock (and its (number, address) locks)."""
    number = parse_number(raw_number)
    released, pairs = await locks.release(number, actor=actor.name, address=actor.address, cause="staff")
    return LockReleased(contract_number=number, released=released, pairs_released=pairs)


# --- 閲覧証明 (verification receipt) ---------------------------------------------------------


def receipt_data(
    *, contract_number: str, issuer: str, version: int, status: str, digest: str, checked_at: datetime, key_id: str
) -> dict:
    """What a receipt's signature covers (canonical JSON, Ed25519 with D-Sure's own key).

    ``checked_at`` is UTC to the second, ISO 8601 with "Z": the PDF prints it in JST,
    so anyone can rebuild this dict from the printed receipt and check the signature
    against the published public key (``GET /api/dsure/public-key``).
    """
    return {
        "type": "dsure-receipt",
        "contract_number": contract_number,
        "issuer": issuer,
        "version": version,
        "status": status,
        "certificate_digest": digest,
        "checked_at": checked_at.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "key_id": key_id,
    }


class ReceiptUnavailable(Unavailable):
    """The receipt PDF could not be rendered (code ``unavailable``)."""


async def receipt(raw_number: str, raw_key: str, actor: Actor) -> tuple[bytes, str]:
    """The signed 閲覧証明 PDF and its Content-Disposition."""
    from backend import documents

    address, user_agent = actor.address, actor.user_agent
    match, versions = await authenticate(raw_number, raw_key, address, with_versions=True)
    current = versions[-1]
    if not await signature_valid(current):
        raise Conflict("電子証書の電子署名を検証できなかったため、閲覧証明を発行できません。", code="dsure.signature_invalid")
    checked_at = clock.now().replace(microsecond=0)
    status = match.status
    key_id = dsure_keys.key_id()
    data = receipt_data(
        contract_number=match.contract_number, issuer=match.issuer.code, version=current["version"], status=status,
        digest=current["digest"], checked_at=checked_at, key_id=key_id,
    )
    _, receipt_signature = signing.sign(dsure_keys.signing_key(), data)
    context = {
        "contract_number": match.contract_number,
        "issuer_code": match.issuer.code,
        "issuer_name": match.issuer.name,
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
    if match.cancelled_on is not None:  # 解約日 and reason: the orderer must see both
        context["cancellation"] = {"cancel_on": match.cancelled_on.isoformat(), "reason": match.row["cancel_reason"] or ""}
    try:
        pdf = await documents.render_pdf("dsure-receipt", context, cached=False)
    except documents.RenderError as exc:
        raise ReceiptUnavailable("閲覧証明（PDF）を作成できませんでした。時間をおいて再度お試しください。") from exc
    await views.record_view(
        views.PendingView(
            certificate_id=match.certificate_id, contract_number=match.contract_number, issuer_code=match.issuer.code,
            version=current["version"], at=checked_at, address=address, user_agent=user_agent, kind="receipt",
        )
    )
    return pdf, documents.attachment_header("dsure-receipt", match.contract_number)


# --- 受領確認 -----------------------------------------------------------------------------------


async def acknowledge(raw_number: str, raw_key: str, actor: Actor) -> tuple[str, datetime, bool]:
    """Set acknowledged_at the first time (audited; the issuer is told); later calls are no-ops."""
    address = actor.address
    match, _ = await authenticate(raw_number, raw_key, address)
    if match.status == "cancelled":
        raise Conflict("解約された保証のため、受領確認はできません。", code="dsure.cancelled")
    number = match.contract_number
    now = clock.now()
    async with db.transaction():
        updated = (
            await DsCertificate.update({DsCertificate.acknowledged_at: now})
            .where((DsCertificate.id == match.certificate_id) & DsCertificate.acknowledged_at.is_null())
            .returning(DsCertificate.acknowledged_at)
        )
        if not updated:
            current = await DsCertificate.select(DsCertificate.acknowledged_at).where(
                DsCertificate.id == match.certificate_id
            ).first()
            return number, _as_datetime(current["acknowledged_at"]), False
        await audit.record("dsure.acknowledged", actor="dsure", target=number, address=address,
                           details={"issuer": match.issuer.code})
        await notices.acknowledged(
            notices.Acknowledged(
                issuer_code=match.issuer.code, contract_number=number, at=now,
                project_name=match.row["project_name"], orderer_name=match.row["orderer_name"], address=address,
            )
        )
    return number, now, True
