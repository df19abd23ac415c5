"""e-Net: ログイン and 新規登録."""

from __future__ import annotations

import reflex as rx

from frontend.components.layout import enet_page
from frontend.components.ui import alert, alert_if, api_form, card, error_summary, field, note, page_title, submit_button
from frontend.enet.recovery import FORGOT_ID, FORGOT_PASSWORD
from frontend.enet.state import LoginState, RegisterState


@enet_page("/login", "ログイン", on_load=LoginState.load, narrow=True)
def login() -> rx.Component:
    errors = LoginState.field_errors
    return rx.vstack(
        page_title("e-Net保証にログイン", "お客様ID・パスワードを入力してください。"),
        rx.cond(LoginState.message != "", alert(LoginState.message, tone="blue", icon="info")),
        card(
            api_form(
                LoginState.submit,
                error_summary(errors, "login"),
                field("お客様ID", "login_id", errors, form="login", required=True, auto_complete="username",
                      input_mode="numeric", hint="登録時にお知らせした8桁の番号です。", auto_focus=True),
                field("パスワード", "password", errors, form="login", type_="password", required=True,
                      auto_complete="current-password"),
                rx.cond(
                    LoginState.otp_asked,
                    field("確認コード", "otp", errors, form="login", auto_complete="one-time-code",
                          input_mode="numeric", max_length=16, auto_focus=True,
                          hint="認証アプリに表示されている6桁の数字（回復コードも使えます）。"),
                ),
                alert_if(LoginState.error),
                submit_button("ログインする", LoginState.busy, width="100%"),
                rx.el.nav(
                    rx.link("パスワードを忘れた方", href=FORGOT_PASSWORD),
                    rx.link("お客様IDを忘れた方", href=FORGOT_ID),
                    aria_label="ログインでお困りの方",
                    class_name="hs-login-help",
                ),
            ),
        ),
        card(
            rx.text("はじめてご利用のお客様", weight="bold"),
            rx.text("e-Net保証のID登録（無料）をお願いします。ご登録後、当社で確認のうえご利用いただけるようになります。",
                    size="2"),
            rx.el.a(rx.button("新規登録（ID登録）", variant="outline", size="3", width="100%"), href="/register",
                    width="100%"),
        ),
        note(
            rx.text("発注者の方へ：電子証書の閲覧にアカウント登録は不要です。", weight="bold"),
            rx.text("「認証キー等のお知らせ」に記載の保証契約番号と認証キーで、",
                    rx.link("D-Sure（発注者用保証確認サービス）", href="/dsure"), "からご確認いただけます。"),
        ),
        spacing="4",
        width="100%",
    )


@enet_page("/register", "新規登録", on_load=RegisterState.load, narrow=True)
def register() -> rx.Component:
    errors = RegisterState.field_errors
    form = api_form(
        RegisterState.submit,
        error_summary(errors, "reg"),
        field("商号（会社名）", "company_name", errors, form="reg", required=True, auto_complete="organization",
              placeholder="例：因幡建設株式会社"),
        field("代表者", "representative", errors, form="reg", required=True,
              placeholder="例：代表取締役 因幡 一郎"),
        field("所在地", "address", errors, form="reg", required=True, auto_complete="street-address"),
        field("電話番号", "phone", errors, form="reg", required=True, type_="tel", auto_complete="tel",
              placeholder="例：0857-20-0000"),
        field("建設業許可番号", "license_number", errors, form="reg", required=True,
              placeholder="例：鳥取県知事許可（特-5）第1234号"),
        field("メールアドレス", "email", errors, form="reg", required=True, type_="email", auto_complete="email",
              hint="保証料のお知らせや電子証書発行のご案内をお送りします。"),
        field("パスワード", "password", errors, form="reg", required=True, type_="password",
              auto_complete="new-password", hint=RegisterState.password_rule),
        field("パスワード（確認）", "password_confirm", errors, form="reg", required=True, type_="password",
              auto_complete="new-password"),
        alert_if(RegisterState.error),
        submit_button("登録を申し込む", RegisterState.busy, width="100%"),
    )
    done = card(
        rx.hstack(rx.icon("circle-check", color="var(--green-9)", size=28),
                  rx.text("ご登録を受け付けました", weight="bold", size="5"), align="center"),
        rx.text(RegisterState.company_name, " 様、e-Net保証へのご登録ありがとうございます。", size="3"),
        rx.box(
            rx.text("お客様ID", size="2", color_scheme="gray"),
            rx.text(RegisterState.customer_id, class_name="hs-key", id="issued-customer-id"),
            width="100%",
        ),
        alert("現在、当社で登録内容を確認しております（承認待ち）。承認が完了しましたら、"
              "このお客様IDと登録したパスワードでログインいただけます。", tone="amber", icon="clock"),
        rx.text("お客様IDはログインに必要です。お控えください。", size="2", color_scheme="gray"),
        rx.el.a(rx.button("ログイン画面へ", size="3", width="100%"), href="/login", width="100%"),
        spacing="4",
    )
    return rx.vstack(
        page_title("e-Net保証 新規登録", "お客様の会社情報をご登録ください。登録は無料です。"),
        rx.cond(RegisterState.customer_id != "", done, card(form)),
        spacing="4",
        width="100%",
    )
