"""One port for UI and API: requests under /api go to the Litestar app.

The Litestar app's lifespan (database pool, mail worker) is registered with
Reflex's lifespan, because Litestar's own startup hooks never run when mounted.
"""

from __future__ import annotations

from starlette.types import ASGIApp, Receive, Scope, Send

API_PREFIX = "/api"


def mount_api(reflex_app: ASGIApp) -> ASGIApp:
    from backend.app import app as api_app

    async def dispatch(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] in ("http", "websocket") and (
            scope["path"] == API_PREFIX or scope["path"].startswith(API_PREFIX + "/")
        ):
            await api_app(scope, receive, send)
        else:
            await reflex_app(scope, receive, send)

    return dispatch


def api_lifespan():
    """The API's lifespan (an async context manager) for ``app.register_lifespan_task``."""
    from backend.app import app_lifespan

    return app_lifespan()
