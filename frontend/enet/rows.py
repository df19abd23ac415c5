"""What the e-Net pages show: display-ready rows (和暦, 金…円) built from the API's structs (pure)."""

from __future__ import annotations

import dataclasses

from frontend import fmt
from frontend.api import Application, CertificateItem, ChangeRequest
from frontend.views import STATUS_TONES


@dataclasses.dataclass
class Step:
    label: str = ""
    state: str = "todo"  # done | current | todo | stopped
    date: str = ""


@dataclasses.dataclass
class ApplicationView:
    id: str = ""
    type_label: str = ""
    project_name: str = ""
    orderer_name: str = ""
    amount_label: str = ""
    amount: str = ""
    created: str = ""
    status_label: str = ""
    status_tone: str = "gray"
    delivery: str = ""
    fee: str = ""
    contract_number: str = ""
    message: str = ""
    payment: str = ""  # 振込先 and 支払期限 while the fee is unpaid
    has_fee: bool = False
    paid: bool = False
    can_withdraw: bool = False
    steps: list[Step] = dataclasses.field(default_factory=list)


@dataclasses.dataclass
class CertificateView:
    contract_number: str = ""
    type_label: str = ""
    project_name: str = ""
    orderer_name: str = ""
    amount: str = ""
    status_label: str = ""
    status_tone: str = "gray"
    version: str = ""
    issued: str = ""
    viewed: str = ""
    acknowledged: str = ""
    paper: bool = False


@dataclasses.dataclass
class ViewLogRow:
    """One D-Sure view as the contractor sees it."""

    at: str = ""
    what: str = ""
    version: str = ""
    origin: str = ""


@dataclasses.dataclass
class OrdererOption:
    code: str = ""
    name: str = ""
    note: str = ""
    accepts_electronic: bool = False


APPLICATION_TONES = {
    "submitted": "blue",
    "fee_notified": "amber",
    "paid": "cyan",
    "concluded": "green",
    "rejected": "red",
    "withdrawn": "gray",
}
STEP_CODES = ("submitted", "fee_notified", "paid", "concluded")  # the API's timeline, in order


def application_steps(item: Application) -> list[Step]:
    """申込受付 → 保証料のお知らせ → 入金確認 → 契約締結 from the API's timeline (its labels and dates).

    The first step not done is the current one, or — when the timeline ends in a 謝絶 / 取下げ
    step — where the application stopped.
    """
    stop = next((step for step in item.timeline if step.step not in STEP_CODES), None)
    steps: list[Step] = []
    for step in (step for step in item.timeline if step.step in STEP_CODES):
        if step.done:
            steps.append(Step(step.label, "done", fmt.month_day(step.on)))
        elif any(shown.state in ("current", "stopped") for shown in steps):
            steps.append(Step(step.label, "todo", ""))
        elif stop is not None:
            steps.append(Step(stop.label, "stopped", ""))
        else:
            steps.append(Step(step.label, "current", "手続き中"))
    return steps


