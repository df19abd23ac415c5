"""Failed logins are throttled per (login id, address) and per address (429 + Retry-After)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from backend.lib import clock
from tests.conftest import CONTRACTOR_PASSWORD
from tests.dsure.conftest import redis_counters_patched


@pytest.fixture(params=["database", "redis"])
async def backend(request, monkeypatch):
    if request.param == "redis":
        async with redis_counters_patched(monkeypatch) as counters:
            yield counters
    else:
        yield None


async def _attempt(client, login_id, password="Wrong-pass-123", address=None):
    headers = {}
    if address:
        from backend.lib.security import FORWARD_SECRET_HEADER, FORWARDED_FOR_HEADER, forward_secret

        headers = {FORWARDED_FOR_HEADER: address, FORWARD_SECRET_HEADER: forward_secret()}
    return await client.post("/api/auth/login", json={"login_id": login_id, "password": password}, headers=headers)


async def test_five_failures_lock_the_pair_not_the_person_elsewhere(client, contractor, backend):
    """Nobody can lock another person out from elsewhere: the lock is per (login id, address)."""
    for _ in range(5):
        assert (await _attempt(client, contractor.login_id, address="203.0.113.66")).status_code == 403
    locked = await _attempt(client, contractor.login_id, CONTRACTOR_PASSWORD, address="203.0.113.66")
    assert locked.status_code == 429 and 800 <= int(locked.headers["Retry-After"]) <= 900
    # The contractor at the office logs in; the attacker's other login ids are not locked either.
    assert (await _attempt(client, contractor.login_id, CONTRACTOR_PASSWORD, address="198.51.100.2")).status_code == 200
    assert (await _attempt(client, "10000001", address="203.0.113.66")).status_code == 403
    # An IPv6 attacker counts per /64.
    for n in range(5):
        assert (await _attempt(client, contractor.login_id, address=f"2001:db8:5:6::{n + 1}")).status_code == 403
    assert (await _attempt(client, contractor.login_id, CONTRACTOR_PASSWORD, address="2001:db8:5:6::99")).status_code == 429
    assert (await _attempt(client, contractor.login_id, CONTRACTOR_PASSWORD, address="2001:db8:5:7::1")).status_code == 200
    if backend is not None:
        assert await backend.redis.exists(backend.prefix + f"lock:login:pair:{contractor.login_id}:203.0.113.66")


async def test_five_failures_lock_the_account_for_fifteen_minutes(client, contractor):
    for _ in range(5):
        assert (await _attempt(client, contractor.login_id)).status_code == 403
    locked = await _attempt(client, contractor.login_id, CONTRACTOR_PASSWORD)
    assert locked.status_code == 429
    assert 800 <= int(locked.headers["Retry-After"]) <= 900
    assert "分後" in locked.json()["detail"]

    clock.advance(timedelta(minutes=16))
    assert (await _attempt(client, contractor.login_id, CONTRACTOR_PASSWORD)).status_code == 200


async def test_a_success_resets_the_account_counter(client, contractor):
    for _ in range(4):
        await _attempt(client, contractor.login_id)
    assert (await _attempt(client, contractor.login_id, CONTRACTOR_PASSWORD)).status_code == 200
    for _ in range(4):
        await _attempt(client, contractor.login_id)
    assert (await _attempt(client, contractor.login_id, CONTRACTOR_PASSWORD)).status_code == 200


async def test_one_address_trying_many_ids_is_throttled(client, contractor, backend):
    for n in range(20):
        response = await _attempt(client, f"1000{n:04d}", address="203.0.113.7")
        assert response.status_code == 403
    blocked = await _attempt(client, contractor.login_id, CONTRACTOR_PASSWORD, address="203.0.113.7")
    assert blocked.status_code == 429
    # Another browser address (forwarded by the UI server) is not affected.
    assert (await _attempt(client, contractor.login_id, CONTRACTOR_PASSWORD, address="198.51.100.2")).status_code == 200


async def test_forwarded_address_without_the_secret_is_ignored(client, contractor):
    from backend.lib.security import FORWARDED_FOR_HEADER

    for n in range(20):
        await client.post(
            "/api/auth/login",
            json={"login_id": f"2000{n:04d}", "password": "Wrong-pass-123"},
            headers={FORWARDED_FOR_HEADER: f"192.0.2.{n}"},  # spoofed, no secret
        )
    # All 20 counted against the real peer address, not the spoofed ones.
    assert (await _attempt(client, contractor.login_id, CONTRACTOR_PASSWORD)).status_code == 429


async def test_a_distributed_attack_on_one_login_id_slows_it_down_but_never_refuses_the_right_password(
    client, contractor, backend, monkeypatch
):
    """Many addresses, each under its pair limit: the login id's attempts wait; the owner still gets in."""
    import asyncio
    from dataclasses import replace

    from backend.accounts import service
    from backend.settings import get_settings

    slow = replace(get_settings(), login_failures_per_id=10, login_backoff_seconds=0.2, login_backoff_max_seconds=0.4)
    monkeypatch.setattr(service, "get_settings", lambda: slow)
    assert service.backoff_delay(9) == 0 and service.backoff_delay(10) == 0.2
    assert service.backoff_delay(20) == 0.4 and service.backoff_delay(1000) == 0.4  # capped
    # The waits themselves (wall time under a loaded machine says little): asyncio's sleep, recorded.
    waits: list[float] = []
    real_sleep = asyncio.sleep

    async def recorded_sleep(seconds, *args):
        waits.append(seconds)
        await real_sleep(seconds, *args)

    monkeypatch.setattr(service.asyncio, "sleep", recorded_sleep)

    async def waited(*args) -> tuple[int, float]:
        waits.clear()
        status = (await _attempt(client, contractor.login_id, *args)).status_code
        return status, sum(waits)

    # The owner logged in from the office before the attack.
    assert await waited(CONTRACTOR_PASSWORD, "198.51.100.2") == (200, 0)
    for n in range(10):  # a botnet: two guesses from each of five addresses, each under its pair lock
        assert await waited("Wrong-pass-123", f"203.0.113.{n // 2 + 10}") == (403, 0)

    assert await waited("Wrong-pass-123", "192.0.2.200") == (403, 0.2)
    # The right password from a new address waits as long as a wrong one, and is let in.
    assert await waited(CONTRACTOR_PASSWORD, "192.0.2.201") == (200, 0.2)
    # From the office, where the owner logged in before, there is no wait.
    assert await waited(CONTRACTOR_PASSWORD, "198.51.100.2") == (200, 0)
    # Once the window has passed, the login id is fast again everywhere.
    clock.advance(timedelta(minutes=16))
    assert await waited(CONTRACTOR_PASSWORD, "192.0.2.202") == (200, 0)
