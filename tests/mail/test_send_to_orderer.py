"""「発注者へ送付」: the key notice reaches the orderer's address as a PDF, with its subject template."""

from __future__ import annotations

import asyncio
import json
from datetime import timedelta

from backend.audit.tables import AuditEntry
from backend.certificates.tables import Certificate
from backend.lib import clock
from backend.mail import worker
from backend.mail.tables import MailMessage
from tests.conftest import new_contractor
from tests.support.lifecycle import concluded_certificate, ensure_orderer
from tests.support.pdf import compact, pdf_text


async def test_send_to_orderer_mails_the_notice_pdf(client, admin, contractor, mail_to_server):
    number = await concluded_certificate(client, admin, contractor)
    key = (await client.get(f"/api/certificates/{number}/auth-key", headers=contractor.headers)).json()["auth_key"]

    response = await client.post(f"/api/certificates/{number}/send-to-orderer", headers=contractor.headers)
    assert response.status_code == 202, response.text
    sent = response.json()
    assert sent["to"] == "soumu@tottori-kgc.example.jp"
    assert sent["subject"] == "【前払保証】県道鳥取国府線道路改良工事"

    row = await MailMessage.select().where(MailMessage.id == sent["mail_id"]).first()
    assert key not in str(row)  # the outbox holds a reference, not the key
    while await worker.deliver_due():
        pass
    [message] = [m for m in mail_to_server.messages if m["To"] == "soumu@tottori-kgc.example.jp"]
    assert message["Subject"] == "【前払保証】県道鳥取国府線道路改良工事"
    [attachment] = list(message.iter_attachments())
    assert attachment.get_filename() == f"認証キー等のお知らせ_{number}.pdf"
    text = compact(pdf_text(attachment.get_content()))
    assert number in text and key[:5] in text and key[5:] in text
    assert f"/dsure?no={number}" in message.get_body(("plain",)).get_content()

    certificate = await Certificate.select().where(Certificate.contract_number == number).first()
    assert certificate["sent_to_orderer_address"] == "soumu@tottori-kgc.example.jp"
    detail = (await client.get(f"/api/certificates/{number}", headers=contractor.headers)).json()
    assert detail["sent_to_orderer_at"] is not None


async def test_orderer_without_an_email_channel_is_explained(client, admin, contractor, no_smtp):
    await ensure_orderer(client, admin, code="matsuyama", name="松山市", title="松山市長", orderer_class="municipality",
                         e_guarantee_from="2024-04-01", channels=["e-application"], submission_email=None,
                         subject_templates={})
    number = await concluded_certificate(client, admin, contractor, orderer_code="matsuyama")
    response = await client.post(f"/api/certificates/{number}/send-to-orderer", headers=contractor.headers)
    assert response.status_code == 409
    assert "松山市" in response.json()["detail"]


async def test_a_second_send_within_ten_minutes_needs_a_confirmed_resend(client, admin, contractor, no_smtp):
    number = await concluded_certificate(client, admin, contractor)
    path = f"/api/certificates/{number}/send-to-orderer"
    assert (await client.post(path, headers=contractor.headers)).status_code == 202

    again = await client.post(path, headers=contractor.headers)
    assert again.status_code == 409
    body = again.json()
    assert body.get("code", "certificate.recently_sent") == "certificate.recently_sent"
    assert "分前" in body["detail"] and "soumu@tottori-kgc.example.jp" in body["detail"] and "再送" in body["detail"]
    assert (await client.post(path, json={"resend": False}, headers=contractor.headers)).status_code == 409

    resent = await client.post(path, json={"resend": True}, headers=contractor.headers)
    assert resent.status_code == 202, resent.text
    clock.advance(timedelta(minutes=9))
    assert (await client.post(path, headers=contractor.headers)).status_code == 409  # counted from the resend
    clock.advance(timedelta(minutes=2))
    assert (await client.post(path, headers=contractor.headers)).status_code == 202

    mails = await MailMessage.count().where(MailMessage.category == "certificate.sent_to_orderer")
    assert mails == 3
    sent = [row["details"] for row in await AuditEntry.select(AuditEntry.details)
            .where(AuditEntry.action == "certificate.sent_to_orderer").order_by(AuditEntry.seq)]
    assert [json.loads(details)["resend"] for details in sent] == [False, True, False]


