"""The PDFs of a certificate and of its application, and sending the key notice to the orderer.

Contexts are built here from the stored, signed versions; ``backend.documents`` only renders.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Literal

import msgspec

from backend import db
from backend.accounts.tables import Company
from backend.applications.tables import Application
from backend.audit import service as audit
from backend.certificates.service import certificate_row, versions_of
from backend.certificates import changes
from backend.certificates.tables import AuthKey, Certificate, FeeAdjustment
from backend.documents.filenames import attachment_header, document_filename
from backend.documents.render import render_pdf
from backend.domain import keys
from backend.domain.certificate import status_of
from backend.domain.glossary import GUARANTEE_TYPE_LABELS
from backend.domain.subjects import render_subject
from backend.domain.wareki import wareki
from backend.lib import clock, keyring
from backend.lib.actor import Actor
from backend.lib.clock import JST
from backend.lib.errors import Conflict, FieldError, NotFound
from backend.mail import service as mail
from backend.mail import templates as mail_templates
from backend.mail.attachments import register_renderer
from backend.orderers.tables import Orderer
from backend.settings import get_settings

CertificateDocument = Literal["certificate", "auth-key-notice", "fee-statement", "fee-receipt", "fee-adjustment"]
ApplicationDocument = Literal["fee-statement", "fee-receipt"]
ChangeDocument = Literal["fee-adjustment", "fee-receipt"]


class Document(msgspec.Struct):
    data: bytes
    content_disposition: str
    kind: str


SEND_COOLDOWN = timedelta(minutes=10)


class RecentlySent(Conflict):
    """The key notice went to the orderer less than 10 minutes ago (code ``certificate.recently_sent``)."""

    code = "certificate.recently_sent"

    def __init__(self, sent_at: datetime, to: str | None) -> None:
        minutes = max(1, int((clock.now() - sent_at).total_seconds() // 60))
        local = sent_at.astimezone(JST).strftime("%H時%M分")
        super().__init__(
            f"「認証キー等のお知らせ」は{minutes}分前（{local}）に{to or '発注者'}へ送付済みです。"
            "もう一度送る場合は、再送することを確認のうえ送付してください。"
        )


class SentToOrderer(msgspec.Struct):
    contract_number: str
    to: str
    subject: str
    mail_id: int
    sent_at: str


# --- contexts -----------------------------------------------------------------------------------


def _surety() -> dict:
    """The surety as the fee documents and the key notice name it (settings)."""
    settings = get_settings()
    return {
        "surety_name": settings.surety_name,
        "surety_representative": settings.surety_representative,
        "surety_address": settings.surety_address,
    }


def _payment(notified_on, *, due: bool) -> dict:
    """振込先 and 支払期限 of a fee still to be paid."""
    if not due or notified_on is None:
        return {}
    settings = get_settings()
    return {"payment_account": settings.payment_account, "payment_due_on": (notified_on + timedelta(days=settings.payment_due_days)).isoformat()}


async def _application(application_id: int) -> dict:
    row = await Application.select(
        Application.all_columns(),
        Application.orderer.name.as_alias("orderer_name"),
        Application.company.name.as_alias("company_name"),
        Application.company.address.as_alias("company_address"),
    ).where(Application.id == application_id).first()
    if row is None:
        raise NotFound("お申込みが見つかりません。")
    return row


def _fee_statement_context(application: dict) -> dict:
    if application["fee_statement"] is None:
        raise Conflict("保証料のお知らせ前のため、保証料計算書はまだありません。")
    statement = db.json_value(application["fee_statement"])
    return {
        "application_id": application["id"],
        "contract_number": application["contract_number"],
        "contractor": {"company_name": application["company_name"], "address": application["company_address"]},
        "orderer_name": application["orderer_name"],
        "project_name": application["project_name"],
        "guarantee_type_label": GUARANTEE_TYPE_LABELS[application["guarantee_type"]],
        "guarantee_amount": statement["guarantee_amount"],
        "period_start": statement["period_start"],
        "period_end": statement["period_end"],
        "days": statement["days"],
        "rate_per_year": statement["rate_per_year"],
        "rate_table_version": statement["rate_table_version"],
        "minimum_fee": statement["minimum_fee"],
        "fee": statement["fee"],
        "computed_on": statement["computed_on"],
        "sample_data": statement["sample_data"],
        "flat": statement.get("flat", False),
        **_surety(),
        **_payment(_jst_date(application["fee_notified_at"]), due=application["paid_on"] is None),
    }


def _jst_date(moment):
    return moment.astimezone(JST).date() if moment is not None else None


def _fee_receipt_context(application: dict) -> dict:
    if application["paid_on"] is None:
        raise Conflict("入金確認前のため、保証料領収証はまだありません。")
    context = _fee_statement_context(application)
    return {
        **context,
        "receipt_number": application["receipt_number"],
        "paid_on": application["paid_on"].isoformat(),
        "amount": application["paid_amount"],
    }


async def _certificate_context(row: dict, version: int | None) -> dict:
    versions = await versions_of(row["id"])
    chosen = versions[-1] if version is None else next((v for v in versions if v["version"] == version), None)
    if chosen is None:
        raise FieldError("version", f"第{version}版はありません。")
    status = status_of(cancelled=row["cancelled_at"] is not None, period_end=row["period_end"], today=clock.today_jst())
    if chosen["version"] != row["current_version"]:
        status = "superseded"
    history = []
    for version_row in versions[1 : chosen["version"]]:  # every change up to the printed version
        content = json.loads(version_row["content"])
        history.append({
            "version": content["version"], "issued_on": content["issued_on"],
            "changes": content["changes"], "change_reason": content["change_reason"],
        })
    context = {
        "snapshot": json.loads(chosen["content"]),
        "digest": chosen["digest"],
        "status": status,
        "public_url": get_settings().public_url,
        "history": history,
    }
    if status == "cancelled" and row["cancel_on"] is not None:
        context["cancellation"] = {"cancel_on": row["cancel_on"].isoformat(), "reason": row["cancel_reason"] or ""}
    return context


async def _auth_key_notice_context(row: dict) -> dict:
    key_row = await AuthKey.select().where(AuthKey.certificate == row["id"]).first()
    if key_row is None:
        raise Conflict("この保証は書面交付のため、認証キー等のお知らせはありません。")
    orderer = await Orderer.select(Orderer.title).where(Orderer.id == row["orderer"]).first()
    return {
        "contract_number": row["contract_number"],
        "auth_key": keys.decrypt_key(keyring.auth_key_aes_key(), row["contract_number"], key_row["key_ciphertext"]),
        "guarantee_type_label": GUARANTEE_TYPE_LABELS[row["guarantee_type"]],
        "project_name": row["project_name"],
        "orderer_title": orderer["title"],
        **_surety(),
        "public_url": get_settings().public_url,
        "issued_on": key_row["created_at"].astimezone(clock.JST).date().isoformat(),
    }


async def _fee_adjustment_context(row: dict, version: int | None) -> tuple[dict, str]:
    query = FeeAdjustment.select().where(FeeAdjustment.certificate == row["id"]).order_by(FeeAdjustment.id, ascending=False)
    if version is not None:
        query = query.where(FeeAdjustment.version == version)
    adjustment = await query.first()
    if adjustment is None:
        raise NotFound("追加保証料・返還保証料の計算書はありません。")
    context = await _adjustment_context(row, adjustment["kind"], adjustment["version"], adjustment["amount"], adjustment["details"])
    return context, adjustment["kind"]


async def _adjustment_context(row: dict, kind: str, version: int, amount: int, details, **extra) -> dict:
    """追加保証料計算書 / 保証料返還計算書 from a calculation (service._adjustment_details)."""
    details = db.json_value(details)
    company = await Company.select(Company.name, Company.address).where(Company.id == row["company"]).first()
    context = {
        "kind": kind,
        "contract_number": row["contract_number"],
        "version": version,
        "reason": details.get("reason") or "",
        "before": _fee_basis(details["before"]),
        "after": _fee_basis(details["after"]),
        "amount": amount,
        "computed_on": details["computed_on"],
        "sample_data": details["sample_data"],
        "contractor": {"company_name": company["name"], "address": company["address"]},
        "project_name": row["project_name"],
        **_surety(),
        "rate_table_version": details["rate_table_version"],
        "orderer_name": row["orderer_name"],
        "guarantee_type_label": GUARANTEE_TYPE_LABELS[row["guarantee_type"]],
        **extra,
    }
    if details.get("cancellation"):
        context["cancellation"] = details["cancellation"]
    return context


def _fee_basis(side: dict) -> dict:
    basis = {
        "guarantee_amount": side["amount"],
        "period_start": side["period_start"],
        "period_end": side["period_end"],
        "days": side["days"],
        "fee": side["fee"],
    }
    if "rate_per_year" in side:
        basis.update(rate_per_year=side["rate_per_year"], flat=side.get("flat", False))
    return basis


async def _change_adjustment_context(row: dict, request: dict) -> tuple[dict, str]:
    """The 計算書 of a change request, from its fee notice (before and after its conclusion)."""
    if request["fee_delta"] is None:
        raise Conflict("保証料のお知らせ前のため、計算書はまだありません。")
    kind = changes.fee_kind(request["fee_delta"])
    if kind == "none":
        raise NotFound("この申込みには保証料の増減がないため、計算書はありません。")
    version = request["base_version"] + (1 if request["kind"] == "amend" else 0)
    context = await _adjustment_context(
        row, kind, version, abs(request["fee_delta"]), request["fee_details"], change_request_id=request["id"],
        **_payment(request["fee_notified_on"], due=kind == "additional" and request["paid_on"] is None),
    )
    return context, kind


async def _change_receipt_context(row: dict, request: dict) -> dict:
    """保証料領収証 of a change's 追加保証料."""
    if request["paid_on"] is None:
        raise Conflict("追加保証料の入金確認前のため、領収証はまだありません。")
    details = db.json_value(request["fee_details"])
    after = details["after"]
    return {
        "application_id": row["application"],
        "contract_number": row["contract_number"],
        "contractor": {"company_name": row["company_name"], "address": (
            await Company.select(Company.address).where(Company.id == row["company"]).first()
        )["address"]},
        "orderer_name": row["orderer_name"],
        "project_name": row["project_name"],
        "guarantee_type_label": GUARANTEE_TYPE_LABELS[row["guarantee_type"]],
        "guarantee_amount": after["amount"],
        "period_start": after["period_start"],
        "period_end": after["period_end"],
        "days": after["days"],
        "rate_per_year": after["rate_per_year"],
        "flat": after.get("flat", False),
        "rate_table_version": details["rate_table_version"],
        "minimum_fee": after["minimum_fee"],
        "fee": after["fee"],
        "previous_fee": details["before"]["fee"],
        "computed_on": details["computed_on"],
        "sample_data": details["sample_data"],
        **_surety(),
        "receipt_number": request["receipt_number"],
        "paid_on": request["paid_on"].isoformat(),
        "amount": request["paid_amount"],
        "change_request_id": request["id"],
    }


