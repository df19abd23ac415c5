"""Piccolo configuration: the engine from ``HOSHO_DATABASE_URL`` and the app registry.

``PICCOLO_CONF=backend.piccolo_conf`` points Piccolo's own CLI here.
"""

from piccolo.conf.apps import AppRegistry

from backend.engines import engine_from_url
from backend.settings import get_settings

DB = engine_from_url(get_settings().database_url)

# Order matters only for readability: Piccolo sorts apps by their migration dependencies.
APP_REGISTRY = AppRegistry(
    apps=[
        "backend.accounts.piccolo_app",
        "backend.orderers.piccolo_app",
        "backend.audit.piccolo_app",
        "backend.throttle.piccolo_app",
        "backend.applications.piccolo_app",
        "backend.certificates.piccolo_app",
        "backend.mail.piccolo_app",
        "backend.dsure.piccolo_app",
        "backend.stats.piccolo_app",
    ]
)
