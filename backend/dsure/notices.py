"""What D-Sure does when a publication changes a certificate, and what it tells its embedder.

Listeners run inside the transaction that applies the publication, so what they write
(change alerts in the mail outbox, released locks) commits with it. ``on_published``:
alerts to subscribers, locks released on a new key. ``on_acknowledged``: the embedding
e-Net (same process, same database) records a 受領確認 of its own certificate.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Change:
    certificate_id: int  # D-Sure's id
    issuer_code: str
    contract_number: str
    project_name: str
    new_versions: list[dict] = field(default_factory=list)  # contents of versions added to a known certificate
    cancelled: bool = False  # cancelled by this publication
    key_changed: bool = False  # a reissued 認証キー replaced the verifier


@dataclass(frozen=True)
class Acknowledged:
    issuer_code: str
    contract_number: str
    at: object  # datetime
    project_name: str
    orderer_name: str
    address: str


_published: list[Callable[[Change], Awaitable[None]]] = []
_acknowledged: list[Callable[[Acknowledged], Awaitable[None]]] = []


def on_published(listener):
    if listener not in _published:
        _published.append(listener)
    return listener


def on_acknowledged(listener):
    if listener not in _acknowledged:
        _acknowledged.append(listener)
    return listener


async def published(change: Change) -> None:
    for listener in _published:
        await listener(change)


async def acknowledged(event: Acknowledged) -> None:
    for listener in _acknowledged:
        await listener(event)