# --- downloads ---------------------------------------------------------------------------------


async def certificate_document(
    number: str, kind: str, actor: Actor, *, version: int | None = None
) -> Document:
    """One PDF of a certificate; a contractor gets only their own (404 otherwise)."""
    row = await certificate_row(number, actor.company_scope)
    adjustment_kind = None
    if kind == "certificate":
        context = await _certificate_context(row, version)
    elif kind == "auth-key-notice":
        context = await _auth_key_notice_context(row)
    elif kind == "fee-adjustment":
        context, adjustment_kind = await _fee_adjustment_context(row, version)
    else:
        application = await _application(row["application"])
        context = _fee_statement_context(application) if kind == "fee-statement" else _fee_receipt_context(application)
    pdf = await render_pdf(kind, context)
    await audit.record("document.downloaded", by=actor, target=number, details={"kind": kind})
    return Document(
        data=pdf,
        content_disposition=attachment_header(kind, number, row["guarantee_type"], adjustment_kind=adjustment_kind),
        kind=kind,
    )


async def change_document(number: str, request_id: int, kind: str, actor: Actor) -> Document:
    """A change request's 計算書 or 領収証; a contractor gets only their own (404 otherwise)."""
    row = await certificate_row(number, actor.company_scope)
    request = await changes.request_row(request_id, number=number, company_id=actor.company_scope)
    adjustment_kind = None
    if kind == "fee-adjustment":
        context, adjustment_kind = await _change_adjustment_context(row, request)
    else:
        context = await _change_receipt_context(row, request)
    pdf = await render_pdf(kind, context)
    await audit.record(
        "document.downloaded", by=actor, target=number, details={"kind": kind, "change_request": request_id},
    )
    return Document(
        data=pdf,
        content_disposition=attachment_header(kind, number, row["guarantee_type"], adjustment_kind=adjustment_kind),
        kind=kind,
    )


