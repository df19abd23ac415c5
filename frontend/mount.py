"""One port for UI and API: requests under /api go to the Litestar app.

The Litestar app's lifespan (database pool, mail worker) is registered with
Reflex's lifespan, because Litestar's own startup hooks never run when mounted.

Pages and assets are served from the compiled frontend by Reflex's static mount (a
Starlette ``StaticFiles`` in html mode). Two things it does not do well on a phone are
fixed here, in front of it:

- ``/dsure`` is a directory holding ``index.html``, so StaticFiles answers with a 307 to
  ``/dsure/`` (one more round trip, ~600 ms on a mobile network): the path is rewritten to
  ``/dsure/`` in place instead, and the page is answered at once.
- Vite's hashed files under ``/assets/`` never change under their name, yet were served
  with no cache lifetime: they get a year and ``immutable``; pages are revalidated.

When ``HOSHO_PUBLIC_URL`` is https the pages carry ``Strict-Transport-Security`` as the
API's answers do (backend/lib/security.py).
"""

from __future__ import annotations

import contextlib
import os

from starlette.types import ASGIApp, Message, Receive, Scope, Send

API_PREFIX = "/api"
HASHED_ASSETS = "/assets/"
IMMUTABLE = b"public, max-age=31536000, immutable"
REVALIDATE = b"no-cache"


def _static_dir() -> str:
    from reflex import constants
    from reflex.utils import prerequisites

    return str(prerequisites.get_web_dir() / constants.Dirs.STATIC)


def page_directory_path(path: str, static_dir: str) -> str | None:
    """``/x/`` when ``/x`` names a prerendered page directory (``x/index.html``), else None."""
    if path.endswith("/") or "." in path.rsplit("/", 1)[-1] or ".." in path:
        return None
    if os.path.isfile(os.path.join(static_dir, path.lstrip("/"), "index.html")):
        return path + "/"
    return None


def _strict_transport() -> tuple[tuple[bytes, bytes], ...]:
    from backend.lib.security import HSTS
    from backend.settings import get_settings

    return (HSTS,) if get_settings().public_url.startswith("https://") else ()


def _with_cache_control(send: Send, value: bytes, extra: tuple[tuple[bytes, bytes], ...] = ()) -> Send:
    async def sending(message: Message) -> None:
        if message["type"] == "http.response.start":
            headers = [(k, v) for k, v in message.get("headers", []) if k.lower() != b"cache-control"]
            cache = [(b"cache-control", value)] if message["status"] in (200, 304) else []
            message = {**message, "headers": [*headers, *cache, *extra]}
        await send(message)

    return sending


def serve_frontend(reflex_app: ASGIApp, static_dir: str | None = None) -> ASGIApp:
    """The Reflex app with pages answered without a redirect and hashed assets cached for good."""
    resolved: list[str] = [static_dir] if static_dir else []
    extra = _strict_transport()

    async def frontend(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] not in ("GET", "HEAD"):
            await reflex_app(scope, receive, send)
            return
        path = scope["path"]
        if path.startswith(HASHED_ASSETS):
            await reflex_app(scope, receive, _with_cache_control(send, IMMUTABLE, extra))
            return
        if not resolved:
            resolved.append(_static_dir())
        directory_path = page_directory_path(path, resolved[0])
        if directory_path is not None:
            scope = {**scope, "path": directory_path, "raw_path": directory_path.encode()}
        await reflex_app(scope, receive, _with_cache_control(send, REVALIDATE, extra))

    return frontend


def mount_api(reflex_app: ASGIApp) -> ASGIApp:
    from backend.app import app as api_app

    frontend = serve_frontend(reflex_app)

    async def dispatch(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] in ("http", "websocket") and (
            scope["path"] == API_PREFIX or scope["path"].startswith(API_PREFIX + "/")
        ):
            await api_app(scope, receive, send)
        else:
            await frontend(scope, receive, send)

    return dispatch


@contextlib.asynccontextmanager
async def api_lifespan():
    """The API's lifespan for ``app.register_lifespan_task``, then the server's frozen heap."""
    from backend.app import app_lifespan
    from backend.lib import heap

    async with app_lifespan(), heap.frozen_after_startup():
        yield
