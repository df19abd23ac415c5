"""e-Net: パスワードを忘れた方 / お客様IDを忘れた方 (a mail to the registered address) and the reset link's page.

The two requests answer with the API's own neutral sentence, the same whether the address
is registered or not; the reset page is what the mail's link opens (``/password-reset?token=…``,
backend/documents/templates/mail/password-reset.txt).
"""

from __future__ import annotations

from typing import Any

import reflex as rx

from frontend.components.layout import enet_page
from frontend.components.ui import alert, api_form, card, error_summary, field, form_alert, note, page_title, submit_button
from frontend.enet.state import PasswordResetState, RecoveryState

FORGOT_PASSWORD = "/forgot-password"
FORGOT_ID = "/forgot-id"


def to_login(text: str = "ログイン画面へ", variant: str = "solid") -> rx.Component:
    return rx.el.a(rx.button(text, size="3", variant=variant, min_height="44px", width="100%"), href="/login",
                   width="100%")


def _email_request(title: str, lead: str, button: str, on_submit: Any, form: str) -> rx.Component:
    """The form of both requests: the registered address, then the API's neutral answer in its place."""
    errors = RecoveryState.field_errors
    request = card(
        api_form(
            on_submit,
            error_summary(errors, form),
            field("メールアドレス", "email", errors, form=form, required=True, type_="email",
                  auto_complete="email", auto_focus=True, hint="e-Net保証にご登録のメールアドレスを入力してください。"),
            form_alert(RecoveryState.error, errors),
            submit_button(button, RecoveryState.busy, width="100%"),
        ),
    )
    answer = card(
        rx.hstack(rx.icon("mail-check", color="var(--accent-9)", size=28, aria_hidden="true"),
                  rx.heading("お申し込みを受け付けました", as_="h2", size="5"), align="center"),
        alert(RecoveryState.accepted, tone="blue", icon="info"),
        rx.text("数分たってもメールが届かない場合は、迷惑メールフォルダをご確認のうえ、"
                "お取引のある営業所までお問い合わせください。", size="2"),
        to_login(),
    )
    return rx.vstack(
        page_title(title, lead),
        rx.cond(RecoveryState.accepted != "", answer, rx.fragment(request, rx.link("ログイン画面に戻る", href="/login"))),
        spacing="4",
        width="100%",
    )


@enet_page(FORGOT_PASSWORD, "パスワードの再設定", on_load=RecoveryState.load, narrow=True)
def forgot_password() -> rx.Component:
    return _email_request(
        "パスワードの再設定",
        "ご登録のメールアドレスに、パスワード再設定用のリンク（30分間有効）をお送りします。",
        "再設定のメールを送る", RecoveryState.request_reset, "reset",
    )


@enet_page(FORGOT_ID, "お客様IDのお問い合わせ", on_load=RecoveryState.load, narrow=True)
def forgot_id() -> rx.Component:
    return _email_request(
        "お客様IDのお問い合わせ",
        "ご登録のメールアドレスに、お客様ID（8桁）をお知らせするメールをお送りします。",
        "お客様IDをメールで受け取る", RecoveryState.remind_id, "forgot-id",
    )


def _new_password_form() -> rx.Component:
    errors = PasswordResetState.field_errors
    return card(
        api_form(
            PasswordResetState.submit,
            error_summary(errors, "newpw"),
            field("新しいパスワード", "new_password", errors, form="newpw", type_="password", required=True,
                  auto_complete="new-password", auto_focus=True, hint=PasswordResetState.password_rule),
            field("新しいパスワード（確認）", "new_password_confirm", errors, form="newpw", type_="password",
                  required=True, auto_complete="new-password"),
            form_alert(PasswordResetState.error, errors),
            submit_button("パスワードを設定する", PasswordResetState.busy, width="100%"),
        ),
    )


def _refused(message: Any) -> rx.Component:
    return card(
        alert(message, tone="amber", icon="clock"),
        rx.el.a(rx.button("再設定をもう一度申し込む", size="3", min_height="44px", width="100%"), href=FORGOT_PASSWORD,
                width="100%"),
        to_login(variant="outline"),
    )


@enet_page("/password-reset", "新しいパスワードの設定", on_load=PasswordResetState.load, narrow=True)
def password_reset() -> rx.Component:
    state = PasswordResetState
    done = card(
        rx.hstack(rx.icon("circle-check", color="var(--green-9)", size=28, aria_hidden="true"),
                  rx.heading("新しいパスワードを設定しました", as_="h2", size="5"), align="center"),
        rx.text("安全のため、ほかの端末でのログインはすべて終了しました。お客様IDと新しいパスワードでログインしてください。",
                size="2"),
        to_login(),
    )
    no_link = _refused("このページは、パスワード再設定のメールに記載のリンクから開いてください。")
    return rx.vstack(
        page_title("新しいパスワードの設定", "パスワード再設定のメールからお越しの方は、新しいパスワードを2回入力してください。"),
        rx.cond(
            state.done,
            done,
            rx.cond(
                state.refused != "",
                _refused(state.refused),
                # the form from the first paint (the link's usual case moves nothing); without a token, once known
                rx.cond((state.token == "") & state.loaded, no_link, _new_password_form()),
            ),
        ),
        note(rx.text("お心当たりのないメールから開いた場合は、このページを閉じてください。パスワードは変更されません。",
                     size="2")),
        spacing="4",
        width="100%",
    )
