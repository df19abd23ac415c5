"""Two-factor login (TOTP, RFC 6238) with the real algorithm (pyotp) and the app's movable clock."""

from __future__ import annotations

from datetime import timedelta

import pyotp

from backend.accounts import totp
from backend.lib import clock
from tests.conftest import (
    ADMIN_LOGIN, ADMIN_PASSWORD, CONTRACTOR_PASSWORD, TOTP_SECRETS, enable_totp, login_as, otp_for,
)


async def _login(client, login_id, password, otp=None):
    body = {"login_id": login_id, "password": password, **({"otp": otp} if otp is not None else {})}
    return await client.post("/api/auth/login", json=body)


def _code_at(login_id: str, moment) -> str:
    return pyotp.TOTP(TOTP_SECRETS[login_id]).at(moment)


async def test_new_staff_must_set_up_two_factor_before_anything_else(client):
    from backend.accounts.service import create_admin

    await create_admin("tanaka", "Kasumi-Hosho-2026", "田中 一郎")
    first = await _login(client, "tanaka", "Kasumi-Hosho-2026")
    assert first.status_code == 200 and first.json()["totp_setup_required"] is True
    headers = {"Authorization": f"Bearer {first.json()['token']}"}
    refused = await client.get("/api/admin/stats", headers=headers)
    assert refused.status_code == 403 and "二要素認証" in refused.json()["detail"]
    assert (await client.get("/api/auth/me", headers=headers)).json()["totp_setup_required"] is True

    started = (await client.post("/api/auth/totp", headers=headers)).json()
    assert started["otpauth_uri"].startswith("otpauth://totp/") and started["secret"] in started["otpauth_uri"]
    assert pyotp.parse_uri(started["otpauth_uri"]).secret == started["secret"]
    wrong = await client.post("/api/auth/totp/confirm", json={"otp": "000000"}, headers=headers)
    assert wrong.status_code == 400 and wrong.json()["errors"][0]["field"] == "otp"
    code = pyotp.TOTP(started["secret"]).at(clock.now())
    confirmed = await client.post("/api/auth/totp/confirm", json={"otp": code}, headers=headers)
    assert confirmed.status_code == 200
    codes = confirmed.json()["recovery_codes"]
    assert len(codes) == 10 and len(set(codes)) == 10
    # The same session may now do staff work.
    assert (await client.get("/api/admin/stats", headers=headers)).status_code == 200
    me = (await client.get("/api/auth/me", headers=headers)).json()
    assert me["totp_enabled"] is True and me["totp_setup_required"] is False


async def test_every_staff_login_needs_a_code_from_the_real_algorithm(client, admin):
    no_code = await _login(client, ADMIN_LOGIN, ADMIN_PASSWORD)
    assert no_code.status_code == 401 and no_code.json()["errors"][0]["field"] == "otp"
    # A wrong password says nothing about a code.
    wrong_password = await _login(client, ADMIN_LOGIN, "Wrong-pass-123", "123456")
    assert wrong_password.status_code == 403
    bad = await _login(client, ADMIN_LOGIN, ADMIN_PASSWORD, "123456" if _code_at(ADMIN_LOGIN, clock.now()) != "123456" else "654321")
    assert bad.status_code == 400 and bad.json()["errors"][0]["field"] == "otp"

    clock.advance(timedelta(minutes=5))
    moment = clock.now()
    assert (await _login(client, ADMIN_LOGIN, ADMIN_PASSWORD, _code_at(ADMIN_LOGIN, moment))).status_code == 200
    # The same code again (a replay within its 30 s): refused.
    assert (await _login(client, ADMIN_LOGIN, ADMIN_PASSWORD, _code_at(ADMIN_LOGIN, moment))).status_code == 400
    # One step of drift either way is accepted; two steps are not.
    assert (await _login(client, ADMIN_LOGIN, ADMIN_PASSWORD, _code_at(ADMIN_LOGIN, moment + timedelta(seconds=30)))).status_code == 200
    stale = _code_at(ADMIN_LOGIN, moment - timedelta(seconds=90))
    if stale not in {_code_at(ADMIN_LOGIN, moment + timedelta(seconds=30 * k)) for k in (-1, 0, 1)}:
        assert (await _login(client, ADMIN_LOGIN, ADMIN_PASSWORD, stale)).status_code == 400
    # A code read ten minutes later is a different one, and works then.
    clock.advance(timedelta(minutes=10))
    assert (await _login(client, ADMIN_LOGIN, ADMIN_PASSWORD, _code_at(ADMIN_LOGIN, clock.now()))).status_code == 200


async def test_matching_step_follows_rfc_6238_test_vector():
    """RFC 6238 appendix B, SHA-1, T = 59 s: 94287082 (8 digits); pyotp's 6 digits are its last six."""
    import base64

    secret = base64.b32encode(b"12345678901234567890").decode()
    assert pyotp.TOTP(secret, digits=8).at(59) == "94287082"
    assert pyotp.TOTP(secret).at(59) == "287082"
    clock.advance(timedelta(seconds=59 - clock.now().timestamp()))
    assert totp.matching_step(secret, "287 082", 0) == 1
    assert totp.matching_step(secret, "287082", 1) is None  # already used


