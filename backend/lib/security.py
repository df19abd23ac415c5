"""Cross-cutting security: client address, response headers, token hashing."""

from __future__ import annotations

import hashlib
import hmac
from functools import lru_cache

from litestar.connection import ASGIConnection
from litestar.types import ASGIApp, Message, Receive, Scope, Send

from backend.settings import get_settings

# The UI server calls the API server-to-server; it passes the browser's address in
# FORWARDED_FOR_HEADER and proves itself with FORWARD_SECRET_HEADER (a secret from
# the data dir). Any other caller's header is ignored (DESIGN §5).
FORWARDED_FOR_HEADER = "x-hosho-client-ip"
FORWARD_SECRET_HEADER = "x-hosho-forward-secret"
FORWARD_SECRET_FILE = "ui-forward.secret"

NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}


@lru_cache(maxsize=1)
def forward_secret() -> str:
    return get_settings().secret_file(FORWARD_SECRET_FILE).hex()


def client_address(connection: ASGIConnection) -> str:
    forwarded = connection.headers.get(FORWARDED_FOR_HEADER)
    if forwarded:
        presented = connection.headers.get(FORWARD_SECRET_HEADER, "")
        if hmac.compare_digest(presented.encode(), forward_secret().encode()):
            return forwarded.strip()[:64]
    client = connection.client
    return client.host if client else "unknown"


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


def security_headers_middleware(app: ASGIApp) -> ASGIApp:
    """Add the security headers to every API response (those a handler did not set itself).

    Appends pre-encoded header pairs to the raw ASGI list: 7 ``MutableScopeHeaders.setdefault``
    calls cost ~25 µs per response, a measurable share of a small request (bench/RESULTS.md).
    """

    async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await app(scope, receive, send)
            return
        defaults = DOCS_HEADERS if "/schema" in scope.get("path", "") else API_HEADERS

        async def send_wrapper(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers") or ())
                present = {bytes(name).lower() for name, _ in headers}
                headers.extend(pair for pair in defaults if pair[0] not in present)
                message["headers"] = headers
            await send(message)

        await app(scope, receive, send_wrapper)

    return middleware
