"""The client address: the socket or the UI's secret-backed header, X-Forwarded-For only
through HOSHO_TRUSTED_PROXIES (right-most untrusted hop); never text a client chose.
The throttle counts the resolved address, in the database and in the real Redis alike.

The in-process client connects from 127.0.0.1; a real `hosho api` (uvicorn with
proxy_headers off) is checked in tests/drills/test_kill_during_verify_flood.py.
"""

from __future__ import annotations

from dataclasses import replace

import pytest

from backend.dsure_store.tables import DsView
from backend.lib import security
from backend.lib.security import FORWARD_SECRET_HEADER, FORWARDED_CHAIN_HEADER, FORWARDED_FOR_HEADER, forward_secret
from backend.settings import _networks, get_settings
from tests.dsure.conftest import audit_rows, redis_keys, wrong_key


@pytest.fixture
def trust(monkeypatch):
    """trust("127.0.0.1", "10.0.0.0/8"): those proxies' X-Forwarded-For counts."""

    def apply(*proxies: str) -> None:
        settings = replace(get_settings(), trusted_proxies=_networks(",".join(proxies)))
        monkeypatch.setattr(security, "get_settings", lambda: settings)

    return apply


async def _failed_from(client, issued, headers: dict[str, str]) -> str:
    """The address a wrong key is counted and audited under."""
    response = await client.post(
        "/api/dsure/verify", json={"contract_number": issued.number, "auth_key": wrong_key(issued.key)}, headers=headers
    )
    assert response.status_code == 404
    return (await audit_rows("dsure.failed"))[-1]["address"]


async def test_x_forwarded_for_is_ignored_without_a_trusted_proxy(client, issued, backend):
    assert await _failed_from(client, issued, {"X-Forwarded-For": "203.0.113.9"}) == "127.0.0.1"
    assert await _failed_from(client, issued, {"X-Forwarded-For": "<script>alert(1)</script>"}) == "127.0.0.1"
    # The pair lock follows the socket: five spoofed "addresses" are one pair.
    for n in range(3):
        await _failed_from(client, issued, {"X-Forwarded-For": f"198.51.100.{n}"})
    locked = await client.post("/api/dsure/verify", json={"contract_number": issued.number, "auth_key": issued.key},
                               headers={"X-Forwarded-For": "198.51.100.200"})
    assert locked.status_code == 429
    if backend is not None:  # counted in Redis under the socket's address only
        assert f"lock:dsure:pair:{issued.number}:127.0.0.1" in await redis_keys(backend)
        assert not any("198.51.100" in key or "203.0.113" in key or "script" in key for key in await redis_keys(backend))


async def test_x_forwarded_for_is_honoured_from_a_trusted_proxy(client, issued, trust, backend):
    trust("127.0.0.1")
    assert await _failed_from(client, issued, {"X-Forwarded-For": "203.0.113.9"}) == "203.0.113.9"
    # The right-most untrusted hop: what the client wrote on the left proves nothing.
    assert await _failed_from(client, issued, {"X-Forwarded-For": "192.0.2.1, 203.0.113.9"}) == "203.0.113.9"
    # Several header lines are one list; IPv4-mapped and bracketed forms are normalised.
    assert await _failed_from(client, issued, {"X-Forwarded-For": "[::ffff:198.51.100.4]:443"}) == "198.51.100.4"
    # Garbage stops the walk at the last hop vouched for: never stored.
    assert await _failed_from(client, issued, {"X-Forwarded-For": "203.0.113.9, not-an-address"}) == "127.0.0.1"

    trust("127.0.0.1", "10.0.0.0/8")  # nginx in front of a load balancer
    assert await _failed_from(client, issued, {"X-Forwarded-For": "192.0.2.1, 198.51.100.7, 10.1.2.3"}) == "198.51.100.7"
    assert await _failed_from(client, issued, {"X-Forwarded-For": "10.9.9.9, 10.1.2.3"}) == "10.9.9.9"

    trust("10.0.0.0/8")  # the socket (127.0.0.1) is no trusted proxy: its header is ignored
    assert await _failed_from(client, issued, {"X-Forwarded-For": "203.0.113.9"}) == "127.0.0.1"
    everything = [row["address"] for row in await audit_rows("dsure.failed")]
    assert not any("script" in address or "not-an" in address for address in everything)
    if backend is not None:  # the pairs and the per-address windows follow the resolved address
        keys = await redis_keys(backend)
        assert f"ev:dsure:pair:{issued.number}:203.0.113.9" in keys and f"ev:dsure:addr:198.51.100.7" in keys
        assert not any("192.0.2.1" in key or "not-an" in key for key in keys)

    # Through the trusted proxy, five failures from one client lock that client's pair only.
    trust("127.0.0.1")
    for _ in range(5):
        await _failed_from(client, issued, {"X-Forwarded-For": "198.51.100.99"})
    pair = {"contract_number": issued.number, "auth_key": issued.key}
    assert (await client.post("/api/dsure/verify", json=pair, headers={"X-Forwarded-For": "198.51.100.99"})).status_code == 429
    assert (await client.post("/api/dsure/verify", json=pair, headers={"X-Forwarded-For": "198.51.100.98"})).status_code == 200