async def test_recovery_codes_work_once_each(client, admin):
    from backend.accounts.service import create_admin

    await create_admin("sato", "Midori-Hosho-2026")
    login = await login_as(client, "sato", "Midori-Hosho-2026")
    codes = await enable_totp(client, login)
    used = await _login(client, "sato", "Midori-Hosho-2026", codes[0].upper())  # case and hyphen do not matter
    assert used.status_code == 200
    assert (await _login(client, "sato", "Midori-Hosho-2026", codes[0])).status_code == 400
    assert (await _login(client, "sato", "Midori-Hosho-2026", codes[1].replace("-", ""))).status_code == 200


async def test_confirming_ends_the_password_only_sessions(client):
    from backend.accounts.service import create_admin

    await create_admin("suzuki", "Aozora-Hosho-2026")
    first = await login_as(client, "suzuki", "Aozora-Hosho-2026")
    second = await login_as(client, "suzuki", "Aozora-Hosho-2026")
    await enable_totp(client, first)
    assert (await client.get("/api/auth/me", headers=first.headers)).status_code == 200
    assert (await client.get("/api/auth/me", headers=second.headers)).status_code == 401
    again = await client.post("/api/auth/totp", headers=first.headers)
    assert again.status_code == 409


async def test_create_admin_resets_two_factor(client, admin, tmp_path):
    import os
    import subprocess
    import sys

    from tests.conftest import _DATA_DIR

    env = {**os.environ, "HOSHO_DATA_DIR": _DATA_DIR}
    result = subprocess.run(
        [sys.executable, "-m", "backend.cli", "create-admin", "--login", ADMIN_LOGIN, "--reset-totp"],
        input=ADMIN_PASSWORD + "\n", capture_output=True, text=True, env=env, timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert "二要素認証をリセット" in result.stdout
    assert (await client.get("/api/auth/me", headers=admin.headers)).status_code == 401  # sessions ended
    again = await _login(client, ADMIN_LOGIN, ADMIN_PASSWORD)
    assert again.status_code == 200 and again.json()["totp_setup_required"] is True


async def test_contractors_may_turn_it_on(client, contractor):
    me = (await client.get("/api/auth/me", headers=contractor.headers)).json()
    assert me["totp_enabled"] is False and me["totp_setup_required"] is False
    await enable_totp(client, contractor)
    assert (await _login(client, contractor.login_id, CONTRACTOR_PASSWORD)).status_code == 401
    assert (await _login(client, contractor.login_id, CONTRACTOR_PASSWORD, otp_for(contractor.login_id))).status_code == 200


def _from(address: str) -> dict[str, str]:
    from backend.lib.security import FORWARD_SECRET_HEADER, FORWARDED_FOR_HEADER, forward_secret

    return {FORWARDED_FOR_HEADER: address, FORWARD_SECRET_HEADER: forward_secret()}


def _wrong_code(login_id: str) -> str:
    near = {_code_at(login_id, clock.now() + timedelta(seconds=30 * k)) for k in range(-2, 3)}
    return next(code for code in ("000000", "111111", "222222") if code not in near)


async def test_wrong_codes_are_throttled_like_wrong_passwords(client, admin):
    """Guessing the six digits with a known password: five wrong codes lock that (login id, address)."""
    body = {"login_id": ADMIN_LOGIN, "password": ADMIN_PASSWORD}
    for _ in range(5):
        wrong = await client.post("/api/auth/login", json={**body, "otp": _wrong_code(ADMIN_LOGIN)},
                                  headers=_from("203.0.113.77"))
        assert wrong.status_code == 400
    locked = await client.post("/api/auth/login", json={**body, "otp": otp_for(ADMIN_LOGIN)}, headers=_from("203.0.113.77"))
    assert locked.status_code == 429 and int(locked.headers["Retry-After"]) > 0
    # The person at the office, with the app's code, is not locked out.
    office = await client.post("/api/auth/login", json={**body, "otp": otp_for(ADMIN_LOGIN)}, headers=_from("198.51.100.7"))
    assert office.status_code == 200


async def test_wrong_codes_at_setup_are_throttled(client):
    from backend.accounts.service import create_admin

    await create_admin("kato", "Wakaba-Hosho-2026")
    login = await login_as(client, "kato", "Wakaba-Hosho-2026")
    started = (await client.post("/api/auth/totp", headers=login.headers)).json()
    TOTP_SECRETS["kato"] = started["secret"]
    for _ in range(5):
        wrong = await client.post("/api/auth/totp/confirm", json={"otp": _wrong_code("kato")}, headers=login.headers)
        assert wrong.status_code == 400
    locked = await client.post("/api/auth/totp/confirm", json={"otp": otp_for("kato")}, headers=login.headers)
    assert locked.status_code == 429
    clock.advance(timedelta(minutes=16))
    assert (await client.post("/api/auth/totp/confirm", json={"otp": otp_for("kato")}, headers=login.headers)).status_code == 200
