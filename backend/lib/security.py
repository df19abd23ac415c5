"""Cross-cutting security: client address, response headers, token hashing."""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
from collections.abc import Awaitable, Callable
from functools import lru_cache

from litestar.connection import ASGIConnection
from litestar.types import Message, Scope

from backend.settings import get_settings

# The UI server calls the API server-to-server; it passes the browser's address in
# FORWARDED_FOR_HEADER (and the browser request's own X-Forwarded-For, if any, in
# FORWARDED_CHAIN_HEADER) and proves itself with FORWARD_SECRET_HEADER (a secret from the
# data dir). Any other caller's headers are ignored (DESIGN §5).
FORWARDED_FOR_HEADER = "x-hosho-client-ip"
FORWARDED_CHAIN_HEADER = "x-hosho-client-forwarded-for"
FORWARD_SECRET_HEADER = "x-hosho-forward-secret"
FORWARD_SECRET_FILE = "ui-forward.secret"

NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


@lru_cache(maxsize=1)
def forward_secret() -> str:
    return get_settings().secret_file(FORWARD_SECRET_FILE).hex()


@lru_cache(maxsize=4096)  # the socket address of every request; ip objects are immutable
def parse_ip(text: str) -> IPAddress | None:
    """An address as a proxy or socket reports it ("203.0.113.7", "[2001:db8::1]:443", "::ffff:1.2.3.4"), or None."""
    text = text.strip()
    if text.startswith("["):
        text = text[1:].partition("]")[0]
    elif text.count(":") == 1:
        text = text.partition(":")[0]  # IPv4 with a port
    try:
        ip = ipaddress.ip_address(text)
    except ValueError:
        return None
    if ip.version == 6 and ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    return ip


@lru_cache(maxsize=8)
def _networks(cidrs: tuple[str, ...]) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
    return tuple(ipaddress.ip_network(cidr) for cidr in cidrs)


def _trusted(ip: IPAddress) -> bool:
    return any(ip in network for network in _networks(get_settings().trusted_proxies))


def resolve_forwarded(peer: IPAddress, forwarded_for: str) -> IPAddress:
    """The client behind ``peer``: the right-most address of X-Forwarded-For that is not a
    trusted proxy, believed only when ``peer`` itself is one (``HOSHO_TRUSTED_PROXIES``).

    Each trusted proxy appends the address it saw, so everything left of the first untrusted
    hop (counting from the right) was written by the client and proves nothing. An entry that
    is not an address stops the walk at the last hop we can vouch for."""
    if not forwarded_for or not _trusted(peer):
        return peer
    hop = peer
    for item in reversed(forwarded_for.split(",")):
        ip = parse_ip(item)
        if ip is None:
            break
        hop = ip
        if not _trusted(ip):
            break
    return hop


def _from_ui(connection: ASGIConnection) -> bool:
    presented = connection.headers.get(FORWARD_SECRET_HEADER, "")
    return bool(presented) and hmac.compare_digest(presented.encode(), forward_secret().encode())


def client_address(connection: ASGIConnection) -> str:
    """The caller's address, only from the socket or the UI server's secret-backed header,
    through trusted proxies' X-Forwarded-For. Always a normalised IP address (never text a
    client chose), or "unknown"."""
    headers = connection.headers
    forwarded = headers.get(FORWARDED_FOR_HEADER)
    if forwarded and _from_ui(connection):
        browser = parse_ip(forwarded)
        if browser is not None:
            return str(resolve_forwarded(browser, headers.get(FORWARDED_CHAIN_HEADER, "")))
    client = connection.client
    peer = parse_ip(client.host) if client else None
    if peer is None:
        return "unknown"
    if not get_settings().trusted_proxies:
        return str(peer)
    return str(resolve_forwarded(peer, ",".join(headers.getall("x-forwarded-for", []))))


def user_agent(connection: ASGIConnection) -> str:
    return connection.headers.get("user-agent", "")[:300]


def sha256_hex(value: str | bytes) -> str:
    data = value.encode() if isinstance(value, str) else value
    return hashlib.sha256(data).hexdigest()


API_CSP = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'"
# The interactive API docs page needs its (self-hosted) script and styles.
DOCS_CSP = (
    "default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; frame-ancestors 'none'; base-uri 'none'"
)


def _raw_headers(csp: str) -> tuple[tuple[bytes, bytes], ...]:
    return tuple(
        (name.lower().encode("latin-1"), value.encode("latin-1"))
        for name, value in (
            ("Content-Security-Policy", csp),
            ("X-Content-Type-Options", "nosniff"),
            ("X-Frame-Options", "DENY"),
            ("Referrer-Policy", "no-referrer"),
            ("Cross-Origin-Opener-Policy", "same-origin"),
            ("Permissions-Policy", "camera=(), microphone=(), geolocation=()"),
            ("Cache-Control", "no-store"),
        )
    )


API_HEADERS = _raw_headers(API_CSP)
DOCS_HEADERS = _raw_headers(DOCS_CSP)
# Sent only when the public URL is https: a browser that once reached us over TLS then refuses
# plain http for a year (a downgrade on a café's network gets nowhere). Never over plain http,
# where it would be ignored anyway and would lock out a deployment still without TLS.
HSTS = (b"strict-transport-security", b"max-age=31536000")


def security_headers_hook() -> Callable[[Message, Scope], Awaitable[None]]:
    """A Litestar ``before_send`` hook adding the security headers (those a handler did not set).

    A hook, not a middleware: Litestar answers an unknown path (404) or method (405) before
    any route middleware runs, and those answers need the headers too. It appends pre-encoded
    header pairs to the raw ASGI list: 7 ``MutableScopeHeaders.setdefault`` calls cost ~25 µs
    per response, a measurable share of a small request (bench/RESULTS.md).
    """

    https = get_settings().public_url.startswith("https://")
    api_headers, docs_headers = ((API_HEADERS + (HSTS,), DOCS_HEADERS + (HSTS,)) if https
                                 else (API_HEADERS, DOCS_HEADERS))

    async def add_headers(message: Message, scope: Scope) -> None:
        if message["type"] != "http.response.start":
            return
        defaults = docs_headers if "/schema" in scope.get("path", "") else api_headers
        headers = list(message.get("headers") or ())
        present = {bytes(name).lower() for name, _ in headers}
        headers.extend(pair for pair in defaults if pair[0] not in present)
        message["headers"] = headers

    return add_headers
