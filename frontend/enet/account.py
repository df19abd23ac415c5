"""e-Net: お客様情報 (company details from GET /api/auth/me) and logout."""

from __future__ import annotations

import reflex as rx

from frontend.components.layout import enet_page
from frontend.components.ui import alert_if, badge, card, dl_dynamic, loading_block, page_title
from frontend.enet.state import AccountState
from frontend.state import Session


@enet_page("/account", "お客様情報", nav="account", on_load=AccountState.load)
def account() -> rx.Component:
    return rx.vstack(
        page_title("お客様情報", "ご登録いただいている会社情報です。変更が必要な場合は当社までご連絡ください。"),
        alert_if(AccountState.error),
        rx.cond(
            AccountState.rows.length() == 0,
            rx.cond(AccountState.error == "", loading_block()),
            card(
                rx.flex(
                    rx.text(AccountState.company_name, weight="bold", size="5"),
                    badge(AccountState.status_label, "green"),
                    justify="between",
                    align="center",
                    wrap="wrap",
                    gap="8px",
                    width="100%",
                ),
                dl_dynamic(AccountState.rows),
            ),
        ),
        card(
            rx.text("ログアウト", weight="bold"),
            rx.text("共用のパソコンやスマートフォンでご利用の場合は、終了時に必ずログアウトしてください。", size="2"),
            rx.button(rx.icon("log-out", size=16), "ログアウトする", on_click=Session.enet_logout, color_scheme="gray",
                      variant="outline", size="3"),
        ),
        spacing="4",
        width="100%",
    )
