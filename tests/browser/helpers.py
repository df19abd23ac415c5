"""Helpers for the browser tests: API checks for skipping, logins, screenshots."""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts"
ADMIN_LOGIN = "ui-test-admin"
ADMIN_PASSWORD = "Ui-Test-Passw0rd-2025"


@lru_cache(maxsize=1)
def api_paths() -> frozenset[str]:
    """The paths of the API's OpenAPI document (the same code the server under test runs)."""
    from backend.app import create_app

    app = create_app()
    try:
        return frozenset(app.openapi_schema.paths or {})
    except Exception:  # schema generation broken mid-development: fall back to the routes
        return frozenset(re.sub(r":[a-z]+}", "}", route.path) for route in app.routes)


def requires_api(*paths: str) -> pytest.MarkDecorator:
    """Skip a journey until the backend has landed the endpoints it walks through."""
    missing = [path for path in paths if path not in api_paths()]
    return pytest.mark.skipif(bool(missing), reason=f"API not there yet: {', '.join(missing)}")


def screenshot(page, name: str, full_page: bool = True) -> Path:
    path = ARTIFACTS / f"{name}.png"
    page.evaluate("window.scrollTo(0, 0)")  # a sticky header would otherwise be drawn mid-page
    page.screenshot(path=str(path), full_page=full_page)
    return path


def wait_ready(page) -> None:
    """Wait until the page's Reflex state is live (websocket up, on_load run): typing before
    that can be lost when React hydrates the prerendered page."""
    page.locator("#hs-ready").wait_for(state="attached")


def open_page(page, path: str) -> None:
    page.goto(path)
    wait_ready(page)


def login_admin(page, server, login_id: str = ADMIN_LOGIN, password: str = ADMIN_PASSWORD) -> None:
    """Log in on the admin login page with the password and a fresh code of the login's authenticator."""
    open_page(page, "/admin/login")
    page.get_by_label("ログインID").fill(login_id)
    page.get_by_label("パスワード").fill(password)
    page.get_by_label("確認コード").fill(server.otp(login_id))
    page.get_by_role("button", name="ログインする").click()
    page.wait_for_url("**/admin")
    wait_ready(page)


def login_contractor(page, customer_id: str, password: str, login_page: str = "/login") -> None:
    """Log in on e-Net's login page (``login_page``: e.g. the link of the approval mail)."""
    open_page(page, login_page)
    page.get_by_label("お客様ID").fill(customer_id)
    page.get_by_label("パスワード").fill(password)
    page.get_by_role("button", name="ログインする").click()
    page.wait_for_url("**/applications")
    wait_ready(page)
