"""Admin and contractor search: 工事名 / 発注者 / 請負者 by trigram index, numbers by prefix."""

from __future__ import annotations

from backend import db
from backend.certificates import search
from tests.conftest import new_contractor
from tests.support.lifecycle import concluded_certificate


async def _numbers(client, login, **params) -> list[str]:
    response = await client.get(
        "/api/admin/certificates" if login.login_id == "hanako" else "/api/certificates", params=params,
        headers=login.headers,
    )
    assert response.status_code == 200, response.text
    return [item["contract_number"] for item in response.json()["items"]]


async def test_free_text_numbers_and_short_terms(client, admin, contractor):
    other = await new_contractor(client, admin, email="kojima@example.jp", company_name="ＡＢＣ小島組")
    bridge = await concluded_certificate(client, admin, contractor, project_name="市道橋梁補修工事（その２）")
    river = await concluded_certificate(client, admin, contractor, project_name="一級河川千代川護岸工事")
    percent = await concluded_certificate(client, admin, contractor, project_name="100%再生材舗装工事")
    theirs = await concluded_certificate(client, admin, other, project_name="町道橋梁新設工事")

    # 工事名, long terms through the index, 全角/半角 and case folded (ＡＢＣ = abc, ２ = 2).
    assert await _numbers(client, admin, q="橋梁補修") == [bridge]
    assert await _numbers(client, admin, q="その2") == [bridge]
    assert await _numbers(client, admin, q="千代川護岸") == [river]
    # 請負者 and 発注者
    assert await _numbers(client, admin, q="abc小島") == [theirs]
    assert await _numbers(client, admin, q="鳥取県建設技術センター") == [theirs, percent, river, bridge]
    # Short terms (fewer than 3 characters: no trigram) by LIKE, alone or beside a long one.
    assert await _numbers(client, admin, q="橋梁") == [theirs, bridge]
    assert await _numbers(client, admin, q="橋梁 小島組") == [theirs]
    assert await _numbers(client, admin, q="護岸工事 千代") == [river]
    # LIKE's wildcards are text.
    assert await _numbers(client, admin, q="100%") == [percent]
    assert await _numbers(client, admin, q="0%再") == [percent]
    assert await _numbers(client, admin, q="_") == []
    assert await _numbers(client, admin, q="存在しない工事名") == []

    # Numbers: ten digits exactly (hyphens and 全角 allowed), fewer as a prefix in number order.
    assert await _numbers(client, admin, q=river) == [river]
    assert await _numbers(client, admin, q=f"{river[:3]}-{river[3:]}") == [river]
    assert await _numbers(client, admin, q="２０７") == [theirs, percent, river, bridge]
    assert await _numbers(client, admin, q="9") == []
    first = (await client.get("/api/admin/certificates", params={"q": "207", "limit": 3}, headers=admin.headers)).json()
    assert [item["contract_number"] for item in first["items"]] == [theirs, percent, river]
    rest = await _numbers(client, admin, q="207", limit=3, cursor=first["next_cursor"])
    assert rest == [bridge]
    # A cursor of one order does not page the other.
    wrong = await client.get("/api/admin/certificates", params={"q": "工事", "cursor": first["next_cursor"]},
                             headers=admin.headers)
    assert wrong.status_code == 400 and wrong.json()["errors"][0]["field"] == "cursor"

    # Text pages: newest first, through the index.
    page = (await client.get("/api/admin/certificates", params={"q": "工事", "limit": 2}, headers=admin.headers)).json()
    assert [item["contract_number"] for item in page["items"]] == [theirs, percent]
    assert await _numbers(client, admin, q="工事", limit=2, cursor=page["next_cursor"]) == [river, bridge]
    page = (await client.get("/api/admin/certificates", params={"q": "補修工事 OR", "limit": 1},
                             headers=admin.headers)).json()
    assert page["items"] == []

    # A contractor finds only their own.
    assert await _numbers(client, contractor, q="橋梁") == [bridge]
    assert await _numbers(client, other, q="橋梁") == [theirs]
    assert await _numbers(client, contractor, q="小島組") == []
    assert await _numbers(client, other, q="207") == [theirs]


async def test_the_index_is_what_answers_a_long_term(client, admin, contractor):
    """SQLite answers through the FTS5 trigram table, PostgreSQL through the pg_trgm GIN index."""
    await concluded_certificate(client, admin, contractor, project_name="市道橋梁補修工事")
    engine = db.get_engine()
    if db.is_sqlite():
        plan = await engine.run_ddl(
            "EXPLAIN QUERY PLAN SELECT rowid FROM certificate_search_fts f WHERE f.text MATCH "
            f"'{search.fts_phrase(('橋梁補修',))}' ORDER BY rowid DESC"
        )
        assert any("VIRTUAL TABLE INDEX" in row["detail"] for row in plan), plan
        assert (await engine.run_ddl("SELECT count(*) AS n FROM certificate_search_fts WHERE text MATCH '\"補修工\"'"))[0]["n"] == 1
    else:
        async with engine.transaction():
            await engine.run_ddl("SET LOCAL enable_seqscan = off")
            rows = await engine.run_ddl("EXPLAIN SELECT id FROM certificate_search WHERE text LIKE '%橋梁補修%'")
        assert any("certificate_search_text_trgm" in row["QUERY PLAN"] for row in rows), rows
