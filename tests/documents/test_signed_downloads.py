"""Every PDF the product issues, downloaded through the API and checked as an orderer's
auditor would: pdfsig and pyHanko report a valid, trusted PAdES signature chained to the CA
served at /api/documents/ca.pem, pdfinfo shows the document's name and number, and one
edited byte breaks the signature. Runs on SQLite and (``make test``) on PostgreSQL."""

from __future__ import annotations

import re

from cryptography import x509

from tests.documents.signatures import assert_signed_document, pdfinfo
from tests.support.lifecycle import concluded_certificate, ensure_orderer, submit
from tests.support.pdf import compact, pdf_text

SURETY = "西日本建設業保証株式会社"


async def _pdf(client, who, path: str) -> bytes:
    response = await client.get(path, headers=who.headers)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/pdf"
    return response.content


async def test_ca_pem_is_public_and_is_what_signatures_chain_to(client, document_ca):
    pem = await client.get("/api/documents/ca.pem")
    assert pem.status_code == 200, pem.text
    assert pem.headers["content-type"].startswith("application/x-pem-file")
    assert 'filename="hosho-document-ca.pem"' in pem.headers["content-disposition"]
    served = x509.load_pem_x509_certificate(pem.content)
    assert served == document_ca
    assert served.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
    der = await client.get("/api/documents/ca.cer")
    assert der.status_code == 200 and x509.load_der_x509_certificate(der.content) == document_ca


async def test_every_document_is_signed_titled_and_tamper_evident(client, admin, contractor, document_ca, nss_dir):
    await ensure_orderer(client, admin)
    early = await submit(client, contractor)
    await client.post(f"/api/admin/applications/{early['id']}/fee-notice", headers=admin.headers)
    statement = await _pdf(client, contractor, f"/api/applications/{early['id']}/documents/fee-statement")

    number = await concluded_certificate(client, admin, contractor)
    key = (await client.get(f"/api/certificates/{number}/auth-key", headers=contractor.headers)).json()["auth_key"]
    base = f"/api/certificates/{number}/documents"
    for change in (
        {"contract_amount": 55_000_000, "guarantee_amount": 22_000_000, "reason": "請負代金額の増額"},  # → 追加保証料
        {"period_end": "2028-01-31", "reason": "工期の短縮"},  # → 保証料の返還
    ):
        amended = await client.post(f"/api/admin/certificates/{number}/amend", json=change, headers=admin.headers)
        assert amended.status_code == 200, amended.text
    receipt = await client.post("/api/dsure/receipt", json={"contract_number": number, "auth_key": key})
    assert receipt.status_code == 200, receipt.text

    documents = {
        f"電子証書閲覧用「認証キー」等のお知らせ（保証契約番号 {number}）": await _pdf(client, contractor, f"{base}/auth-key-notice"),
        f"前払金保証証書（閲覧用）保証契約番号 {number} 第3版": await _pdf(client, contractor, f"{base}/certificate"),
        f"前払金保証証書（閲覧用）保証契約番号 {number} 第1版": await _pdf(client, contractor, f"{base}/certificate?version=1"),
        f"保証料計算書（申込番号 {early['id']}）": statement,
        f"保証料計算書（保証契約番号 {number}）": await _pdf(client, contractor, f"{base}/fee-statement"),
        f"保証料領収証（No. R": await _pdf(client, contractor, f"{base}/fee-receipt"),
        f"追加保証料計算書（保証契約番号 {number} 第2版）": await _pdf(client, contractor, f"{base}/fee-adjustment?version=2"),
        f"保証料返還計算書（保証契約番号 {number} 第3版）": await _pdf(client, contractor, f"{base}/fee-adjustment"),
        f"閲覧証明（保証契約番号 {number} 第3版）": receipt.content,
    }
    for title, pdf in documents.items():
        if title.startswith("保証料領収証"):  # the receipt number is allocated at payment
            title = pdfinfo(pdf)["Title"]
            assert re.fullmatch(rf"保証料領収証（No\. R\S+・保証契約番号 {number}）", title), title
        await assert_signed_document(pdf, title=title, anchor=document_ca, nss_dir=nss_dir, author=SURETY)

    # the signed receipt names the guarantee as checked
    text = compact(pdf_text(receipt.content))
    for expected in ("保証の種類前払金保証", "保証契約者因幡建設株式会社", "保証金額金22,000,000円", "保証期限令和10年1月31日",
                     f"保証機関{SURETY}", "第3版", "状態有効", "電子証書そのものへの署名ではありません"):
        assert expected in text, expected