async def application_document(application_id: int, kind: str, actor: Actor) -> Document:
    application = await _application(application_id)
    if actor.company_scope is not None and application["company"] != actor.company_scope:
        raise NotFound("お申込みが見つかりません。")
    context = _fee_statement_context(application) if kind == "fee-statement" else _fee_receipt_context(application)
    pdf = await render_pdf(kind, context)
    target = application["contract_number"] or f"application:{application_id}"
    await audit.record("document.downloaded", by=actor, target=target, details={"kind": kind})
    identifier = application["contract_number"] or f"申込{application_id}"
    return Document(data=pdf, content_disposition=attachment_header(kind, identifier), kind=kind)


async def _render_key_notice_attachment(ref: dict) -> tuple[str, str, bytes]:
    """The mail worker renders the notice at send time, so no key sits in the outbox."""
    row = await certificate_row(ref["contract_number"])
    pdf = await render_pdf("auth-key-notice", await _auth_key_notice_context(row))
    return document_filename("auth-key-notice", row["contract_number"]), "application/pdf", pdf


register_renderer("auth-key-notice", _render_key_notice_attachment)


# --- send to the orderer -----------------------------------------------------------------------


async def _claim_sending(row: dict, to: str, now: datetime, *, resend: bool) -> None:
    """Mark the certificate sent now, unless it was sent within SEND_COOLDOWN and this is no confirmed resend.

    One conditional UPDATE, so two taps at once send one mail (SQLite: IMMEDIATE transactions in turn;
    PostgreSQL: the second waits for the first's row lock, then no longer matches)."""
    query = Certificate.update({Certificate.sent_to_orderer_at: now, Certificate.sent_to_orderer_address: to}).where(
        Certificate.id == row["id"]
    )
    if not resend:
        query = query.where(
            Certificate.sent_to_orderer_at.is_null() | (Certificate.sent_to_orderer_at < now - SEND_COOLDOWN)
        )
    if not await query.returning(Certificate.id):
        current = await Certificate.select(Certificate.sent_to_orderer_at, Certificate.sent_to_orderer_address).where(
            Certificate.id == row["id"]
        ).first()
        raise RecentlySent(current["sent_to_orderer_at"], current["sent_to_orderer_address"])


