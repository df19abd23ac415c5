"""D-Sure throttling, in the database and in the real Redis: failures per (number, address),
the number-wide lock after 100 failures in 24 hours (alert, release by staff and by a key
reissue), attempts per address (IPv6 per /64), bounded storage."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest

from backend.dsure import locks
from backend.lib import clock
from backend.mail.tables import MailMessage
from backend.settings import get_settings
from backend.dsure_store.tables import DsThrottleEvent, DsThrottleLock
from tests.dsure.conftest import audit_rows, verify, wrong_key

ORDERER = "198.51.100.1"
ATTACKER = "203.0.113.66"
STAFF = "dsure-alerts@hosho.example.jp"


@pytest.fixture
def staff_alerts(monkeypatch):
    settings = replace(get_settings(), staff_alert_email=STAFF)
    monkeypatch.setattr(locks, "get_settings", lambda: settings)


async def _fail(client, number: str, key: str, times: int, address: str = ATTACKER) -> list[int]:
    return [(await verify(client, number, key, address=address)).status_code for _ in range(times)]


async def _lock_number(client, number: str, key: str) -> list[int]:
    """100 failures, each from its own address (no pair ever reaches 5)."""
    return [(await verify(client, number, key, address=f"192.0.2.{n}")).status_code
            for n in range(locks.NUMBER_LOCKOUT.failures)]


async def test_five_failures_lock_the_pair_not_the_orderer(client, contractor, issued, backend):
    assert await _fail(client, issued.number, wrong_key(issued.key), 5) == [404] * 5
    locked = await verify(client, issued.number, issued.key, address=ATTACKER)
    assert locked.status_code == 429
    assert locked.json().get("code", "dsure.locked") == "dsure.locked"
    assert 840 <= int(locked.headers["Retry-After"]) <= 900
    detail = locked.json()["detail"]
    assert "15分後" in detail and "お使いのネットワーク" in detail

    # The orderer at another address reads the certificate; so does a neighbour in another /24.
    assert (await verify(client, issued.number, issued.key, address=ORDERER)).status_code == 200
    assert (await verify(client, issued.number, issued.key, address="203.0.114.66")).status_code == 200
    # The attacker's other numbers are not locked either (only that pair).
    assert (await verify(client, "2079999999", issued.key, address=ATTACKER)).status_code == 404

    clock.advance(timedelta(minutes=10))
    still = await verify(client, issued.number, issued.key, address=ATTACKER)
    assert still.status_code == 429 and "5分後" in still.json()["detail"]
    clock.advance(timedelta(minutes=6))
    assert (await verify(client, issued.number, issued.key, address=ATTACKER)).status_code == 200

    [locked_entry] = await audit_rows("dsure.locked")
    assert (locked_entry["target"], locked_entry["address"]) == (issued.number, ATTACKER)
    assert locked_entry["details"]["failures"] == 5 and locked_entry["details"]["scope"] == "pair"
    assert len(await audit_rows("dsure.failed")) == 6  # the unknown number's too; 429s are not failures
    assert await audit_rows("dsure.number_locked") == []
    if backend is not None:  # really in Redis
        assert await backend.redis.exists(backend.prefix + f"lock:dsure:pair:{issued.number}:{ATTACKER}")


async def test_ipv6_pairs_count_per_64(client, issued, backend):
    for n in range(5):
        assert (await verify(client, issued.number, wrong_key(issued.key), address=f"2001:db8:1:2::{n + 1}")).status_code == 404
    assert (await verify(client, issued.number, issued.key, address="2001:db8:1:2:ffff::9")).status_code == 429
    assert (await verify(client, issued.number, issued.key, address="2001:db8:1:3::1")).status_code == 200


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


async def test_a_hundred_failures_lock_the_number_for_everybody_and_alert_staff(
    client, admin, contractor, issued, backend, staff_alerts
):
    statuses = await _lock_number(client, issued.number, wrong_key(issued.key))
    assert statuses == [404] * locks.NUMBER_LOCKOUT.failures
    locked = await verify(client, issued.number, issued.key, address=ORDERER)
    assert locked.status_code == 429 and "認証キーの再発行" in locked.json()["detail"]
    assert int(locked.headers["Retry-After"]) > 23 * 3600

    [entry] = await audit_rows("dsure.number_locked")
    assert entry["target"] == issued.number and entry["details"]["failures"] == 100 and entry["details"]["issued"]
    [mail] = await MailMessage.select().where(MailMessage.category == "dsure.number_locked")
    assert mail["to_address"] == STAFF and issued.number in mail["subject"] and "100回" in mail["subject"]
    assert issued.key not in mail["body"] and wrong_key(issued.key) not in mail["body"]
    assert "工事名：" in mail["body"] and "停止期限：" in mail["body"] and "日本時間" in mail["body"]  # the template's

    stats = (await client.get("/api/admin/dsure/stats", headers=admin.headers)).json()
    [lockout] = stats["lockouts"]
    assert (lockout["contract_number"], lockout["failures"], lockout["issued"]) == (issued.number, 100, True)
    assert stats["failures_last_24h"] == 100

    # Staff lift it: everybody reads again, the counters start afresh.
    path = f"/api/admin/dsure/locks/{issued.number}/release"
    assert (await client.post(path)).status_code == 401
    assert (await client.post(path, headers=contractor.headers)).status_code == 403
    released = await client.post(path, headers=admin.headers)
    assert released.status_code == 200, released.text
    assert released.json() == {"contract_number": issued.number, "released": True, "pairs_released": 0}
    assert (await verify(client, issued.number, issued.key, address=ORDERER)).status_code == 200
    assert (await verify(client, issued.number, wrong_key(issued.key), address="192.0.2.1")).status_code == 404
    assert (await client.post(path, headers=admin.headers)).json()["released"] is False
    [release] = await audit_rows("dsure.lock_released")
    assert (release["actor"], release["details"]["cause"]) == (admin.login_id, "staff")
    assert (await client.get("/api/admin/dsure/stats", headers=admin.headers)).json()["lockouts"] == []

    malformed = await client.post("/api/admin/dsure/locks/12345/release", headers=admin.headers)
    assert malformed.status_code == 400 and malformed.json()["errors"][0]["field"] == "number"


async def test_an_unknown_number_locks_too_but_mails_nobody(client, admin, issued, backend, staff_alerts):
    await _lock_number(client, "2079999999", issued.key)
    assert (await verify(client, "2079999999", issued.key, address=ORDERER)).status_code == 429
    [lockout] = (await client.get("/api/admin/dsure/stats", headers=admin.headers)).json()["lockouts"]
    assert (lockout["contract_number"], lockout["issued"]) == ("2079999999", False)
    assert await MailMessage.count().where(MailMessage.category == "dsure.number_locked") == 0


async def test_a_key_reissue_lifts_the_number_and_pair_locks(client, contractor, issued, backend, monkeypatch):
    monkeypatch.setattr(locks, "NUMBER_LOCKOUT", replace(locks.NUMBER_LOCKOUT, failures=8))
    await _fail(client, issued.number, wrong_key(issued.key), 5)  # the attacker's pair
    await _lock_number(client, issued.number, wrong_key(issued.key))  # from elsewhere: the 8th locks the number
    assert (await verify(client, issued.number, issued.key, address=ORDERER)).status_code == 429

    reissued = await client.post(f"/api/certificates/{issued.number}/reissue-key", headers=contractor.headers)
    assert reissued.status_code == 200, reissued.text
    new_key = reissued.json()["auth_key"]
    assert (await verify(client, issued.number, new_key, address=ORDERER)).status_code == 200
    assert (await verify(client, issued.number, new_key, address=ATTACKER)).status_code == 200
    [release] = await audit_rows("dsure.lock_released")
    assert release["details"] == {"cause": "key_reissued", "number": True, "pairs": 1}
    assert release["actor"] == "issuer:207"  # D-Sure learns of the new key from the issuer's publication


async def test_per_address_limit(client, issued, backend):
    limit = get_settings().dsure_attempts_per_minute
    assert limit == 20
    statuses = [(await verify(client, issued.number, issued.key, address="203.0.113.50")).status_code for _ in range(limit)]
    assert statuses == [200] * limit
    blocked = await verify(client, issued.number, issued.key, address="203.0.113.50")
    assert blocked.status_code == 429
    assert blocked.json().get("code", "throttled") == "throttled"
    assert 1 <= int(blocked.headers["Retry-After"]) <= 60
    assert "1分" in blocked.json()["detail"]
    # Another browser (forwarded by the UI server) is not affected, nor is the number locked.
    assert (await verify(client, issued.number, issued.key, address="203.0.113.51")).status_code == 200
    clock.advance(timedelta(seconds=61))
    assert (await verify(client, issued.number, issued.key, address="203.0.113.50")).status_code == 200


async def test_ipv6_addresses_count_per_64_and_over_the_limit_adds_nothing(client, issued, backend):
    for n in range(20):
        assert (await verify(client, issued.number, issued.key, address=f"2001:db8:7:8::{n + 1:x}")).status_code == 200
    rows = await DsThrottleEvent.count()
    redis_events = await backend.redis.zcard(backend.prefix + "ev:dsure:addr:2001:db8:7:8::/64") if backend else None
    for n in range(30):  # other hosts of the same /64 and wrong keys alike: refused before anything is counted
        key = issued.key if n % 2 else wrong_key(issued.key)
        assert (await verify(client, issued.number, key, address=f"2001:db8:7:8:{n:x}::1")).status_code == 429
    assert await DsThrottleEvent.count() == rows
    assert await audit_rows("dsure.failed") == []
    if backend is not None:
        assert redis_events == 20
        assert await backend.redis.zcard(backend.prefix + "ev:dsure:addr:2001:db8:7:8::/64") == 20
    assert (await verify(client, issued.number, issued.key, address="2001:db8:7:9::1")).status_code == 200


async def test_zero_turns_the_address_limit_off_but_not_the_lockout(client, issued, monkeypatch):
    off = replace(get_settings(), dsure_attempts_per_minute=0)
    monkeypatch.setattr(locks, "get_settings", lambda: off)
    for _ in range(30):
        assert (await verify(client, issued.number, issued.key)).status_code == 200
    assert await _fail(client, issued.number, wrong_key(issued.key), 6) == [404] * 5 + [429]


async def test_expired_events_and_locks_are_purged(client, issued):
    await _fail(client, issued.number, wrong_key(issued.key), 5)
    await verify(client, issued.number, issued.key, address=ORDERER)
    # Per failure: one address event, one pair event, one number event; the orderer's attempt: one.
    assert await DsThrottleEvent.count() == 5 * 3 + 1
    assert await DsThrottleLock.count() == 1

    clock.advance(timedelta(minutes=2))
    assert await locks.counters().purge() == 6  # the address events (1 minute)
    clock.advance(timedelta(minutes=14))
    assert await locks.counters().purge() == 5 + 1  # the pair events and the pair lock (15 minutes)
    clock.advance(timedelta(hours=24))
    assert await locks.counters().purge() == 5  # the number events (24 hours)
    assert await DsThrottleEvent.count() == 0 and await DsThrottleLock.count() == 0


async def test_redis_keys_expire_on_their_own(client, issued, redis_counters):
    await _fail(client, issued.number, wrong_key(issued.key), 5)
    prefix = redis_counters.prefix
    ttls = {
        kind: await redis_counters.redis.ttl(prefix + name)
        for kind, name in (
            ("address", f"ev:dsure:addr:{ATTACKER}"),
            ("pair", f"ev:dsure:pair:{issued.number}:{ATTACKER}"),
            ("number", f"ev:dsure:num:{issued.number}"),
            ("lock", f"lock:dsure:pair:{issued.number}:{ATTACKER}"),
        )
    }
    assert 60 < ttls["address"] <= 120 and 900 < ttls["pair"] <= 960 and 86400 < ttls["number"] <= 86460
    assert 900 < ttls["lock"] <= 960


async def test_admin_dashboard_stats(client, admin, contractor, issued, backend):
    await verify(client, issued.number, issued.key)
    await verify(client, issued.number, issued.key, address="198.51.100.7")
    await _fail(client, "2079999999", issued.key, 5, address="198.51.100.8")

    response = await client.get("/api/admin/dsure/stats", headers=admin.headers)
    assert response.status_code == 200, response.text
    stats = response.json()
    assert stats["views_today"] == 2 and stats["views_this_month"] == 2
    assert stats["failures_last_24h"] == 5
    assert stats["lockouts"] == []  # a pair lock is no alert

    assert (await client.get("/api/admin/dsure/stats")).status_code == 401
    assert (await client.get("/api/admin/dsure/stats", headers=contractor.headers)).status_code == 403
