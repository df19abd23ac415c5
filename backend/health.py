"""/api/health: liveness plus a database round trip."""

from __future__ import annotations

import msgspec
from litestar import get
from litestar.exceptions import HTTPException
from piccolo.querystring import QueryString

from backend.db import get_engine

_PING = QueryString("SELECT 1")


class Health(msgspec.Struct):
    status: str
    database: str


@get("/health", operation_id="health", tags=["システム"], summary="稼働確認（データベース接続を含む）")
async def health() -> Health:
    engine = get_engine()
    try:
        await engine.run_querystring(_PING)
    except Exception as exc:  # any driver error means the database is not usable
        raise HTTPException(status_code=503, detail="データベースに接続できません。") from exc
    return Health(status="ok", database=engine.engine_type)
