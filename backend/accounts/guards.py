"""Role guards (plain functions, set per controller or handler)."""

from __future__ import annotations

from litestar.connection import ASGIConnection
from litestar.handlers.base import BaseRouteHandler

from backend.accounts.auth import check_csrf
from backend.lib.errors import Forbidden, Unauthorized


def _require(connection: ASGIConnection, role: str | None) -> None:
    user = connection.scope.get("user")
    if user is None:
        raise Unauthorized("ログインが必要です。")
    check_csrf(connection, user)
    if role is not None and user.role != role:
        raise Forbidden("この操作を行う権限がありません。")


def requires_login(connection: ASGIConnection, _: BaseRouteHandler) -> None:
    _require(connection, None)


def requires_contractor(connection: ASGIConnection, _: BaseRouteHandler) -> None:
    _require(connection, "contractor")


def requires_admin(connection: ASGIConnection, _: BaseRouteHandler) -> None:
    _require(connection, "admin")
