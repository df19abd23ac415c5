"""Change requests (変更・解約) from the contractor to the next signed version, over HTTP.

The certificate of ``concluded_certificate``: 前払金保証 of 20,000,000 on 50,000,000, orderer class
"other" (sample rate 0.0060 a year up to 1億円), 保証期間 2026-10-21 … 2028-03-31 = 11 + 30 + 31
(2026) + 365 (2027) + 31 + 29 + 31 (2028, a leap year) = 528 days. Its fee:
floor(20,000,000 × 0.0060 × 528 / 365) = floor(173,589.04…) = 173,589.
"""

from __future__ import annotations

from datetime import timedelta

from backend.lib import clock
from backend.mail.tables import MailMessage
from tests.conftest import ADMIN_LOGIN, ADMIN_PASSWORD, CONTRACTOR_PASSWORD, login_as, new_contractor
from tests.support.lifecycle import concluded_certificate
from tests.support.pdf import compact, pdf_text

FEE = 173_589


async def _request(client, contractor, number, **body):
    return await client.post(f"/api/certificates/{number}/change-requests", json=body, headers=contractor.headers)


async def _submitted(client, contractor, number, **body) -> int:
    response = await _request(client, contractor, number, **body)
    assert response.status_code == 201, response.text
    assert response.json()["status"] == "submitted" and response.json()["kind"] == body["kind"]
    return response.json()["id"]


async def _admin(client, admin, request_id, step, body=None):
    return await client.post(f"/api/admin/change-requests/{request_id}/{step}", json=body, headers=admin.headers)


async def _pdf(client, who, path) -> str:
    response = await client.get(path, headers=who.headers)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/pdf"
    return compact(pdf_text(response.content))


async def _verify(client, contractor, number) -> dict:
    key = (await client.get(f"/api/certificates/{number}/auth-key", headers=contractor.headers)).json()["auth_key"]
    response = await client.post("/api/dsure/verify", json={"contract_number": number, "auth_key": key})
    assert response.status_code == 200, response.text
    return response.json()


async def _categories(number) -> list[str]:
    rows = await MailMessage.select(MailMessage.category).where(MailMessage.related == number).order_by(MailMessage.id)
    return [row["category"] for row in rows]


async def test_amend_up_fee_notice_payment_receipt_and_version_two(client, admin, contractor):
    number = await concluded_certificate(client, admin, contractor)
    request_id = await _submitted(client, contractor, number, kind="amend", contract_amount=60_000_000,
                                  guarantee_amount=24_000_000, reason="設計変更による請負代金額の増額")
    again = await _request(client, contractor, number, kind="cancel", cancel_on="2027-03-31", reason="重ねて")
    assert again.status_code == 409  # one open request per certificate
    listed = (await client.get(f"/api/certificates/{number}/change-requests", headers=contractor.headers)).json()
    assert [item["id"] for item in listed] == [request_id]
    queue = (await client.get("/api/admin/change-requests?status=submitted", headers=admin.headers)).json()
    assert [item["id"] for item in queue] == [request_id] and queue[0]["company_name"] == "因幡建設株式会社"
    assert (await _admin(client, admin, request_id, "conclude")).status_code == 409  # before the fee notice

    notice = await _admin(client, admin, request_id, "fee-notice")
    assert notice.status_code == 200, notice.text
    # floor(24,000,000 × 0.0060 × 528 / 365) = floor(208,306.84…) = 208,306; 208,306 − 173,589 = 34,717
    assert notice.json()["fee_delta"] == 34_717 and notice.json()["fee_kind"] == "additional"
    today = clock.today_jst()
    assert notice.json()["payment_due_on"] == (today + timedelta(days=14)).isoformat()
    assert (await _admin(client, admin, request_id, "conclude")).status_code == 409  # 追加 not paid yet

    statement = await _pdf(client, contractor, f"/api/certificates/{number}/change-requests/{request_id}/documents/fee-adjustment")
    for expected in ("追加保証料計算書", "金34,717円", "208,306円−173,589円", "金24,000,000円", "振込先", "支払期限",
                     "代表取締役社長"):
        assert expected in statement, expected
    early = await _admin(client, admin, request_id, "payment", {"paid_on": (today - timedelta(days=1)).isoformat(), "amount": 34_717})
    assert early.status_code == 400 and early.json()["errors"][0]["field"] == "paid_on"
    wrong = await _admin(client, admin, request_id, "payment", {"paid_on": today.isoformat(), "amount": 34_000})
    assert wrong.status_code == 400 and wrong.json()["errors"][0]["field"] == "amount"
    paid = await _admin(client, admin, request_id, "payment", {"paid_on": today.isoformat(), "amount": 34_717})
    assert paid.status_code == 200, paid.text
    assert paid.json()["receipt_number"] == f"RC{request_id:08d}"
    assert (await _admin(client, admin, request_id, "payment", {"paid_on": today.isoformat(), "amount": 34_717})).status_code == 409
    receipt = await _pdf(client, contractor, f"/api/certificates/{number}/change-requests/{request_id}/documents/fee-receipt")
    for expected in ("領収証", "金34,717円", "追加保証料として", "変更前の保証料", "金173,589円", "金208,306円"):
        assert expected in receipt, expected

    concluded = await _admin(client, admin, request_id, "conclude")
    assert concluded.status_code == 200, concluded.text
    assert concluded.json() == {"id": request_id, "contract_number": number, "version": 2, "status": "valid"}
    detail = (await client.get(f"/api/certificates/{number}", headers=contractor.headers)).json()
    assert detail["version"] == 2 and detail["guarantee_amount"] == 24_000_000
    assert [(a["kind"], a["amount"]) for a in detail["fee_adjustments"]] == [("additional", 34_717)]
    assert (await _verify(client, contractor, number))["version"] == 2
    assert await _categories(number) == [
        "certificate.issued", "change_request.received", "change_request.fee_notice", "change_request.payment",
        "certificate.amended",
    ]
    fee_mail = await MailMessage.select().where(MailMessage.category == "change_request.fee_notice").first()
    assert "金34,717円" in fee_mail["body"] and "振込先" in fee_mail["body"] and "支払期限" in fee_mail["body"]


