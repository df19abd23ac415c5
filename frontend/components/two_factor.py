"""Setting up two-factor (TOTP): the steps, the QR code and the secret, the first code, the recovery codes.

Drawn from a state that mixes in :class:`frontend.state.TwoFactorSetup`: the staff's setup page
(``/admin/two-factor``) and the contractors' お客様情報 (``/account``) show the same steps.
"""

from __future__ import annotations

from typing import Any

import reflex as rx

from frontend.components.ui import api_form, card, field, form_alert, submit_button

STEPS = (
    "スマートフォンに認証アプリ（Google Authenticator、Microsoft Authenticator など）を用意します。",
    "アプリで下のQRコードを読み取ります。読み取れない場合は、秘密鍵を手で入力してください（時間ベース）。",
    "アプリに表示された6桁の確認コードを入力し、「設定する」を押します。",
)


def totp_setup(state: Any, *extra: rx.Component) -> rx.Component:
    """The steps, the QR code, the secret as text and the first code's form; ``extra`` below the button."""
    errors = state.field_errors
    return card(
        rx.el.ol(*[rx.el.li(text) for text in STEPS], style={"paddingLeft": "1.4em", "lineHeight": "1.8"}),
        rx.cond(
            state.totp_qr != "",
            rx.image(src=state.totp_qr, alt="認証アプリに読み取らせるQRコード", width="200px", height="200px",
                     margin_x="auto"),
        ),
        rx.vstack(
            rx.text("秘密鍵（手で入力する場合）", class_name="hs-label"),
            rx.el.p(state.totp_secret, id="totp-secret", class_name="hs-mono", style={"wordBreak": "break-all"}),
            spacing="1",
            width="100%",
        ),
        api_form(
            state.confirm_totp,
            field("確認コード", "otp", errors, form="totp", required=True, auto_complete="one-time-code",
                  input_mode="numeric", max_length=8, hint="認証アプリに表示されている6桁の数字"),
            form_alert(state.totp_error, errors),
            submit_button("設定する", state.totp_busy, width="100%"),
            *extra,
        ),
        class_name="hs-card-form",
    )


def recovery_codes(state: Any, done: rx.Component) -> rx.Component:
    """The recovery codes, this once; ``done`` leads on (to the dashboard, or closes them)."""
    return card(
        rx.heading("回復コード", as_="h2", size="4"),
        rx.text(
            "スマートフォンをなくしたときなど、確認コードの代わりに使えます（各コード1回限り）。"
            "この画面を閉じると二度と表示されません。印刷するか書き写して、安全な場所に保管してください。",
            size="2",
        ),
        rx.el.ul(
            rx.foreach(state.recovery_codes, lambda code: rx.el.li(code, class_name="hs-mono")),
            id="recovery-codes",
            style={"display": "grid", "gridTemplateColumns": "repeat(2, 1fr)", "gap": "4px 16px",
                   "listStyle": "none", "padding": 0, "fontSize": "16px"},
        ),
        done,
    )
