"""What the admin pages show: display-ready rows (和暦, 金…円) built from the API's structs (pure)."""

from __future__ import annotations

import dataclasses
from datetime import datetime

from frontend import fmt
from frontend.api import Application, AuditEntry, CertificateItem, ChangeRequest, Company, Lockout, MailItem, Orderer
from frontend.views import STATUS_TONES


@dataclasses.dataclass
class Kpi:
    label: str = ""
    value: str = "0"
    sub: str = ""
    icon: str = "circle"
    href: str = ""


@dataclasses.dataclass
class LockRow:
    """A D-Sure number locked for everybody, on the dashboard."""

    contract_number: str = ""
    failures: str = ""
    until: str = ""
    kind: str = ""


@dataclasses.dataclass
class CompanyRow:
    customer_id: str = ""
    company_name: str = ""
    representative: str = ""
    address: str = ""
    phone: str = ""
    email: str = ""
    license_number: str = ""
    created: str = ""
    age: str = ""  # how long ago it registered: 3日前
    status: str = ""
    status_label: str = ""
    status_tone: str = "gray"
    reason: str = ""  # why staff rejected or suspended it
    changed: str = ""  # when its status last changed


@dataclasses.dataclass
class ApplicationRow:
    id: str = ""
    company: str = ""
    type_label: str = ""
    project_name: str = ""
    orderer_name: str = ""
    contract_amount: str = ""
    amount: str = ""
    period: str = ""
    bid_announced: str = ""
    delivery: str = ""
    created: str = ""
    status: str = ""
    status_label: str = ""
    fee: str = ""
    fee_value: str = ""
    paid: str = ""
    contract_number: str = ""
    notes: str = ""


@dataclasses.dataclass
class CertificateRow:
    contract_number: str = ""
    type_label: str = ""
    project_name: str = ""
    orderer_name: str = ""
    company: str = ""
    amount: str = ""
    status: str = ""
    status_label: str = ""
    status_tone: str = "gray"
    version: str = ""
    issued: str = ""
    viewed: str = ""


@dataclasses.dataclass
class OrdererRow:
    code: str = ""
    name: str = ""
    reading: str = ""
    title: str = ""
    orderer_class: str = ""
    class_label: str = ""
    e_guarantee_from: str = ""
    e_guarantee_label: str = ""
    submission_email: str = ""
    channels: str = ""
    channel_codes: str = ""
    subject_advance: str = ""
    subject_interim: str = ""
    subject_contract: str = ""
    routing_note: str = ""
    active: bool = True


@dataclasses.dataclass
class MailRow:
    id: str = ""
    recipient: str = ""
    subject: str = ""
    status: str = ""
    status_label: str = ""
    status_tone: str = "gray"
    created: str = ""
    sent: str = ""
    attempts: str = ""
    error: str = ""


@dataclasses.dataclass
class AuditRow:
    seq: str = ""
    at: str = ""
    action: str = ""
    action_label: str = ""
    actor: str = ""
    target: str = ""
    address: str = ""
    details: str = ""
    hash: str = ""


APPLICATION_TABS = [
    ("submitted", "審査待ち"),
    ("fee_notified", "入金待ち"),
    ("paid", "締結待ち（入金確認済）"),
    ("concluded", "締結済"),
    ("rejected", "謝絶"),
    ("withdrawn", "取下げ"),
]
# The company lists' tabs and badges, in the glossary's words (利用中 / 利用停止中 / 不承認).
COMPANY_TABS = [(status, fmt.COMPANY_STATUS[status]) for status in ("active", "suspended", "rejected")]
COMPANY_BADGES = {"pending": ("承認待ち", "blue"), "active": ("利用中", "green"), "suspended": ("利用停止中", "amber"),
                  "rejected": ("不承認", "red")}
COMPANY_CHANGED = {"active": "利用開始", "suspended": "停止", "rejected": "不承認"}  # the status-change time's label
MAIL_TONES = {"pending": "amber", "sending": "blue", "sent": "green", "failed": "red"}


def lock_row(lock: Lockout) -> LockRow:
    return LockRow(
        contract_number=lock.contract_number,
        failures=f"{lock.failures:,}回",
        until=fmt.wareki_time(lock.until),
        kind="発行済みの電子証書" if lock.issued else "存在しない番号への照会",
    )


def company_row(company: Company, now: datetime) -> CompanyRow:
    label, tone = COMPANY_BADGES.get(company.status, (fmt.label(fmt.COMPANY_STATUS, company.status), "gray"))
    changed_at = company.status_changed_at or company.approved_at
    return CompanyRow(
        customer_id=company.customer_id,
        company_name=company.company_name,
        representative=company.representative,
        address=company.address,
        phone=company.phone,
        email=company.email,
        license_number=company.license_number,
        created=fmt.wareki_time(company.created_at),
        age=fmt.ago(company.created_at, now),
        status=company.status,
        status_label=label,
        status_tone=tone,
        reason=company.status_reason,
        changed=f"{COMPANY_CHANGED.get(company.status, '')} {fmt.wareki_time(changed_at)}".strip() if changed_at else "",
    )