async def test_amend_down_refunds_without_a_payment(client, admin, contractor):
    number = await concluded_certificate(client, admin, contractor)
    request_id = await _submitted(client, contractor, number, kind="amend", guarantee_amount=15_000_000, reason="前払金の減額")
    notice = await _admin(client, admin, request_id, "fee-notice")
    # floor(15,000,000 × 0.0060 × 528 / 365) = floor(130,191.78…) = 130,191; 173,589 − 130,191 = 43,398
    assert notice.json()["fee_delta"] == -43_398 and notice.json()["fee_kind"] == "refund"
    assert notice.json()["payment_due_on"] is None
    payment = await _admin(client, admin, request_id, "payment", {"paid_on": clock.today_jst().isoformat(), "amount": 1})
    assert payment.status_code == 409
    statement = await _pdf(client, contractor, f"/api/certificates/{number}/change-requests/{request_id}/documents/fee-adjustment")
    assert "保証料返還計算書" in statement and "173,589円−130,191円=金43,398円" in statement
    concluded = await _admin(client, admin, request_id, "conclude")
    assert concluded.status_code == 200 and concluded.json()["version"] == 2
    detail = (await client.get(f"/api/certificates/{number}", headers=contractor.headers)).json()
    assert detail["guarantee_amount"] == 15_000_000
    assert [(a["kind"], a["amount"]) for a in detail["fee_adjustments"]] == [("refund", 43_398)]


async def test_period_extension_charges_the_added_days(client, admin, contractor):
    number = await concluded_certificate(client, admin, contractor)
    request_id = await _submitted(client, contractor, number, kind="amend", period_end="2028-06-30", reason="工期延長（用地買収の遅れ）")
    notice = await _admin(client, admin, request_id, "fee-notice")
    # 528 + 30 + 31 + 30 = 619 days: floor(20,000,000 × 0.0060 × 619 / 365) = floor(203,506.84…) = 203,506
    assert notice.json()["fee_delta"] == 203_506 - FEE == 29_917
    await _admin(client, admin, request_id, "payment", {"paid_on": clock.today_jst().isoformat(), "amount": 29_917})
    concluded = await _admin(client, admin, request_id, "conclude")
    assert concluded.status_code == 200, concluded.text
    detail = (await client.get(f"/api/certificates/{number}", headers=contractor.headers)).json()
    assert detail["period_end"] == "2028-06-30" and detail["certificate"]["project"]["period_end"] == "2028-06-30"
    assert [c["field"] for c in detail["versions"][1]["changes"]] == ["period_end"]


async def test_cancel_shows_the_refund_arithmetic_everywhere(client, admin, contractor):
    number = await concluded_certificate(client, admin, contractor)
    outside = await _request(client, contractor, number, kind="cancel", cancel_on="2026-10-20", reason="契約解除")
    assert outside.status_code == 400 and outside.json()["errors"][0]["field"] == "cancel_on"
    mixed = await _request(client, contractor, number, kind="cancel", cancel_on="2027-03-31", guarantee_amount=1, reason="x")
    assert mixed.status_code == 400 and mixed.json()["errors"][0]["field"] == "guarantee_amount"
    request_id = await _submitted(client, contractor, number, kind="cancel", cancel_on="2027-03-31", reason="発注者との請負契約の解除")
    notice = await _admin(client, admin, request_id, "fee-notice")
    # used 2026-10-21 … 2027-03-31 = 72 + 31 + 28 + 31 = 162 days, unused 528 − 162 = 366;
    # floor(173,589 × 366 / 528) = floor(120,328.74…) = 120,328; kept 53,261 ≥ the minimum 3,000
    assert notice.json()["fee_delta"] == -120_328
    statement = await _pdf(client, contractor, f"/api/certificates/{number}/change-requests/{request_id}/documents/fee-adjustment")
    for expected in ("保証料返還計算書", "解約日", "令和9年3月31日", "(528日)", "162日", "366日", "金173,589円",
                     "173,589円×366日÷528日=120,328円", "金3,000円", "金53,261円", "金120,328円", "発注者との請負契約の解除"):
        assert expected in statement, expected

    concluded = await _admin(client, admin, request_id, "conclude")
    assert concluded.status_code == 200, concluded.text
    assert concluded.json()["status"] == "cancelled" and concluded.json()["version"] == 1
    detail = (await client.get(f"/api/certificates/{number}", headers=contractor.headers)).json()
    assert detail["status"] == "cancelled"
    assert [(a["kind"], a["amount"]) for a in detail["fee_adjustments"]] == [("refund", 120_328)]
    answer = await _verify(client, contractor, number)
    assert answer["status"] == "cancelled"
    assert answer["cancelled_on"] == "2027-03-31" and answer["cancel_reason"] == "発注者との請負契約の解除"
    printout = await _pdf(client, contractor, f"/api/certificates/{number}/documents/certificate")
    assert "解約されています" in printout and "令和9年3月31日" in printout and "発注者との請負契約の解除" in printout
    cancelled_mail = await MailMessage.select().where(MailMessage.category == "certificate.cancelled").first()
    assert "解約日: 令和9年3月31日" in cancelled_mail["body"] and "金120,328円" in cancelled_mail["body"]