async def test_fifteen_taps_at_once_send_one_mail(client, admin, contractor, no_smtp):
    number = await concluded_certificate(client, admin, contractor)
    path = f"/api/certificates/{number}/send-to-orderer"
    statuses = await asyncio.gather(*(client.post(path, headers=contractor.headers) for _ in range(15)))
    assert sorted(response.status_code for response in statuses) == [202] + [409] * 14
    assert await MailMessage.count().where(MailMessage.category == "certificate.sent_to_orderer") == 1


async def test_a_submission_address_without_channels_takes_email_unless_excluded(client, admin, contractor, no_smtp):
    await ensure_orderer(client, admin, code="yonago", name="米子市", title="米子市長", orderer_class="municipality",
                         e_guarantee_from="2025-04-01", channels=[], submission_email="keiyaku@city.yonago.example.jp",
                         subject_templates={})
    number = await concluded_certificate(client, admin, contractor, orderer_code="yonago")
    sent = await client.post(f"/api/certificates/{number}/send-to-orderer", headers=contractor.headers)
    assert sent.status_code == 202, sent.text
    assert sent.json()["to"] == "keiyaku@city.yonago.example.jp"

    await ensure_orderer(client, admin, code="kurayoshi", name="倉吉市", title="倉吉市長", orderer_class="municipality",
                         e_guarantee_from="2025-04-01", channels=["paper"], submission_email="keiyaku@city.kurayoshi.example.jp",
                         subject_templates={})
    paper = await concluded_certificate(client, admin, contractor, orderer_code="kurayoshi")
    refused = await client.post(f"/api/certificates/{paper}/send-to-orderer", headers=contractor.headers)
    assert refused.status_code == 409 and "電子メールでの提出を受け付けていません" in refused.json()["detail"]


async def test_preview_shows_recipient_subject_attachment_and_warns_before_a_resend(client, admin, contractor, no_smtp):
    number = await concluded_certificate(client, admin, contractor)
    preview = await client.get(f"/api/certificates/{number}/send-to-orderer/preview", headers=contractor.headers)
    assert preview.status_code == 200, preview.text
    assert preview.json() | {"cc_address": None} == {
        "contract_number": number, "to": "soumu@tottori-kgc.example.jp", "subject": "【前払保証】県道鳥取国府線道路改良工事",
        "attachment": f"認証キー等のお知らせ_{number}.pdf", "cc_address": None, "last_sent_at": None,
        "last_sent_to": None, "resend_required": False, "warning": None,
    }
    assert preview.json()["cc_address"] == "keiri@inaba-kensetsu.example.jp"

    sent = await client.post(f"/api/certificates/{number}/send-to-orderer", json={"cc_self": True}, headers=contractor.headers)
    assert sent.status_code == 202
    copy = await MailMessage.select().where(MailMessage.category == "certificate.sent_to_orderer_copy").first()
    assert copy["to_address"] == "keiri@inaba-kensetsu.example.jp" and copy["subject"].startswith("【控え】【前払保証】")
    attachments = copy["attachments"]
    assert (json.loads(attachments) if isinstance(attachments, str) else attachments) == [
        {"kind": "auth-key-notice", "contract_number": number}
    ]

    again = (await client.get(f"/api/certificates/{number}/send-to-orderer/preview", headers=contractor.headers)).json()
    assert again["resend_required"] is True and again["last_sent_to"] == "soumu@tottori-kgc.example.jp"
    assert "送付済み" in again["warning"] and "再び届きます" in again["warning"]
    other = await client.get(f"/api/certificates/{number}/send-to-orderer/preview",
                             headers=(await new_contractor(client, admin, email="x@kensetsu.example.jp")).headers)
    assert other.status_code == 404
