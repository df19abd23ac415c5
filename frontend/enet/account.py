"""e-Net: お客様情報 (company details from GET /api/auth/me), パスワードの変更, 二段階認証 and logout."""

from __future__ import annotations

import reflex as rx

from frontend.components.layout import enet_page
from frontend.components.two_factor import recovery_codes, totp_setup
from frontend.components.ui import (
    alert,
    alert_if,
    api_form,
    badge,
    card,
    dl_dynamic,
    error_summary,
    field,
    form_alert,
    loading_block,
    page_title,
    submit_button,
)
from frontend.enet.state import PASSWORD_FORM_ID, AccountState
from frontend.state import Session


def section_title(text: str, *beside: rx.Component) -> rx.Component:
    return rx.flex(rx.heading(text, as_="h2", size="4"), *beside, justify="between", align="center", wrap="wrap",
                   gap="8px", width="100%")


def done(message) -> rx.Component:
    return rx.cond(message != "", alert(message, tone="green", icon="circle-check"))


def _password() -> rx.Component:
    errors = AccountState.password_field_errors
    return card(
        section_title("パスワードの変更"),
        api_form(
            AccountState.change_password,
            error_summary(errors, "pw"),
            field("現在のパスワード", "current_password", errors, form="pw", type_="password", required=True,
                  auto_complete="current-password"),
            field("新しいパスワード", "new_password", errors, form="pw", type_="password", required=True,
                  auto_complete="new-password", hint=AccountState.password_rule),
            field("新しいパスワード（確認）", "new_password_confirm", errors, form="pw", type_="password",
                  required=True, auto_complete="new-password"),
            form_alert(AccountState.password_error, errors),
            done(AccountState.password_message),
            submit_button("パスワードを変更する", AccountState.password_busy, width="100%"),
            id=PASSWORD_FORM_ID,
        ),
        class_name="hs-card-form",
    )


def _two_factor() -> rx.Component:
    state = AccountState
    intro = card(
        section_title("二段階認証", rx.cond(state.totp_enabled, badge("設定済み", "green"), badge("未設定"))),
        rx.text("ログインのとき、パスワードに加えてスマートフォンの認証アプリに表示される確認コード（6桁）を入力します。"
                "パスワードが第三者に知られても、なりすましのログインを防げます。", size="2"),
        done(state.message),
        rx.cond(
            state.totp_enabled,
            rx.text("スマートフォンを替えるときやなくしたときは、回復コードでログインのうえ、"
                    "お取引のある営業所までご連絡ください。", size="2"),
            rx.cond(
                state.totp_secret == "",
                rx.vstack(
                    alert_if(state.totp_error),
                    rx.button(rx.icon("smartphone", size=16), "二段階認証を設定する", on_click=state.start_totp,
                              loading=state.totp_busy, variant="outline", size="3", min_height="44px"),
                    spacing="3",
                    width="100%",
                ),
            ),
        ),
    )
    closing = rx.button("回復コードを控えました", on_click=state.forget_recovery_codes, size="3", min_height="44px",
                        width="100%")
    cancel = rx.button("やめる", type="button", on_click=state.cancel_totp, variant="soft", color_scheme="gray",
                       size="3", min_height="44px", width="100%")
    return rx.fragment(
        intro,
        rx.cond(
            state.recovery_codes.length() > 0,
            recovery_codes(state, closing),
            rx.cond(state.totp_secret != "", totp_setup(state, cancel)),
        ),
    )


@enet_page("/account", "お客様情報", nav="account", on_load=AccountState.load)
def account() -> rx.Component:
    return rx.vstack(
        page_title("お客様情報", "ご登録いただいている会社情報です。変更が必要な場合は当社までご連絡ください。"),
        alert_if(AccountState.error),
        rx.cond(
            AccountState.rows.length() == 0,
            rx.cond(AccountState.error == "", loading_block()),
            rx.fragment(
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
                _password(),
                _two_factor(),
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
