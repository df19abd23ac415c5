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
