"""Applications over HTTP: rules as 400s naming the field, own data only, withdrawal, admin steps."""

from __future__ import annotations

from datetime import timedelta

import pytest

from backend.lib import clock
from backend.mail.tables import MailMessage
from tests.conftest import new_contractor
from tests.support.lifecycle import application_body, concluded_certificate, ensure_orderer, submit


@pytest.fixture
async def orderer(client, admin):
    return await ensure_orderer(client, admin)


async def test_submit_returns_the_contract_fields_plus_id_status_created_at(client, contractor, orderer):
    body = application_body()
    response = await client.post("/api/applications", json=body, headers=contractor.headers)
    assert response.status_code == 201, response.text
    data = response.json()
    for key, value in body.items():
        if key != "notes":
            assert data[key] == value, key
    assert data["status"] == "submitted"
    assert isinstance(data["id"], int) and data["created_at"]
    assert data["guarantee_amount"] == 20_000_000
    assert [s["label"] for s in data["timeline"]] == ["申込受付", "保証料のお知らせ", "入金確認", "契約締結"]
    mails = await MailMessage.select(MailMessage.subject).where(MailMessage.category == "application.received")
    assert "お申込みを受け付けました" in mails[0]["subject"]


@pytest.mark.parametrize(
    ("overrides", "field", "fragment"),
    [
        ({"bid_announced_on": "2025-09-30", "contract_date": "2025-10-20"}, "delivery", "令和7年10月1日以降"),
        ({"advance_amount": 20_000_001}, "advance_amount", "40%"),
        ({"guarantee_type": "interim_advance", "advance_amount": 10_000_001}, "advance_amount", "20%"),
        ({"guarantee_type": "contract", "advance_amount": None, "guarantee_amount": 4_999_999}, "guarantee_amount", "10%"),
        ({"guarantee_type": "contract", "advance_amount": None}, "guarantee_amount", "保証金額を入力"),
        ({"advance_amount": None}, "advance_amount", "前払金額を入力"),
        ({"period_end": "2026-10-01"}, "period_end", "工期（終期）"),
        ({"contract_amount": 1.5}, "contract_amount", "整数"),
        ({"contract_amount": -5}, "contract_amount", "請負代金額"),
        ({"contract_amount": 10**13}, "contract_amount", "請負代金額"),
        ({"contract_date": "2025-13-01"}, "contract_date", "YYYY-MM-DD"),
        ({"guarantee_type": "performance"}, "guarantee_type", "保証種別"),
        ({"delivery": "fax"}, "delivery", "受取方法"),
        ({"orderer_code": "nobody"}, "orderer_code", "発注者"),
        ({"project_name": "工" * 201}, "project_name", "200文字以内"),
        ({"project_name": ""}, "project_name", "工事名"),
    ],
)
async def test_rule_violations_are_400s_naming_the_field(client, contractor, orderer, overrides, field, fragment):
    response = await client.post("/api/applications", json=application_body(**overrides), headers=contractor.headers)
    assert response.status_code == 400, response.text
    data = response.json()
    assert fragment in data["detail"], data
    assert data["errors"][0]["field"] == field


async def test_paper_only_orderer_refuses_electronic_but_takes_paper(client, admin, contractor):
    await ensure_orderer(client, admin, code="sample-town", name="サンプル町", title="サンプル町長",
                         orderer_class="municipality", e_guarantee_from=None, channels=["paper"], submission_email=None,
                         subject_templates={})
    refused = await client.post("/api/applications", json=application_body(orderer_code="sample-town"), headers=contractor.headers)
    assert refused.status_code == 400
    assert "サンプル町は電子証書に対応していない" in refused.json()["detail"]
    accepted = await client.post(
        "/api/applications", json=application_body(orderer_code="sample-town", delivery="paper"), headers=contractor.headers
    )
    assert accepted.status_code == 201


async def test_interim_advance_stands_on_a_valid_advance_guarantee(client, admin, contractor, orderer):
    advance = await concluded_certificate(client, admin, contractor)  # 前払金 20,000,000 of 50,000,000 (40%)
    today = clock.today_jst().isoformat()

    async def interim(**overrides):
        body = application_body(guarantee_type="interim_advance", advance_amount=10_000_000,
                                advance_contract_number=advance, interim_certified_on=today)
        body.update(overrides)
        return await client.post("/api/applications", json={k: v for k, v in body.items() if v is not None},
                                 headers=contractor.headers)

    def field_of(response) -> str:
        assert response.status_code == 400, response.text
        return response.json()["errors"][0]["field"]

    assert field_of(await interim(advance_contract_number=None)) == "advance_contract_number"
    assert field_of(await interim(interim_certified_on=None)) == "interim_certified_on"
    assert field_of(await interim(advance_contract_number="2079999999")) == "advance_contract_number"
    over = await interim(advance_amount=10_000_001)
    assert field_of(over) == "advance_amount" and "20%" in over.json()["detail"]
    other = await new_contractor(client, admin, email="other@kensetsu.example.jp", company_name="別会社建設")
    foreign = await client.post("/api/applications", json=application_body(
        guarantee_type="interim_advance", advance_amount=10_000_000, advance_contract_number=advance,
        interim_certified_on=today), headers=other.headers)
    assert field_of(foreign) == "advance_contract_number"  # someone else's 前払金保証

    ok = await interim()
    assert ok.status_code == 201, ok.text
    assert ok.json()["advance_contract_number"] == advance and ok.json()["interim_certified_on"] == today
    notice = await client.post(f"/api/admin/applications/{ok.json()['id']}/fee-notice", headers=admin.headers)
    # 10,000,000 × 0.065 % = 6,500: the published flat rate, not the sample yearly table
    assert notice.json()["fee"] == 6_500 and notice.json()["flat"] is True and notice.json()["sample_data"] is False


