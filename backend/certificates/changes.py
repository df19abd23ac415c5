"""Change requests (変更・解約の申込み): the contractor asks, the surety reviews.

submitted → fee_notified (追加保証料計算書 / 保証料返還計算書) → (payment of a 追加, its own
領収証) → concluded (the next signed version, or the cancellation), or rejected. The rules
and the arithmetic are the ones staff use when they amend directly (service.plan_*).
"""

from __future__ import annotations

import json
from datetime import date, timedelta

import msgspec

from backend import db
from backend.accounts.tables import Company
from backend.audit import service as audit
from backend.certificates import events, service
from backend.certificates.schemas import (
    ChangeConcludeOut,
    ChangeFeeNoticeOut,
    ChangeRequestInput,
    ChangeRequestOut,
    ChangeTimelineStep,
)
from backend.certificates.tables import ChangeRequest
from backend.domain import rules
from backend.domain.wareki import yen
from backend.lib import clock
from backend.lib.actor import Actor
from backend.lib.errors import Conflict, FieldError, NotFound, Validation, field_messages
from backend.settings import get_settings

KIND_LABELS = {"amend": "変更", "cancel": "解約"}
STATUS_LABELS = {
    "submitted": "申込受付",
    "fee_notified": "保証料のお知らせ済",
    "concluded": "締結",
    "rejected": "謝絶",
}
FEE_KIND_LABELS = {"additional": "追加保証料", "refund": "返還保証料", "none": "保証料の増減なし"}
OPEN_STATUSES = ("submitted", "fee_notified")

_COLUMNS = (
    ChangeRequest.all_columns(),
    ChangeRequest.certificate.contract_number.as_alias("contract_number"),
    ChangeRequest.certificate.project_name.as_alias("project_name"),
    ChangeRequest.company.name.as_alias("company_name"),
)


def fee_kind(delta: int | None) -> str | None:
    if delta is None:
        return None
    return "additional" if delta > 0 else "refund" if delta < 0 else "none"


def payment_due_on(row: dict) -> date | None:
    """支払期限 of a 追加保証料: the fee notice's day plus the settings' days."""
    if row["fee_notified_on"] is None or not (row["fee_delta"] or 0) > 0:
        return None
    return row["fee_notified_on"] + timedelta(days=get_settings().payment_due_days)


def _jst_date(moment) -> date | None:
    return moment.astimezone(clock.JST).date() if moment is not None else None


def _timeline(row: dict) -> list[ChangeTimelineStep]:
    steps = [
        ChangeTimelineStep(step="submitted", label="申込受付", on=_jst_date(row["created_at"]), done=True),
        ChangeTimelineStep(step="fee_notified", label="保証料のお知らせ", on=row["fee_notified_on"],
                           done=row["fee_notified_on"] is not None),
    ]
    if row["fee_delta"] is None or row["fee_delta"] > 0:
        steps.append(ChangeTimelineStep(step="paid", label="追加保証料の入金確認", on=row["paid_on"], done=row["paid_on"] is not None))
    label = "解約" if row["kind"] == "cancel" else "変更後の電子証書の発行"
    steps.append(ChangeTimelineStep(step="concluded", label=label, on=_jst_date(row["concluded_at"]), done=row["concluded_at"] is not None))
    if row["status"] == "rejected":
        steps.append(ChangeTimelineStep(step="rejected", label="謝絶", on=_jst_date(row["updated_at"]), done=True))
    return steps


