"""Orderer master: public list, admin create/update, rules."""

from __future__ import annotations

import pytest

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


async def test_admin_creates_an_orderer_and_anyone_lists_it(client, admin):
    created = await client.post("/api/admin/orderers", json=TOTTORI, headers=admin.headers)
    assert created.status_code == 201, created.text
    listed = await client.get("/api/orderers")
    assert listed.status_code == 200
    [orderer] = listed.json()
    assert orderer["code"] == "tottori-kgc"
    assert orderer["e_guarantee_from"] == "2025-10-01"
    assert orderer["accepts_electronic"] is True
    assert orderer["electronic_note"].startswith("令和7年10月1日以降")
    assert orderer["subject_templates"]["advance"] == "【前払保証】{工事名}"
    assert orderer["channels"] == ["email", "paper"]


async def test_paper_only_orderer_says_so(client, admin):
    body = {"code": "sample-town", "name": "サンプル町", "title": "サンプル町長", "orderer_class": "municipality"}
    assert (await client.post("/api/admin/orderers", json=body, headers=admin.headers)).status_code == 201
    [orderer] = (await client.get("/api/orderers")).json()
    assert orderer["accepts_electronic"] is False
    assert "書面のみ" in orderer["electronic_note"]


async def test_duplicate_code_is_a_conflict(client, admin):
    await client.post("/api/admin/orderers", json=TOTTORI, headers=admin.headers)
    again = await client.post("/api/admin/orderers", json=TOTTORI, headers=admin.headers)
    assert again.status_code == 409
    assert "tottori-kgc" in again.json()["detail"]


@pytest.mark.parametrize(
    ("change", "field", "fragment"),
    [
        ({"orderer_class": "city"}, "orderer_class", "発注者区分"),
        ({"code": "鳥取"}, "code", "発注者コード"),
        ({"e_guarantee_from": "2025/10/01"}, "e_guarantee_from", "YYYY-MM-DD"),
        ({"subject_templates": {"advance": "【前払】{件名}"}}, "subject_templates", "件名"),
        ({"subject_templates": {"advance": "【前払】{工事名"}}, "subject_templates", "波かっこ"),
        ({"submission_email": None}, "submission_email", "提出先メールアドレス"),
        ({"channels": ["pigeon"]}, "channels", "提出方法"),
    ],
)
async def test_invalid_orderer_is_a_400_naming_the_field(client, admin, change, field, fragment):
    response = await client.post("/api/admin/orderers", json={**TOTTORI, **change}, headers=admin.headers)
    assert response.status_code == 400, response.text
    assert fragment in response.json()["detail"]
    assert response.json()["errors"][0]["field"].endswith(field)


async def test_partial_update_and_deactivation(client, admin):
    await client.post("/api/admin/orderers", json=TOTTORI, headers=admin.headers)
    patched = await client.patch(
        "/api/admin/orderers/tottori-kgc", json={"e_guarantee_from": None}, headers=admin.headers
    )
    assert patched.status_code == 200
    assert patched.json()["accepts_electronic"] is False
    assert patched.json()["title"] == TOTTORI["title"]  # untouched fields stay
    await client.patch("/api/admin/orderers/tottori-kgc", json={"active": False}, headers=admin.headers)
    assert (await client.get("/api/orderers")).json() == []
    everyone = await client.get("/api/admin/orderers", headers=admin.headers)
    assert everyone.json()[0]["active"] is False
    missing = await client.patch("/api/admin/orderers/nobody", json={"name": "x"}, headers=admin.headers)
    assert missing.status_code == 404


async def test_contractors_cannot_edit_orderers(client, contractor):
    response = await client.post("/api/admin/orderers", json=TOTTORI, headers=contractor.headers)
    assert response.status_code == 403


async def test_demo_seed_includes_tottori_and_paper_only_orderers(client):
    from backend.demo.seed import seed_orderers

    assert await seed_orderers() >= 12
    assert await seed_orderers() == 0  # idempotent
    orderers = {o["name"]: o for o in (await client.get("/api/orderers")).json()}
    assert orderers["鳥取県建設技術センター"]["e_guarantee_from"] == "2025-10-01"
    assert orderers["本巣市"]["subject_templates"]["interim_advance"] == "【電子保証(中間前払金)】{仕様書番号}"
    assert sum(1 for o in orderers.values() if not o["accepts_electronic"]) >= 2


async def test_orderers_are_listed_in_gojuon_order_and_searchable(client, admin):
    """五十音順 by the reading (katakana stored as hiragana), not by the romanised code; searchable."""
    for code, name, reading in (("a-kochi", "高知県", "コウチケン"), ("b-akita", "秋田県", "あきたけん"),
                                ("c-unread", "読みなし町", ""), ("d-saga", "佐賀県", "さがけん")):
        body = {"code": code, "name": name, "reading": reading, "title": f"{name}知事", "orderer_class": "prefecture"}
        assert (await client.post("/api/admin/orderers", json=body, headers=admin.headers)).status_code == 201
    listed = (await client.get("/api/orderers")).json()
    assert [o["name"] for o in listed] == ["秋田県", "高知県", "佐賀県", "読みなし町"]
    assert listed[1]["reading"] == "こうちけん"
    assert [o["code"] for o in (await client.get("/api/orderers", params={"q": "コウチ"})).json()] == ["a-kochi"]
    assert [o["code"] for o in (await client.get("/api/orderers", params={"q": "佐賀"})).json()] == ["d-saga"]
    admin_search = await client.get("/api/admin/orderers", params={"q": "akita"}, headers=admin.headers)
    assert [o["code"] for o in admin_search.json()] == ["b-akita"]
    bad = await client.post("/api/admin/orderers", headers=admin.headers,
                            json={"code": "x", "name": "x", "title": "x", "orderer_class": "other", "reading": "kochi"})
    assert bad.status_code == 400 and bad.json()["errors"][0]["field"].endswith("reading")
    renamed = await client.patch("/api/admin/orderers/c-unread", json={"reading": "ヨミナシチョウ"},
                                 headers=admin.headers)
    assert renamed.json()["reading"] == "よみなしちょう"
