"""Error bodies: a stable code, every failing field at once, input hygiene, documented in OpenAPI."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from backend.lib.errors import CODES
from tests.conftest import registration
from tests.support.lifecycle import application_body, ensure_orderer

REQUIRED_APPLICATION_FIELDS = {
    "guarantee_type", "orderer_code", "project_name", "project_location", "contract_amount",
    "contract_date", "period_start", "period_end", "bid_announced_on", "delivery",
}


@pytest.fixture
async def orderer(client, admin):
    return await ensure_orderer(client, admin)


def fields_of(response) -> list[str]:
    return [error["field"] for error in response.json()["errors"]]


async def test_an_empty_application_names_all_ten_missing_fields_at_once(client, contractor):
    response = await client.post("/api/applications", json={}, headers=contractor.headers)
    assert response.status_code == 400, response.text
    body = response.json()
    assert body["code"] == "validation" and body["status_code"] == 400
    assert len(body["errors"]) == 10
    assert set(fields_of(response)) == REQUIRED_APPLICATION_FIELDS
    messages = {error["field"]: error["message"] for error in body["errors"]}
    assert messages["project_name"] == "工事名を入力してください。"
    assert "例: 50000000" in messages["contract_amount"]
    assert "YYYY-MM-DD" not in messages["contract_date"] and "契約日" in messages["contract_date"]
    assert all(message in body["detail"] for message in messages.values())


async def test_schema_errors_and_domain_rules_come_together(client, contractor, orderer):
    body = application_body(project_name=None, advance_amount=30_000_000, period_end="2026-10-01", delivery="fax")
    response = await client.post("/api/applications", json=body, headers=contractor.headers)
    assert response.status_code == 400, response.text
    assert fields_of(response) == ["project_name", "delivery", "advance_amount", "period_end"]
    messages = " ".join(error["message"] for error in response.json()["errors"])
    assert "40%（金20,000,000円）" in messages and "工期（終期）" in messages and "electronic、paper" in messages


async def test_every_rule_break_of_a_decoded_application_is_listed(client, contractor, orderer):
    body = application_body(advance_amount=30_000_000, period_end="2026-10-01", bid_announced_on="2026-10-25")
    response = await client.post("/api/applications", json=body, headers=contractor.headers)
    assert response.status_code == 400, response.text
    assert fields_of(response) == ["advance_amount", "period_end", "bid_announced_on"]


@pytest.mark.parametrize("bad", ["県道\r\n改良工事", "県道\n改良工事", "県道\u2028改良工事", "県道\u202e事工良改", "県道\x00工事", "県道\t工事"])
async def test_line_breaks_and_control_characters_in_a_single_line_field_are_a_field_error(client, contractor, orderer, bad):
    response = await client.post("/api/applications", json=application_body(project_name=bad), headers=contractor.headers)
    assert response.status_code == 400, response.text
    assert response.json()["code"] == "validation"
    assert response.json()["errors"] == [
        {"field": "project_name",
         "message": "工事名に改行・タブ・制御文字や書式制御文字（U+2028、文字の向きの指定など）は使えません。1行で入力してください。"}
    ]


async def test_notes_may_have_line_breaks_but_no_separators(client, contractor, orderer):
    ok = await client.post("/api/applications", json=application_body(notes="1行目\r\n2行目"), headers=contractor.headers)
    assert ok.status_code == 201, ok.text
    bad = await client.post("/api/applications", json=application_body(notes="1行目\u20282行目"), headers=contractor.headers)
    assert bad.status_code == 400 and fields_of(bad) == ["notes"]


async def test_values_are_stripped_before_length_checks(client, contractor, orderer):
    spaces = await client.post("/api/applications", json=application_body(project_name="   "), headers=contractor.headers)
    assert spaces.status_code == 400 and spaces.json()["errors"][0]["message"] == "工事名を入力してください。"
    padded = await client.post(
        "/api/applications", json=application_body(project_name="  " + "工" * 200 + "  "), headers=contractor.headers
    )
    assert padded.status_code == 201, padded.text
    assert padded.json()["project_name"] == "工" * 200


@pytest.mark.parametrize(
    "content",
    [b"[" * 5000 + b"]" * 5000, b'{"a":' * 20 + b"1" + b"}" * 20, b'{"project_name": "\xff\xfe"}',
     b'{"contract_amount": 1' + b"0" * 5000 + b"}", b'{"contract_amount": 1e999}', b"{", b"\x00"],
)
async def test_bodies_json_cannot_carry_are_400_not_500(client, contractor, content):
    response = await client.post(
        "/api/applications", content=content, headers={**contractor.headers, "content-type": "application/json"}
    )
    assert response.status_code == 400, response.text
    assert response.json()["code"] == "validation" and response.json()["detail"]


async def test_registration_messages_say_what_to_type(client):
    response = await client.post("/api/auth/register", json=registration(email="keiri", phone="abc", password="short"))
    assert response.status_code == 400, response.text
    messages = {error["field"]: error["message"] for error in response.json()["errors"]}
    assert messages["email"] == "メールアドレスの形式が正しくありません（例: keiri@example.jp）。"
    assert "全角数字も使えます" in messages["phone"]
    assert "英字と数字をそれぞれ1文字以上" in messages["password"]
    missing = await client.post("/api/auth/register", json={})
    assert {error["field"] for error in missing.json()["errors"]} == set(registration())
    assert "英字と数字" in {e["field"]: e["message"] for e in missing.json()["errors"]}["password"]


async def test_full_width_phone_digits_are_accepted(client):
    response = await client.post("/api/auth/register", json=registration(phone="０８５７－２０－００００"))
    assert response.status_code == 201, response.text


async def test_framework_refusals_carry_codes(client, contractor):
    assert (await client.get("/api/nothing-here")).json()["code"] == "not_found"
    assert (await client.delete("/api/orderers")).json()["code"] == "method_not_allowed"
    assert (await client.get("/api/applications")).json()["code"] == "unauthorized"
    assert (await client.get("/api/admin/applications", headers=contractor.headers)).json()["code"] == "forbidden"
    unknown = await client.post("/api/auth/login", json={"login_id": "nobody", "password": "x"})
    assert unknown.json()["code"] == "auth.bad_credentials"


async def test_every_error_response_in_the_openapi_schema_is_the_error_body(client):
    schema = (await client.get("/api/schema/openapi.json")).json()
    body = schema["components"]["schemas"]["ErrorBody"]
    assert set(body["required"]) == {"status_code", "code", "detail"}
    assert all(f"`{code}`" in body["description"] for code in CODES)
    assert all(f"`{code}`" in schema["info"]["description"] for code in CODES)
    checked = 0
    pages = []  # error answers that are pages for a person (opened from a mail link), documented as HTML
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            errors = {status: r for status, r in operation["responses"].items() if status[0] in "45"}
            assert {"4XX", "5XX"} <= set(errors), (method, path)
            for status, response in errors.items():
                if "text/html" in response["content"]:
                    pages.append((method, path, status))
                    continue
                assert response["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/ErrorBody"}
                checked += 1
            if "{" in path:
                assert "404" in errors, (method, path)
    assert checked > 100
    assert pages == [("get", "/api/dsure/unsubscribe", "404")]
    # The answers a route gives beyond its guards and path: each named with its code.
    declared = {(path, method, status): response["description"]
                for path, item in schema["paths"].items() for method, operation in item.items()
                for status, response in operation["responses"].items()}
    assert "dsure.refused" in declared[("/api/dsure/verify", "post", "404")]
    assert "dsure.locked" in declared[("/api/dsure/verify", "post", "429")]
    assert "auth.locked" in declared[("/api/auth/login", "post", "429")]
    assert "auth.otp_required" in declared[("/api/auth/login", "post", "401")]
    assert "dsure.publication_refused" in declared[("/api/dsure/publications", "post", "403")]
    assert "unavailable" in declared[("/api/admin/dsure/stats", "get", "503")]


def test_every_code_the_backend_raises_is_published():
    """A ``code="…"`` anywhere in backend/ (or a class's ``code = "…"``) is listed in CODES."""
    raised = set()
    for source in Path("backend").rglob("*.py"):
        for node in ast.walk(ast.parse(source.read_text(encoding="utf-8"))):
            if isinstance(node, ast.keyword) and node.arg == "code" and isinstance(node.value, ast.Constant):
                raised.add(node.value.value)
            if isinstance(node, ast.Assign) and any(getattr(t, "id", None) == "code" for t in node.targets):
                values = node.value.elts if isinstance(node.value, ast.Tuple) else [node.value]
                raised.update(v.value for v in values if isinstance(v, ast.Constant) and isinstance(v.value, str))
    raised.discard(None)
    assert raised - set(CODES) == set()
