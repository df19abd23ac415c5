"""The Reflex app: e-Net, D-Sure and the admin dashboard, with the API mounted at /api.

Pages are recorded by the face templates in ``frontend/components/layout.py`` when their
modules are imported below, then added to the app here.
"""

from __future__ import annotations

import os

import reflex as rx

from frontend import home  # noqa: F401  (pages register on import)
from frontend.admin import changes, dashboard, login as admin_login, queues, records, two_factor  # noqa: F401
from frontend.dsure import page as dsure_page  # noqa: F401
from frontend.enet import account, applications, certificates, login, recovery  # noqa: F401
from frontend.components.layout import PAGES
from frontend.mount import api_lifespan, mount_api

app = rx.App(
    api_transformer=mount_api,
    stylesheets=["/hosho.css"],
    html_lang="ja",
)
app.register_lifespan_task(api_lifespan)
for render, page_args in PAGES:
    app.add_page(render, **page_args)

if os.environ.get("HOSHO_UI_BLANK_PAGE") == "1":
    # A blank Reflex page on the same server: the yardstick of the D-Sure page's bytes budget
    # (DESIGN §8: ≤ 1.3 × a blank Reflex page). Only when asked for (benchmarks, browser tests).
    app.add_page(rx.fragment(), route="/bench-blank", title="blank")
