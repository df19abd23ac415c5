"""Admin: 二要素認証の設定 (staff set it up at their first login; no other page works before)."""

from __future__ import annotations

import reflex as rx

from frontend.admin.state import TwoFactorState
from frontend.components.layout import admin_page
from frontend.components.two_factor import recovery_codes, totp_setup
from frontend.components.ui import alert, alert_if, card, page_title


@admin_page("/admin/two-factor", "二要素認証の設定", on_load=TwoFactorState.load, bare=True)
def admin_two_factor() -> rx.Component:
    to_dashboard = rx.link(rx.button("ダッシュボードへ", size="3", min_height="44px", width="100%"), href="/admin",
                           width="100%")
    return rx.box(
        rx.vstack(
            page_title("二要素認証の設定", "管理画面へのログインには、パスワードに加えて認証アプリの確認コードが必要です。"),
            rx.cond(TwoFactorState.message != "", alert(TwoFactorState.message, tone="blue", icon="info")),
            alert_if(TwoFactorState.error),
            rx.cond(
                TwoFactorState.recovery_codes.length() > 0,
                recovery_codes(TwoFactorState, to_dashboard),
                rx.cond(
                    TwoFactorState.totp_enabled,
                    card(
                        rx.text("二要素認証は設定済みです。スマートフォンを替えるときやなくしたときは、"
                                "ほかの管理者にリセットを依頼してください（hosho create-admin --reset-totp）。", size="2"),
                        rx.link("ダッシュボードへ", href="/admin"),
                    ),
                    rx.cond(TwoFactorState.totp_secret != "", totp_setup(TwoFactorState)),
                ),
            ),
            spacing="4",
            width="100%",
        ),
        max_width="480px",
        margin="24px auto",
    )
