"""/api/admin/companies: the registration queue, approval, rejection, suspension."""

from __future__ import annotations

from typing import Literal

from litestar import Controller, get, post

from backend.accounts import service
from backend.lib.guards import requires_admin
from backend.accounts.schemas import CompanyOut, RejectInput, SuspendInput
from backend.lib.actor import Actor


async def _decide(actor: Actor, decision: str, customer_id: str, reason: str = "") -> CompanyOut:
    company = await service.decide_company(decision, customer_id, actor, reason)
    return service.company_out(company.to_dict())


class AdminCompanyController(Controller):
    path = "/admin/companies"
    guards = [requires_admin]
    tags = ["管理：建設業者"]

    @get("/", operation_id="adminListCompanies", summary="登録業者の一覧（状態で絞り込み）")
    async def list_companies(
        self, status: Literal["pending", "active", "rejected", "suspended"] | None = None
    ) -> list[CompanyOut]:
        return [service.company_out(row) for row in await service.list_companies(status)]

    @post("/{customer_id:str}/approve", operation_id="adminApproveCompany", status_code=200,
          summary="登録の承認（承認のお知らせをメール）")
    async def approve(self, actor: Actor, customer_id: str) -> CompanyOut:
        return await _decide(actor, "approve", customer_id)

    @post("/{customer_id:str}/reject", operation_id="adminRejectCompany", status_code=200,
          summary="登録の不承認（理由と再登録の方法をメール）")
    async def reject(self, actor: Actor, customer_id: str, data: RejectInput) -> CompanyOut:
        return await _decide(actor, "reject", customer_id, data.reason.strip())

    @post("/{customer_id:str}/suspend", operation_id="adminSuspendCompany", status_code=200,
          summary="利用停止（ログイン中のセッションも直ちに終了）")
    async def suspend(self, actor: Actor, customer_id: str, data: SuspendInput | None = None) -> CompanyOut:
        return await _decide(actor, "suspend", customer_id, (data.reason if data else "").strip())

    @post("/{customer_id:str}/resume", operation_id="adminResumeCompany", status_code=200, summary="利用再開")
    async def resume(self, actor: Actor, customer_id: str) -> CompanyOut:
        return await _decide(actor, "resume", customer_id)
