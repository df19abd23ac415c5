"""frontend/api.py against the real API app (in process): headers, typed bodies, errors."""

from __future__ import annotations

import httpx
import pytest

from frontend import api as client_module
from frontend.api import Api, ApiError
from tests.conftest import registration


@pytest.fixture
def ui_http(app):
    """What the Reflex server's pool would be, pointed at the in-process API."""
    transport = httpx.ASGITransport(app=app, client=("127.0.0.1", 51000))
    return httpx.AsyncClient(transport=transport, base_url="http://testserver")


async def _audit(client, admin, action: str) -> list[dict]:
    response = await client.get("/api/admin/audit", params={"action": action}, headers=admin.headers)
    assert response.status_code == 200, response.text
    return response.json()


async def test_the_browsers_address_reaches_the_api_with_the_data_dir_secret(client, admin, ui_http):
    browser = Api(client_ip="203.0.113.7", user_agent="Mozilla/5.0 (iPhone) Safari", http=ui_http)
    result = await browser.register(registration(email="a@ui-client.example.jp"))
    assert len(result.customer_id) == 8 and result.status == "pending"
    entries = await _audit(client, admin, "company.registered")
    assert entries and entries[0]["address"] == "203.0.113.7"


async def test_a_forwarded_address_without_the_secret_is_ignored(client, admin, ui_http, monkeypatch):
    monkeypatch.setattr(client_module, "forward_secret", lambda: "00" * 32)
    forged = Api(client_ip="198.51.100.9", http=ui_http)
    await forged.register(registration(email="b@ui-client.example.jp"))
    entries = await _audit(client, admin, "company.registered")
    assert entries and entries[0]["address"] == "127.0.0.1"


async def test_login_then_bearer_calls(admin, ui_http):
    anonymous = Api(http=ui_http)
    registered = await anonymous.register(registration(email="c@ui-client.example.jp"))
    from tests.conftest import ADMIN_LOGIN, ADMIN_PASSWORD, CONTRACTOR_PASSWORD, otp_for

    clerk = await anonymous.login(ADMIN_LOGIN, ADMIN_PASSWORD, otp_for(ADMIN_LOGIN))
    assert clerk.user.role == "admin" and clerk.token
    staff = Api(token=clerk.token, http=ui_http)
    approved = await staff.admin_approve(registered.customer_id)
    assert approved.status == "active"

    login = await anonymous.login(registered.customer_id, CONTRACTOR_PASSWORD)
    contractor = Api(token=login.token, http=ui_http)
    me = await contractor.me()
    assert me.role == "contractor" and me.company is not None
    assert me.company.customer_id == registered.customer_id
    assert isinstance(await contractor.orderers(), list)


async def test_errors_carry_the_japanese_detail_and_per_field_messages(ui_http):
    anonymous = Api(http=ui_http)
    with pytest.raises(ApiError) as refused:
        await anonymous.register(registration(email="not-an-address"))
    assert (refused.value.status_code, refused.value.code) == (400, "validation")
    assert "email" in refused.value.errors
    assert any(ord(ch) > 0x2E80 for ch in refused.value.detail)

    with pytest.raises(ApiError) as unauthenticated:
        await anonymous.me()
    assert unauthenticated.value.code == "unauthorized"


async def test_an_unreachable_api_is_a_polite_503():
    nowhere = Api(http=httpx.AsyncClient(base_url="http://127.0.0.1:9", timeout=2))
    with pytest.raises(ApiError) as failed:
        await nowhere.health()
    assert failed.value.status_code == 503
    assert "接続できません" in failed.value.detail


def test_download_names_prefer_the_japanese_filename():
    import httpx

    from frontend.api import _filename

    both = httpx.Response(200, headers={"content-disposition": "attachment; filename=\"auth-key-notice_2070004426.pdf\"; "
                                        "filename*=UTF-8''%E8%AA%8D%E8%A8%BC%E3%82%AD%E3%83%BC%E7%AD%89%E3%81%AE"
                                        "%E3%81%8A%E7%9F%A5%E3%82%89%E3%81%9B_2070004426.pdf"})
    assert _filename(both) == "認証キー等のお知らせ_2070004426.pdf"
    assert _filename(httpx.Response(200, headers={"content-disposition": 'attachment; filename="a.pdf"'})) == "a.pdf"
    assert _filename(httpx.Response(200)) is None
