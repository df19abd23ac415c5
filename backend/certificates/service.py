"""Guarantee contracts and electronic certificates: conclusion, reading, keys, amendments."""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from datetime import date

import msgspec

from backend import db, documents
from backend.accounts.tables import Company
from backend.applications import service as applications
from backend.applications.schemas import ConcludeOut
from backend.applications.tables import Application
from backend.audit import service as audit
from backend.certificates import events, search
from backend.certificates.schemas import (
    AdjustmentResult,
    AmendInput,
    AuthKeyOut,
    CancelInput,
    CertificateDetail,
    CertificateListItem,
    CertificatePage,
    FeeAdjustmentOut,
    VersionOut,
)
from backend.certificates.tables import AuthKey, Certificate, CertificateVersion, ContractSequence, FeeAdjustment
from backend.domain import fees, keys, numbering, rules, signing
from backend.domain.canonical import canonical_json
from backend.domain.certificate import STATUS_LABELS, amended_snapshot, first_snapshot, status_of
from backend.domain.glossary import ADVANCE, GUARANTEE_TYPE_LABELS
from backend.domain.wareki import wareki, yen
from backend.lib import clock, keyring
from backend.lib.actor import Actor
from backend.lib.errors import Conflict, FieldError, NotFound, Validation, field_messages
from backend.mail import templates as mail_templates
from backend.orderers.tables import Orderer
from backend.settings import get_settings
from backend.stats import counters

ADJUSTMENT_LABELS = {"additional": "追加保証料", "refund": "返還保証料"}
PAGE_SIZE_MAX = 100


# --- numbering and keys -------------------------------------------------------------------------


async def _next_sequence(office_code: str) -> int:
    """Bump the office's sequence inside the caller's transaction (row lock / SQLite write lock)."""
    await ContractSequence.raw(
        "INSERT INTO contract_sequence (office_code, last_value) VALUES ({}, 0) ON CONFLICT (office_code) DO NOTHING",
        office_code,
    )
    rows = await ContractSequence.raw(
        "UPDATE contract_sequence SET last_value = last_value + 1 WHERE office_code = {} RETURNING last_value",
        office_code,
    )
    return int(rows[0]["last_value"])


def _new_auth_key_row(certificate_id: int, contract_number: str) -> tuple[str, AuthKey]:
    key = keys.generate_key()
    row = AuthKey(
        certificate=certificate_id,
        key_mac=keys.key_mac(keyring.auth_key_mac_secret(), contract_number, key),
        key_ciphertext=keys.encrypt_key(keyring.auth_key_aes_key(), contract_number, key),
        created_at=clock.now(),
    )
    return key, row


def _signed_version(certificate_id: int, snapshot: dict) -> CertificateVersion:
    digest, signature = signing.sign(keyring.signing_key(), snapshot)
    return CertificateVersion(
        certificate=certificate_id,
        version=snapshot["version"],
        content=canonical_json(snapshot).decode(),
        digest=digest,
        signature=signature,
        key_id=signing.key_id(keyring.public_key()),
        issued_on=date.fromisoformat(snapshot["issued_on"]),
        created_at=clock.now(),
    )


# --- conclusion ---------------------------------------------------------------------------------


