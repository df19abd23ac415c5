"""/api/documents: the certificate that PDF signatures chain to, for orderers to trust."""

from __future__ import annotations

import asyncio

from cryptography.hazmat.primitives import serialization
from litestar import Controller, Response, get

from backend.documents import pades

# Public and the same for every caller; a renewal of the signing certificate keeps the CA.
CA_CACHE = {"Cache-Control": "public, max-age=3600"}


async def _trust_anchor(encoding: serialization.Encoding) -> bytes:
    identity = await asyncio.to_thread(pades.signing_identity)  # the first call may read files
    return identity.trust_anchor.public_bytes(encoding)


class DocumentsController(Controller):
    path = "/documents"
    tags = ["文書"]

    @get(
        "/ca.pem",
        operation_id="documentSigningCaPem",
        media_type="application/x-pem-file",
        summary="PDFの電子署名のCA証明書（PEM）",
        description="e-Net保証・D-Sureが発行するPDFの電子署名（PAdES）は、この証明書につながります。"
        "PDF閲覧ソフトの「信頼済み証明書」に登録すると、署名が有効かつ信頼済みと表示されます。",
    )
    async def ca_pem(self) -> Response[bytes]:
        return Response(
            await _trust_anchor(serialization.Encoding.PEM),
            media_type="application/x-pem-file",
            headers={"Content-Disposition": 'attachment; filename="hosho-document-ca.pem"', **CA_CACHE},
        )

    @get(
        "/ca.cer",
        operation_id="documentSigningCaDer",
        media_type="application/pkix-cert",
        summary="PDFの電子署名のCA証明書（DER・Adobe Acrobat Reader / Windows 用）",
    )
    async def ca_cer(self) -> Response[bytes]:
        return Response(
            await _trust_anchor(serialization.Encoding.DER),
            media_type="application/pkix-cert",
            headers={"Content-Disposition": 'attachment; filename="hosho-document-ca.cer"', **CA_CACHE},
        )
