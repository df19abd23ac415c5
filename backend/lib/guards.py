"""Role guards (plain functions, set per controller or handler) and the CSRF check of cookie writes.

They read only what the session middleware (``backend.accounts.auth``) put in the scope: the
user (with its ``role``) and, for a cookie session, the CSRF token bound to it. So every
package's controller can use them without importing ``accounts`` (imports point down).
"""

from __future__ import annotations

import hmac

from litestar.connection import ASGIConnection
from litestar.handlers.base import BaseRouteHandler

from backend.lib.errors import Forbidden, Unauthorized

CSRF_HEADER = "x-csrf-token"
CSRF_SCOPE_KEY = "csrf"  # the expected token, set by the middleware for cookie sessions only
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
TOTP_SETUP_REQUIRED = (
    "二要素認証（認証アプリの確認コード）の設定が必要です。設定が終わるまで、ほかの操作はできません。"
)


def check_csrf(connection: ASGIConnection) -> None:
    """Refuse a cookie-authenticated write that does not echo the session's CSRF token.

    Called by the guards, i.e. only where the session is actually used: public
    endpoints (login, D-Sure) never act on the cookie, so they need no token.
    """
    if connection.scope.get("auth") != "cookie" or connection.scope["method"] in SAFE_METHODS:
        return
    expected = connection.scope.get(CSRF_SCOPE_KEY) or ""
    presented = connection.headers.get(CSRF_HEADER, "")
    if not expected or not hmac.compare_digest(presented.encode(), expected.encode()):
        raise Forbidden("CSRFトークンが正しくありません。画面を再読み込みしてからやり直してください。", code="auth.csrf")


def _require(connection: ASGIConnection, role: str | None) -> None:
    user = connection.scope.get("user")
    if user is None:
        raise Unauthorized("ログインが必要です。")
    check_csrf(connection)
    if role is not None and user.role != role:
        raise Forbidden("この操作を行う権限がありません。")
    # A staff session opened by the password alone may only set two-factor up (requires_login routes).
    if role is not None and user.totp_setup_only:
        raise Forbidden(TOTP_SETUP_REQUIRED, code="auth.totp_setup_required")


def requires_login(connection: ASGIConnection, _: BaseRouteHandler) -> None:
    _require(connection, None)


def requires_contractor(connection: ASGIConnection, _: BaseRouteHandler) -> None:
    _require(connection, "contractor")


def requires_admin(connection: ASGIConnection, _: BaseRouteHandler) -> None:
    _require(connection, "admin")