async def conclude(application_id: int, actor: Actor) -> ConcludeOut:
    """One transaction: number, signed version 1, 認証キー, audit entry and mail — all or nothing."""
    settings = get_settings()
    async with db.transaction():
        await db.advisory_lock(f"application:{application_id}")  # the same application concluded twice at once
        application = await Application.select().where(Application.id == application_id).first()
        if application is None:
            raise NotFound("お申込みが見つかりません。")
        if application["status"] != "fee_notified" or application["paid_on"] is None:
            raise Conflict("保証契約は保証料の入金確認後にのみ締結できます。")
        if application["period_end"] < clock.today_jst():
            raise Conflict(
                f"保証期限（{wareki(application['period_end'])}）を過ぎているため締結できません。"
                "工期を確認のうえ、お申込みを謝絶するか、正しい工期で申込み直していただいてください。"
            )
        company = await Company.select().where(Company.id == application["company"]).first()
        orderer = await Orderer.select().where(Orderer.id == application["orderer"]).first()
        application["deposit_bank"] = db.json_value(application["deposit_bank"])
        number = numbering.contract_number(settings.office_code, await _next_sequence(settings.office_code))
        issued_on = clock.today_jst()
        snapshot = first_snapshot(
            contract_number=number,
            issued_on=issued_on,
            surety=surety_of(settings),
            contractor={
                "company_name": company["name"],
                "representative": company["representative"],
                "address": company["address"],
                "license_number": company["license_number"],
            },
            orderer={"code": orderer["code"], "name": orderer["name"], "title": orderer["title"]},
            application=application,
            guarantee_amount=application["guarantee_amount"],
        )
        certificate = Certificate(
            contract_number=number,
            application=application_id,
            company=company["id"],
            orderer=orderer["id"],
            guarantee_type=application["guarantee_type"],
            delivery=application["delivery"],
            project_name=application["project_name"],
            orderer_name=orderer["name"],
            guarantee_amount=application["guarantee_amount"],
            period_end=application["period_end"],
            current_version=1,
            issued_on=issued_on,
            created_at=clock.now(),
        )
        await certificate.save()
        version = _signed_version(certificate.id, snapshot)
        await version.save()
        if application["delivery"] == "electronic":
            _, key_row = _new_auth_key_row(certificate.id, number)
            await key_row.save()
        await applications.move(
            application_id, application["status"],
            {
                Application.status: "concluded",
                Application.contract_number: number,
                Application.concluded_at: clock.now(),
                Application.updated_at: clock.now(),
            },
        )
        await counters.bump(issued_counters(issued_on, application["guarantee_type"], application["period_end"]))
        await search.index([search.entry(certificate.id, certificate.project_name, certificate.orderer_name, company["name"])])
        await audit.record(
            "certificate.concluded", by=actor, target=number,
            details={"application_id": application_id, "digest": version.digest},
        )
        await _mail_conclusion(company, snapshot, application["delivery"])
        await events.emit("concluded", number, {"version": 1})  # published to D-Sure (backend.publication)
    await events.committed()
    return ConcludeOut(contract_number=number, application_id=application_id, version=1, digest=version.digest)


@applications.look_up_advances_with
async def advance_behind(company_id: int, orderer_id: int, number: str) -> tuple[int, list[tuple[str, str]]]:
    """The 前払金保証 a 中間前払金 stands on (own, same orderer, valid): its 前払金額 (for the 60%
    ceiling of 前払金 + 中間前払金) and what is wrong with it, if anything."""
    row = await Certificate.select(
        Certificate.guarantee_type, Certificate.orderer, Certificate.period_end, Certificate.cancelled_at,
        Certificate.guarantee_amount,
    ).where((Certificate.contract_number == number) & (Certificate.company == company_id)).first()
    problem = None
    if row is None or row["guarantee_type"] != ADVANCE:
        problem = f"保証契約番号 {number} の前払金保証が見つかりません。同じ工事の前払金保証の保証契約番号を入力してください。"
    elif row["orderer"] != orderer_id:
        problem = f"保証契約番号 {number} の前払金保証は発注者が異なります。同じ発注者の前払金保証を指定してください。"
    elif row["cancelled_at"] is not None or row["period_end"] < clock.today_jst():
        problem = f"保証契約番号 {number} の前払金保証は解約済みまたは期限満了のため、中間前払金保証の前提にできません。"
    if problem:
        return 0, [("advance_contract_number", problem)]
    return row["guarantee_amount"], []


def surety_of(settings) -> dict[str, str]:
    """保証事業会社 as every document names it: 商号, 代表者, 所在地 (settings)."""
    return {
        "name": settings.surety_name,
        "office_code": settings.office_code,
        "representative": settings.surety_representative,
        "address": settings.surety_address,
    }


def issued_counters(issued_on: date, guarantee_type: str, period_end: date) -> dict[str, int]:
    """The dashboard counters one new certificate adds (the bench seed adds them per batch)."""
    return {counters.issued_key(issued_on, guarantee_type): 1, counters.live_key(period_end): 1}


async def mail_contractor(company: dict, template: str, number: str, *, category: str | None = None, **context) -> None:
    """A mail about a certificate to its company (category ``certificate.<case>`` unless given, as before templates)."""
    await mail_templates.send(
        template, to=company["email"], related=number,
        category=category or template.replace("certificate-", "certificate.").replace("-", "_"),
        company_name=company["name"], contract_number=number, **context,
    )


