"""/api/certificates (contractor: own only) and /api/admin/certificates (surety staff).

Also an application's PDFs (保証料計算書・領収証) and its conclusion under /api/applications and
/api/admin/applications: both need the certificate side, which builds on applications.
"""

from __future__ import annotations

from typing import Annotated

from litestar import Controller, Response, get, post
from litestar.connection import ASGIConnection
from litestar.handlers.base import BaseRouteHandler
from litestar.params import Parameter

from backend.applications.schemas import ConcludeOut, PaymentInput, RejectInput
from backend.certificates import changes, documents, service
from backend.certificates.documents import (
    ApplicationDocument,
    CertificateDocument,
    ChangeDocument,
    SendPreview,
    SentToOrderer,
)
from backend.certificates.schemas import (
    AdjustmentResult,
    AmendInput,
    AuthKeyOut,
    CancelInput,
    CertificateDetail,
    CertificatePage,
    CertificateStatus,
    ChangeConcludeOut,
    ChangeFeeNoticeOut,
    ChangeRequestInput,
    ChangeRequestOut,
    ChangeStatus,
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


async def owns_certificate(connection: ASGIConnection, _: BaseRouteHandler) -> None:
    """Authorization before validation: another company's certificate is 404 before its body is read
    (a guard runs before Litestar decodes the body, so a malformed body cannot tell it exists)."""
    await service.certificate_row(connection.path_params["number"], connection.user.company_id)


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
        return await documents.send_to_orderer(
            actor, number, resend=data is not None and data.resend, cc_self=data is not None and data.cc_self,
        )

    @get("/{number:str}/send-to-orderer/preview", operation_id="previewSendToOrderer",
         summary="発注者への送付内容の確認（宛先・件名・添付・前回の送付）")
    async def send_preview(self, actor: Actor, number: str) -> SendPreview:
        return await documents.send_preview(actor, number)

    @post("/{number:str}/change-requests", operation_id="submitChangeRequest", status_code=201,
          guards=[owns_certificate],
          summary="変更・解約の申込み（請負代金額・保証金額・保証期限の変更、または解約日を指定した解約）")
    async def submit_change(self, actor: Actor, number: str, data: ChangeRequestInput) -> ChangeRequestOut:
        return await changes.submit(actor, number, data)

    @get("/{number:str}/change-requests", operation_id="listChangeRequests", summary="この電子証書の変更・解約の申込み")
    async def list_changes(self, actor: Actor, number: str) -> list[ChangeRequestOut]:
        return await changes.list_for_certificate(number, actor.company_id)

    @get("/{number:str}/change-requests/{request_id:int}/documents/{kind:str}", operation_id="getChangeRequestDocument",
         summary="追加保証料計算書・保証料返還計算書・追加保証料の領収証（PDF）", media_type="application/pdf")
    async def change_document(self, actor: Actor, number: str, request_id: int, kind: ChangeDocument) -> Response[bytes]:
        document = await documents.change_document(number, request_id, kind, actor)
        return pdf_response(document.data, document.content_disposition)


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
        return await service.cancel(number, data, actor)

    @get("/{number:str}/documents/{kind:str}", operation_id="adminGetCertificateDocument", summary="PDF",
         media_type="application/pdf")
    async def document(self, actor: Actor, number: str, kind: CertificateDocument, version: Version = None) -> Response[bytes]:
        document = await documents.certificate_document(number, kind, actor, version=version)
        return pdf_response(document.data, document.content_disposition)

    @post("/{number:str}/reissue-key", operation_id="adminReissueAuthKey", status_code=200, summary="認証キーの再発行")
    async def reissue_key(self, actor: Actor, number: str) -> Response[AuthKeyOut]:
        key = await service.reissue_key(number, actor)
        return Response(key, headers=NO_STORE)


class AdminChangeRequestController(Controller):
    path = "/admin/change-requests"
    guards = [requires_admin]
    tags = ["管理：変更・解約の申込み"]

    @get("/", operation_id="adminListChangeRequests", summary="変更・解約の申込みの一覧（状態で絞り込み）")
    async def list_all(self, status: ChangeStatus | None = None) -> list[ChangeRequestOut]:
        return await changes.list_all(status)

    @get("/{request_id:int}", operation_id="adminGetChangeRequest", summary="変更・解約の申込みの詳細")
    async def get_any(self, request_id: int) -> ChangeRequestOut:
        return await changes.get_any(request_id)

    @post("/{request_id:int}/fee-notice", operation_id="adminChangeFeeNotice", status_code=200,
          summary="保証料のお知らせ（追加保証料計算書・保証料返還計算書）")
    async def fee_notice(self, actor: Actor, request_id: int) -> ChangeFeeNoticeOut:
        return await changes.notify_fee(request_id, actor)

    @post("/{request_id:int}/payment", operation_id="adminChangePayment", status_code=200, summary="追加保証料の入金の記録")
    async def payment(self, actor: Actor, request_id: int, data: PaymentInput) -> ChangeRequestOut:
        return await changes.record_payment(request_id, data.paid_on, data.amount, actor)

    @post("/{request_id:int}/conclude", operation_id="adminConcludeChange", status_code=200,
          summary="変更・解約の締結（変更後の電子証書の発行、または解約）")
    async def conclude(self, actor: Actor, request_id: int) -> ChangeConcludeOut:
        return await changes.conclude(request_id, actor)

    @post("/{request_id:int}/reject", operation_id="adminRejectChange", status_code=200, summary="変更・解約の申込みの謝絶")
    async def reject(self, actor: Actor, request_id: int, data: RejectInput) -> ChangeRequestOut:
        return await changes.reject(request_id, data.reason, actor)

    @get("/{request_id:int}/documents/{kind:str}", operation_id="adminGetChangeRequestDocument",
         summary="追加保証料計算書・保証料返還計算書・追加保証料の領収証（PDF）", media_type="application/pdf")
    async def document(self, actor: Actor, request_id: int, kind: ChangeDocument) -> Response[bytes]:
        row = await changes.request_row(request_id)
        document = await documents.change_document(row["contract_number"], request_id, kind, actor)
        return pdf_response(document.data, document.content_disposition)


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
