"""D-Sure alone (``hosho dsure``): the verification service for several sureties.

Its own data dir (keys, secrets, its PDF signing identity) and its own database with only
D-Sure's tables (``backend.dsure_store``), its audit chain and its mail outbox (change
alerts): ``hosho dsure`` sets ``HOSHO_DSURE_ALONE`` so ``backend.piccolo_conf`` registers
only those apps. Issuers publish to ``POST /api/dsure/publications``.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from pathlib import Path

from litestar import Litestar, Router
from litestar.di import Provide
from litestar.openapi import OpenAPIConfig
from litestar.openapi.plugins import JsonRenderPlugin, SwaggerRenderPlugin
from litestar.static_files import create_static_files_router

from backend.db import database_lifespan
from backend.documents import documents_lifespan
from backend.dsure import locks
from backend.dsure.background import dsure_background
from backend.dsure.controller import DsureController, IssuerDsureController
from backend.health import health
from backend.lib import heap, security
from backend.lib.actor import actor_of
from backend.lib.errors import exception_handlers
from backend.lib.openapi import document_errors
from backend.lib.security import security_headers_hook
from backend.lib.validation import HoshoRequest
from backend.mail.worker import mail_worker
from backend.throttle.background import purge_loop

API_PREFIX = "/api"
STATIC_DIR = Path(__file__).resolve().parent.parent / "static"
SWAGGER = f"{API_PREFIX}/static/swagger-ui"


@asynccontextmanager
async def lifespan(_app: Litestar | None = None) -> AsyncIterator[None]:
    # The UI server's forward secret (<data dir>/ui-forward.secret) exists from the start, so a UI
    # pointed at this D-Sure (HOSHO_DSURE_FORWARD_SECRET_FILE) can prove the browser's address.
    security.forward_secret()
    async with AsyncExitStack() as stack:
        await stack.enter_async_context(database_lifespan())
        for service in (documents_lifespan, mail_worker, dsure_background, lambda: purge_loop(locks.counters)):
            await stack.enter_async_context(service())
        yield


def create_app(*, server: bool = False) -> Litestar:
    """D-Sure's API; ``server``: the one ``hosho dsure`` runs (heap frozen after startup, backend.lib.heap)."""
    logging.getLogger("hosho").setLevel(logging.INFO)
    # ``actor: Actor`` (the caller's address and browser), as in e-Net's app (backend/lib/actor.py).
    api = Router(path=API_PREFIX, route_handlers=[health, DsureController, IssuerDsureController],
                 dependencies={"actor": Provide(actor_of, sync_to_thread=False)})
    static = create_static_files_router(path=f"{API_PREFIX}/static", directories=[STATIC_DIR], include_in_schema=False)
    app = Litestar(
        route_handlers=[api, static],
        request_class=HoshoRequest,
        before_send=[security_headers_hook()],
        exception_handlers=exception_handlers,
        openapi_config=OpenAPIConfig(
            title="D-Sure API（発注者用保証確認サービス）",
            version="1.0.0",
            description="保証契約番号と認証キーによる電子証書の確認。複数の保証会社が公開した電子証書を扱います。",
            path=f"{API_PREFIX}/schema",
            render_plugins=[
                SwaggerRenderPlugin(
                    path="/", js_url=f"{SWAGGER}/swagger-ui-bundle.js", css_url=f"{SWAGGER}/swagger-ui.css",
                    standalone_preset_js_url=f"{SWAGGER}/swagger-ui-standalone-preset.js", favicon="",
                ),
                JsonRenderPlugin(path="/openapi.json"),
            ],
        ),
        lifespan=[lifespan, *([heap.frozen_after_startup] if server else [])],
        request_max_body_size=4 * 1024 * 1024,
        debug=False,
    )
    document_errors(app)
    return app


app = create_app(server=True)