async def _mail_conclusion(company: dict, snapshot: dict, delivery: str) -> None:
    await mail_contractor(
        company, "certificate-issued", snapshot["contract_number"],
        electronic=delivery == "electronic",
        guarantee_type_label=snapshot["guarantee_type_label"],
        project_name=snapshot["project"]["name"],
        orderer_name=snapshot["orderer"]["name"],
        guarantee_amount=snapshot["guarantee"]["amount"],
        period_end=snapshot["guarantee"]["period_end"],
    )


# --- reading ------------------------------------------------------------------------------------

def _status(row: dict) -> str:
    return status_of(cancelled=row["cancelled_at"] is not None, period_end=row["period_end"], today=clock.today_jst())


def _list_item(row: dict, *, for_admin: bool) -> CertificateListItem:
    status = _status(row)
    return CertificateListItem(
        contract_number=row["contract_number"],
        guarantee_type=row["guarantee_type"],
        guarantee_type_label=GUARANTEE_TYPE_LABELS[row["guarantee_type"]],
        project_name=row["project_name"],
        orderer_name=row["orderer_name"],
        guarantee_amount=row["guarantee_amount"],
        status=status,
        status_label=STATUS_LABELS[status],
        version=row["current_version"],
        issued_on=row["issued_on"],
        period_end=row["period_end"],
        delivery=row["delivery"],
        last_viewed_at=row["last_viewed_at"],
        acknowledged_at=row["acknowledged_at"],
        customer_id=row["customer_id"] if for_admin else None,
        company_name=row["company_name"] if for_admin else None,
    )


def _encode_cursor(kind: str, last: int | str) -> str:
    return base64.urlsafe_b64encode(f"{kind}:{last}".encode()).decode().rstrip("=")


def _decode_cursor(cursor: str, kind: str) -> int | str:
    """The last row of the previous page: ``c:<id>`` in id order, ``n:<number>`` in number order."""
    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        prefix, _, value = text.partition(":")
        if prefix != kind:
            raise ValueError
        if kind == "n":
            if not (value.isascii() and value.isdigit()):
                raise ValueError
            return value
        return int(value)
    except ValueError:
        raise FieldError("cursor", "カーソルの値が正しくありません。一覧を最初から読み込み直してください。") from None


# Every list and row read takes these columns of ``c`` (certificate) and ``co`` (its company)
# in one fixed statement: Piccolo built and compiled its join select anew each time, ~0.4 ms
# of CPU per request (bench/RESULTS.md), and the search's FROM (an FTS5 table, a trigram
# index) is the engine's own.
_COLUMNS_SQL = (
    ", ".join(f'c."{column._meta.db_column_name}"' for column in Certificate._meta.columns)
    + ", co.customer_id AS customer_id, co.name AS company_name"
)
_ROW_SQL = (
    f"SELECT {_COLUMNS_SQL} FROM certificate c LEFT JOIN company co ON co.id = c.company WHERE c.contract_number = {{}}"
)
_OWN_ROW_SQL = _ROW_SQL + " AND c.company = {}"


class _Sql:
    """A list statement's FROM, WHERE and ORDER BY, assembled with their values in order."""

    def __init__(self) -> None:
        self.source = "certificate c"
        self.where: list[str] = []
        self.values: list = []
        self.order = "c.id"  # descending; also the cursor's column

    def add(self, clause: str, *values) -> None:
        self.where.append(clause)
        self.values.extend(values)

    def select(self, limit: int) -> tuple[str, list]:
        where = f" WHERE {' AND '.join(self.where)}" if self.where else ""
        sql = (
            f"SELECT {_COLUMNS_SQL} FROM {self.source} LEFT JOIN company co ON co.id = c.company{where} "
            f"ORDER BY {self.order} DESC LIMIT {{}}"
        )
        return sql, [*self.values, limit]


def _text_search(sql: _Sql, query: search.Query, *, company_id: int | None) -> None:
    """Terms of three characters or more through the engine's trigram index; shorter ones by LIKE."""
    long_terms = query.long_terms if company_id is None else ()
    if long_terms and db.is_sqlite():
        sql.source = "certificate_search_fts f JOIN certificate c ON c.id = f.rowid"
        sql.order = "f.rowid"
        sql.add("f.text MATCH {}", search.fts_phrase(long_terms))
        like_terms = query.short_terms
        if like_terms:
            sql.source += " JOIN certificate_search s ON s.id = c.id"
    elif long_terms:
        sql.source = "certificate_search s JOIN certificate c ON c.id = s.id"
        like_terms = query.terms  # pg_trgm's GIN index answers LIKE itself
    else:
        # Newest first through the certificates (CROSS JOIN: SQLite keeps ``c`` the outer loop).
        sql.source = "certificate c CROSS JOIN certificate_search s"
        sql.add("s.id = c.id")
        like_terms = query.terms
    for term in like_terms:
        sql.add("s.text LIKE {} ESCAPE '\\'", search.like_pattern(term))


