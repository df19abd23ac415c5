"""D-Sure fixtures: a concluded electronic certificate and its key, helpers to call D-Sure."""

from __future__ import annotations

import json
import secrets
from contextlib import asynccontextmanager
from dataclasses import dataclass

import pytest

from backend.audit.tables import AuditEntry
from backend.dsure import alerts
from backend.throttle import background as throttle_background
from backend.lib.security import FORWARD_SECRET_HEADER, FORWARDED_FOR_HEADER, forward_secret
from tests.mail.conftest import mail_to_server, smtp_server  # noqa: F401  (real SMTP fixtures, reused)
from tests.support.lifecycle import concluded_certificate

# The periodic passes must not run in the middle of a test: tests call notify_expiring() and
# throttle.purge() themselves (and move the clock).
alerts.EXPIRY_FIRST_DELAY_SECONDS = 10**6
throttle_background.PURGE_INTERVAL_SECONDS = 10**6

REDIS_URL = "redis://127.0.0.1:6379/0"


@dataclass
class Issued:
    number: str
    key: str


async def issue(client, admin, contractor, **overrides) -> Issued:
    number = await concluded_certificate(client, admin, contractor, **overrides)
    response = await client.get(f"/api/certificates/{number}/auth-key", headers=contractor.headers)
    assert response.status_code == 200, response.text
    return Issued(number=number, key=response.json()["auth_key"])


@pytest.fixture
async def issued(client, admin, contractor) -> Issued:
    return await issue(client, admin, contractor)


def browser(address: str) -> dict[str, str]:
    """Headers of the UI server forwarding a browser's address (trusted with the shared secret)."""
    return {FORWARDED_FOR_HEADER: address, FORWARD_SECRET_HEADER: forward_secret()}


async def call(client, path: str, number: str, key: str, address: str | None = None, **body):
    headers = browser(address) if address else {}
    return await client.post(f"/api/dsure/{path}", json={"contract_number": number, "auth_key": key, **body}, headers=headers)


async def verify(client, number: str, key: str, address: str | None = None):
    return await call(client, "verify", number, key, address)


def wrong_key(key: str) -> str:
    """Another well-formed key."""
    first = "2" if key[0] != "2" else "3"
    return first + key[1:]


async def audit_rows(action: str) -> list[dict]:
    rows = await AuditEntry.select().where(AuditEntry.action == action).order_by(AuditEntry.seq)
    for row in rows:
        row["details"] = json.loads(row["details"] or "{}")
    return rows


@asynccontextmanager
async def redis_counters_patched(monkeypatch):
    """Throttle counters in the real Redis on 127.0.0.1:6379, under a prefix of this test only."""
    from backend.throttle import service as throttle

    prefix = f"hosho-test-{secrets.token_hex(6)}:"
    counters = throttle.RedisCounters(REDIS_URL, prefix=prefix)
    await counters.redis.ping()
    monkeypatch.setattr(throttle, "get_counters", lambda: counters)
    try:
        yield counters
    finally:
        keys = [key async for key in counters.redis.scan_iter(match=prefix + "*")]
        if keys:
            await counters.redis.delete(*keys)
        await counters.redis.aclose()


@pytest.fixture
async def redis_counters(monkeypatch):
    async with redis_counters_patched(monkeypatch) as counters:
        yield counters


@pytest.fixture(params=["database", "redis"])
async def backend(request, monkeypatch):
    """Run a test with the default (database) counters and again with the real Redis's
    (``HOSHO_REDIS_URL``): yields the Redis counters, or None for the database."""
    if request.param == "redis":
        async with redis_counters_patched(monkeypatch) as counters:
            yield counters
    else:
        yield None


async def redis_keys(counters) -> list[str]:
    """Every key the Redis counters hold under this test's prefix, without it."""
    keys = [key.decode()[len(counters.prefix):] async for key in counters.redis.scan_iter(match=counters.prefix + "*")]
    return sorted(keys)
