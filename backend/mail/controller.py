"""/api/admin/mail: the outbox for administrators (what was sent, what waits, what failed)."""

from __future__ import annotations

from typing import Annotated

from litestar import Controller, get, post
from litestar.params import Parameter

from backend.lib.guards import requires_admin
from backend.lib.actor import Actor
from backend.mail import service
from backend.mail.schemas import MailDetail, MailItem, MailStatus


class AdminMailController(Controller):
    path = "/admin/mail"
    guards = [requires_admin]
    tags = ["管理：メール"]

    @get("/", operation_id="adminListMail", summary="送信メール一覧（新しい順）")
    async def list_mail(
        self,
        status: MailStatus | None = None,
        limit: Annotated[int, Parameter(ge=1, le=200)] = 50,
        before_id: Annotated[int | None, Parameter(ge=1)] = None,
    ) -> list[MailItem]:
        return await service.list_messages(status=status, limit=limit, before_id=before_id)

    @get("/{mail_id:int}", operation_id="adminGetMail", summary="メールの内容（本文・添付）")
    async def get_mail(self, mail_id: int) -> MailDetail:
        return await service.get_message(mail_id)

    @post("/{mail_id:int}/retry", operation_id="adminRetryMail", status_code=200, summary="送信失敗メールの再送")
    async def retry(self, actor: Actor, mail_id: int) -> MailDetail:
        return await service.retry(mail_id, actor)