async def list_certificates(
    *,
    company_id: int | None,
    guarantee_type: str | None = None,
    status: str | None = None,
    q: str | None = None,
    cursor: str | None = None,
    limit: int = 20,
) -> CertificatePage:
    """Newest first (number order for a number prefix); ``company_id`` None = every company (admins)."""
    query = search.parse(q)
    sql = _Sql()
    if query is not None and query.number is not None:
        sql.add("c.contract_number = {}", query.number)
    elif query is not None and query.number_prefix is not None:
        sql.add("c.contract_number >= {} AND c.contract_number < {}", query.number_prefix, query.number_prefix + ":")
        sql.order = "c.contract_number"
    elif query is not None:
        _text_search(sql, query, company_id=company_id)
    if company_id is not None:
        sql.add("c.company = {}", company_id)
    if guarantee_type:
        sql.add("c.guarantee_type = {}", guarantee_type)
    today = clock.today_jst()
    if status == "cancelled":
        sql.add("c.cancelled_at IS NOT NULL")
    elif status == "valid":
        sql.add("c.cancelled_at IS NULL AND c.period_end >= {}", today)
    elif status == "expired":
        sql.add("c.cancelled_at IS NULL AND c.period_end < {}", today)
    kind = "n" if sql.order == "c.contract_number" else "c"
    if cursor:
        sql.add(f"{sql.order} < {{}}", _decode_cursor(cursor, kind))
    statement, values = sql.select(limit + 1)
    rows = await db.read(statement, *values)
    page, more = rows[:limit], len(rows) > limit
    last = page[-1]["contract_number" if kind == "n" else "id"] if page else None
    return CertificatePage(
        items=[_list_item(row, for_admin=company_id is None) for row in page],
        next_cursor=_encode_cursor(kind, last) if more else None,
    )


async def certificate_row(number: str, company_id: int | None = None) -> dict:
    """One certificate; with ``company_id`` only that company's (404 otherwise, never 403)."""
    if company_id is None:
        rows = await Certificate.raw(_ROW_SQL, number)
    else:
        rows = await Certificate.raw(_OWN_ROW_SQL, number, company_id)
    row = rows[0] if rows else None
    if row is None:
        raise NotFound("保証契約番号が見つかりません。")
    return row


async def versions_of(certificate_id: int) -> list[dict]:
    return await CertificateVersion.select().where(CertificateVersion.certificate == certificate_id).order_by(
        CertificateVersion.version
    )


def version_out(row: dict) -> VersionOut:
    content = json.loads(row["content"])
    return VersionOut(
        version=row["version"],
        issued_on=row["issued_on"],
        changes=content["changes"],
        change_reason=content["change_reason"],
        digest=row["digest"],
        signature=row["signature"],
        key_id=row["key_id"],
    )


async def detail(number: str, company_id: int | None) -> CertificateDetail:
    row = await certificate_row(number, company_id)
    versions = await versions_of(row["id"])
    current = versions[-1]
    adjustments = await FeeAdjustment.select().where(FeeAdjustment.certificate == row["id"]).order_by(FeeAdjustment.id)
    item = _list_item(row, for_admin=company_id is None)
    return CertificateDetail(
        **{name: getattr(item, name) for name in item.__struct_fields__},
        certificate=json.loads(current["content"]),
        digest=current["digest"],
        signature=current["signature"],
        key_id=current["key_id"],
        versions=[version_out(v) for v in versions],
        cancelled_at=row["cancelled_at"],
        sent_to_orderer_at=row["sent_to_orderer_at"],
        sent_to_orderer_address=row["sent_to_orderer_address"],
        fee_adjustments=[
            FeeAdjustmentOut(
                version=a["version"], kind=a["kind"], kind_label=ADJUSTMENT_LABELS[a["kind"]],
                amount=a["amount"], created_at=a["created_at"],
            )
            for a in adjustments
        ],
        has_auth_key=await AuthKey.exists().where(AuthKey.certificate == row["id"]),
        views=await events.views_for(row["id"]),
    )


