"""Contractor registration: お客様ID, pending status, Japanese 400s naming the field."""

from __future__ import annotations

import re

import pytest

from backend.accounts.tables import Account, Company
from tests.conftest import registration


async def test_register_issues_an_eight_digit_customer_id_pending_approval(client):
    response = await client.post("/api/auth/register", json=registration())
    assert response.status_code == 201
    body = response.json()
    assert re.fullmatch(r"[1-9]\d{7}", body["customer_id"])
    assert body["status"] == "pending"
    company = await Company.select().where(Company.customer_id == body["customer_id"]).first()
    assert company["name"] == "因幡建設株式会社"
    account = await Account.select().where(Account.login_id == body["customer_id"]).first()
    assert account["role"] == "contractor"
    assert account["password_hash"].startswith("$argon2id$")


async def test_two_registrations_get_different_ids(client):
    first = (await client.post("/api/auth/register", json=registration())).json()["customer_id"]
    second = (await client.post("/api/auth/register", json=registration(email="b@example.jp"))).json()["customer_id"]
    assert first != second


@pytest.mark.parametrize(
    ("body", "field", "fragment"),
    [
        ({"company_name": None}, "company_name", "商号"),
        ({"email": "not-an-email"}, "email", "メールアドレス"),
        ({"phone": "電話してね"}, "phone", "電話番号"),
        ({"address": "あ" * 201}, "address", "200文字以内"),
        ({"representative": 12}, "representative", "代表者"),
        ({"password": "short1"}, "password", "10文字以上"),
        ({"password": "onlyletterspassword"}, "password", "英字と数字"),
        ({"nickname": "x"}, "nickname", "受け付けていません"),
    ],
)
async def test_bad_registration_is_a_400_naming_the_field(client, body, field, fragment):
    payload = registration()
    for key, value in body.items():
        if value is None:
            payload.pop(key)
        else:
            payload[key] = value
    response = await client.post("/api/auth/register", json=payload)
    assert response.status_code == 400, response.text
    data = response.json()
    assert data["status_code"] == 400
    assert fragment in data["detail"]
    assert data["errors"][0]["field"] == field


async def test_missing_field_message_is_japanese(client):
    payload = registration()
    payload.pop("license_number")
    response = await client.post("/api/auth/register", json=payload)
    assert response.status_code == 400
    assert response.json()["detail"] == "建設業許可番号を入力してください。"


@pytest.mark.parametrize(
    "raw", [b"{not json", b"[]", b"", b'"text"', b"null", b'{"email": ["x"]}']
)
async def test_malformed_bodies_are_400_never_500(client, raw):
    response = await client.post(
        "/api/auth/register", content=raw, headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 400, response.text
    assert any(ord(ch) > 0x2E80 for ch in response.json()["detail"])
