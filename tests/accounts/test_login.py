"""Login, sessions, cookies, CSRF, logout, guards."""

from __future__ import annotations

from backend.accounts.tables import Session
from backend.lib.security import sha256_hex
from tests.conftest import CONTRACTOR_PASSWORD, login_as, registration


async def test_pending_company_cannot_log_in_until_approved(client, admin):
    customer_id = (await client.post("/api/auth/register", json=registration())).json()["customer_id"]
    refused = await client.post("/api/auth/login", json={"login_id": customer_id, "password": CONTRACTOR_PASSWORD})
    assert refused.status_code == 403
    assert "承認待ち" in refused.json()["detail"]

    approved = await client.post(f"/api/admin/companies/{customer_id}/approve", headers=admin.headers)
    assert approved.status_code == 200
    assert approved.json()["status"] == "active"

    response = await client.post("/api/auth/login", json={"login_id": customer_id, "password": CONTRACTOR_PASSWORD})
    assert response.status_code == 200
    body = response.json()
    assert body["user"] == {"login_id": customer_id, "role": "contractor", "display_name": "因幡建設株式会社"}
    assert len(body["token"]) >= 43  # 256 bits, URL-safe base64


async def test_wrong_password_and_unknown_id_get_the_same_answer(client, contractor):
    wrong = await client.post("/api/auth/login", json={"login_id": contractor.login_id, "password": "Wrong-pass-123"})
    unknown = await client.post("/api/auth/login", json={"login_id": "99999999", "password": "Wrong-pass-123"})
    assert wrong.status_code == unknown.status_code == 403
    assert wrong.json() == unknown.json()


async def test_session_token_is_stored_only_as_its_hash(client, contractor):
    stored = [row["token_hash"] for row in await Session.select(Session.token_hash)]
    assert sha256_hex(contractor.token) in stored
    assert contractor.token not in stored


async def test_me_with_bearer_token_and_without(client, contractor):
    me = await client.get("/api/auth/me", headers=contractor.headers)
    assert me.status_code == 200
    body = me.json()
    assert body["role"] == "contractor"
    assert body["company"]["company_name"] == "因幡建設株式会社"
    assert body["company"]["status"] == "active"
    anonymous = await client.get("/api/auth/me")
    assert anonymous.status_code == 401
    assert anonymous.json()["detail"] == "ログインが必要です。"
    forged = await client.get("/api/auth/me", headers={"Authorization": "Bearer forged-token"})
    assert forged.status_code == 401


async def test_login_sets_httponly_samesite_cookie_and_cookie_auth_works(client, contractor):
    response = await client.post("/api/auth/login", json={"login_id": contractor.login_id, "password": CONTRACTOR_PASSWORD})
    set_cookies = response.headers.get_list("set-cookie")
    session_cookie = next(c for c in set_cookies if c.startswith("hosho_session="))
    assert "HttpOnly" in session_cookie and "SameSite=lax" in session_cookie
    me = await client.get("/api/auth/me")  # the client now holds the cookie
    assert me.status_code == 200


async def test_cookie_writes_need_the_csrf_token_bearer_writes_do_not(client, contractor):
    response = await client.post("/api/auth/login", json={"login_id": contractor.login_id, "password": CONTRACTOR_PASSWORD})
    csrf = response.json()["csrf_token"]
    client.cookies.delete("hosho_csrf")
    refused = await client.post("/api/auth/logout")
    assert refused.status_code == 403
    assert "CSRF" in refused.json()["detail"]
    accepted = await client.post("/api/auth/logout", headers={"X-CSRF-Token": csrf})
    assert accepted.status_code == 204
    client.cookies.clear()
    # The bearer session from the fixture is a different session and needs no CSRF token.
    bearer = await client.post("/api/auth/logout", headers=contractor.headers)
    assert bearer.status_code == 204


async def test_logout_kills_the_token(client, contractor):
    assert (await client.post("/api/auth/logout", headers=contractor.headers)).status_code == 204
    assert (await client.get("/api/auth/me", headers=contractor.headers)).status_code == 401


async def test_admin_logs_in_by_login_name(client, admin):
    me = await client.get("/api/auth/me", headers=admin.headers)
    assert me.json()["role"] == "admin"
    assert me.json()["company"] is None


async def test_guards_keep_contractors_out_of_admin_endpoints(client, contractor):
    for method, path in [
        ("get", "/api/admin/companies"),
        ("post", "/api/admin/companies/12345678/approve"),
        ("get", "/api/admin/audit"),
        ("get", "/api/admin/audit/verify"),
        ("get", "/api/admin/orderers"),
    ]:
        as_contractor = await getattr(client, method)(path, headers=contractor.headers)
        assert as_contractor.status_code == 403, path
        anonymous = await getattr(client, method)(path)
        assert anonymous.status_code == 401, path


async def test_approval_of_unknown_or_active_company(client, admin, contractor):
    unknown = await client.post("/api/admin/companies/11111111/approve", headers=admin.headers)
    assert unknown.status_code == 404
    again = await client.post(f"/api/admin/companies/{contractor.login_id}/approve", headers=admin.headers)
    assert again.status_code == 409


async def test_admin_lists_pending_registrations(client, admin):
    await client.post("/api/auth/register", json=registration())
    pending = await client.get("/api/admin/companies", params={"status": "pending"}, headers=admin.headers)
    assert [c["company_name"] for c in pending.json()] == ["因幡建設株式会社"]
    bad = await client.get("/api/admin/companies", params={"status": "unknown"}, headers=admin.headers)
    assert bad.status_code == 400


async def test_login_again_after_logout_works(client, contractor):
    await client.post("/api/auth/logout", headers=contractor.headers)
    again = await login_as(client, contractor.login_id, CONTRACTOR_PASSWORD)
    assert (await client.get("/api/auth/me", headers=again.headers)).status_code == 200
