"""Registration to a cancelled version-2 certificate, over HTTP."""

from __future__ import annotations

import json
from datetime import date, timedelta

from backend.audit.tables import AuditEntry
from backend.certificates.tables import AuthKey
from backend.domain import signing
from backend.lib import clock, keyring
from backend.mail.tables import MailMessage
from tests.conftest import CONTRACTOR_PASSWORD, login_as, new_contractor
from tests.support.lifecycle import concluded_certificate


async def test_conclusion_issues_a_signed_certificate_key_and_mail(client, admin, contractor):
    number = await concluded_certificate(client, admin, contractor)
    assert number.startswith("207") and len(number) == 10

    detail = (await client.get(f"/api/certificates/{number}", headers=contractor.headers)).json()
    assert detail["status"] == "valid" and detail["version"] == 1
    content = detail["certificate"]
    assert content["certificate_title"] == "前払金保証証書"
    assert content["contractor"]["company_name"] == "因幡建設株式会社"
    assert content["orderer"]["title"] == "公益財団法人鳥取県建設技術センター理事長"
    assert content["guarantee"] == {"amount": 20_000_000, "period_start": "2026-10-21", "period_end": "2028-03-31"}
    assert signing.verify(keyring.public_key(), content, detail["digest"], detail["signature"])

    key = await client.get(f"/api/certificates/{number}/auth-key", headers=contractor.headers)
    assert key.status_code == 200
    assert key.headers["cache-control"] == "no-store"
    auth_key = key.json()["auth_key"]
    assert len(auth_key) == 10
    stored = await AuthKey.select().first()
    assert auth_key not in json.dumps(stored, default=str)  # only MAC and ciphertext at rest

    mail = await MailMessage.select().where(MailMessage.category == "certificate.issued").first()
    assert mail["subject"] == f"【e-Net保証】電子証書・認証キー登録のお知らせ（保証契約番号 {number}）"
    assert auth_key not in mail["body"]
    assert f"http://hosho.test/certificates/{number}" in mail["body"]

    audit_rows = await AuditEntry.select(AuditEntry.action, AuditEntry.details)
    assert {"certificate.concluded", "auth_key.displayed"} <= {r["action"] for r in audit_rows}
    assert all(auth_key not in r["details"] for r in audit_rows)


async def test_amend_then_cancel_gives_a_cancelled_version_two(client, admin, contractor):
    number = await concluded_certificate(client, admin, contractor, guarantee_type="contract",
                                          advance_amount=None, guarantee_amount=5_000_000)
    amended = await client.post(
        f"/api/admin/certificates/{number}/amend",
        json={"contract_amount": 60_000_000, "guarantee_amount": 6_000_000, "reason": "設計変更による請負代金額の増額"},
        headers=admin.headers,
    )
    assert amended.status_code == 200, amended.text
    result = amended.json()
    assert result["version"] == 2
    assert result["adjustment_kind"] == "additional" and result["adjustment_amount"] > 0

    detail = (await client.get(f"/api/certificates/{number}", headers=contractor.headers)).json()
    assert detail["version"] == 2 and detail["guarantee_amount"] == 6_000_000
    assert [v["version"] for v in detail["versions"]] == [1, 2]
    assert [c["label"] for c in detail["versions"][1]["changes"]] == ["請負代金額", "保証金額"]
    assert detail["versions"][1]["change_reason"] == "設計変更による請負代金額の増額"
    assert detail["versions"][0]["digest"] != detail["versions"][1]["digest"]
    assert signing.verify(keyring.public_key(), detail["certificate"], detail["digest"], detail["signature"])
    assert detail["fee_adjustments"][0]["kind_label"] == "追加保証料"

    below_minimum = await client.post(
        f"/api/admin/certificates/{number}/amend", json={"guarantee_amount": 5_000_000, "reason": "減額"}, headers=admin.headers
    )
    assert below_minimum.status_code == 400
    assert "10%" in below_minimum.json()["detail"]
    nothing = await client.post(f"/api/admin/certificates/{number}/amend", json={"reason": "なし"}, headers=admin.headers)
    assert nothing.status_code == 400

    cancelled = await client.post(
        f"/api/admin/certificates/{number}/cancel", json={"reason": "契約解除のため"}, headers=admin.headers
    )
    assert cancelled.status_code == 200
    assert cancelled.json()["status"] == "cancelled"
    detail = (await client.get(f"/api/certificates/{number}", headers=contractor.headers)).json()
    assert detail["status"] == "cancelled" and detail["status_label"] == "解約" and detail["version"] == 2
    again = await client.post(f"/api/admin/certificates/{number}/cancel", json={"reason": "x"}, headers=admin.headers)
    assert again.status_code == 409
    amend_cancelled = await client.post(
        f"/api/admin/certificates/{number}/amend", json={"guarantee_amount": 7_000_000, "reason": "x"}, headers=admin.headers
    )
    assert amend_cancelled.status_code == 409
    categories = {r["category"] for r in await MailMessage.select(MailMessage.category)}
    assert {"certificate.amended", "certificate.cancelled"} <= categories


