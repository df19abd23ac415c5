"""Health, OpenAPI, security headers, JSON errors."""

from __future__ import annotations


async def test_health_checks_the_database(client):
    response = await client.get("/api/health")
    assert response.status_code == 200
    assert response.json()["status"] == "ok"
    assert response.json()["database"] in ("sqlite", "postgres")


async def test_security_headers_on_api_responses(client):
    response = await client.get("/api/health")
    assert "frame-ancestors 'none'" in response.headers["content-security-policy"]
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["x-frame-options"] == "DENY"
    assert response.headers["cache-control"] == "no-store"
    assert "strict-transport-security" not in response.headers  # HOSHO_PUBLIC_URL is http here


async def test_hsts_when_the_public_url_is_https(app, monkeypatch):
    from dataclasses import replace

    import httpx

    from backend.app import create_app
    from backend.lib import security
    from backend.settings import get_settings

    monkeypatch.setattr(security, "get_settings", lambda: replace(get_settings(), public_url="https://hosho.example.jp"))
    transport = httpx.ASGITransport(app=create_app(), client=("127.0.0.1", 51000))
    async with httpx.AsyncClient(transport=transport, base_url="https://testserver") as https_client:
        for path in ("/api/health", "/api/schema/openapi.json", "/api/no-such-thing"):
            response = await https_client.get(path)
            assert response.headers["strict-transport-security"] == "max-age=31536000", path


async def test_openapi_schema_and_offline_docs_page(client):
    schema = await client.get("/api/schema/openapi.json")
    assert schema.status_code == 200
    paths = schema.json()["paths"]
    for path in ("/api/auth/register", "/api/auth/login", "/api/auth/me", "/api/orderers", "/api/health"):
        assert path in paths
    page = await client.get("/api/schema")
    assert page.status_code == 200
    assert "/api/static/swagger-ui/swagger-ui-bundle.js" in page.text
    assert "cdn." not in page.text and "unpkg" not in page.text
    bundle = await client.get("/api/static/swagger-ui/swagger-ui-bundle.js")
    assert bundle.status_code == 200


async def test_unknown_path_and_method_answer_json_in_japanese(client):
    missing = await client.get("/api/no-such-thing")
    assert missing.status_code == 404
    assert missing.json() == {"status_code": 404, "code": "not_found", "detail": "お探しの情報は見つかりませんでした。"}
    wrong_method = await client.delete("/api/health")
    assert wrong_method.status_code == 405
    assert wrong_method.json()["code"] == "method_not_allowed"
    assert "受け付けていません" in wrong_method.json()["detail"]


def test_the_sqlite_health_check_reads_the_database_file(tmp_path):
    """/api/health's inline SQLite check reads the file: a file that is no database fails it (then 503)."""
    import sqlite3

    import pytest
    from piccolo.engine.sqlite import SQLiteEngine

    from backend.db import _SqlitePing

    good, bad = tmp_path / "good.sqlite", tmp_path / "bad.sqlite"
    sqlite3.connect(good).execute("CREATE TABLE t (x)").connection.close()
    bad.write_bytes(b"not a database, " * 512)
    ping = _SqlitePing()
    ping(SQLiteEngine(path=str(good)))
    with pytest.raises(sqlite3.DatabaseError):
        _SqlitePing()(SQLiteEngine(path=str(bad)))
    ping.close()
