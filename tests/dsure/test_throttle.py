"""Per-number lockout and per-address limit, in the database and in the real Redis."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest

from backend.dsure import service
from backend.lib import clock
from backend.settings import get_settings
from tests.dsure.conftest import audit_rows, redis_counters_patched, verify, wrong_key

BACKENDS = ["database", "redis"]


@pytest.fixture(params=BACKENDS)
async def backend(request, monkeypatch):
    """Run a test with the default (database) counters and again with Redis counters."""
    if request.param == "redis":
        async with redis_counters_patched(monkeypatch) as counters:
            yield counters
    else:
        yield None


async def _fail(client, number: str, key: str, times: int, address: str = "198.51.100.1") -> list[int]:
    return [(await verify(client, number, key, address=address)).status_code for _ in range(times)]


async def test_five_failures_lock_the_number_even_for_the_right_key(client, contractor, issued, backend):
    assert await _fail(client, issued.number, wrong_key(issued.key), 5) == [404] * 5
    locked = await verify(client, issued.number, issued.key, address="198.51.100.2")
    assert locked.status_code == 429
    assert 840 <= int(locked.headers["Retry-After"]) <= 900
    detail = locked.json()["detail"]
    assert "15分後" in detail and "認証キー" in detail

    # The contractor's own pages never go through D-Sure.
    assert (await client.get(f"/api/certificates/{issued.number}", headers=contractor.headers)).status_code == 200
    assert (await client.get(f"/api/certificates/{issued.number}/auth-key", headers=contractor.headers)).status_code == 200

    clock.advance(timedelta(minutes=10))
    still = await verify(client, issued.number, issued.key, address="198.51.100.3")
    assert still.status_code == 429 and "5分後" in still.json()["detail"]

    clock.advance(timedelta(minutes=6))
    assert (await verify(client, issued.number, issued.key, address="198.51.100.4")).status_code == 200

    [locked_entry] = await audit_rows("dsure.locked")
    assert locked_entry["target"] == issued.number and locked_entry["details"]["failures"] == 5
    assert len(await audit_rows("dsure.failed")) == 5
    if backend is not None:  # really in Redis
        assert await backend.redis.exists(backend.prefix + f"lock:dsure:num:{issued.number}")


async def test_unknown_numbers_lock_exactly_like_real_ones(client, issued, backend):
    unknown = "2079999999"
    real = await _fail(client, issued.number, wrong_key(issued.key), 6)
    probe = await _fail(client, unknown, issued.key, 6)
    assert real == probe == [404] * 5 + [429]


async def test_failures_spread_over_more_than_fifteen_minutes_do_not_lock(client, issued, backend):
    for _ in range(4):
        assert (await verify(client, issued.number, wrong_key(issued.key))).status_code == 404
    clock.advance(timedelta(minutes=16))
    for _ in range(4):
        assert (await verify(client, issued.number, wrong_key(issued.key))).status_code == 404
    assert (await verify(client, issued.number, issued.key)).status_code == 200


async def test_per_address_limit(client, issued, backend):
    limit = get_settings().dsure_attempts_per_minute
    assert limit == 20
    statuses = [(await verify(client, issued.number, issued.key, address="203.0.113.50")).status_code for _ in range(limit)]
    assert statuses == [200] * limit
    blocked = await verify(client, issued.number, issued.key, address="203.0.113.50")
    assert blocked.status_code == 429
    assert 1 <= int(blocked.headers["Retry-After"]) <= 60
    assert "1分" in blocked.json()["detail"]
    # Another browser (forwarded by the UI server) is not affected, nor is the number locked.
    assert (await verify(client, issued.number, issued.key, address="203.0.113.51")).status_code == 200
    clock.advance(timedelta(seconds=61))
    assert (await verify(client, issued.number, issued.key, address="203.0.113.50")).status_code == 200


async def test_forwarded_address_without_the_secret_counts_against_the_peer(client, issued):
    from backend.lib.security import FORWARDED_FOR_HEADER

    for n in range(20):
        response = await client.post(
            "/api/dsure/verify",
            json={"contract_number": issued.number, "auth_key": issued.key},
            headers={FORWARDED_FOR_HEADER: f"192.0.2.{n}"},  # spoofed, no secret
        )
        assert response.status_code == 200
    response = await client.post(
        "/api/dsure/verify",
        json={"contract_number": issued.number, "auth_key": issued.key},
        headers={FORWARDED_FOR_HEADER: "192.0.2.250"},
    )
    assert response.status_code == 429


async def test_zero_turns_the_address_limit_off_but_not_the_lockout(client, issued, monkeypatch):
    off = replace(get_settings(), dsure_attempts_per_minute=0)
    monkeypatch.setattr(service, "get_settings", lambda: off)
    for _ in range(30):
        assert (await verify(client, issued.number, issued.key)).status_code == 200
    assert await _fail(client, issued.number, wrong_key(issued.key), 6) == [404] * 5 + [429]


async def test_admin_dashboard_stats(client, admin, contractor, issued, backend):
    await verify(client, issued.number, issued.key)
    await verify(client, issued.number, issued.key, address="198.51.100.7")
    await _fail(client, "2079999999", issued.key, 5, address="198.51.100.8")
    await _fail(client, "12", issued.key, 5, address="198.51.100.9")  # malformed input locks too

    response = await client.get("/api/admin/dsure/stats", headers=admin.headers)
    assert response.status_code == 200, response.text
    stats = response.json()
    assert stats["views_today"] == 2 and stats["views_this_month"] == 2
    assert stats["failures_last_24h"] == 10
    lockouts = stats["lockouts"]
    assert [item["contract_number"] for item in lockouts] == ["2079999999", None]
    assert all(item["until"] for item in lockouts)

    assert (await client.get("/api/admin/dsure/stats")).status_code == 401
    assert (await client.get("/api/admin/dsure/stats", headers=contractor.headers)).status_code == 403

    clock.advance(timedelta(minutes=16))
    later = (await client.get("/api/admin/dsure/stats", headers=admin.headers)).json()
    assert later["lockouts"] == []
    assert later["failures_last_24h"] == 10
