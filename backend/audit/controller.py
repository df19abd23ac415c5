"""/api/admin/audit: the log and the chain check."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Annotated, Any

import msgspec
from litestar import Controller, get
from litestar.params import Parameter

from backend.lib.guards import requires_admin
from backend.audit import service
from backend.audit.service import ChainReport


class AuditEntryOut(msgspec.Struct):
    seq: int
    at: datetime
    action: str
    actor: str
    target: str
    address: str
    details: dict[str, Any]
    hash: str


class AuditController(Controller):
    path = "/admin/audit"
    guards = [requires_admin]
    tags = ["管理：監査ログ"]

    @get("/", operation_id="adminListAudit", summary="監査ログ（新しい順）")
    async def list_entries(
        self,
        limit: Annotated[int, Parameter(ge=1, le=500)] = 100,
        before_seq: Annotated[int | None, Parameter(ge=1)] = None,
        action: Annotated[str | None, Parameter(max_length=60)] = None,
    ) -> list[AuditEntryOut]:
        rows = await service.recent(limit=limit, before_seq=before_seq, action=action)
        return [
            AuditEntryOut(
                seq=row["seq"], at=row["at"], action=row["action"], actor=row["actor"],
                target=row["target"], address=row["address"], details=json.loads(row["details"]),
                hash=row["hash"],
            )
            for row in rows
        ]

    @get("/verify", operation_id="adminVerifyAudit", summary="ハッシュチェーンの検証")
    async def verify(self) -> ChainReport:
        return await service.verify_chain()
