"""D-Sure fixtures: a concluded electronic certificate and its key, helpers to call D-Sure."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from backend.dsure import alerts, views
from backend.lib.security import FORWARD_SECRET_HEADER, FORWARDED_FOR_HEADER, forward_secret
from tests.support.lifecycle import concluded_certificate

# The periodic expiry pass must not run in the middle of a test: tests call notify_expiring().
alerts.EXPIRY_FIRST_DELAY_SECONDS = 10**6


@dataclass
class Issued:
    number: str
    key: str


@pytest.fixture
async def issued(client, admin, contractor) -> Issued:
    number = await concluded_certificate(client, admin, contractor)
    response = await client.get(f"/api/certificates/{number}/auth-key", headers=contractor.headers)
    assert response.status_code == 200, response.text
    return Issued(number=number, key=response.json()["auth_key"])


def browser(address: str) -> dict[str, str]:
    """Headers of the UI server forwarding a browser's address (trusted with the shared secret)."""
    return {FORWARDED_FOR_HEADER: address, FORWARD_SECRET_HEADER: forward_secret()}


async def verify(client, number: str, key: str, address: str | None = None, **extra):
    headers = browser(address) if address else {}
    headers.update(extra.pop("headers", {}))
    return await client.post("/api/dsure/verify", json={"contract_number": number, "auth_key": key}, headers=headers)


async def flush_views() -> None:
    await views.flush()