async def test_reject_and_the_rules_of_a_request(client, admin, contractor):
    number = await concluded_certificate(client, admin, contractor)
    nothing = await _request(client, contractor, number, kind="amend", reason="なし")
    assert nothing.status_code == 400
    past = await _request(client, contractor, number, kind="amend", period_end="2026-11-30", reason="短縮")
    assert past.status_code == 400 and past.json()["errors"][0]["field"] == "period_end"
    over = await _request(client, contractor, number, kind="amend", guarantee_amount=20_000_001, reason="増額")
    assert over.status_code == 400 and "40%" in over.json()["detail"]
    other = await new_contractor(client, admin, email="other@kensetsu.example.jp", company_name="別会社建設")
    assert (await _request(client, other, number, kind="cancel", cancel_on="2027-03-31", reason="他社")).status_code == 404
    assert (await client.get(f"/api/certificates/{number}/change-requests", headers=other.headers)).status_code == 404

    request_id = await _submitted(client, contractor, number, kind="amend", guarantee_amount=18_000_000, reason="減額")
    blank = await _admin(client, admin, request_id, "reject", {"reason": ""})
    assert blank.status_code == 400
    rejected = await _admin(client, admin, request_id, "reject", {"reason": "変更契約書の写しをご提出ください"})
    assert rejected.status_code == 200 and rejected.json()["status"] == "rejected"
    assert rejected.json()["rejected_reason"] == "変更契約書の写しをご提出ください"
    assert (await _admin(client, admin, request_id, "fee-notice")).status_code == 409

    # A request whose certificate expires before the conclusion is refused (保証期限 passed).
    request_id = await _submitted(client, contractor, number, kind="amend", guarantee_amount=18_000_000, reason="減額")
    await _admin(client, admin, request_id, "fee-notice")
    clock.advance(timedelta(days=900))
    admin = await login_as(client, ADMIN_LOGIN, ADMIN_PASSWORD)  # the sessions expired meanwhile
    contractor = await login_as(client, contractor.login_id, CONTRACTOR_PASSWORD)
    late = await _admin(client, admin, request_id, "conclude")
    assert late.status_code == 409 and "保証期限" in late.json()["detail"]
    assert (await _request(client, contractor, number, kind="cancel", cancel_on="2027-03-31", reason="x")).status_code == 409


async def test_staff_still_amend_directly_and_version_three_prints_every_change(client, admin, contractor):
    number = await concluded_certificate(client, admin, contractor)
    direct = await client.post(f"/api/admin/certificates/{number}/amend",
                               json={"contract_amount": 60_000_000, "reason": "請負代金額の増額（第1回変更）"}, headers=admin.headers)
    assert direct.status_code == 200 and direct.json()["version"] == 2
    request_id = await _submitted(client, contractor, number, kind="amend", period_end="2028-06-30", reason="工期延長（第2回変更）")
    await _admin(client, admin, request_id, "fee-notice")
    await _admin(client, admin, request_id, "payment", {"paid_on": clock.today_jst().isoformat(), "amount": 29_917})
    assert (await _admin(client, admin, request_id, "conclude")).json()["version"] == 3

    printout = await _pdf(client, contractor, f"/api/certificates/{number}/documents/certificate")
    for expected in ("第2版", "請負代金額", "金50,000,000円", "金60,000,000円", "請負代金額の増額(第1回変更)",
                     "第3版", "令和10年3月31日", "令和10年6月30日", "工期延長(第2回変更)",
                     "鳥取銀行", "県庁支店", "鳥取県知事許可(特-5)第1234号", "代表取締役社長"):
        assert expected in printout, expected
    assert contractor.login_id not in printout  # no お客様ID on what the orderer sees
    answer = await _verify(client, contractor, number)
    assert answer["certificate"]["deposit_bank"] == {"name": "鳥取銀行", "branch": "県庁支店"}
    assert contractor.login_id not in str(answer)
    assert [v["version"] for v in answer["versions"]] == [1, 2, 3]
