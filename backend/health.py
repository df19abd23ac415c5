"""/api/health: liveness plus a database check."""

from __future__ import annotations

import msgspec
from litestar import get

from backend.db import get_engine, ping
from backend.lib.errors import Unavailable


class Health(msgspec.Struct):
    status: str
    database: str


@get("/health", operation_id="health", tags=["システム"], summary="稼働確認（データベース接続を含む）")
async def health() -> Health:
    try:
        await ping()
    except Exception as exc:  # any driver error means the database is not usable
        raise Unavailable("データベースに接続できません。") from exc
    return Health(status="ok", database=get_engine().engine_type)
