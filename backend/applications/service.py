"""Applications (保証申込): submit, withdraw, and the surety's review steps."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from datetime import date, timedelta

import msgspec


from backend import db
from backend.applications.schemas import (
    ApplicationInput,
    ApplicationOut,
    DepositBank,
    FeeStatementOut,
    TimelineStep,
    application_facts,
)
from backend.applications.tables import Application
from backend.audit import service as audit
from backend.domain import fees, rules
from backend.domain.glossary import GUARANTEE_TYPE_LABELS, INTERIM_ADVANCE
from backend.domain.wareki import yen
from backend.lib import clock
from backend.lib.actor import Actor
from backend.lib.errors import Conflict, FieldError, NotFound, Validation, field_messages
from backend.mail import templates as mail_templates
from backend.orderers.tables import Orderer
from backend.settings import get_settings
from backend.stats import counters

STATUS_LABELS = {
    "submitted": "申込受付",
    "fee_notified": "保証料のお知らせ済",
    "concluded": "契約締結",
    "rejected": "謝絶",
    "withdrawn": "取下げ",
}
OPEN_STATUSES = ("submitted", "fee_notified")

_COLUMNS = (
    Application.all_columns(),
    Application.orderer.code.as_alias("orderer_code"),
    Application.orderer.name.as_alias("orderer_name"),
    Application.orderer.orderer_class.as_alias("orderer_class"),
    Application.company.customer_id.as_alias("customer_id"),
    Application.company.name.as_alias("company_name"),
    Application.company.email.as_alias("company_email"),
)


def _jst_date(moment) -> date | None:
    return moment.astimezone(clock.JST).date() if moment is not None else None


def _timeline(row: dict) -> list[TimelineStep]:
    steps = [
        TimelineStep(step="submitted", label="申込受付", on=_jst_date(row["created_at"]), done=True),
        TimelineStep(step="fee_notified", label="保証料のお知らせ", on=_jst_date(row["fee_notified_at"]),
                     done=row["fee_notified_at"] is not None),
        TimelineStep(step="paid", label="入金確認", on=row["paid_on"], done=row["paid_on"] is not None),
        TimelineStep(step="concluded", label="契約締結", on=_jst_date(row["concluded_at"]), done=row["concluded_at"] is not None),
    ]
    if row["status"] == "rejected":
        steps.append(TimelineStep(step="rejected", label="謝絶", on=_jst_date(row["updated_at"]), done=True))
    if row["status"] == "withdrawn":
        steps.append(TimelineStep(step="withdrawn", label="取下げ", on=_jst_date(row["withdrawn_at"]), done=True))
    return steps


def to_out(row: dict, *, for_admin: bool = False) -> ApplicationOut:
    return ApplicationOut(
        id=row["id"],
        status=row["status"],
        status_label=STATUS_LABELS[row["status"]],
        created_at=row["created_at"],
        guarantee_type=row["guarantee_type"],
        guarantee_type_label=GUARANTEE_TYPE_LABELS[row["guarantee_type"]],
        orderer_code=row["orderer_code"],
        orderer_name=row["orderer_name"],
        orderer_project_number=row["orderer_project_number"] or None,
        project_name=row["project_name"],
        project_location=row["project_location"],
        contract_amount=row["contract_amount"],
        advance_amount=row["advance_amount"],
        guarantee_amount=row["guarantee_amount"],
        contract_date=row["contract_date"],
        period_start=row["period_start"],
        period_end=row["period_end"],
        bid_announced_on=row["bid_announced_on"],
        delivery=row["delivery"],
        notes=row["notes"],
        fee=row["fee"],
        fee_notified_at=row["fee_notified_at"],
        paid_on=row["paid_on"],
        paid_amount=row["paid_amount"],
        rejected_reason=row["rejected_reason"],
        contract_number=row["contract_number"],
        timeline=_timeline(row),
        deposit_bank=_deposit_bank(row["deposit_bank"]),
        advance_contract_number=row["advance_contract_number"],
        interim_certified_on=row["interim_certified_on"],
        **_payment(row),
        customer_id=row["customer_id"] if for_admin else None,
        company_name=row["company_name"] if for_admin else None,
    )


def _deposit_bank(value) -> DepositBank | None:
    value = db.json_value(value)
    return DepositBank(name=value["name"], branch=value["branch"]) if value else None


def _payment(row: dict) -> dict:
    """振込先 and 支払期限 while a notified fee is unpaid."""
    if row["status"] != "fee_notified" or row["paid_on"] is not None or row["fee_notified_at"] is None:
        return {}
    settings = get_settings()
    return {
        "payment_due_on": _jst_date(row["fee_notified_at"]) + timedelta(days=settings.payment_due_days),
        "payment_account": settings.payment_account,
    }


async def _row(application_id: int, company_id: int | None = None) -> dict:
    query = Application.select(*_COLUMNS).where(Application.id == application_id)
    if company_id is not None:
        query = query.where(Application.company == company_id)
    row = await query.first()
    if row is None:
        raise NotFound("お申込みが見つかりません。")
    return row


# The 前払金保証 behind a 中間前払金 is a certificate, and certificates build on applications (imports
# point down): certificates registers how to look one up (``certificates.service.advance_behind``).
AdvanceLookup = Callable[[int, int, str], Awaitable[tuple[int, list[tuple[str, str]]]]]
_advance_lookup: list[AdvanceLookup] = []


def look_up_advances_with(lookup: AdvanceLookup) -> AdvanceLookup:
    _advance_lookup[:] = [lookup]
    return lookup


async def _advance_behind(company_id: int, orderer_id: int, number: str | None) -> tuple[int, list[tuple[str, str]]]:
    """The 前払金額 of the 前払金保証 a 中間前払金 stands on (for the 60% ceiling of 前払金 + 中間前払金)
    and what is wrong with that guarantee, if anything (its absence: ``rules.interim_problems``)."""
    if not number:
        return 0, []
    return await _advance_lookup[0](company_id, orderer_id, number)


async def submit(actor: Actor, data: ApplicationInput) -> ApplicationOut:
    orderer = await Orderer.select().where(Orderer.code == data.orderer_code).first()
    if orderer is None:
        raise FieldError("orderer_code", "選択された発注者が見つかりません。発注者一覧から選んでください。")
    facts = rules.OrdererFacts(name=orderer["name"], e_guarantee_from=orderer["e_guarantee_from"], active=orderer["active"])
    earlier, behind = 0, []
    if data.guarantee_type == INTERIM_ADVANCE:
        earlier, behind = await _advance_behind(actor.company_id, orderer["id"], data.advance_contract_number)
    app_facts = application_facts(msgspec.structs.asdict(data))
    problems = behind + [
        problem for problem in rules.application_problems(app_facts, facts, earlier_advance=earlier, today=clock.today_jst())
        if problem[0] not in {field for field, _ in behind}
    ]
    if problems:
        raise Validation(field_messages(problems))
    guarantee_amount = rules.guaranteed_amount(app_facts)
    async with db.transaction():
        application = Application(
            company=actor.company_id,
            orderer=orderer["id"],
            guarantee_type=data.guarantee_type,
            orderer_project_number=(data.orderer_project_number or "").strip(),
            project_name=data.project_name.strip(),
            project_location=data.project_location.strip(),
            contract_amount=data.contract_amount,
            advance_amount=data.advance_amount,
            guarantee_amount=guarantee_amount,
            contract_date=data.contract_date,
            period_start=data.period_start,
            period_end=data.period_end,
            bid_announced_on=data.bid_announced_on,
            delivery=data.delivery,
            notes=data.notes,
            deposit_bank=json.dumps(msgspec.to_builtins(data.deposit_bank), ensure_ascii=False) if data.deposit_bank else None,
            advance_contract_number=data.advance_contract_number if data.guarantee_type == INTERIM_ADVANCE else None,
            interim_certified_on=data.interim_certified_on if data.guarantee_type == INTERIM_ADVANCE else None,
            status="submitted",
            created_at=clock.now(),
            updated_at=clock.now(),
        )
        await application.save()
        await counters.bump(counters.moved(counters.APPLICATION_STATUS, None, "submitted"))
        await audit.record(
            "application.submitted", by=actor, target=f"application:{application.id}",
            details={"guarantee_type": data.guarantee_type, "orderer": data.orderer_code},
        )
        row = await _row(application.id)
        await _mail_company(
            row, "application-received", guarantee_type_label=GUARANTEE_TYPE_LABELS[row["guarantee_type"]],
            orderer_name=row["orderer_name"], guarantee_amount=row["guarantee_amount"],
        )
    return to_out(row)


async def _mail_company(row: dict, template: str, **context) -> None:
    """A mail about an application to its company (category ``application.<case>``, as before templates)."""
    await mail_templates.send(
        template, to=row["company_email"], related=f"application:{row['id']}",
        category=template.replace("application-", "application.").replace("-", "_"),
        company_name=row["company_name"], project_name=row["project_name"], **context,
    )


async def list_for_company(actor: Actor, status: str | None) -> list[ApplicationOut]:
    query = Application.select(*_COLUMNS).where(Application.company == actor.company_id).order_by(Application.id, ascending=False)
    if status:
        query = query.where(Application.status == status)
    return [to_out(row) for row in await query]


async def get_for_company(actor: Actor, application_id: int) -> ApplicationOut:
    return to_out(await _row(application_id, actor.company_id))


async def withdraw(actor: Actor, application_id: int) -> ApplicationOut:
    async with db.transaction():
        row = await _row(application_id, actor.company_id)
        if row["status"] not in OPEN_STATUSES or row["paid_on"] is not None:
            raise Conflict("このお申込みは取り下げられない状態です（入金確認後・締結後・謝絶後は取り下げできません）。")
        await move(
            application_id, row["status"],
            {Application.status: "withdrawn", Application.withdrawn_at: clock.now(), Application.updated_at: clock.now()},
        )
        await audit.record("application.withdrawn", by=actor, target=f"application:{application_id}")
    return to_out(await _row(application_id))


async def move(application_id: int, status: str, values: dict) -> None:
    """Change an application's status from ``status`` (as read in this transaction), with its counters.

    The UPDATE is guarded by the status read: on PostgreSQL a concurrent change (say a
    withdrawal racing a fee notice) makes the second one a 409 instead of a silent
    overwrite, so the dashboard's counters move only with rows that really moved.
    """
    changed = (
        await Application.update(values)
        .where((Application.id == application_id) & (Application.status == status))
        .returning(Application.id)
    )
    if not changed:
        raise Conflict("このお申込みは他の操作で更新されました。画面を読み込み直してください。")
    await counters.bump(counters.moved(counters.APPLICATION_STATUS, status, values[Application.status]))


# --- the surety's side -------------------------------------------------------------------------


async def list_all(status: str | None, limit: int = 200) -> list[ApplicationOut]:
    query = Application.select(*_COLUMNS).order_by(Application.id, ascending=False).limit(limit)
    if status:
        query = query.where(Application.status == status)
    return [to_out(row, for_admin=True) for row in await query]


async def get_any(application_id: int) -> ApplicationOut:
    return to_out(await _row(application_id), for_admin=True)


def fee_quote_for(row: dict) -> fees.FeeQuote:
    return fees.quote(
        guarantee_type=row["guarantee_type"],
        orderer_class=row["orderer_class"],
        amount=row["guarantee_amount"],
        start=row["period_start"],
        end=row["period_end"],
        table=fees.table_for(row["period_start"]),
    )


def statement_of(row: dict, quote: fees.FeeQuote, computed_on: date) -> FeeStatementOut:
    return FeeStatementOut(
        application_id=row["id"],
        fee=quote.fee,
        guarantee_amount=row["guarantee_amount"],
        period_start=row["period_start"],
        period_end=row["period_end"],
        days=quote.days,
        rate_per_year=str(quote.rate_per_year),
        minimum_fee=quote.minimum_fee,
        minimum_applied=quote.minimum_applied,
        rate_table_version=quote.table_version,
        sample_data=quote.sample_data,
        computed_on=computed_on,
        flat=quote.flat,
    )


async def notify_fee(application_id: int, actor: Actor) -> FeeStatementOut:
    async with db.transaction():
        row = await _row(application_id)
        if row["status"] != "submitted":
            raise Conflict(f"保証料のお知らせは申込受付の状態でのみ行えます（現在: {STATUS_LABELS[row['status']]}）。")
        quote = fee_quote_for(row)
        statement = statement_of(row, quote, clock.today_jst())
        await move(
            application_id, row["status"],
            {
                Application.status: "fee_notified",
                Application.fee: quote.fee,
                Application.fee_statement: json.dumps(msgspec.to_builtins(statement), ensure_ascii=False),
                Application.fee_notified_at: clock.now(),
                Application.updated_at: clock.now(),
            },
        )
        await audit.record("application.fee_notified", by=actor, target=f"application:{application_id}",
                           details={"fee": quote.fee})
        settings = get_settings()
        await _mail_company(
            row, "application-fee-notice", fee=quote.fee, days=quote.days, payment_account=settings.payment_account,
            payment_due_on=clock.today_jst() + timedelta(days=settings.payment_due_days),
        )
    return statement


async def record_payment(application_id: int, paid_on: date, amount: int, actor: Actor) -> ApplicationOut:
    async with db.transaction():
        row = await _row(application_id)
        if row["status"] != "fee_notified":
            raise Conflict("入金は保証料のお知らせ後にのみ記録できます。")
        if row["paid_on"] is not None:
            raise Conflict("この申込みの入金はすでに記録されています。")
        if amount != row["fee"]:
            raise FieldError("amount", f"入金額（{yen(amount)}）が保証料（{yen(row['fee'])}）と一致しません。")
        try:
            rules.check_payment_date(paid_on, _jst_date(row["fee_notified_at"]), clock.today_jst())
        except rules.RuleViolation as violation:
            raise FieldError(violation.field, violation.message) from None
        receipt_number = f"R{row['id']:08d}"
        await Application.update(
            {
                Application.paid_on: paid_on,
                Application.paid_amount: amount,
                Application.receipt_number: receipt_number,
                Application.updated_at: clock.now(),
            }
        ).where(Application.id == application_id)
        await audit.record("application.paid", by=actor, target=f"application:{application_id}",
                           details={"amount": amount, "paid_on": paid_on.isoformat()})
        await _mail_company(row, "application-payment", amount=amount)
    return to_out(await _row(application_id), for_admin=True)


async def reject(application_id: int, reason: str, actor: Actor) -> ApplicationOut:
    async with db.transaction():
        row = await _row(application_id)
        if row["status"] not in OPEN_STATUSES or row["paid_on"] is not None:
            raise Conflict("このお申込みは謝絶できない状態です。")
        await move(
            application_id, row["status"],
            {Application.status: "rejected", Application.rejected_reason: reason.strip(), Application.updated_at: clock.now()},
        )
        await audit.record("application.rejected", by=actor, target=f"application:{application_id}")
        await _mail_company(row, "application-rejected", reason=reason.strip())
    return to_out(await _row(application_id), for_admin=True)