# --- 認証キー ----------------------------------------------------------------------------------


async def show_auth_key(actor: Actor, number: str) -> AuthKeyOut:
    row = await certificate_row(number, actor.company_id)
    key_row = await AuthKey.select().where(AuthKey.certificate == row["id"]).first()
    if key_row is None:
        raise Conflict("この保証は書面交付のため、認証キーはありません。")
    key = keys.decrypt_key(keyring.auth_key_aes_key(), number, key_row["key_ciphertext"])
    await audit.record("auth_key.displayed", by=actor, target=number)
    return AuthKeyOut(contract_number=number, auth_key=key)


async def reissue_key(number: str, actor: Actor) -> AuthKeyOut:
    """A new key; the old one stops working the moment this commits."""
    async with db.transaction():
        row = await certificate_row(number, actor.company_scope)
        if row["delivery"] != "electronic":
            raise Conflict("この保証は書面交付のため、認証キーはありません。")
        if row["cancelled_at"] is not None:
            raise Conflict("解約済みの保証の認証キーは再発行できません。")
        key, key_row = _new_auth_key_row(row["id"], number)
        await AuthKey.delete().where(AuthKey.certificate == row["id"])
        await key_row.save()
        await audit.record("auth_key.reissued", by=actor, target=number)
        await events.emit("key_reissued", number, {"actor": actor.name, "address": actor.address})  # D-Sure lifts its locks
        company = await Company.select().where(Company.id == row["company"]).first()
        await mail_contractor(company, "certificate-key-reissued", number)
    await events.committed()
    await documents.discard("auth-key-notice", number)  # the old key's notice can never be served again
    return AuthKeyOut(contract_number=number, auth_key=key)


# --- amendments and cancellation --------------------------------------------------------------
#
# Each is planned (checked and priced, no writes) and then applied in the caller's transaction:
# staff apply at once; a contractor's change request is planned at its fee notice and applied
# at its conclusion (changes.py).


def _quote(snapshot: dict, orderer_class: str) -> fees.FeeQuote:
    start = date.fromisoformat(snapshot["guarantee"]["period_start"])
    return fees.quote(
        guarantee_type=snapshot["guarantee_type"],
        orderer_class=orderer_class,
        amount=snapshot["guarantee"]["amount"],
        start=start,
        end=date.fromisoformat(snapshot["guarantee"]["period_end"]),
        table=fees.table_for(start),
    )


async def current_terms(row: dict) -> tuple[dict, str]:
    """The current version's content and the orderer's class (which picks the rates)."""
    version = (
        await CertificateVersion.select(CertificateVersion.content)
        .where((CertificateVersion.certificate == row["id"]) & (CertificateVersion.version == row["current_version"]))
        .first()
    )
    orderer = await Orderer.select(Orderer.orderer_class).where(Orderer.id == row["orderer"]).first()
    return json.loads(version["content"]), orderer["orderer_class"]


def require_amendable(row: dict) -> None:
    status = _status(row)
    if status == "cancelled":
        raise Conflict("解約済みの保証は変更できません。")
    if status == "expired":
        raise Conflict("保証期限を過ぎた保証（期限満了）は変更・解約できません。")


def requested_changes(values: dict) -> dict:
    """The amendable fields a request names (an AmendInput's or a stored change request's)."""
    return {
        name: value
        for name in ("contract_amount", "guarantee_amount", "period_end")
        if (value := values.get(name)) is not None
    }


@dataclass(frozen=True)
class AmendmentPlan:
    snapshot: dict  # the next version's content
    kind: str  # additional | refund | none
    amount: int
    details: dict  # for the 追加保証料計算書 / 保証料返還計算書


def plan_amendment(previous: dict, orderer_class: str, requested: dict, *, reason: str, today: date) -> AmendmentPlan:
    if not requested:
        raise FieldError("guarantee_amount", "変更する項目（請負代金額・保証金額・保証期限）を1つ以上入力してください。")
    snapshot = amended_snapshot(previous, requested, issued_on=today, reason=reason)
    if not snapshot["changes"]:
        raise FieldError("guarantee_amount", "現在の内容と同じです。変更する値を入力してください。")
    try:
        rules.check_amendment(
            snapshot["guarantee_type"],
            snapshot["project"]["contract_amount"],
            snapshot["guarantee"]["amount"],
            date.fromisoformat(snapshot["guarantee"]["period_start"]),
            date.fromisoformat(snapshot["guarantee"]["period_end"]),
            today=today,
        )
    except rules.RuleViolation as violation:
        raise Validation(field_messages(violation.problems)) from None
    old_quote, new_quote = _quote(previous, orderer_class), _quote(snapshot, orderer_class)
    kind, amount = fees.adjustment(old_quote, new_quote)
    return AmendmentPlan(snapshot, kind, amount, _adjustment_details(previous, snapshot, old_quote, new_quote, today))


