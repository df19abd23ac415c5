"""Registration, approval, rejection, suspension and resumption, with every mail read from a real SMTP server."""

from __future__ import annotations

from datetime import timedelta

from backend.lib import clock
from tests.accounts.conftest import delivered, link_in, text_of
from tests.conftest import CONTRACTOR_PASSWORD, login_as, registration

EMAIL = "keiri@inaba-kensetsu.example.jp"


async def _register(client, **overrides) -> str:
    response = await client.post("/api/auth/register", json=registration(**overrides))
    assert response.status_code == 201, response.text
    return response.json()["customer_id"]


async def test_registration_and_approval_mails_carry_the_customer_id_and_the_login_link(client, admin, mail_to_server):
    customer_id = await _register(client)

    [received] = await delivered(mail_to_server, EMAIL)
    assert customer_id in received["Subject"] and "受け付けました" in received["Subject"]
    body = text_of(received)
    assert f"お客様ID：{customer_id}" in body
    assert "因幡建設株式会社" in body and "代表取締役 因幡 一郎 様" in body
    assert "今後の流れ" in body and "承認の結果" in body
    assert CONTRACTOR_PASSWORD not in body  # the password is never mailed

    approved = await client.post(f"/api/admin/companies/{customer_id}/approve", headers=admin.headers)
    assert approved.status_code == 200, approved.text
    [_, approval] = await delivered(mail_to_server, EMAIL)
    assert "承認しました" in approval["Subject"] and customer_id in approval["Subject"]
    assert link_in(approval, "/login") == "http://hosho.test/login"
    # The link's page answers and the お客様ID from the mail logs in.
    await login_as(client, customer_id, CONTRACTOR_PASSWORD)


async def test_rejection_mails_the_reason_and_how_to_register_again(client, admin, mail_to_server):
    customer_id = await _register(client)
    reason = "建設業許可番号を確認できませんでした。許可通知書のとおりにご入力ください。"
    blank = await client.post(f"/api/admin/companies/{customer_id}/reject", json={"reason": "  "}, headers=admin.headers)
    assert blank.status_code == 400 and blank.json()["errors"][0]["field"] == "reason"

    rejected = await client.post(f"/api/admin/companies/{customer_id}/reject", json={"reason": reason}, headers=admin.headers)
    assert rejected.status_code == 200, rejected.text
    assert rejected.json()["status"] == "rejected" and rejected.json()["status_reason"] == reason

    mails = await delivered(mail_to_server, EMAIL)
    rejection = mails[-1]
    body = text_of(rejection)
    assert reason in body and customer_id in body
    assert link_in(rejection, "/register") == "http://hosho.test/register"
    # A rejected registration cannot log in, and cannot be approved afterwards by mistake.
    refused = await client.post("/api/auth/login", json={"login_id": customer_id, "password": CONTRACTOR_PASSWORD})
    assert refused.status_code == 403 and "承認されませんでした" in refused.json()["detail"]
    late = await client.post(f"/api/admin/companies/{customer_id}/approve", headers=admin.headers)
    assert late.status_code == 409 and "不承認" in late.json()["detail"]
    # Registering again with the same address gives a new お客様ID.
    again = await _register(client)
    assert again != customer_id


async def test_suspension_ends_a_live_session_at_once_and_resumption_lets_it_log_in(client, admin, contractor, mail_to_server):
    me = await client.get("/api/auth/me", headers=contractor.headers)
    assert me.status_code == 200
    cookie_session = await client.post("/api/auth/login", json={"login_id": contractor.login_id, "password": CONTRACTOR_PASSWORD})
    cookies = dict(cookie_session.cookies)
    client.cookies.clear()

    suspended = await client.post(
        f"/api/admin/companies/{contractor.login_id}/suspend", json={"reason": "保証料の未納が続いているため"},
        headers=admin.headers,
    )
    assert suspended.status_code == 200, suspended.text and suspended.json()["status"] == "suspended"
    # Both sessions (bearer and cookie) are gone: the very next request is refused.
    assert (await client.get("/api/auth/me", headers=contractor.headers)).status_code == 401
    assert (await client.get("/api/certificates", cookies=cookies)).status_code == 401
    refused = await client.post("/api/auth/login", json={"login_id": contractor.login_id, "password": CONTRACTOR_PASSWORD})
    assert refused.status_code == 403 and "停止" in refused.json()["detail"]
    # The admin's own session is untouched.
    assert (await client.get("/api/auth/me", headers=admin.headers)).status_code == 200

    resumed = await client.post(f"/api/admin/companies/{contractor.login_id}/resume", headers=admin.headers)
    assert resumed.status_code == 200 and resumed.json()["status"] == "active"
    await login_as(client, contractor.login_id, CONTRACTOR_PASSWORD)

    mails = await delivered(mail_to_server, EMAIL)
    subjects = [m["Subject"] for m in mails]
    assert any("一時停止" in s for s in subjects) and any("再開" in s for s in subjects)
    suspension = next(m for m in mails if "一時停止" in m["Subject"])
    assert "保証料の未納が続いているため" in text_of(suspension) and contractor.login_id in text_of(suspension)
    assert link_in(next(m for m in mails if "再開" in m["Subject"]), "/login") == "http://hosho.test/login"


async def test_decisions_only_from_the_right_status(client, admin, contractor):
    for decision in ("approve", "reject", "resume"):
        body = {"reason": "理由"} if decision == "reject" else None
        response = await client.post(f"/api/admin/companies/{contractor.login_id}/{decision}", json=body, headers=admin.headers)
        assert response.status_code == 409, (decision, response.text)
    unknown = await client.post("/api/admin/companies/99999999/suspend", headers=admin.headers)
    assert unknown.status_code == 404
    forbidden = await client.post(f"/api/admin/companies/{contractor.login_id}/suspend", headers=contractor.headers)
    assert forbidden.status_code == 403


async def test_dashboard_shows_pending_registrations_with_their_age(client, admin):
    first = await _register(client)
    clock.advance(timedelta(hours=30))
    second = await _register(client, email="soumu@hakuto.example.jp", company_name="白兎土木株式会社")
    clock.advance(timedelta(hours=2))

    stats = (await client.get("/api/admin/stats", headers=admin.headers)).json()
    assert stats["pending_registrations"] == 2
    oldest = stats["oldest_pending_registrations"]
    assert [(p["customer_id"], p["age_hours"]) for p in oldest] == [(first, 32), (second, 2)]
    assert oldest[1]["company_name"] == "白兎土木株式会社"
