"""/api/certificates (contractor: own only) and /api/admin/certificates (surety staff).

Also an application's PDFs (保証料計算書・領収証) and its conclusion under /api/applications and
/api/admin/applications: both need the certificate side, which builds on applications.
"""

from __future__ import annotations

from typing import Annotated

from litestar import Controller, Response, get, post
from litestar.params import Parameter

from backend.applications.schemas import ConcludeOut
from backend.certificates import documents, service
from backend.certificates.documents import ApplicationDocument, CertificateDocument, SentToOrderer
from backend.certificates.schemas import (
    AdjustmentResult,
    AmendInput,
    AuthKeyOut,
    CancelInput,
    CertificateDetail,
    CertificatePage,
    CertificateStatus,
    GuaranteeType,
    SendToOrdererInput,
)
from backend.lib.actor import Actor
from backend.lib.guards import requires_admin, requires_contractor
from backend.lib.responses import pdf_response
from backend.lib.security import NO_STORE

Version = Annotated[int | None, Parameter(ge=1, le=1000)]
Limit = Annotated[int, Parameter(ge=1, le=service.PAGE_SIZE_MAX)]
Search = Annotated[str | None, Parameter(max_length=100)]
Cursor = Annotated[str | None, Parameter(max_length=64)]


class CertificateController(Controller):
    path = "/certificates"
    guards = [requires_contractor]
    tags = ["電子証書"]

    @get("/", operation_id="listCertificates", summary="自社の電子証書一覧（絞り込み・検索・カーソル）")
    async def list_own(
        self,
        actor: Actor,
        guarantee_type: GuaranteeType | None = None,
        status: CertificateStatus | None = None,
        q: Search = None,
        cursor: Cursor = None,
        limit: Limit = 20,
    ) -> CertificatePage:
        return await service.list_certificates(
            company_id=actor.company_id, guarantee_type=guarantee_type, status=status, q=q, cursor=cursor, limit=limit
        )

    @get("/{number:str}", operation_id="getCertificate", summary="電子証書の詳細（版の履歴・閲覧状況）")
    async def get_own(self, actor: Actor, number: str) -> CertificateDetail:
        return await service.detail(number, actor.company_id)

    @get("/{number:str}/auth-key", operation_id="getAuthKey", summary="認証キーの表示（記録されます）")
    async def auth_key(self, actor: Actor, number: str) -> Response[AuthKeyOut]:
        key = await service.show_auth_key(actor, number)
        return Response(key, headers=NO_STORE)

    @post("/{number:str}/reissue-key", operation_id="reissueAuthKey", status_code=200, summary="認証キーの再発行")
    async def reissue_key(self, actor: Actor, number: str) -> Response[AuthKeyOut]:
        key = await service.reissue_key(number, actor)
        return Response(key, headers=NO_STORE)

    @get(
        "/{number:str}/documents/{kind:str}", operation_id="getCertificateDocument",
        summary="PDF（電子証書の閲覧用印刷・認証キー等のお知らせ・保証料計算書・領収証・追加/返還計算書）",
        media_type="application/pdf",
    )
    async def document(self, actor: Actor, number: str, kind: CertificateDocument, version: Version = None) -> Response[bytes]:
        document = await documents.certificate_document(number, kind, actor, version=version)
        return pdf_response(document.data, document.content_disposition)

    @post("/{number:str}/send-to-orderer", operation_id="sendToOrderer", status_code=202,
          summary="認証キー等のお知らせを発注者の登録アドレスへ送付")
    async def send_to_orderer(self, actor: Actor, number: str, data: SendToOrdererInput | None = None) -> SentToOrderer:
        resend = data is not None and data.resend
        return await documents.send_to_orderer(actor, number, resend=resend)


class AdminCertificateController(Controller):
    path = "/admin/certificates"
    guards = [requires_admin]
    tags = ["管理：電子証書"]

    @get("/", operation_id="adminListCertificates", summary="電子証書の検索")
    async def list_all(
        self,
        guarantee_type: GuaranteeType | None = None,
        status: CertificateStatus | None = None,
        q: Search = None,
        cursor: Cursor = None,
        limit: Limit = 50,
    ) -> CertificatePage:
        return await service.list_certificates(
            company_id=None, guarantee_type=guarantee_type, status=status, q=q, cursor=cursor, limit=limit
        )

    @get("/{number:str}", operation_id="adminGetCertificate", summary="電子証書の詳細")
    async def get_any(self, number: str) -> CertificateDetail:
        return await service.detail(number, None)

    @post("/{number:str}/amend", operation_id="adminAmendCertificate", status_code=200, summary="変更（新しい版の発行）")
    async def amend(self, actor: Actor, number: str, data: AmendInput) -> AdjustmentResult:
        return await service.amend(number, data, actor)

    @post("/{number:str}/cancel", operation_id="adminCancelCertificate", status_code=200, summary="解約")
    async def cancel(self, actor: Actor, number: str, data: CancelInput) -> AdjustmentResult:
        return await service.cancel(number, data.reason, actor)

    @get("/{number:str}/documents/{kind:str}", operation_id="adminGetCertificateDocument", summary="PDF",
         media_type="application/pdf")
    async def document(self, actor: Actor, number: str, kind: CertificateDocument, version: Version = None) -> Response[bytes]:
        document = await documents.certificate_document(number, kind, actor, version=version)
        return pdf_response(document.data, document.content_disposition)

    @post("/{number:str}/reissue-key", operation_id="adminReissueAuthKey", status_code=200, summary="認証キーの再発行")
    async def reissue_key(self, actor: Actor, number: str) -> Response[AuthKeyOut]:
        key = await service.reissue_key(number, actor)
        return Response(key, headers=NO_STORE)


async def _application_pdf(actor: Actor, application_id: int, kind: ApplicationDocument) -> Response[bytes]:
    document = await documents.application_document(application_id, kind, actor)
    return pdf_response(document.data, document.content_disposition)


class ApplicationDocumentController(Controller):
    path = "/applications"
    guards = [requires_contractor]
    tags = ["保証申込"]

    @get("/{application_id:int}/documents/{kind:str}", operation_id="getApplicationDocument",
         summary="保証料計算書・保証料領収証（PDF）", media_type="application/pdf")
    async def document(self, actor: Actor, application_id: int, kind: ApplicationDocument) -> Response[bytes]:
        return await _application_pdf(actor, application_id, kind)


class AdminConclusionController(Controller):
    path = "/admin/applications"
    guards = [requires_admin]
    tags = ["管理：保証申込"]

    @get("/{application_id:int}/documents/{kind:str}", operation_id="adminGetApplicationDocument",
         summary="保証料計算書・保証料領収証（PDF）", media_type="application/pdf")
    async def document(self, actor: Actor, application_id: int, kind: ApplicationDocument) -> Response[bytes]:
        return await _application_pdf(actor, application_id, kind)

    @post("/{application_id:int}/conclude", operation_id="adminConclude", status_code=200, summary="保証契約の締結（電子証書の発行）")
    async def conclude(self, actor: Actor, application_id: int) -> ConcludeOut:
        return await service.conclude(application_id, actor)