async def apply_amendment(row: dict, plan: AmendmentPlan, actor: Actor) -> AdjustmentResult:
    """Issue the planned version inside the caller's transaction (its publication to D-Sure
    commits with it; the caller runs ``events.committed()`` after the commit)."""
    number, snapshot = row["contract_number"], plan.snapshot
    version = _signed_version(row["id"], snapshot)
    await version.save()
    period_end = date.fromisoformat(snapshot["guarantee"]["period_end"])
    # Guarded by the version read: a concurrent amendment or cancellation makes this one a 409.
    changed = (
        await Certificate.update(
            {
                Certificate.current_version: snapshot["version"],
                Certificate.guarantee_amount: snapshot["guarantee"]["amount"],
                Certificate.period_end: period_end,
            }
        )
        .where(
            (Certificate.id == row["id"]) & (Certificate.current_version == row["current_version"])
            & Certificate.cancelled_at.is_null()
        )
        .returning(Certificate.id)
    )
    if not changed:
        raise Conflict("この電子証書は他の操作で更新されました。画面を読み込み直してください。")
    await counters.bump(counters.merge({counters.live_key(row["period_end"]): -1}, {counters.live_key(period_end): 1}))
    if plan.kind != "none":
        await _record_adjustment(row["id"], snapshot["version"], plan.kind, plan.amount, plan.details)
    await audit.record(
        "certificate.amended", by=actor, target=number,
        details={"version": snapshot["version"], "changes": [c["field"] for c in snapshot["changes"]], "digest": version.digest},
    )
    company = await Company.select().where(Company.id == row["company"]).first()
    await mail_contractor(
        company, "certificate-amended", number, version=snapshot["version"], reason=snapshot["change_reason"],
        changes=[{"label": c["label"], "before": _show(c["before"]), "after": _show(c["after"])} for c in snapshot["changes"]],
        adjustment_label=ADJUSTMENT_LABELS[plan.kind] if plan.kind != "none" else "", adjustment_amount=plan.amount,
    )
    await events.emit("amended", number, {"version": snapshot["version"], "changes": snapshot["changes"]})
    return AdjustmentResult(
        contract_number=number, version=snapshot["version"], status=_status({**row, "period_end": period_end}),
        adjustment_kind=plan.kind, adjustment_amount=plan.amount,
    )


async def amend(number: str, data: AmendInput, actor: Actor) -> AdjustmentResult:
    """Staff amend directly (no request, no fee notice)."""
    async with db.transaction():
        row = await certificate_row(number)
        require_amendable(row)
        previous, orderer_class = await current_terms(row)
        plan = plan_amendment(
            previous, orderer_class, requested_changes(msgspec.structs.asdict(data)), reason=data.reason.strip(),
            today=clock.today_jst(),
        )
        result = await apply_amendment(row, plan, actor)
    await events.committed()
    return result


async def _record_adjustment(certificate_id: int, version: int, kind: str, amount: int, details: dict) -> None:
    await FeeAdjustment.insert(
        FeeAdjustment(
            certificate=certificate_id, version=version, kind=kind, amount=amount,
            details=json.dumps(details, ensure_ascii=False), created_at=clock.now(),
        )
    )


def _show(value) -> str:
    if isinstance(value, int):
        return yen(value)
    try:
        return wareki(date.fromisoformat(value))
    except (TypeError, ValueError):
        return str(value)


def _adjustment_details(before: dict, after: dict, old: fees.FeeQuote, new: fees.FeeQuote, today: date) -> dict:
    def side(snapshot: dict, quote: fees.FeeQuote) -> dict:
        return {
            "amount": snapshot["guarantee"]["amount"],
            "period_start": snapshot["guarantee"]["period_start"],
            "period_end": snapshot["guarantee"]["period_end"],
            "days": quote.days,
            "rate_per_year": str(quote.rate_per_year),
            "flat": quote.flat,
            "minimum_fee": quote.minimum_fee,
            "fee": quote.fee,
        }

    return {
        "before": side(before, old),
        "after": side(after, new),
        "rate_table_version": new.table_version,
        "sample_data": new.sample_data,
        "reason": after["change_reason"],
        "computed_on": today.isoformat(),
    }


