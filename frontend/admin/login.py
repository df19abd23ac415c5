"""Admin: ログイン (its own module, so the login page does not load the dashboard's chart)."""

from __future__ import annotations

import reflex as rx

from frontend.admin.state import AdminLoginState
from frontend.components.layout import admin_page
from frontend.components.ui import alert, alert_if, api_form, card, field, page_title, submit_button


@admin_page("/admin/login", "ログイン", on_load=AdminLoginState.load, bare=True)
def admin_login() -> rx.Component:
    errors = AdminLoginState.field_errors
    return rx.box(
        rx.vstack(
            page_title("管理画面にログイン", "保証会社の職員用です。"),
            rx.cond(AdminLoginState.message != "", alert(AdminLoginState.message, tone="blue", icon="info")),
            card(
                api_form(
                    AdminLoginState.submit,
                    field("ログインID", "login_id", errors, form="admin", required=True, auto_complete="username",
                          auto_focus=True),
                    field("パスワード", "password", errors, form="admin", type_="password", required=True,
                          auto_complete="current-password"),
                    field("確認コード", "otp", errors, form="admin", auto_complete="one-time-code",
                          input_mode="numeric", max_length=16,
                          hint="認証アプリに表示されている6桁の数字（回復コードも使えます）。"
                               "初めてログインする方は空欄のまま進み、次の画面で設定してください。"),
                    alert_if(AdminLoginState.error),
                    submit_button("ログインする", AdminLoginState.busy, width="100%"),
                ),
            ),
            spacing="4",
            width="100%",
        ),
        max_width="440px",
        margin="24px auto",
    )
