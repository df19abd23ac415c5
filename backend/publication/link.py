"""e-Net asking D-Sure about its certificates: the dashboard's figures and lock releases.

Embedded, the D-Sure service functions are called in process; with ``HOSHO_DSURE_URL``,
D-Sure's issuer API (``/api/dsure/issuer/…``) with a short-lived token signed by the
issuer's key. Either way the figures are D-Sure's, never e-Net's tables.
"""

from __future__ import annotations

import msgspec

from backend.domain import signing
from backend.dsure.schemas import DsureStats, LockReleased
from backend.lib import keyring
from backend.lib.actor import Actor
from backend.lib.errors import DomainError, FieldMessage, Unavailable
from backend.publication.worker import channel
from backend.settings import get_settings


class DsureUnavailable(Unavailable):
    def __init__(self) -> None:
        super().__init__("保証確認サービス（D-Sure）に接続できません。時間をおいて再度お試しください。", retry_after=30)


def _headers() -> dict[str, str]:
    from backend.dsure import registry

    private_key = keyring.signing_key()
    token = registry.issuer_token(private_key, signing.key_id(private_key.public_key()), get_settings().issuer_code)
    return {"Authorization": f"Issuer {token}"}


async def _call(method: str, path: str, type_):
    try:
        response = await channel.http().request(method, f"{get_settings().dsure_url}{path}", headers=_headers())
    except OSError as exc:
        raise DsureUnavailable() from exc
    except Exception as exc:  # httpx transport errors
        raise DsureUnavailable() from exc
    if response.status_code >= 400:
        body = response.json() if response.headers.get("content-type", "").startswith("application/json") else {}
        if response.status_code in (400, 404):  # D-Sure's own refusal of the number, passed on as it is
            errors = [FieldMessage(str(e.get("field", "")), str(e.get("message", ""))) for e in body.get("errors") or []]
            raise DomainError(body.get("detail") or None, code=body.get("code") or None, status=response.status_code,
                              errors=errors)
        raise DsureUnavailable()
    return msgspec.convert(response.json(), type_)


async def stats() -> DsureStats:
    from backend.dsure import service

    settings = get_settings()
    if settings.dsure_url is None:
        return await service.stats(settings.issuer_code)
    return await _call("GET", "/api/dsure/issuer/stats", DsureStats)


async def release_lock(number: str, actor: Actor) -> LockReleased:
    from backend.dsure import service

    if get_settings().dsure_url is None:
        return await service.release_lock(number, actor)
    return await _call("POST", f"/api/dsure/issuer/locks/{number}/release", LockReleased)
