"""Response helpers shared by controllers."""

from __future__ import annotations

from litestar import Response

from backend.lib.security import NO_STORE


def pdf_response(data: bytes, content_disposition: str) -> Response[bytes]:
    """A PDF download: named for the user, never cached (documents may carry the 認証キー)."""
    return Response(
        data, media_type="application/pdf", headers={"Content-Disposition": content_disposition, **NO_STORE}
    )
