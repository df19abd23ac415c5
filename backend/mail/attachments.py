"""Attachment references, rendered at send time.

The outbox stores only references such as
``{"kind": "auth-key-notice", "contract_number": "2070004426"}``, never file
contents, so no 認証キー or PDF sits in the mail table. The module that owns a kind
registers a renderer for it at import time::

    from backend.mail.attachments import register_renderer

    async def render_key_notice(ref: dict) -> tuple[str, str, bytes]:
        pdf = await build_pdf(ref["contract_number"])
        return f"認証キー通知書_{ref['contract_number']}.pdf", "application/pdf", pdf

    register_renderer("auth-key-notice", render_key_notice)

A renderer returns ``(filename, content_type, data)``; the filename may be Japanese.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

Renderer = Callable[[dict], Awaitable[tuple[str, str, bytes]]]

_RENDERERS: dict[str, Renderer] = {}


class AttachmentError(Exception):
    """An attachment could not be produced (unknown kind, renderer failure, bad result)."""


def register_renderer(kind: str, fn: Renderer) -> None:
    """Register (or replace) the renderer for ``kind``."""
    if not kind or not isinstance(kind, str):
        raise ValueError("attachment kind must be a non-empty string")
    _RENDERERS[kind] = fn


def unregister_renderer(kind: str) -> None:
    _RENDERERS.pop(kind, None)


def registered_kinds() -> list[str]:
    return sorted(_RENDERERS)


def check_refs(refs: list[dict] | None) -> list[dict]:
    """Validate the shape of attachment references (at enqueue time)."""
    checked: list[dict] = []
    for ref in refs or []:
        if not isinstance(ref, dict) or not isinstance(ref.get("kind"), str) or not ref["kind"]:
            raise ValueError("each attachment reference must be a dict with a 'kind'")
        checked.append(dict(ref))
    return checked


async def render(ref: dict) -> tuple[str, str, bytes]:
    kind = ref.get("kind", "")
    renderer = _RENDERERS.get(kind)
    if renderer is None:
        raise AttachmentError(f"unknown attachment kind {kind!r}")
    try:
        filename, content_type, data = await renderer(ref)
    except AttachmentError:
        raise
    except Exception as exc:
        raise AttachmentError(f"attachment {kind!r} failed: {type(exc).__name__}") from exc
    if not filename or "/" not in content_type or not isinstance(data, bytes | bytearray):
        raise AttachmentError(f"attachment {kind!r} renderer returned an invalid result")
    return filename, content_type, bytes(data)
