"""/api/admin/companies: the registration queue and approval."""

from __future__ import annotations

from typing import Literal

from litestar import Controller, Request, get, post

from backend.accounts import service
from backend.accounts.guards import requires_admin
from backend.accounts.schemas import CompanyOut
from backend.lib.security import client_address


class AdminCompanyController(Controller):
    path = "/admin/companies"
    guards = [requires_admin]
    tags = ["管理：建設業者"]

    @get("/", operation_id="adminListCompanies", summary="登録業者の一覧（状態で絞り込み）")
    async def list_companies(
        self, status: Literal["pending", "active", "suspended"] | None = None
    ) -> list[CompanyOut]:
        return [service.company_out(row) for row in await service.list_companies(status)]

    @post("/{customer_id:str}/approve", operation_id="adminApproveCompany", status_code=200,
          summary="登録の承認")
    async def approve(self, request: Request, customer_id: str) -> CompanyOut:
        company = await service.approve_company(customer_id, request.user.login_id, client_address(request))
        return service.company_out(company.to_dict())
