"""Every PDF a contractor can download, read back as text."""

from __future__ import annotations

from urllib.parse import unquote

from tests.conftest import new_contractor
from tests.support.lifecycle import concluded_certificate, ensure_orderer, submit
from tests.support.pdf import compact, pdf_text


async def _download(client, who, path):
    response = await client.get(path, headers=who.headers)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/pdf"
    assert response.headers["cache-control"] == "no-store"
    return response


async def test_key_notice_certificate_and_fee_documents(client, admin, contractor):
    number = await concluded_certificate(client, admin, contractor)
    key = (await client.get(f"/api/certificates/{number}/auth-key", headers=contractor.headers)).json()["auth_key"]

    notice = await _download(client, contractor, f"/api/certificates/{number}/documents/auth-key-notice")
    disposition = notice.headers["content-disposition"]
    assert "filename*=UTF-8''" in disposition
    assert unquote(disposition.split("UTF-8''")[1]) == f"認証キー等のお知らせ_{number}.pdf"
    text = compact(pdf_text(notice.content))
    for expected in (number, "前払金保証", "県道鳥取国府線道路改良工事", "公益財団法人鳥取県建設技術センター理事長",
                     "西日本建設業保証株式会社", "【お客様へのお願い】", "【発注者様へのお願い】",
                     "※発注者がD-Sure(発注者用保証確認サービス)において電子証書を閲覧するために必要となる暗証番号"):
        assert expected in text, expected
    assert key[:5] in text and key[5:] in text

    printout = compact(pdf_text((await _download(client, contractor, f"/api/certificates/{number}/documents/certificate")).content))
    assert "前払金保証証書" in printout and "閲覧用" in printout and "提出書類ではありません" in printout
    assert "金20,000,000円" in printout and "令和10年3月31日" in printout
    detail = (await client.get(f"/api/certificates/{number}", headers=contractor.headers)).json()
    assert detail["digest"][:8] in printout

    statement = compact(pdf_text((await _download(client, contractor, f"/api/certificates/{number}/documents/fee-statement")).content))
    assert "保証料計算書" in statement and "金173,589円" in statement and "サンプル料率" in statement
    receipt = compact(pdf_text((await _download(client, contractor, f"/api/certificates/{number}/documents/fee-receipt")).content))
    assert "保証料領収証" in receipt and "非課税" in receipt and "金173,589円" in receipt


async def test_fee_statement_is_available_before_conclusion(client, admin, contractor):
    await ensure_orderer(client, admin)
    application = await submit(client, contractor)
    early = await client.get(f"/api/applications/{application['id']}/documents/fee-statement", headers=contractor.headers)
    assert early.status_code == 409
    await client.post(f"/api/admin/applications/{application['id']}/fee-notice", headers=admin.headers)
    statement = await _download(client, contractor, f"/api/applications/{application['id']}/documents/fee-statement")
    assert "保証料計算書" in compact(pdf_text(statement.content))
    no_receipt = await client.get(f"/api/applications/{application['id']}/documents/fee-receipt", headers=contractor.headers)
    assert no_receipt.status_code == 409
    assert "入金確認前" in no_receipt.json()["detail"]


async def test_amendment_documents_and_old_versions(client, admin, contractor):
    number = await concluded_certificate(client, admin, contractor)
    await client.post(
        f"/api/admin/certificates/{number}/amend", json={"period_end": "2028-06-30", "reason": "工期延長のため"},
        headers=admin.headers,
    )
    adjustment = compact(pdf_text((await _download(client, contractor, f"/api/certificates/{number}/documents/fee-adjustment")).content))
    assert "追加保証料計算書" in adjustment and "工期延長のため" in adjustment
    current = compact(pdf_text((await _download(client, contractor, f"/api/certificates/{number}/documents/certificate")).content))
    assert "令和10年6月30日" in current
    old = compact(pdf_text((await _download(client, contractor, f"/api/certificates/{number}/documents/certificate?version=1")).content))
    assert "変更済" in old and "令和10年3月31日" in old
    missing = await client.get(f"/api/certificates/{number}/documents/certificate?version=9", headers=contractor.headers)
    assert missing.status_code == 400
    unknown = await client.get(f"/api/certificates/{number}/documents/contract", headers=contractor.headers)
    assert unknown.status_code == 400


async def test_documents_are_the_owners_alone(client, admin, contractor):
    number = await concluded_certificate(client, admin, contractor)
    other = await new_contractor(client, admin, email="other@kensetsu.example.jp", company_name="別会社建設")
    for kind in ("certificate", "auth-key-notice", "fee-statement", "fee-receipt"):
        assert (await client.get(f"/api/certificates/{number}/documents/{kind}", headers=other.headers)).status_code == 404
        assert (await client.get(f"/api/certificates/{number}/documents/{kind}")).status_code == 401
    admin_copy = await client.get(f"/api/admin/certificates/{number}/documents/certificate", headers=admin.headers)
    assert admin_copy.status_code == 200


async def test_paper_certificate_has_no_key_notice(client, admin, contractor):
    number = await concluded_certificate(client, admin, contractor, delivery="paper")
    response = await client.get(f"/api/certificates/{number}/documents/auth-key-notice", headers=contractor.headers)
    assert response.status_code == 409
