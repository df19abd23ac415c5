"""Role guards (plain functions, set per controller or handler)."""

from __future__ import annotations

from litestar.connection import ASGIConnection
from litestar.exceptions import NotAuthorizedException, PermissionDeniedException
from litestar.handlers.base import BaseRouteHandler

from backend.accounts.auth import check_csrf


TOTP_SETUP_REQUIRED = (
    "二要素認証（認証アプリの確認コード）の設定が必要です。設定が終わるまで、ほかの操作はできません。"
)


def _require(connection: ASGIConnection, role: str | None) -> None:
    user = connection.scope.get("user")
    if user is None:
        raise NotAuthorizedException("ログインが必要です。")
    check_csrf(connection, user)
    if role is not None and user.role != role:
        raise PermissionDeniedException("この操作を行う権限がありません。")
    if role is not None and user.totp_setup_only:
        raise PermissionDeniedException(TOTP_SETUP_REQUIRED)


def requires_login(connection: ASGIConnection, _: BaseRouteHandler) -> None:
    _require(connection, None)


def requires_contractor(connection: ASGIConnection, _: BaseRouteHandler) -> None:
    _require(connection, "contractor")


def requires_admin(connection: ASGIConnection, _: BaseRouteHandler) -> None:
    _require(connection, "admin")