@dataclass(frozen=True)
class CancellationPlan:
    refund: fees.Refund
    details: dict  # for the 保証料返還計算書


def default_cancel_on(row: dict, today: date) -> date:
    """Staff cancelling without a date: today, or the 保証期限 if that is earlier."""
    return min(today, row["period_end"])


def plan_cancellation(snapshot: dict, orderer_class: str, cancel_on: date, *, reason: str, today: date) -> CancellationPlan:
    start = date.fromisoformat(snapshot["guarantee"]["period_start"])
    end = date.fromisoformat(snapshot["guarantee"]["period_end"])
    try:
        rules.check_cancel_on(cancel_on, start, end)
    except rules.RuleViolation as violation:
        raise Validation(field_messages(violation.problems)) from None
    quote = _quote(snapshot, orderer_class)
    # The fee of the current terms is what was paid: the first fee plus every 追加 less every 返還.
    refund = fees.cancellation_refund(fee_paid=quote.fee, minimum_fee=quote.minimum_fee, start=start, end=end, cancel_on=cancel_on)
    details = _adjustment_details(snapshot, snapshot, quote, quote, today)
    details.update(
        reason=reason,
        cancellation={
            "cancel_on": refund.cancel_on.isoformat(), "total_days": refund.total_days, "used_days": refund.used_days,
            "unused_days": refund.unused_days, "fee_paid": refund.fee_paid, "minimum_fee": refund.minimum_fee,
            "prorated_refund": refund.prorated_refund, "retained": refund.retained,
            "minimum_applied": refund.minimum_applied, "refund": refund.refund,
        },
    )
    return CancellationPlan(refund, details)


async def apply_cancellation(row: dict, plan: CancellationPlan, reason: str, actor: Actor) -> AdjustmentResult:
    """Cancel as planned inside the caller's transaction (its publication to D-Sure commits
    with it; the caller runs ``events.committed()`` after the commit)."""
    number, refund = row["contract_number"], plan.refund.refund
    cancelled = (
        await Certificate.update(
            {Certificate.cancelled_at: clock.now(), Certificate.cancel_on: plan.refund.cancel_on, Certificate.cancel_reason: reason}
        )
        .where(
            (Certificate.id == row["id"]) & Certificate.cancelled_at.is_null()
            & (Certificate.current_version == row["current_version"])
        )
        .returning(Certificate.id)
    )
    if not cancelled:
        raise Conflict("この保証はすでに解約または変更されています。画面を読み込み直してください。")
    await counters.bump({counters.live_key(row["period_end"]): -1, counters.CANCELLED: 1})
    if refund > 0:
        await _record_adjustment(row["id"], row["current_version"], "refund", refund, plan.details)
    await audit.record(
        "certificate.cancelled", by=actor, target=number,
        details={"refund": refund, "cancel_on": plan.refund.cancel_on.isoformat()},
    )
    company = await Company.select().where(Company.id == row["company"]).first()
    await mail_contractor(company, "certificate-cancelled", number, reason=reason, refund=refund, cancel_on=plan.refund.cancel_on)
    await events.emit("cancelled", number, {"reason": reason, "cancel_on": plan.refund.cancel_on.isoformat()})
    return AdjustmentResult(
        contract_number=number, version=row["current_version"], status="cancelled",
        adjustment_kind="refund" if refund else "none", adjustment_amount=refund,
    )


async def cancel(number: str, data: CancelInput, actor: Actor) -> AdjustmentResult:
    """Staff cancel directly; 解約日 defaults to today."""
    async with db.transaction():
        row = await certificate_row(number)
        if row["cancelled_at"] is not None:
            raise Conflict("この保証はすでに解約されています。")
        snapshot, orderer_class = await current_terms(row)
        today = clock.today_jst()
        cancel_on = data.cancel_on or default_cancel_on(row, today)
        plan = plan_cancellation(snapshot, orderer_class, cancel_on, reason=data.reason.strip(), today=today)
        result = await apply_cancellation(row, plan, data.reason.strip(), actor)
    await events.committed()
    return result
