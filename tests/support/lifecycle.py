"""Walk the guarantee lifecycle through the real API (used by many test modules)."""

from __future__ import annotations

from backend.lib import clock

TOTTORI = {
    "code": "tottori-kgc",
    "name": "鳥取県建設技術センター",
    "title": "公益財団法人鳥取県建設技術センター理事長",
    "orderer_class": "other",
    "e_guarantee_from": "2025-10-01",
    "submission_email": "soumu@tottori-kgc.example.jp",
    "channels": ["email", "paper"],
    "subject_templates": {"advance": "【前払保証】{工事名}", "contract": "【契約保証】{工事名}"},
}


DEPOSIT_BANK = {"name": "鳥取銀行", "branch": "県庁支店"}


def application_body(**overrides) -> dict:
    body = {
        "guarantee_type": "advance",
        "orderer_code": "tottori-kgc",
        "orderer_project_number": "R7-道改-123",
        "project_name": "県道鳥取国府線道路改良工事",
        "project_location": "鳥取県鳥取市国府町地内",
        "contract_amount": 50_000_000,
        "advance_amount": 20_000_000,
        "contract_date": "2026-10-20",
        "period_start": "2026-10-21",
        "period_end": "2028-03-31",
        "bid_announced_on": "2026-10-01",
        "delivery": "electronic",
        "notes": "",
    }
    if overrides.get("guarantee_type", body["guarantee_type"]) != "contract":
        body["deposit_bank"] = DEPOSIT_BANK  # 預託金融機関, required on the advance types
    body.update(overrides)
    return {key: value for key, value in body.items() if value is not None}


async def ensure_orderer(client, admin, **overrides) -> dict:
    body = {**TOTTORI, **overrides}
    response = await client.post("/api/admin/orderers", json=body, headers=admin.headers)
    assert response.status_code in (201, 409), response.text
    return body


async def submit(client, contractor, **overrides) -> dict:
    response = await client.post("/api/applications", json=application_body(**overrides), headers=contractor.headers)
    assert response.status_code == 201, response.text
    return response.json()


async def pay_and_conclude(client, admin, application_id: int) -> str:
    notice = await client.post(f"/api/admin/applications/{application_id}/fee-notice", headers=admin.headers)
    assert notice.status_code == 200, notice.text
    fee = notice.json()["fee"]
    paid = await client.post(
        f"/api/admin/applications/{application_id}/payment",
        json={"paid_on": clock.today_jst().isoformat(), "amount": fee},
        headers=admin.headers,
    )
    assert paid.status_code == 200, paid.text
    concluded = await client.post(f"/api/admin/applications/{application_id}/conclude", headers=admin.headers)
    assert concluded.status_code == 200, concluded.text
    return concluded.json()["contract_number"]


async def concluded_certificate(client, admin, contractor, **overrides) -> str:
    """An electronic certificate, concluded through the API; returns its 保証契約番号."""
    await ensure_orderer(client, admin)
    application = await submit(client, contractor, **overrides)
    return await pay_and_conclude(client, admin, application["id"])