async def test_the_ui_header_counts_only_with_the_secret(client, issued, trust):
    ui = {FORWARDED_FOR_HEADER: "198.51.100.77", FORWARD_SECRET_HEADER: forward_secret()}
    assert await _failed_from(client, issued, ui) == "198.51.100.77"
    assert await _failed_from(client, issued, {**ui, FORWARD_SECRET_HEADER: "0" * 64}) == "127.0.0.1"
    assert await _failed_from(client, issued, {FORWARDED_FOR_HEADER: "198.51.100.77"}) == "127.0.0.1"
    # The UI relays what it was given, but an address is stored only as an address.
    assert await _failed_from(client, issued, {**ui, FORWARDED_FOR_HEADER: "evil; DROP TABLE"}) == "127.0.0.1"

    # Behind nginx the browser's peer is the proxy: the UI relays the request's X-Forwarded-For
    # too, and the API applies its trusted proxies to it exactly as to its own socket.
    behind = {**ui, FORWARDED_FOR_HEADER: "127.0.0.1", FORWARDED_CHAIN_HEADER: "192.0.2.1, 203.0.113.50"}
    assert await _failed_from(client, issued, behind) == "127.0.0.1"
    trust("127.0.0.1")
    assert await _failed_from(client, issued, behind) == "203.0.113.50"


async def test_views_record_the_resolved_address(client, issued, trust):
    trust("127.0.0.1")
    response = await client.post("/api/dsure/verify", json={"contract_number": issued.number, "auth_key": issued.key},
                                 headers={"X-Forwarded-For": "2001:db8:aa::5"})
    assert response.status_code == 200
    assert [row["address"] for row in await DsView.select(DsView.address)] == ["2001:db8:aa::5"]


@pytest.mark.parametrize(("text", "expected"), [
    ("203.0.113.7", "203.0.113.7"),
    (" 203.0.113.7:5678 ", "203.0.113.7"),
    ("[2001:db8::1]:443", "2001:db8::1"),
    ("2001:DB8::1", "2001:db8::1"),
    ("::ffff:192.0.2.1", "192.0.2.1"),
    ("unknown", None),
    ("203.0.113.7, 1.2.3.4", None),
    ("", None),
])
def test_parse_ip(text, expected):
    parsed = security.parse_ip(text)
    assert (str(parsed) if parsed else None) == expected


def test_trusted_proxies_setting_refuses_nonsense():
    assert _networks("127.0.0.1, 10.0.0.0/8 2001:db8::/32") == ("127.0.0.1/32", "10.0.0.0/8", "2001:db8::/32")
    assert _networks(None) == ()
    with pytest.raises(ValueError, match="HOSHO_TRUSTED_PROXIES"):
        _networks("127.0.0.1, proxy.example.jp")
