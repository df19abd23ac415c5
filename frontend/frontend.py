"""The Reflex app: e-Net, D-Sure and the admin dashboard, with the API mounted at /api.

Pages register themselves through the face templates in ``frontend/components/layout.py``
when their modules are imported below.
"""

from __future__ import annotations

import reflex as rx

from frontend import home  # noqa: F401  (pages register on import)
from frontend.admin import dashboard, queues, records  # noqa: F401
from frontend.dsure import page as dsure_page  # noqa: F401
from frontend.enet import account, applications, certificates, login  # noqa: F401
from frontend.mount import api_lifespan, mount_api

app = rx.App(
    api_transformer=mount_api,
    stylesheets=["/hosho.css"],
    html_lang="ja",
)
app.register_lifespan_task(api_lifespan)