async def test_period_extension_and_expiry_is_derived(client, admin, contractor):
    number = await concluded_certificate(client, admin, contractor)
    extended = await client.post(
        f"/api/admin/certificates/{number}/amend", json={"period_end": "2028-05-31", "reason": "工期延長"}, headers=admin.headers
    )
    assert extended.json()["adjustment_kind"] == "additional"
    detail = (await client.get(f"/api/certificates/{number}", headers=contractor.headers)).json()
    assert detail["period_end"] == "2028-05-31"
    assert detail["certificate"]["project"]["period_end"] == "2028-05-31"

    clock.advance(timedelta(days=(date(2028, 5, 31) - clock.today_jst()).days + 1))
    contractor = await login_as(client, contractor.login_id, CONTRACTOR_PASSWORD)  # sessions last 7 days
    expired = (await client.get(f"/api/certificates/{number}", headers=contractor.headers)).json()
    assert expired["status"] == "expired" and expired["status_label"] == "期限満了"
    only_expired = await client.get("/api/certificates", params={"status": "expired"}, headers=contractor.headers)
    assert [c["contract_number"] for c in only_expired.json()["items"]] == [number]


async def test_key_reissue_invalidates_the_old_key(client, admin, contractor):
    number = await concluded_certificate(client, admin, contractor)
    old = (await client.get(f"/api/certificates/{number}/auth-key", headers=contractor.headers)).json()["auth_key"]
    new = await client.post(f"/api/certificates/{number}/reissue-key", headers=contractor.headers)
    assert new.status_code == 200 and new.headers["cache-control"] == "no-store"
    assert new.json()["auth_key"] != old
    shown = (await client.get(f"/api/certificates/{number}/auth-key", headers=contractor.headers)).json()["auth_key"]
    assert shown == new.json()["auth_key"]
    by_admin = await client.post(f"/api/admin/certificates/{number}/reissue-key", headers=admin.headers)
    assert by_admin.json()["auth_key"] not in (old, shown)
    assert await AuthKey.count() == 1


async def test_paper_delivery_has_no_key(client, admin, contractor):
    number = await concluded_certificate(client, admin, contractor, delivery="paper")
    response = await client.get(f"/api/certificates/{number}/auth-key", headers=contractor.headers)
    assert response.status_code == 409
    assert "書面交付" in response.json()["detail"]
    mail = await MailMessage.select().where(MailMessage.category == "certificate.issued").first()
    assert "保証契約締結のお知らせ" in mail["subject"]


async def test_list_filters_search_and_cursor(client, admin, contractor):
    numbers = [
        await concluded_certificate(client, admin, contractor, project_name=f"第{i}号 橋梁補修工事")
        for i in range(5)
    ]
    contract = await concluded_certificate(
        client, admin, contractor, guarantee_type="contract", advance_amount=None, guarantee_amount=5_000_000,
        project_name="河川護岸工事",
    )
    first = (await client.get("/api/certificates", params={"limit": 4}, headers=contractor.headers)).json()
    assert [i["contract_number"] for i in first["items"]] == [contract, *reversed(numbers)][:4]
    assert set(first["items"][0]) >= {
        "contract_number", "guarantee_type", "project_name", "orderer_name", "guarantee_amount",
        "status", "version", "issued_on", "last_viewed_at",
    }
    second = (await client.get("/api/certificates", params={"limit": 4, "cursor": first["next_cursor"]}, headers=contractor.headers)).json()
    assert len(second["items"]) == 2 and second["next_cursor"] is None

    by_type = (await client.get("/api/certificates", params={"guarantee_type": "contract"}, headers=contractor.headers)).json()
    assert [i["contract_number"] for i in by_type["items"]] == [contract]
    by_name = (await client.get("/api/certificates", params={"q": "護岸"}, headers=contractor.headers)).json()
    assert [i["contract_number"] for i in by_name["items"]] == [contract]
    by_orderer = (await client.get("/api/certificates", params={"q": "建設技術センター"}, headers=contractor.headers)).json()
    assert len(by_orderer["items"]) == 6
    by_number = (await client.get("/api/certificates", params={"q": numbers[2]}, headers=contractor.headers)).json()
    assert [i["contract_number"] for i in by_number["items"]] == [numbers[2]]
    bad_cursor = await client.get("/api/certificates", params={"cursor": "garbage"}, headers=contractor.headers)
    assert bad_cursor.status_code == 400
    assert (await client.get("/api/certificates", params={"limit": 0}, headers=contractor.headers)).status_code == 400
    assert (await client.get("/api/certificates", params={"status": "lost"}, headers=contractor.headers)).status_code == 400


async def test_another_contractor_cannot_touch_the_certificate(client, admin, contractor):
    number = await concluded_certificate(client, admin, contractor)
    other = await new_contractor(client, admin, email="other@kensetsu.example.jp", company_name="別会社建設")
    for method, path in [
        ("get", f"/api/certificates/{number}"),
        ("get", f"/api/certificates/{number}/auth-key"),
        ("post", f"/api/certificates/{number}/reissue-key"),
    ]:
        response = await getattr(client, method)(path, headers=other.headers)
        assert response.status_code == 404, path
        assert (await getattr(client, method)(path)).status_code == 401
    assert (await client.get("/api/certificates", headers=other.headers)).json()["items"] == []
