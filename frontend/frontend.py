"""The Reflex app: e-Net, D-Sure and the admin dashboard, with the API mounted at /api."""

from __future__ import annotations

import reflex as rx

from frontend.mount import api_lifespan, mount_api


def index() -> rx.Component:
    return rx.center(
        rx.vstack(
            rx.heading("電子保証サービス", size="8"),
            rx.text("前払金保証・契約保証の電子証書を発行・確認できます。"),
            rx.hstack(
                rx.link(rx.button("e-Net保証（建設業者の方）", size="3"), href="/login"),
                rx.link(rx.button("D-Sure（発注者の方）", size="3", variant="outline"), href="/dsure"),
            ),
            spacing="4",
            align="center",
        ),
        min_height="80vh",
        padding="1em",
    )


app = rx.App(api_transformer=mount_api)
app.register_lifespan_task(api_lifespan)
app.add_page(index, route="/", title="電子保証サービス")
