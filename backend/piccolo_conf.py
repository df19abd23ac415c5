"""Piccolo configuration: the engine from ``HOSHO_DATABASE_URL`` and the app registry.

``PICCOLO_CONF=backend.piccolo_conf`` points Piccolo's own CLI here.
"""

import os

from piccolo.conf.apps import AppRegistry

from backend.engines import engine_from_url
from backend.settings import get_settings

DB = engine_from_url(get_settings().database_url)

# D-Sure run alone (``hosho dsure`` sets HOSHO_DSURE_ALONE): its own tables, its audit chain and its mail outbox.
DSURE_APPS = ["backend.audit.piccolo_app", "backend.mail.piccolo_app", "backend.dsure_store.piccolo_app"]

# Order matters only for readability: Piccolo sorts apps by their migration dependencies.
ENET_APPS = [
    "backend.accounts.piccolo_app",
    "backend.orderers.piccolo_app",
    "backend.audit.piccolo_app",
    "backend.throttle.piccolo_app",
    "backend.applications.piccolo_app",
    "backend.certificates.piccolo_app",
    "backend.mail.piccolo_app",
    "backend.dsure.piccolo_app",
    "backend.stats.piccolo_app",
    "backend.publication.piccolo_app",
    "backend.dsure_store.piccolo_app",  # the embedded D-Sure's own tables
]
APP_REGISTRY = AppRegistry(apps=DSURE_APPS if os.environ.get("HOSHO_DSURE_ALONE") else ENET_APPS)
