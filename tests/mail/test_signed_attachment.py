"""The key notice mailed to an orderer is the signed PDF an auditor checks, like the download."""

from __future__ import annotations

from backend.mail import worker
from tests.documents.conftest import document_ca, nss_dir  # noqa: F401 (fixtures)
from tests.documents.signatures import assert_signed_document
from tests.support.lifecycle import concluded_certificate


async def test_the_mailed_key_notice_is_signed_titled_and_tamper_evident(
    client, admin, contractor, mail_to_server, document_ca, nss_dir  # noqa: F811
) -> None:
    number = await concluded_certificate(client, admin, contractor)
    sent = await client.post(f"/api/certificates/{number}/send-to-orderer", headers=contractor.headers)
    assert sent.status_code == 202, sent.text
    while await worker.deliver_due():
        pass
    [message] = [m for m in mail_to_server.messages if m["To"] == sent.json()["to"]]
    [attachment] = list(message.iter_attachments())
    mailed = attachment.get_content()
    await assert_signed_document(mailed, title=f"電子証書閲覧用「認証キー」等のお知らせ（保証契約番号 {number}）",
                                 anchor=document_ca, nss_dir=nss_dir, author="西日本建設業保証株式会社")
    downloaded = await client.get(f"/api/certificates/{number}/documents/auth-key-notice", headers=contractor.headers)
    assert downloaded.content == mailed  # one signed version, rendered and signed once