def accepts_email(orderer: dict) -> bool:
    """An orderer with a submission address takes e-mail unless its channels leave e-mail out
    (no channels listed = none excluded)."""
    channels = db.json_value(orderer["channels"])
    return bool(orderer["submission_email"]) and (not channels or "email" in channels)


class _Sending(msgspec.Struct):
    to: str
    subject: str
    body: str
    company: dict


async def _sending(row: dict, company_id: int) -> _Sending:
    """The mail to the orderer, as the preview shows it and as it is sent."""
    if row["delivery"] != "electronic":
        raise Conflict("この保証は書面交付のため、発注者への電子送付はできません。")
    if row["cancelled_at"] is not None:
        raise Conflict("解約済みの保証は送付できません。")
    orderer = await Orderer.select().where(Orderer.id == row["orderer"]).first()
    if not accepts_email(orderer):
        reason = "電子メールでの提出先が登録されていません" if not orderer["submission_email"] else "電子メールでの提出を受け付けていません"
        raise Conflict(
            f"{orderer['name']}は{reason}。発注者の指定する方法"
            "（電子契約システムへの登録など）で「認証キー等のお知らせ」をご提出ください。"
        )
    templates = db.json_value(orderer["subject_templates"], {})
    application = await Application.select(Application.orderer_project_number).where(
        Application.id == row["application"]
    ).first()
    subject = render_subject(
        templates.get(row["guarantee_type"]),
        project_name=row["project_name"],
        project_number=application["orderer_project_number"],
    )
    company = await Company.select().where(Company.id == company_id).first()
    rendered = mail_templates.render(
        "key-notice-to-orderer", subject=subject,  # the orderer's own subject template, filled in above
        orderer_name=orderer["name"], company_name=company["name"], company_address=company["address"],
        company_phone=company["phone"], guarantee_type_label=GUARANTEE_TYPE_LABELS[row["guarantee_type"]],
        project_name=row["project_name"], contract_number=row["contract_number"], period_end=row["period_end"],
    )
    return _Sending(to=orderer["submission_email"], subject=rendered.subject, body=rendered.body, company=company)


