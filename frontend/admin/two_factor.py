"""Admin: 二要素認証の設定 (staff set it up at their first login; no other page works before)."""

from __future__ import annotations

import reflex as rx

from frontend.admin.state import TwoFactorState
from frontend.components.layout import admin_page
from frontend.components.ui import alert, alert_if, card, field, page_title, submit_button

STEPS = (
    "スマートフォンに認証アプリ（Google Authenticator、Microsoft Authenticator など）を用意します。",
    "アプリで下のQRコードを読み取ります。読み取れない場合は、秘密鍵を手で入力してください（時間ベース）。",
    "アプリに表示された6桁の確認コードを入力し、「設定する」を押します。",
)


def _setup() -> rx.Component:
    errors = TwoFactorState.field_errors
    return card(
        rx.el.ol(*[rx.el.li(text) for text in STEPS], style={"paddingLeft": "1.4em", "lineHeight": "1.8"}),
        rx.cond(
            TwoFactorState.qr != "",
            rx.image(src=TwoFactorState.qr, alt="認証アプリに読み取らせるQRコード", width="200px", height="200px",
                     margin_x="auto"),
        ),
        rx.vstack(
            rx.text("秘密鍵（手で入力する場合）", class_name="hs-label"),
            rx.el.p(TwoFactorState.secret, id="totp-secret", class_name="hs-mono", style={"wordBreak": "break-all"}),
            spacing="1",
            width="100%",
        ),
        rx.form(
            rx.vstack(
                field("確認コード", "otp", errors, form="totp", required=True, auto_complete="one-time-code",
                      input_mode="numeric", max_length=8, hint="認証アプリに表示されている6桁の数字"),
                submit_button("設定する", TwoFactorState.busy, width="100%"),
                spacing="4",
                width="100%",
            ),
            on_submit=TwoFactorState.confirm,
            reset_on_submit=False,
            no_validate=True,
            width="100%",
        ),
    )


def _recovery_codes() -> rx.Component:
    return card(
        rx.heading("回復コード", as_="h2", size="4"),
        rx.text(
            "スマートフォンをなくしたときなど、確認コードの代わりに使えます（各コード1回限り）。"
            "この画面を閉じると二度と表示されません。印刷するか書き写して、安全な場所に保管してください。",
            size="2",
        ),
        rx.el.ul(
            rx.foreach(TwoFactorState.recovery_codes, lambda code: rx.el.li(code, class_name="hs-mono")),
            id="recovery-codes",
            style={"display": "grid", "gridTemplateColumns": "repeat(2, 1fr)", "gap": "4px 16px",
                   "listStyle": "none", "padding": 0, "fontSize": "16px"},
        ),
        rx.link(rx.button("ダッシュボードへ", size="3", min_height="44px", width="100%"), href="/admin", width="100%"),
    )


@admin_page("/admin/two-factor", "二要素認証の設定", on_load=TwoFactorState.load, bare=True)
def admin_two_factor() -> rx.Component:
    return rx.box(
        rx.vstack(
            page_title("二要素認証の設定", "管理画面へのログインには、パスワードに加えて認証アプリの確認コードが必要です。"),
            rx.cond(TwoFactorState.message != "", alert(TwoFactorState.message, tone="blue", icon="info")),
            alert_if(TwoFactorState.error),
            rx.cond(
                TwoFactorState.recovery_codes.length() > 0,
                _recovery_codes(),
                rx.cond(
                    TwoFactorState.enabled,
                    card(
                        rx.text("二要素認証は設定済みです。スマートフォンを替えるときやなくしたときは、"
                                "ほかの管理者にリセットを依頼してください（hosho create-admin --reset-totp）。", size="2"),
                        rx.link("ダッシュボードへ", href="/admin"),
                    ),
                    rx.cond(TwoFactorState.secret != "", _setup()),
                ),
            ),
            spacing="4",
            width="100%",
        ),
        max_width="480px",
        margin="24px auto",
    )
