"""/api/dsure (anyone with a number and a key) and /api/admin/dsure (surety staff)."""

from __future__ import annotations

from dataclasses import replace
from html import escape
from typing import Annotated

from litestar import Controller, MediaType, Response, get, post
from litestar.openapi import ResponseSpec
from litestar.params import Parameter

from backend.dsure import alerts, registry, service
from backend.dsure.schemas import (
    AcknowledgeResult,
    DsureStats,
    IssuerOut,
    LockReleased,
    PublicationInput,
    PublicationResult,
    PublicKeyOut,
    SubscribeInput,
    SubscribeResult,
    VerifyInput,
    VerifyResult,
)
from backend.lib.actor import Actor
from backend.lib.openapi import error_answers
from backend.lib.security import NO_STORE

REFUSED = "保証契約番号または認証キーが正しくない（code: dsure.refused。未登録の番号にも同じ答え）"
THROTTLED = ("誤りが続いたため一時停止中（code: dsure.locked、この番号とアドレスの組または番号全体）、"
             "またはアドレスごとの試行回数の上限（code: throttled）。Retry-After 秒後に再度")
PAIR_ANSWERS = error_answers({404: REFUSED, 429: THROTTLED})
ISSUER_ANSWERS = error_answers({401: "保証会社の署名付きトークン（Authorization: Issuer）がない・検証できない"
                                     "（code: dsure.issuer_unauthorized）"})

class DsureController(Controller):
    path = "/dsure"
    tags = ["D-Sure（発注者用保証確認）"]
    security = [{}]  # no login: the number and the key are the credentials

    @post("/verify", operation_id="dsureVerify", status_code=200, responses=PAIR_ANSWERS,
          summary="電子証書の確認（保証契約番号＋認証キー）")
    async def verify(self, actor: Actor, data: VerifyInput) -> Response[VerifyResult]:
        result = await service.verify(data.contract_number, data.auth_key, actor)
        return Response(result, headers=NO_STORE)

    @post("/receipt", operation_id="dsureReceipt", status_code=200, responses=PAIR_ANSWERS,
          summary="閲覧証明（署名付きPDF）",
          media_type="application/pdf")
    async def receipt(self, actor: Actor, data: VerifyInput) -> Response[bytes]:
        pdf, disposition = await service.receipt(data.contract_number, data.auth_key, actor)
        return Response(
            pdf, media_type="application/pdf", headers={**NO_STORE, "Content-Disposition": disposition}
        )

    @post("/acknowledge", operation_id="dsureAcknowledge", status_code=200, responses=PAIR_ANSWERS,
          summary="受領確認")
    async def acknowledge(self, actor: Actor, data: VerifyInput) -> Response[AcknowledgeResult]:
        number, at, first_time = await service.acknowledge(data.contract_number, data.auth_key, actor)
        return Response(AcknowledgeResult(contract_number=number, acknowledged_at=at, first_time=first_time), headers=NO_STORE)

    @post("/subscribe", operation_id="dsureSubscribe", status_code=200, responses=PAIR_ANSWERS,
          summary="変更のお知らせ（メール）の登録")
    async def subscribe(self, actor: Actor, data: SubscribeInput) -> Response[SubscribeResult]:
        number, email, already = await alerts.subscribe(data.contract_number, data.auth_key, data.email, actor)
        return Response(SubscribeResult(contract_number=number, email=email, already_subscribed=already), headers=NO_STORE)

    @get("/unsubscribe", operation_id="dsureUnsubscribe", summary="変更のお知らせの配信停止（メールのリンク）",
         media_type=MediaType.HTML,
         responses={404: ResponseSpec(str, description="リンクが正しくないか期限切れ（HTMLのページ）",
                                      media_type=MediaType.HTML, generate_examples=False)})
    async def unsubscribe(self, token: Annotated[str, Parameter(max_length=200)] = "") -> Response[str]:
        result = await alerts.unsubscribe(token)
        if result is None:
            return _page(404, "リンクが正しくありません", "配信停止のリンクが正しくないか、期限が切れています。メールに記載のリンクをそのまま開いてください。")
        number, was_active = result
        message = (
            f"保証契約番号 {number} の変更のお知らせの配信を停止しました。"
            if was_active
            else f"保証契約番号 {number} の変更のお知らせは、すでに配信を停止しています。"
        )
        return _page(200, "配信を停止しました", message)

    @get("/public-key", operation_id="dsurePublicKey", summary="D-Sure の公開鍵（状態の署名・閲覧証明の検証用、Ed25519: PEM・JWK）")
    async def public_key(self) -> Response[PublicKeyOut]:
        return Response(service.public_key_out(), headers={"Cache-Control": "public, max-age=300"})

    @get("/issuers", operation_id="dsureIssuers", summary="保証会社とその公開鍵（電子証書の署名の検証用）",
         description="各保証会社（発行者）の Ed25519 公開鍵（PEM・JWK）と有効期間。certificate_jws の kid はここの key_id です。")
    async def issuers(self) -> Response[list[IssuerOut]]:
        return Response(await registry.issuers(), headers={"Cache-Control": "public, max-age=60"})

    @post("/publications", operation_id="dsurePublish", status_code=200, summary="保証会社からの電子証書の公開（署名付き）",
          responses=error_answers({403: "署名を検証できない公開データ（code: dsure.publication_refused）"}),
          description=(
              "保証会社が電子証書の状態を公開します。publication は保証会社の Ed25519 鍵による compact JWS"
              "（alg EdDSA、kid = 登録済みの key_id）で、ペイロードは RFC 8785（JCS、rfc8785 パッケージ）による正規化JSONです。"
              "検証できない公開は 403（code dsure.publication_refused）。同じ（保証会社・番号・リビジョン）の再送は何も変えません（applied: false）。"
          ))
    async def publish(self, data: PublicationInput) -> PublicationResult:
        return await registry.accept(data.publication)


def _page(status: int, title: str, message: str) -> Response[str]:
    html = (
        "<!doctype html><html lang=\"ja\"><head><meta charset=\"utf-8\">"
        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
        f"<title>{escape(title)}｜保証確認サービス（D-Sure）</title></head>"
        f"<body><h1>{escape(title)}</h1><p>{escape(message)}</p></body></html>"
    )
    return Response(html, status_code=status, media_type=MediaType.HTML, headers=NO_STORE)


class IssuerDsureController(Controller):
    """Issuers (surety companies) asking D-Sure about their certificates: ``Authorization: Issuer <JWS>``."""

    path = "/dsure/issuer"
    tags = ["D-Sure：保証会社向け"]
    security = [{}]

    @get("/stats", operation_id="dsureIssuerStats", responses=ISSUER_ANSWERS, summary="保証会社の電子証書の閲覧数・失敗数・ロック中の番号")
    async def stats(self, authorization: Annotated[str | None, Parameter(header="Authorization")] = None) -> DsureStats:
        return await service.stats(await registry.authenticate_issuer(authorization))

    @post("/locks/{number:str}/release", operation_id="dsureIssuerReleaseLock", responses=ISSUER_ANSWERS, status_code=200,
          summary="保証契約番号の照会停止（ロック）の解除（保証会社から）")
    async def release_lock(
        self, actor: Actor, number: Annotated[str, Parameter(max_length=40)],
        authorization: Annotated[str | None, Parameter(header="Authorization")] = None,
    ) -> LockReleased:
        issuer = await registry.authenticate_issuer(authorization)
        return await service.release_lock(number, replace(actor, login_id=f"issuer:{issuer}"))  # audited as the issuer