async def test_advance_types_need_the_deposit_bank(client, contractor, orderer):
    missing = await client.post("/api/applications", json=application_body(deposit_bank={"name": "", "branch": "本店"}),
                                headers=contractor.headers)
    assert missing.status_code == 400
    assert missing.json()["errors"][0]["field"].startswith("deposit_bank")
    body = application_body()
    del body["deposit_bank"]
    assert (await client.post("/api/applications", json=body, headers=contractor.headers)).json()["errors"][0]["field"] == "deposit_bank.name"
    ok = await submit(client, contractor)
    assert ok["deposit_bank"] == {"name": "鳥取銀行", "branch": "県庁支店"}


async def test_payment_cannot_predate_the_fee_notice(client, admin, contractor, orderer):
    application = await submit(client, contractor)
    await client.post(f"/api/admin/applications/{application['id']}/fee-notice", headers=admin.headers)
    detail = (await client.get(f"/api/applications/{application['id']}", headers=contractor.headers)).json()
    assert detail["payment_account"] and detail["payment_due_on"]  # 振込先 and 支払期限 (notice + 14 days)
    early = (clock.today_jst() - timedelta(days=1)).isoformat()
    paid = await client.post(f"/api/admin/applications/{application['id']}/payment",
                             json={"paid_on": early, "amount": detail["fee"]}, headers=admin.headers)
    assert paid.status_code == 400 and paid.json()["errors"][0]["field"] == "paid_on"
    assert "保証料のお知らせの日" in paid.json()["detail"]


async def test_contractors_see_only_their_own_applications(client, admin, contractor, orderer):
    mine = await submit(client, contractor)
    other = await new_contractor(client, admin, email="other@kensetsu.example.jp", company_name="別会社建設")
    assert (await client.get("/api/applications", headers=other.headers)).json() == []
    assert (await client.get(f"/api/applications/{mine['id']}", headers=other.headers)).status_code == 404
    assert (await client.post(f"/api/applications/{mine['id']}/withdraw", headers=other.headers)).status_code == 404
    listed = await client.get("/api/applications", headers=contractor.headers)
    assert [a["id"] for a in listed.json()] == [mine["id"]]
    assert (await client.get("/api/applications")).status_code == 401
    assert (await client.post("/api/applications", json=application_body(), headers=admin.headers)).status_code == 403


async def test_withdraw_a_submitted_application(client, admin, contractor, orderer):
    application = await submit(client, contractor)
    withdrawn = await client.post(f"/api/applications/{application['id']}/withdraw", headers=contractor.headers)
    assert withdrawn.status_code == 200
    assert withdrawn.json()["status"] == "withdrawn"
    again = await client.post(f"/api/applications/{application['id']}/withdraw", headers=contractor.headers)
    assert again.status_code == 409
    notice = await client.post(f"/api/admin/applications/{application['id']}/fee-notice", headers=admin.headers)
    assert notice.status_code == 409


async def test_admin_queue_fee_notice_payment_and_rejection(client, admin, contractor, orderer):
    first = await submit(client, contractor)
    second = await submit(client, contractor, project_name="町道改良工事")
    queue = await client.get("/api/admin/applications", params={"status": "submitted"}, headers=admin.headers)
    assert {a["id"] for a in queue.json()} == {first["id"], second["id"]}
    assert queue.json()[0]["company_name"] == "因幡建設株式会社"

    notice = await client.post(f"/api/admin/applications/{first['id']}/fee-notice", headers=admin.headers)
    statement = notice.json()
    # 20,000,000 × 0.0060 (other, ≤ 1億) × 528 / 365 = 173,589.04… → 173,589
    assert statement["fee"] == 173_589
    assert statement["days"] == 528 and statement["rate_per_year"] == "0.0060"
    assert statement["sample_data"] is True

    wrong = await client.post(
        f"/api/admin/applications/{first['id']}/payment", json={"paid_on": clock.today_jst().isoformat(), "amount": 173_000}, headers=admin.headers
    )
    assert wrong.status_code == 400
    assert wrong.json()["errors"][0]["field"] == "amount"
    early_conclusion = await client.post(f"/api/admin/applications/{first['id']}/conclude", headers=admin.headers)
    assert early_conclusion.status_code == 409
    paid = await client.post(
        f"/api/admin/applications/{first['id']}/payment", json={"paid_on": clock.today_jst().isoformat(), "amount": 173_589}, headers=admin.headers
    )
    assert paid.status_code == 200
    assert [s["done"] for s in paid.json()["timeline"]] == [True, True, True, False]

    rejected = await client.post(
        f"/api/admin/applications/{second['id']}/reject", json={"reason": "工事内容の確認が取れないため"}, headers=admin.headers
    )
    assert rejected.json()["status"] == "rejected"
    mail = await MailMessage.select().where(MailMessage.category == "application.rejected").first()
    assert "工事内容の確認が取れないため" in mail["body"]
    assert mail["to_address"] == "keiri@inaba-kensetsu.example.jp"
    empty_reason = await client.post(f"/api/admin/applications/{second['id']}/reject", json={"reason": ""}, headers=admin.headers)
    assert empty_reason.status_code == 400
