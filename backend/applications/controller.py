"""/api/applications (contractor) and /api/admin/applications (surety staff).

An application's PDFs and its conclusion (which issues the certificate) are served by
``backend.certificates.controller`` under the same paths: certificates build on applications.
"""

from __future__ import annotations

from litestar import Controller, get, post

from backend.lib.guards import requires_admin, requires_contractor
from backend.applications import service
from backend.applications.schemas import (
    ApplicationInput,
    ApplicationOut,
    ApplicationStatus,
    FeeStatementOut,
    PaymentInput,
    RejectInput,
)
from backend.lib.actor import Actor


class ApplicationController(Controller):
    path = "/applications"
    guards = [requires_contractor]
    tags = ["保証申込"]

    @post("/", operation_id="submitApplication", status_code=201, summary="保証の申込み")
    async def submit(self, actor: Actor, data: ApplicationInput) -> ApplicationOut:
        return await service.submit(actor, data)

    @get("/", operation_id="listApplications", summary="自社の申込み一覧")
    async def list_own(self, actor: Actor, status: ApplicationStatus | None = None) -> list[ApplicationOut]:
        return await service.list_for_company(actor, status)

    @get("/{application_id:int}", operation_id="getApplication", summary="申込みの詳細")
    async def get_own(self, actor: Actor, application_id: int) -> ApplicationOut:
        return await service.get_for_company(actor, application_id)

    @post("/{application_id:int}/withdraw", operation_id="withdrawApplication", status_code=200, summary="申込みの取下げ")
    async def withdraw(self, actor: Actor, application_id: int) -> ApplicationOut:
        return await service.withdraw(actor, application_id)


class AdminApplicationController(Controller):
    path = "/admin/applications"
    guards = [requires_admin]
    tags = ["管理：保証申込"]

    @get("/", operation_id="adminListApplications", summary="申込みの一覧（状態で絞り込み）")
    async def list_all(self, status: ApplicationStatus | None = None) -> list[ApplicationOut]:
        return await service.list_all(status)

    @get("/{application_id:int}", operation_id="adminGetApplication", summary="申込みの詳細")
    async def get_any(self, application_id: int) -> ApplicationOut:
        return await service.get_any(application_id)

    @post("/{application_id:int}/fee-notice", operation_id="adminFeeNotice", status_code=200, summary="保証料のお知らせ")
    async def fee_notice(self, actor: Actor, application_id: int) -> FeeStatementOut:
        return await service.notify_fee(application_id, actor)

    @post("/{application_id:int}/payment", operation_id="adminRecordPayment", status_code=200, summary="入金の記録")
    async def payment(self, actor: Actor, application_id: int, data: PaymentInput) -> ApplicationOut:
        return await service.record_payment(application_id, data.paid_on, data.amount, actor)

    @post("/{application_id:int}/reject", operation_id="adminRejectApplication", status_code=200, summary="謝絶")
    async def reject(self, actor: Actor, application_id: int, data: RejectInput) -> ApplicationOut:
        return await service.reject(application_id, data.reason, actor)
