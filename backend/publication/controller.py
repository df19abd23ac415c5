"""/api/admin/dsure (surety staff): D-Sure's figures for this surety, from D-Sure itself, and what
has not reached D-Sure yet, from e-Net's outbox."""

from __future__ import annotations

from typing import Annotated

from litestar import Controller, get, post
from litestar.params import Parameter

from backend.dsure.schemas import DsureStats, LockReleased
from backend.lib.actor import Actor
from backend.lib.guards import requires_admin
from backend.lib.openapi import error_answers
from backend.publication import link, worker
from backend.publication.schemas import PublicationBacklog


# With HOSHO_DSURE_URL the figures and releases are D-Sure's answers over HTTP.
UNREACHABLE = error_answers({503: "D-Sure に接続できない（code: unavailable。Retry-After 秒後に再度）"})


class AdminDsureController(Controller):
    path = "/admin/dsure"
    guards = [requires_admin]
    tags = ["管理：D-Sure"]

    @get("/stats", operation_id="adminDsureStats", responses=UNREACHABLE, summary="D-Sure の閲覧数・失敗数・ロック中の番号")
    async def stats(self) -> DsureStats:
        return await link.stats()

    @get("/publications", operation_id="adminDsurePublications", summary="D-Sure への反映待ち（未送信の公開）")
    async def publications(self) -> PublicationBacklog:
        return await worker.backlog()

    @post("/locks/{number:str}/release", operation_id="adminDsureReleaseLock", responses=UNREACHABLE, status_code=200,
          summary="保証契約番号の照会停止（ロック）の解除")
    async def release_lock(self, actor: Actor, number: Annotated[str, Parameter(max_length=40)]) -> LockReleased:
        return await link.release_lock(number, actor)
