"""The frontend's static serving: pages without the trailing-slash redirect, hashed assets cached for good.

Reflex's own static mount (Starlette StaticFiles in html mode) over a small build tree,
behind ``serve_frontend`` as ``hosho run`` serves it.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from starlette.applications import Starlette
from starlette.routing import Mount
from starlette.staticfiles import StaticFiles
from starlette.testclient import TestClient

from frontend.mount import page_directory_path, serve_frontend


@pytest.fixture
def client(tmp_path: Path) -> TestClient:
    (tmp_path / "dsure").mkdir()
    (tmp_path / "dsure" / "index.html").write_text("<html>D-Sure</html>")
    (tmp_path / "admin" / "orderers").mkdir(parents=True)
    (tmp_path / "admin" / "orderers" / "index.html").write_text("<html>orderers</html>")
    (tmp_path / "assets").mkdir()
    (tmp_path / "assets" / "dsure-AbC123.js").write_text("export {}")
    (tmp_path / "hosho.css").write_text("body{}")
    reflex_like = Starlette(routes=[Mount("/", app=StaticFiles(directory=tmp_path, html=True))])
    return TestClient(serve_frontend(reflex_like, str(tmp_path)), follow_redirects=False)


def test_pages_answer_without_a_redirect(client):
    for path, text in (("/dsure", "D-Sure"), ("/admin/orderers", "orderers"), ("/dsure/", "D-Sure")):
        response = client.get(path, params={"no": "2070004426"})
        assert response.status_code == 200, (path, response.status_code, response.headers.get("location"))
        assert text in response.text
        assert response.headers["cache-control"] == "no-cache"


def test_hashed_assets_are_immutable_and_other_files_revalidated(client):
    asset = client.get("/assets/dsure-AbC123.js")
    assert asset.status_code == 200
    assert asset.headers["cache-control"] == "public, max-age=31536000, immutable"
    assert client.get("/hosho.css").headers["cache-control"] == "no-cache"
    assert client.get("/assets/missing-XyZ.js").headers.get("cache-control") is None  # a 404 is not cached


def test_only_page_directories_are_rewritten(tmp_path: Path):
    (tmp_path / "login").mkdir()
    (tmp_path / "login" / "index.html").write_text("")
    assert page_directory_path("/login", str(tmp_path)) == "/login/"
    assert page_directory_path("/login/", str(tmp_path)) is None
    assert page_directory_path("/hosho.css", str(tmp_path)) is None
    assert page_directory_path("/nowhere", str(tmp_path)) is None
    assert page_directory_path("/../login", str(tmp_path)) is None


def test_pages_carry_hsts_when_the_public_url_is_https(tmp_path: Path, monkeypatch):
    from dataclasses import replace

    from backend import settings

    (tmp_path / "dsure").mkdir()
    (tmp_path / "dsure" / "index.html").write_text("<html>D-Sure</html>")
    reflex_like = Starlette(routes=[Mount("/", app=StaticFiles(directory=tmp_path, html=True))])
    plain = TestClient(serve_frontend(reflex_like, str(tmp_path)))
    assert "strict-transport-security" not in plain.get("/dsure").headers  # the tests' public URL is http

    monkeypatch.setattr(settings, "get_settings", lambda: replace(settings.load_settings(), public_url="https://hosho.example.jp"))
    https = TestClient(serve_frontend(reflex_like, str(tmp_path)))
    for path in ("/dsure", "/no-such-page"):
        assert https.get(path).headers["strict-transport-security"] == "max-age=31536000", path
