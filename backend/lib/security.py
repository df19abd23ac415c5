"""Cross-cutting security: client address, response headers, token hashing."""

from __future__ import annotations

import hashlib
import hmac
from functools import lru_cache

from litestar.connection import ASGIConnection
from litestar.datastructures import MutableScopeHeaders
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


def security_headers_middleware(app: ASGIApp) -> ASGIApp:
    """Add the security headers to every API response."""

    async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await app(scope, receive, send)
            return
        is_docs = "/schema" in scope.get("path", "")

        async def send_wrapper(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableScopeHeaders.from_message(message)
                headers.setdefault("Content-Security-Policy", DOCS_CSP if is_docs else API_CSP)
                headers.setdefault("X-Content-Type-Options", "nosniff")
                headers.setdefault("X-Frame-Options", "DENY")
                headers.setdefault("Referrer-Policy", "no-referrer")
                headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
                headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
                headers.setdefault("Cache-Control", "no-store")
            await send(message)

        await app(scope, receive, send_wrapper)

    return middleware