class SendPreview(msgspec.Struct):
    """What 「発注者へ送付」 will send, shown before the contractor confirms."""

    contract_number: str
    to: str
    subject: str
    attachment: str  # the key notice's file name
    cc_address: str  # the contractor's own address, for an optional copy
    last_sent_at: str | None
    last_sent_to: str | None
    resend_required: bool  # sent within the cooldown: the send needs ``resend: true``
    warning: str | None  # what to tell the contractor before a resend


async def send_preview(actor: Actor, number: str) -> SendPreview:
    row = await certificate_row(number, actor.company_id)
    sending = await _sending(row, actor.company_id)
    sent_at = row["sent_to_orderer_at"]
    recent = sent_at is not None and sent_at > clock.now() - SEND_COOLDOWN
    warning = None
    if sent_at is not None:
        local = sent_at.astimezone(JST)
        warning = (
            f"{wareki(local.date())} {local.strftime('%H時%M分')}に{row['sent_to_orderer_address'] or '発注者'}へ送付済みです。"
            "もう一度送ると、発注者に同じお知らせが再び届きます。"
        )
    return SendPreview(
        contract_number=number, to=sending.to, subject=sending.subject,
        attachment=document_filename("auth-key-notice", number), cc_address=sending.company["email"],
        last_sent_at=sent_at.isoformat() if sent_at else None, last_sent_to=row["sent_to_orderer_address"],
        resend_required=recent, warning=warning,
    )


async def send_to_orderer(actor: Actor, number: str, *, resend: bool = False, cc_self: bool = False) -> SentToOrderer:
    """Mail the key notice to the orderer's registered address, with the orderer's subject template
    (at most once per SEND_COOLDOWN unless ``resend`` confirms another); ``cc_self`` sends the
    contractor a copy."""
    async with db.transaction():
        row = await certificate_row(number, actor.company_id)
        sending = await _sending(row, actor.company_id)
        now = clock.now()
        await _claim_sending(row, sending.to, now, resend=resend)
        attachments = [{"kind": "auth-key-notice", "contract_number": number}]
        mail_id = await mail.enqueue(
            category="certificate.sent_to_orderer", to=sending.to, subject=sending.subject, body=sending.body,
            attachments=attachments, related=number,
        )
        if cc_self:
            await mail.enqueue(
                category="certificate.sent_to_orderer_copy", to=sending.company["email"],
                subject=f"【控え】{sending.subject}"[:300],
                body=f"（{sending.to} へ送付したメールの控えです）\n\n{sending.body}",
                attachments=attachments, related=number,
            )
        await audit.record(
            "certificate.sent_to_orderer", by=actor, target=number,
            details={"to": sending.to, "resend": resend, "cc_self": cc_self},
        )
    return SentToOrderer(contract_number=number, to=sending.to, subject=sending.subject, mail_id=mail_id, sent_at=now.isoformat())
