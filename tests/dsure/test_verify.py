"""POST /api/dsure/verify: the certificate for a correct pair, forgiving input, signature check."""

from __future__ import annotations

from backend.domain import signing
from backend.lib import keyring
from tests.dsure.conftest import verify


async def test_correct_pair_returns_the_signed_current_version(client, issued):
    response = await verify(client, issued.number, issued.key)
    assert response.status_code == 200, response.text
    assert response.headers["cache-control"] == "no-store"
    body = response.json()
    assert body["contract_number"] == issued.number
    assert body["status"] == "valid" and body["status_label"] == "有効"
    assert body["version"] == 1
    assert body["certificate"]["contract_number"] == issued.number
    assert body["versions"] == [{"version": 1, "issued_on": body["certificate"]["issued_on"], "changes": [], "change_reason": None}]
    assert body["signature_valid"] is True
    assert signing.verify(keyring.public_key(), body["certificate"], body["digest"], body["signature"])
    assert body["key_id"] == signing.key_id(keyring.public_key())
    assert body["checked_at"] and body["acknowledged_at"] is None