def application_view(item: Application) -> ApplicationView:
    advance = item.guarantee_type in ("advance", "interim_advance")
    amount = item.advance_amount if advance and item.advance_amount is not None else item.guarantee_amount
    message = ""
    paid = item.paid_on is not None
    if item.status == "submitted":
        message = "お申込みを受け付けました。審査のうえ、保証料のお知らせをお送りします。"
    elif item.status == "fee_notified" and paid:
        message = "ご入金を確認しました。保証契約の締結までお待ちください。"
    elif item.status == "fee_notified":
        message = f"保証料は{fmt.yen(item.fee)}です（非課税）。お振込みをお願いいたします。" if item.fee else \
            "保証料のお知らせをお送りしました。お振込みをお願いいたします。"
    elif item.status == "concluded":
        message = "保証契約を締結しました。電子証書と認証キーをご確認ください。"
    elif item.status == "rejected":
        message = f"誠に恐れ入りますが、今回のお申込みはお引き受けできませんでした。{item.rejected_reason or ''}"
    elif item.status == "withdrawn":
        message = "お申込みは取り下げられました。"
    return ApplicationView(
        id=str(item.id),
        type_label=item.guarantee_type_label,
        project_name=item.project_name,
        orderer_name=item.orderer_name or item.orderer_code,
        amount_label="前払金額" if advance else "保証金額",
        amount=fmt.yen(amount),
        created=fmt.wareki(item.created_at),
        status_label=fmt.APPLICATION_STATUS["paid"] if item.status == "fee_notified" and paid else item.status_label,
        status_tone="cyan" if item.status == "fee_notified" and paid else APPLICATION_TONES.get(item.status, "gray"),
        delivery=fmt.label(fmt.DELIVERY, item.delivery),
        fee=fmt.yen(item.fee),
        contract_number=item.contract_number or "",
        message=message,
        payment=f"振込先：{item.payment_account}　支払期限：{fmt.wareki(item.payment_due_on)}" if item.payment_due_on else "",
        has_fee=item.fee is not None and item.status in ("fee_notified", "concluded"),
        paid=paid,
        can_withdraw=item.status in ("submitted", "fee_notified") and not paid,
        steps=application_steps(item),
    )


def certificate_view(item: CertificateItem) -> CertificateView:
    return CertificateView(
        contract_number=item.contract_number,
        type_label=item.guarantee_type_label,
        project_name=item.project_name,
        orderer_name=item.orderer_name,
        amount=fmt.yen(item.guarantee_amount),
        status_label=item.status_label,
        status_tone=STATUS_TONES.get(item.status, "gray"),
        version=f"第{item.version}版",
        issued=fmt.wareki(item.issued_on),
        viewed=fmt.wareki_time(item.last_viewed_at),
        acknowledged=fmt.wareki_time(item.acknowledged_at),
        paper=item.delivery == "paper",
    )


@dataclasses.dataclass
class ChangeRow:
    """One 変更・解約の申込み on the certificate page."""

    id: int = 0
    title: str = ""  # 変更 / 解約 and when
    status_label: str = ""
    tone: str = "gray"
    summary: str = ""  # what was asked
    fee: str = ""  # 追加保証料 金… / 返還保証料 金…
    payment: str = ""  # 振込先 and 支払期限 of an unpaid 追加
    rejected: str = ""
    has_statement: bool = False
    has_receipt: bool = False


CHANGE_TONES = {"submitted": "blue", "fee_notified": "amber", "concluded": "green", "rejected": "red"}


def change_row(item: ChangeRequest) -> ChangeRow:
    if item.kind == "cancel":
        summary = f"解約日 {fmt.wareki(item.cancel_on)}"
    else:
        parts = [
            f"請負代金額 {fmt.yen(item.contract_amount)}" if item.contract_amount else "",
            f"保証金額 {fmt.yen(item.guarantee_amount)}" if item.guarantee_amount else "",
            f"保証期限 {fmt.wareki(item.period_end)}" if item.period_end else "",
        ]
        summary = "　".join(p for p in parts if p)
    fee = f"{item.fee_kind_label} {fmt.yen(abs(item.fee_delta))}" if item.fee_delta else (item.fee_kind_label or "")
    payment = ""
    if item.payment_due_on and item.paid_on is None:
        payment = f"振込先：{item.payment_account}　支払期限：{fmt.wareki(item.payment_due_on)}"
    return ChangeRow(
        id=item.id, title=f"{item.kind_label}の申込み（{fmt.wareki(item.created_at)}）", status_label=item.status_label,
        tone=CHANGE_TONES.get(item.status, "gray"), summary=f"{summary}　理由：{item.reason}", fee=fee, payment=payment,
        rejected=f"謝絶の理由：{item.rejected_reason}" if item.rejected_reason else "",
        has_statement=bool(item.fee_delta), has_receipt=item.paid_on is not None,
    )
