"""/api/orderers (public list) and /api/admin/orderers (master editor)."""

from __future__ import annotations

from typing import Annotated

from litestar import Controller, get, patch, post
from litestar.params import Parameter

from backend.lib.guards import requires_admin
from backend.lib.actor import Actor
from backend.orderers import service
from backend.orderers.schemas import OrdererCreate, OrdererOut, OrdererUpdate


class OrdererController(Controller):
    path = "/orderers"
    tags = ["発注者"]

    @get("/", operation_id="listOrderers", summary="発注者一覧（申込フォーム用、五十音順）", cache=False)
    async def list_orderers(
        self, q: Annotated[str, Parameter(max_length=100, description="名称・読み仮名・コードの一部")] = "",
    ) -> list[OrdererOut]:
        return await service.list_orderers(query=q)


class AdminOrdererController(Controller):
    path = "/admin/orderers"
    guards = [requires_admin]
    tags = ["管理：発注者マスタ"]

    @get("/", operation_id="adminListOrderers", summary="発注者マスタ（停止中を含む、五十音順）")
    async def list_all(
        self, q: Annotated[str, Parameter(max_length=100, description="名称・読み仮名・コードの一部")] = "",
    ) -> list[OrdererOut]:
        return await service.list_orderers(include_inactive=True, query=q)

    @post("/", operation_id="adminCreateOrderer", status_code=201, summary="発注者の登録")
    async def create(self, actor: Actor, data: OrdererCreate) -> OrdererOut:
        return await service.create(data, actor)

    @patch("/{code:str}", operation_id="adminUpdateOrderer", summary="発注者の更新")
    async def update(self, actor: Actor, code: str, data: OrdererUpdate) -> OrdererOut:
        return await service.update(code, data, actor)
