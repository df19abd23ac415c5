"""The PDFs of a certificate and of its application, and sending the key notice to the orderer.

Contexts are built here from the stored, signed versions; ``backend.documents`` only renders.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Literal

import msgspec

from backend import db
from backend.accounts.service import CurrentUser
from backend.accounts.tables import Company
from backend.applications.tables import Application
from backend.audit import service as audit
from backend.certificates.service import certificate_row, versions_of
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
from backend.mail import templates as mail_templates
from backend.mail.attachments import register_renderer
from backend.orderers.tables import Orderer
from backend.settings import get_settings

CertificateDocument = Literal["certificate", "auth-key-notice", "fee-statement", "fee-receipt", "fee-adjustment"]
ApplicationDocument = Literal["fee-statement", "fee-receipt"]


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
    statement = application["fee_statement"]
    statement = json.loads(statement) if isinstance(statement, str) else statement
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
        "surety_name": get_settings().surety_name,
    }


def _fee_receipt_context(application: dict) -> dict:
    if application["paid_on"] is None:
        raise Conflict("入金確認前のため、保証料領収証はまだありません。")
    return {
        **_fee_statement_context(application),
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
    return {
        "snapshot": json.loads(chosen["content"]),
        "digest": chosen["digest"],
        "status": status,
        "public_url": get_settings().public_url,
    }


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
        "surety_name": get_settings().surety_name,
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
    details = adjustment["details"]
    details = json.loads(details) if isinstance(details, str) else details
    company = await Company.select(Company.name, Company.address).where(Company.id == row["company"]).first()
    context = {
        "kind": adjustment["kind"],
        "contract_number": row["contract_number"],
        "version": adjustment["version"],
        "reason": details.get("reason") or "",
        "before": _fee_basis(details["before"]),
        "after": _fee_basis(details["after"]),
        "amount": adjustment["amount"],
        "computed_on": details["computed_on"],
        "sample_data": details["sample_data"],
        "contractor": {"company_name": company["name"], "address": company["address"]},
        "project_name": row["project_name"],
        "surety_name": get_settings().surety_name,
        "rate_table_version": details["rate_table_version"],
        "orderer_name": row["orderer_name"],
        "guarantee_type_label": GUARANTEE_TYPE_LABELS[row["guarantee_type"]],
    }
    return context, adjustment["kind"]


def _fee_basis(side: dict) -> dict:
    return {
        "guarantee_amount": side["amount"],
        "period_start": side["period_start"],
        "period_end": side["period_end"],
        "days": side["days"],
        "fee": side["fee"],
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


async def send_to_orderer(actor: Actor, number: str, *, resend: bool = False) -> SentToOrderer:
    """Mail the key notice to the orderer's registered address, with the orderer's subject template
    (at most once per SEND_COOLDOWN unless ``resend`` confirms another)."""
    settings = get_settings()
    async with db.transaction():
        row = await certificate_row(number, actor.company_id)
        if row["delivery"] != "electronic":
            raise Conflict("この保証は書面交付のため、発注者への電子送付はできません。")
        if row["cancelled_at"] is not None:
            raise Conflict("解約済みの保証は送付できません。")
        orderer = await Orderer.select().where(Orderer.id == row["orderer"]).first()
        channels = orderer["channels"]
        channels = json.loads(channels) if isinstance(channels, str) else channels
        if not orderer["submission_email"] or "email" not in channels:
            raise Conflict(
                f"{orderer['name']}は電子メールでの提出先が登録されていません。発注者の指定する方法"
                "（電子契約システムへの登録など）で「認証キー等のお知らせ」をご提出ください。"
            )
        now = clock.now()
        await _claim_sending(row, orderer["submission_email"], now, resend=resend)
        templates = orderer["subject_templates"]
        templates = json.loads(templates) if isinstance(templates, str) else templates
        application = await Application.select(Application.orderer_project_number).where(
            Application.id == row["application"]
        ).first()
        subject = render_subject(
            templates.get(row["guarantee_type"]),
            project_name=row["project_name"],
            project_number=application["orderer_project_number"],
        )
        company = await Company.select().where(Company.id == actor.company_id).first()
        mail_id = await mail_templates.send(
            "key-notice-to-orderer", category="certificate.sent_to_orderer", to=orderer["submission_email"],
            related=number, attachments=[{"kind": "auth-key-notice", "contract_number": number}],
            subject=subject,  # the orderer's own subject template, filled in above
            orderer_name=orderer["name"], company_name=company["name"], company_address=company["address"],
            company_phone=company["phone"], guarantee_type_label=GUARANTEE_TYPE_LABELS[row["guarantee_type"]],
            project_name=row["project_name"], contract_number=number, period_end=row["period_end"],
        )
        await audit.record(
            "certificate.sent_to_orderer", by=actor, target=number,
            details={"to": orderer["submission_email"], "resend": resend},
        )
    return SentToOrderer(contract_number=number, to=orderer["submission_email"], subject=subject, mail_id=mail_id, sent_at=now.isoformat())