def to_out(row: dict, *, for_admin: bool = False) -> ChangeRequestOut:
    kind = fee_kind(row["fee_delta"])
    due = payment_due_on(row)
    return ChangeRequestOut(
        id=row["id"],
        kind=row["kind"],
        kind_label=KIND_LABELS[row["kind"]],
        status=row["status"],
        status_label=STATUS_LABELS[row["status"]],
        contract_number=row["contract_number"],
        project_name=row["project_name"],
        base_version=row["base_version"],
        contract_amount=row["contract_amount"],
        guarantee_amount=row["guarantee_amount"],
        period_end=row["period_end"],
        cancel_on=row["cancel_on"],
        reason=row["reason"],
        fee_delta=row["fee_delta"],
        fee_kind=kind,
        fee_kind_label=FEE_KIND_LABELS[kind] if kind else None,
        fee_notified_on=row["fee_notified_on"],
        payment_due_on=due,
        payment_account=get_settings().payment_account if due else None,
        paid_on=row["paid_on"],
        paid_amount=row["paid_amount"],
        receipt_number=row["receipt_number"],
        rejected_reason=row["rejected_reason"],
        version=row["version"],
        created_at=row["created_at"],
        concluded_at=row["concluded_at"],
        timeline=_timeline(row),
        company_name=row["company_name"] if for_admin else None,
    )


async def request_row(request_id: int, *, number: str | None = None, company_id: int | None = None) -> dict:
    """One change request; with ``company_id`` only that company's, with ``number`` only that certificate's."""
    query = ChangeRequest.select(*_COLUMNS).where(ChangeRequest.id == request_id)
    if company_id is not None:
        query = query.where(ChangeRequest.company == company_id)
    row = await query.first()
    if row is None or (number is not None and row["contract_number"] != number):
        raise NotFound("変更・解約の申込みが見つかりません。")
    return row


def _plan(row: dict, snapshot: dict, orderer_class: str, today: date):
    """Check and price a request against the certificate's current terms (400 naming the field)."""
    reason = row["reason"]
    if row["kind"] == "cancel":
        return service.plan_cancellation(snapshot, orderer_class, row["cancel_on"], reason=reason, today=today)
    return service.plan_amendment(snapshot, orderer_class, service.requested_changes(row), reason=reason, today=today)


def _signed_delta(plan) -> int:
    if isinstance(plan, service.CancellationPlan):
        return -plan.refund.refund
    return plan.amount if plan.kind == "additional" else -plan.amount if plan.kind == "refund" else 0


def _check_input(data: ChangeRequestInput) -> None:
    problems = ChangeRequestInput.rule_problems(msgspec.structs.asdict(data))
    if problems:
        raise Validation(field_messages(problems))


async def _certificate_for_change(number: str, company_id: int | None) -> dict:
    row = await service.certificate_row(number, company_id)
    service.require_amendable(row)
    return row


def _require_base(row: dict, certificate: dict) -> None:
    if certificate["current_version"] != row["base_version"]:
        raise Conflict(
            f"この申込みは第{row['base_version']}版に対するものですが、電子証書はその後第{certificate['current_version']}版に"
            "変更されています。この申込みを謝絶し、改めてお申込みいただいてください。"
        )


async def _mail(certificate: dict, case: str, **context) -> None:
    """Template ``change-request-<case>`` to the certificate's company (category ``change_request.<case>``)."""
    company = await Company.select().where(Company.id == certificate["company"]).first()
    await service.mail_contractor(
        company, f"change-request-{case.replace('_', '-')}", certificate["contract_number"],
        category=f"change_request.{case}", **context,
    )


# --- the contractor ----------------------------------------------------------------------------


async def submit(actor: Actor, number: str, data: ChangeRequestInput) -> ChangeRequestOut:
    _check_input(data)
    today = clock.today_jst()
    async with db.transaction():
        certificate = await _certificate_for_change(number, actor.company_id)
        await db.advisory_lock(f"certificate:{certificate['id']}")  # one open request per certificate
        if await ChangeRequest.exists().where(
            (ChangeRequest.certificate == certificate["id"]) & ChangeRequest.status.is_in(list(OPEN_STATUSES))
        ):
            raise Conflict("この電子証書には審査中の変更・解約の申込みがあります。その結果をお待ちください。")
        snapshot, orderer_class = await service.current_terms(certificate)
        request = ChangeRequest(
            certificate=certificate["id"], company=actor.company_id, kind=data.kind, status="submitted",
            contract_amount=data.contract_amount, guarantee_amount=data.guarantee_amount, period_end=data.period_end,
            cancel_on=data.cancel_on, reason=data.reason.strip(), base_version=certificate["current_version"],
            created_at=clock.now(), updated_at=clock.now(),
        )
        _plan(request.to_dict(), snapshot, orderer_class, today)  # the same checks as at the fee notice
        await request.save()
        await audit.record("change_request.submitted", by=actor, target=number, details={"id": request.id, "kind": data.kind})
        await _mail(certificate, "received", kind_label=KIND_LABELS[data.kind])
    return to_out(await request_row(request.id))


