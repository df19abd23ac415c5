"""Certificate events for other domains (D-Sure change alerts, …), and what they tell back.

Listeners run inside the transaction of the change, so what they write (e.g. the
publication to D-Sure in its outbox) commits with it. ``after_commit`` listeners run once
the change has committed (e.g. deliver that publication now instead of at the next poll).
D-Sure sits above certificates (it reads them); it registers here the reader of its view
log, so a certificate's detail shows who viewed it without certificates importing D-Sure.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

Listener = Callable[[str, str, dict], Awaitable[None]]  # (event, contract_number, details)

_listeners: list[Listener] = []


def on_certificate_event(listener: Listener) -> Listener:
    if listener not in _listeners:
        _listeners.append(listener)
    return listener


async def emit(event: str, contract_number: str, details: dict) -> None:
    for listener in _listeners:
        await listener(event, contract_number, details)


ViewsReader = Callable[[int], Awaitable[list]]  # certificate id → its views, newest first
_views_reader: list[ViewsReader] = []


def read_views_with(reader: ViewsReader) -> ViewsReader:
    _views_reader[:] = [reader]
    return reader


async def views_for(certificate_id: int) -> list:
    """The certificate's D-Sure views (none when no D-Sure is loaded)."""
    return await _views_reader[0](certificate_id) if _views_reader else []


_after_commit: list[Callable[[], Awaitable[None]]] = []


def after_commit(listener: Callable[[], Awaitable[None]]) -> Callable[[], Awaitable[None]]:
    if listener not in _after_commit:
        _after_commit.append(listener)
    return listener


async def committed() -> None:
    """Call after the transaction that emitted events has committed."""
    for listener in _after_commit:
        await listener()
