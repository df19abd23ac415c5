"""Reflex configuration: the UI app lives in ``frontend/``."""

import os

import reflex as rx
from reflex.plugins.sitemap import SitemapPlugin

from frontend.theme_plugin import HoshoThemesPlugin

config = rx.Config(
    app_name="frontend",
    telemetry_enabled=False,
    show_built_with_reflex=False,
    redis_url=os.environ.get("HOSHO_REDIS_URL") or None,
    plugins=[HoshoThemesPlugin(theme=rx.theme(accent_color="indigo", radius="medium", has_background=False))],
    disable_plugins=[SitemapPlugin],
)
