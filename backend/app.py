"""The Litestar application factory: every route lives under ``/api``.

``backend.app:app`` runs standalone (``hosho api``); ``hosho run`` mounts the same
app inside the Reflex server so UI and API share one port.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from pathlib import Path

from litestar import Litestar, Router
from litestar.di import Provide
from litestar.config.compression import CompressionConfig
from litestar.middleware import DefineMiddleware
from litestar.openapi import OpenAPIConfig
from litestar.openapi.plugins import JsonRenderPlugin, SwaggerRenderPlugin
from litestar.openapi.spec import Components, SecurityScheme
from litestar.static_files import create_static_files_router

from backend.accounts.admin_controller import AdminCompanyController
from backend.accounts.auth import SessionAuthMiddleware
from backend.accounts.controller import AuthController
from backend.applications.controller import AdminApplicationController, ApplicationController
from backend.audit.controller import AuditController
from backend.certificates.controller import (
    AdminCertificateController,
    AdminChangeRequestController,
    AdminConclusionController,
    ApplicationDocumentController,
    CertificateController,
)
from backend.db import database_lifespan
from backend.documents import documents_lifespan
from backend.documents.controller import DocumentsController
from backend.dsure.background import dsure_background
from backend.dsure import locks as dsure_locks
from backend.dsure.controller import DsureController, IssuerDsureController
from backend.health import health
from backend.lib import heap
from backend.lib.actor import actor_of
from backend.lib.compression import CompressionWhenAccepted
from backend.lib.errors import exception_handlers
from backend.lib.openapi import code_table, document_errors
from backend.lib.security import security_headers_hook
from backend.lib.validation import HoshoRequest
from backend.mail.controller import AdminMailController
from backend.mail.worker import mail_worker
from backend.orderers.controller import AdminOrdererController, OrdererController
from backend.publication import feedback  # noqa: F401  (the embedded D-Sure's 受領確認 reaches e-Net)
from backend.publication.controller import AdminDsureController
from backend.publication.worker import publication_worker
from backend.settings import get_settings
from backend.stats.controller import admin_stats
from backend.throttle import service as throttle
from backend.throttle.background import purge_loop

API_PREFIX = "/api"
STATIC_DIR = Path(__file__).parent / "static"
SWAGGER = f"{API_PREFIX}/static/swagger-ui"

ROUTE_HANDLERS = [
    health,
    AuthController,
    AdminCompanyController,
    OrdererController,
    AdminOrdererController,
    AuditController,
    AdminMailController,
    ApplicationController,
    AdminApplicationController,
    CertificateController,
    AdminCertificateController,
    AdminChangeRequestController,
    ApplicationDocumentController,
    AdminConclusionController,
    admin_stats,
    AdminDsureController,
    DocumentsController,
]

# PDFs are compressed already: gzip shrank a 49 KB key notice by 9 % for ~1-2 ms of CPU per download
# (bench/pdf.py, cached median through a gzip-accepting client). Serve them as they are.
UNCOMPRESSED_PATHS = [
    rf"^{API_PREFIX}/(admin/)?(certificates|applications)/[^/]+/documents/",
    rf"^{API_PREFIX}/dsure/receipt$",
]


def throttle_purge():
    """e-Net's counters and the embedded D-Sure's."""
    return purge_loop(throttle.get_counters, dsure_locks.counters)


# Background services started with the app (mail worker, …); each an async context manager factory.
BACKGROUND_SERVICES: list = [documents_lifespan, mail_worker, dsure_background, throttle_purge, publication_worker]


# The embedded D-Sure: served here unless HOSHO_DSURE_URL names a separate one (`hosho dsure`).
EMBEDDED_DSURE_ROUTES = [DsureController, IssuerDsureController]


def _embedded_dsure() -> bool:
    return get_settings().dsure_url is None


@asynccontextmanager
async def app_lifespan(_app: Litestar | None = None) -> AsyncIterator[None]:
    """Open the database pool and start the background services; close them on shutdown."""
    async with AsyncExitStack() as stack:
        await stack.enter_async_context(database_lifespan())
        for service in BACKGROUND_SERVICES:
            if service is dsure_background and not _embedded_dsure():
                continue
            await stack.enter_async_context(service())
        yield


def _openapi_config() -> OpenAPIConfig:
    return OpenAPIConfig(
        title="Denshi Hoshō API（電子保証）",
        version="1.0.0",
        description=(
            "e-Net保証・D-Sure・管理画面が使う公開API。\n\n"
            "エラーはすべて `{status_code, code, detail, errors?}`（ErrorBody）です。`code` で分岐してください"
            "（`detail` は日本語の説明で、文言は変わることがあります）。400 の `errors` は失敗した項目の"
            "すべてを `[{field, message}]` で返します。\n\ncode の一覧:\n" + code_table()
        ),
        path=f"{API_PREFIX}/schema",
        render_plugins=[
            SwaggerRenderPlugin(
                path="/",
                js_url=f"{SWAGGER}/swagger-ui-bundle.js",
                css_url=f"{SWAGGER}/swagger-ui.css",
                standalone_preset_js_url=f"{SWAGGER}/swagger-ui-standalone-preset.js",
                favicon="",
            ),
            JsonRenderPlugin(path="/openapi.json"),
        ],
        components=Components(
            security_schemes={
                "BearerToken": SecurityScheme(type="http", scheme="bearer", description="POST /api/auth/login の token"),
            }
        ),
        security=[{"BearerToken": []}],
    )


def create_app(*, server: bool = False) -> Litestar:
    """The API; ``server``: the one a server runs (its heap frozen after startup, backend.lib.heap)."""
    logging.getLogger("hosho").setLevel(logging.INFO)
    # ``actor: Actor`` in a handler's signature: who is calling, from where (backend/lib/actor.py).
    api = Router(path=API_PREFIX, route_handlers=ROUTE_HANDLERS + (EMBEDDED_DSURE_ROUTES if _embedded_dsure() else []),
                 dependencies={"actor": Provide(actor_of, sync_to_thread=False)})
    static = create_static_files_router(path=f"{API_PREFIX}/static", directories=[STATIC_DIR], include_in_schema=False)
    app = Litestar(
        route_handlers=[api, static],
        request_class=HoshoRequest,
        middleware=[
            DefineMiddleware(SessionAuthMiddleware, exclude=[f"{API_PREFIX}/static", f"{API_PREFIX}/schema"]),
        ],
        before_send=[security_headers_hook()],
        exception_handlers=exception_handlers,
        openapi_config=_openapi_config(),
        compression_config=CompressionConfig(
            backend="gzip", minimum_size=1024, exclude=UNCOMPRESSED_PATHS, middleware_class=CompressionWhenAccepted
        ),
        lifespan=[app_lifespan, *([heap.frozen_after_startup] if server else [])],
        request_max_body_size=2 * 1024 * 1024,
        debug=False,
    )
    document_errors(app)
    return app


app = create_app(server=True)
