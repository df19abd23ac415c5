"""Certificate events for other domains (D-Sure change alerts, …).

Listeners run inside the transaction of the change, so what they write (e.g. an
alert mail in the outbox) commits with it.
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
