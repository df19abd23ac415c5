"""Passwords: change, reset by a mailed single-use link (real SMTP), お客様ID reminder, the rule and the common-password check."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest

from backend.domain.passwords import is_common
from backend.lib import clock
from tests.accounts.conftest import delivered, link_in, text_of
from tests.conftest import CONTRACTOR_PASSWORD, login_as, new_contractor, registration

EMAIL = "keiri@inaba-kensetsu.example.jp"
NEW_PASSWORD = "Shin-Kensetsu-2026"


def _token(link: str) -> str:
    assert link.startswith("http://hosho.test/password-reset?token=")
    return parse_qs(urlsplit(link).query)["token"][0]


async def _reset_link(client, server, email=EMAIL) -> str:
    response = await client.post("/api/auth/password-reset", json={"email": email})
    assert response.status_code == 202, response.text
    mails = [m for m in await delivered(server, email) if "パスワード再設定" in m["Subject"]]
    return link_in(mails[-1], "/password-reset")


async def _login_status(client, login_id, password) -> int:
    return (await client.post("/api/auth/login", json={"login_id": login_id, "password": password})).status_code


@pytest.mark.parametrize("password", ["Password2025!", "p@ssw0rd-2026", "qwerty12345", "1q2w3e4r5t", "iloveyou12"])
async def test_common_passwords_are_refused_at_registration(client, password):
    assert is_common(password)
    response = await client.post("/api/auth/register", json=registration(password=password))
    assert response.status_code == 400
    assert response.json()["errors"] == [{"field": "password", "message": response.json()["errors"][0]["message"]}]
    assert "よく使われて" in response.json()["errors"][0]["message"]


async def test_the_rule_is_published_for_the_forms(client):
    policy = (await client.get("/api/auth/password-policy")).json()
    assert policy["min_length"] == 10 and "英字と数字" in policy["rule"] and "よく使われる" in policy["rule"]


async def test_change_ends_the_other_sessions_and_keeps_this_one(client, admin, contractor, mail_to_server):
    other = await login_as(client, contractor.login_id, CONTRACTOR_PASSWORD)
    wrong = await client.post("/api/auth/password", json={"current_password": "Wrong-pass-123", "new_password": NEW_PASSWORD},
                              headers=contractor.headers)
    assert wrong.status_code == 400 and wrong.json()["errors"][0]["field"] == "current_password"
    weak = await client.post("/api/auth/password", json={"current_password": CONTRACTOR_PASSWORD, "new_password": "password1234"},
                             headers=contractor.headers)
    assert weak.status_code == 400 and weak.json()["errors"][0]["field"] == "new_password"

    changed = await client.post("/api/auth/password", json={"current_password": CONTRACTOR_PASSWORD, "new_password": NEW_PASSWORD},
                                headers=contractor.headers)
    assert changed.status_code == 204, changed.text
    assert (await client.get("/api/auth/me", headers=contractor.headers)).status_code == 200
    assert (await client.get("/api/auth/me", headers=other.headers)).status_code == 401
    assert await _login_status(client, contractor.login_id, CONTRACTOR_PASSWORD) == 403
    assert await _login_status(client, contractor.login_id, NEW_PASSWORD) == 200
    [notice] = [m for m in await delivered(mail_to_server, EMAIL) if "パスワードを変更しました" in m["Subject"]]
    assert contractor.login_id in text_of(notice) and NEW_PASSWORD not in text_of(notice)


async def test_reset_link_works_once_ends_sessions_and_a_second_reset_works_too(client, admin, contractor, mail_to_server):
    link = await _reset_link(client, mail_to_server)
    [mail] = [m for m in mail_to_server.messages if "パスワード再設定" in m["Subject"]]
    assert contractor.login_id in mail["Subject"] and "30分" in text_of(mail)

    confirm = {"token": _token(link), "new_password": NEW_PASSWORD}
    assert (await client.post("/api/auth/password-reset/confirm", json=confirm)).status_code == 204
    assert (await client.get("/api/auth/me", headers=contractor.headers)).status_code == 401  # sessions ended
    assert await _login_status(client, contractor.login_id, NEW_PASSWORD) == 200
    # The same link a second time: refused, the password stays.
    again = await client.post("/api/auth/password-reset/confirm", json={**confirm, "new_password": "Mata-Kensetsu-2027"})
    assert again.status_code == 400 and again.json()["errors"][0]["field"] == "token"
    assert await _login_status(client, contractor.login_id, NEW_PASSWORD) == 200

    # Reset again (forgotten once more): a new link, and it works.
    second = await _reset_link(client, mail_to_server)
    assert second != link
    done = await client.post("/api/auth/password-reset/confirm", json={"token": _token(second), "new_password": "Mata-Kensetsu-2027"})
    assert done.status_code == 204
    assert await _login_status(client, contractor.login_id, "Mata-Kensetsu-2027") == 200


async def test_a_newer_link_supersedes_the_older_and_links_expire_after_30_minutes(client, admin, contractor, mail_to_server):
    first = await _reset_link(client, mail_to_server)
    second = await _reset_link(client, mail_to_server)
    old = await client.post("/api/auth/password-reset/confirm", json={"token": _token(first), "new_password": NEW_PASSWORD})
    assert old.status_code == 400

    clock.advance(timedelta(minutes=31))
    late = await client.post("/api/auth/password-reset/confirm", json={"token": _token(second), "new_password": NEW_PASSWORD})
    assert late.status_code == 400 and "30分" in late.json()["errors"][0]["message"]
    third = await _reset_link(client, mail_to_server)
    clock.advance(timedelta(minutes=29))
    ok = await client.post("/api/auth/password-reset/confirm", json={"token": _token(third), "new_password": NEW_PASSWORD})
    assert ok.status_code == 204


async def test_unknown_addresses_get_the_same_answer_and_no_mail(client, admin, contractor, mail_to_server):
    known = await client.post("/api/auth/password-reset", json={"email": EMAIL})
    unknown = await client.post("/api/auth/password-reset", json={"email": "nobody@example.jp"})
    assert known.status_code == unknown.status_code == 202
    assert known.json() == unknown.json()
    assert (await client.post("/api/auth/forgot-id", json={"email": "nobody@example.jp"})).json() == (
        await client.post("/api/auth/forgot-id", json={"email": EMAIL})).json()
    mails = await delivered(mail_to_server)
    assert {m["To"] for m in mails} == {EMAIL}


async def test_forgot_id_mails_every_customer_id_of_the_address(client, admin, contractor, mail_to_server):
    second = await new_contractor(client, admin, company_name="因幡建設株式会社 米子支店")
    response = await client.post("/api/auth/forgot-id", json={"email": EMAIL.upper()})
    assert response.status_code == 202
    [reminder] = [m for m in await delivered(mail_to_server, EMAIL) if "お客様IDのお知らせ" in m["Subject"]]
    body = text_of(reminder)
    assert contractor.login_id in body and second.login_id in body and "米子支店" in body
    assert link_in(reminder, "/login") == "http://hosho.test/login"


async def test_reset_and_reminder_mails_are_limited_per_address(client, admin, contractor, mail_to_server):
    for _ in range(8):
        assert (await client.post("/api/auth/password-reset", json={"email": EMAIL})).status_code == 202
    resets = [m for m in await delivered(mail_to_server, EMAIL) if "パスワード再設定" in m["Subject"]]
    assert len(resets) == 5


async def test_the_longest_allowed_address_is_answered_not_failed(client):
    longest = "a@" + "b" * 241 + ".example.jp"  # 254 characters, the schema's limit
    assert len(longest) == 254
    for path in ("/api/auth/password-reset", "/api/auth/forgot-id"):
        assert (await client.post(path, json={"email": longest})).status_code == 202