async def list_for_certificate(number: str, company_id: int | None) -> list[ChangeRequestOut]:
    certificate = await service.certificate_row(number, company_id)
    rows = await ChangeRequest.select(*_COLUMNS).where(ChangeRequest.certificate == certificate["id"]).order_by(
        ChangeRequest.id, ascending=False
    )
    return [to_out(row, for_admin=company_id is None) for row in rows]


# --- the surety --------------------------------------------------------------------------------


async def list_all(status: str | None, limit: int = 200) -> list[ChangeRequestOut]:
    query = ChangeRequest.select(*_COLUMNS).order_by(ChangeRequest.id, ascending=False).limit(limit)
    if status:
        query = query.where(ChangeRequest.status == status)
    return [to_out(row, for_admin=True) for row in await query]


async def get_any(request_id: int) -> ChangeRequestOut:
    return to_out(await request_row(request_id), for_admin=True)


async def _move(request_id: int, status: str, values: dict) -> None:
    """Change the request's status from ``status`` as read; a concurrent change makes this a 409."""
    values = {**values, ChangeRequest.updated_at: clock.now()}
    changed = (
        await ChangeRequest.update(values)
        .where((ChangeRequest.id == request_id) & (ChangeRequest.status == status))
        .returning(ChangeRequest.id)
    )
    if not changed:
        raise Conflict("この申込みは他の操作で更新されました。画面を読み込み直してください。")


async def notify_fee(request_id: int, actor: Actor) -> ChangeFeeNoticeOut:
    today = clock.today_jst()
    async with db.transaction():
        row = await request_row(request_id)
        if row["status"] != "submitted":
            raise Conflict(f"保証料のお知らせは申込受付の状態でのみ行えます（現在: {STATUS_LABELS[row['status']]}）。")
        certificate = await _certificate_for_change(row["contract_number"], None)
        _require_base(row, certificate)
        snapshot, orderer_class = await service.current_terms(certificate)
        plan = _plan(row, snapshot, orderer_class, today)
        delta = _signed_delta(plan)
        await _move(request_id, "submitted", {
            ChangeRequest.status: "fee_notified",
            ChangeRequest.fee_delta: delta,
            ChangeRequest.fee_details: json.dumps(plan.details, ensure_ascii=False),
            ChangeRequest.fee_notified_on: today,
        })
        await audit.record("change_request.fee_notified", by=actor, target=row["contract_number"],
                           details={"id": request_id, "fee_delta": delta})
        due = payment_due_on({**row, "fee_notified_on": today, "fee_delta": delta})
        settings = get_settings()
        await _mail(
            certificate, "fee_notice", kind_label=KIND_LABELS[row["kind"]], fee_delta=delta,
            payment_account=settings.payment_account, payment_due_on=due,
        )
    kind = fee_kind(delta)
    return ChangeFeeNoticeOut(
        id=request_id, fee_delta=delta, fee_kind=kind, amount=abs(delta), payment_due_on=due,
        payment_account=settings.payment_account if due else None,
    )