def application_row(item: Application) -> ApplicationRow:
    advance = item.guarantee_type in ("advance", "interim_advance")
    amount = item.advance_amount if advance and item.advance_amount is not None else item.guarantee_amount
    status = item.status
    if status == "fee_notified" and item.paid_on is not None:
        status = "paid"
    return ApplicationRow(
        id=str(item.id),
        company=" ".join(filter(None, [item.company_name, f"（{item.customer_id}）" if item.customer_id else ""])),
        type_label=item.guarantee_type_label,
        project_name=item.project_name,
        orderer_name=item.orderer_name or item.orderer_code,
        contract_amount=fmt.yen(item.contract_amount),
        amount=fmt.yen(amount),
        period=fmt.period(item.period_start, item.period_end),
        bid_announced=fmt.wareki(item.bid_announced_on),
        delivery=fmt.label(fmt.DELIVERY, item.delivery),
        created=fmt.wareki_time(item.created_at),
        status=status,
        status_label=fmt.APPLICATION_STATUS["paid"] if status == "paid" else item.status_label,
        fee=fmt.yen(item.fee),
        fee_value=str(item.fee or ""),
        paid=" ".join(filter(None, [fmt.wareki(item.paid_on), fmt.yen(item.paid_amount)])),
        contract_number=item.contract_number or "",
        notes=item.notes,
    )


def certificate_row(item: CertificateItem) -> CertificateRow:
    return CertificateRow(
        contract_number=item.contract_number,
        type_label=item.guarantee_type_label,
        project_name=item.project_name,
        orderer_name=item.orderer_name,
        company=item.company_name,
        amount=fmt.yen(item.guarantee_amount),
        status=item.status,
        status_label=item.status_label,
        status_tone=STATUS_TONES.get(item.status, "gray"),
        version=f"第{item.version}版",
        issued=fmt.wareki(item.issued_on),
        viewed=fmt.wareki_time(item.last_viewed_at),
    )


def orderer_row(item: Orderer) -> OrdererRow:
    return OrdererRow(
        code=item.code,
        name=item.name,
        reading=item.reading,
        title=item.title,
        orderer_class=item.orderer_class,
        class_label=item.orderer_class_label,
        e_guarantee_from=item.e_guarantee_from.isoformat() if item.e_guarantee_from else "",
        e_guarantee_label=fmt.wareki(item.e_guarantee_from) or "書面のみ",
        submission_email=item.submission_email or "",
        channels="・".join(fmt.label(fmt.CHANNELS, c) for c in item.channels),
        channel_codes=",".join(item.channels),
        subject_advance=item.subject_templates.get("advance", ""),
        subject_interim=item.subject_templates.get("interim_advance", ""),
        subject_contract=item.subject_templates.get("contract", ""),
        routing_note=item.routing_note,
        active=item.active,
    )


def mail_row(item: MailItem) -> MailRow:
    return MailRow(
        id=str(item.id), recipient=item.to, subject=item.subject, status=item.status,
        status_label=fmt.label(fmt.MAIL_STATUS, item.status), status_tone=MAIL_TONES.get(item.status, "gray"),
        created=fmt.wareki_time(item.created_at), sent=fmt.wareki_time(item.sent_at), attempts=str(item.attempts),
        error=item.last_error,
    )


def audit_row(entry: AuditEntry) -> AuditRow:
    return AuditRow(
        seq=str(entry.seq), at=fmt.wareki_time(entry.at), action=entry.action,
        action_label=fmt.AUDIT_ACTIONS.get(entry.action, ""), actor=entry.actor,
        target=entry.target, address=entry.address,
        details="、".join(f"{k}={v}" for k, v in entry.details.items())[:200],
        hash=entry.hash[:12],
    )


CHANGE_TABS = [("submitted", "申込受付"), ("fee_notified", "お知らせ済"), ("concluded", "締結"), ("rejected", "謝絶")]


@dataclasses.dataclass
class ChangeAdminRow:
    """One 変更・解約の申込み in the staff's queue."""

    id: str = ""
    number: str = ""
    company: str = ""
    kind_label: str = ""
    project_name: str = ""
    asked: str = ""
    reason: str = ""
    fee: str = ""
    fee_value: str = ""  # the 追加保証料 to prefill the payment
    paid: str = ""
    step: str = ""  # notice | payment | conclude | done
    status_label: str = ""


def change_admin_row(item: ChangeRequest) -> ChangeAdminRow:
    if item.kind == "cancel":
        asked = f"解約日 {fmt.wareki(item.cancel_on)}"
    else:
        asked = "　".join(filter(None, [
            f"請負代金額 {fmt.yen(item.contract_amount)}" if item.contract_amount else "",
            f"保証金額 {fmt.yen(item.guarantee_amount)}" if item.guarantee_amount else "",
            f"保証期限 {fmt.wareki(item.period_end)}" if item.period_end else "",
        ]))
    if item.status == "submitted":
        step = "notice"
    elif item.status == "fee_notified":
        step = "payment" if (item.fee_delta or 0) > 0 and item.paid_on is None else "conclude"
    else:
        step = "done"
    return ChangeAdminRow(
        id=str(item.id), number=item.contract_number, company=item.company_name or "", kind_label=item.kind_label,
        project_name=item.project_name, asked=asked, reason=item.reason,
        fee=f"{item.fee_kind_label} {fmt.yen(abs(item.fee_delta))}" if item.fee_delta else (item.fee_kind_label or "―"),
        fee_value=str(item.fee_delta) if (item.fee_delta or 0) > 0 else "",
        paid=f"{fmt.wareki(item.paid_on)} 入金" if item.paid_on else "", step=step, status_label=item.status_label,
    )