async def record_payment(request_id: int, paid_on: date, amount: int, actor: Actor) -> ChangeRequestOut:
    async with db.transaction():
        row = await request_row(request_id)
        if row["status"] != "fee_notified":
            raise Conflict("入金は保証料のお知らせ後にのみ記録できます。")
        if (row["fee_delta"] or 0) <= 0:
            raise Conflict("この申込みには追加保証料がないため、入金の記録は不要です。")
        if row["paid_on"] is not None:
            raise Conflict("この申込みの入金はすでに記録されています。")
        if amount != row["fee_delta"]:
            raise FieldError("amount", f"入金額（{yen(amount)}）が追加保証料（{yen(row['fee_delta'])}）と一致しません。")
        try:
            rules.check_payment_date(paid_on, row["fee_notified_on"], clock.today_jst())
        except rules.RuleViolation as violation:
            raise Validation(field_messages(violation.problems)) from None
        await _move(request_id, "fee_notified", {
            ChangeRequest.status: "fee_notified",
            ChangeRequest.paid_on: paid_on,
            ChangeRequest.paid_amount: amount,
            ChangeRequest.receipt_number: f"RC{request_id:08d}",
        })
        await audit.record("change_request.paid", by=actor, target=row["contract_number"],
                           details={"id": request_id, "amount": amount, "paid_on": paid_on.isoformat()})
        certificate = await service.certificate_row(row["contract_number"])
        await _mail(certificate, "payment", amount=amount)
    return to_out(await request_row(request_id), for_admin=True)


async def conclude(request_id: int, actor: Actor) -> ChangeConcludeOut:
    """Issue the next signed version (amend) or cancel, as priced at the fee notice.

    Through the service's own amendment and cancellation, so the change's publication to
    D-Sure is queued in this transaction and delivered once it commits (``events.committed``)."""
    today = clock.today_jst()
    async with db.transaction():
        await db.advisory_lock(f"change_request:{request_id}")
        row = await request_row(request_id)
        if row["status"] != "fee_notified":
            raise Conflict("変更・解約は保証料のお知らせの後にのみ締結できます。")
        if row["fee_delta"] > 0 and row["paid_on"] is None:
            raise Conflict("追加保証料の入金確認前のため締結できません。")
        certificate = await _certificate_for_change(row["contract_number"], None)
        _require_base(row, certificate)
        snapshot, orderer_class = await service.current_terms(certificate)
        plan = _plan(row, snapshot, orderer_class, today)
        if _signed_delta(plan) != row["fee_delta"]:
            raise Conflict("保証料の計算がお知らせした額と異なります。この申込みを謝絶し、改めてお申込みいただいてください。")
        if isinstance(plan, service.CancellationPlan):
            result = await service.apply_cancellation(certificate, plan, row["reason"], actor)
        else:
            result = await service.apply_amendment(certificate, plan, actor)
        await _move(request_id, "fee_notified", {
            ChangeRequest.status: "concluded", ChangeRequest.version: result.version, ChangeRequest.concluded_at: clock.now(),
        })
        await audit.record("change_request.concluded", by=actor, target=row["contract_number"],
                           details={"id": request_id, "version": result.version})
    await events.committed()
    return ChangeConcludeOut(id=request_id, contract_number=result.contract_number, version=result.version, status=result.status)


async def reject(request_id: int, reason: str, actor: Actor) -> ChangeRequestOut:
    async with db.transaction():
        row = await request_row(request_id)
        if row["status"] not in OPEN_STATUSES:
            raise Conflict("この申込みは謝絶できない状態です。")
        if row["paid_on"] is not None:
            raise Conflict("追加保証料の入金確認後のため謝絶できません。締結するか、担当窓口で返金の手続きをしてください。")
        await _move(request_id, row["status"], {ChangeRequest.status: "rejected", ChangeRequest.rejected_reason: reason.strip()})
        await audit.record("change_request.rejected", by=actor, target=row["contract_number"], details={"id": request_id})
        certificate = await service.certificate_row(row["contract_number"])
        await _mail(certificate, "rejected", kind_label=KIND_LABELS[row["kind"]], reason=reason.strip())
    return to_out(await request_row(request_id), for_admin=True)
