"""D-Sure: 保証契約番号 + 認証キー → the electronic certificate, read-only.

Kept deliberately light (a bytes budget of 1.3 × a blank Reflex page): plain elements,
no charts, no table libraries.
"""

from __future__ import annotations

import reflex as rx

from frontend.components.layout import dsure_page
from frontend.components.ui import (
    alert,
    alert_if,
    api_form,
    badge,
    card,
    dl_dynamic,
    error_summary,
    field,
    note,
    page_title,
)
from frontend.dsure.checks import MAX_TYPED
from frontend.dsure.state import DsureState
from frontend.views import ChangeView, VersionView


def _version(version: VersionView) -> rx.Component:
    def change(item: ChangeView) -> rx.Component:
        return rx.el.li(item.label, "：", item.before, " → ", rx.el.strong(item.after))

    return rx.el.div(
        rx.el.p(rx.el.strong(version.version), "　", version.issued, "　", version.reason, style={"margin": "0"}),
        rx.cond(version.changes.length() > 0,
                rx.el.ul(rx.foreach(version.changes, change), style={"margin": "4px 0", "paddingLeft": "20px"})),
        style={"borderLeft": "3px solid var(--accent-6)", "paddingLeft": "12px", "fontSize": "14px"},
    )


def verify_form() -> rx.Component:
    errors = DsureState.field_errors
    return card(
        api_form(
            DsureState.verify,
            error_summary(errors, "dsure"),
            field("保証契約番号", "contract_number", errors, form="dsure", required=True, input_mode="numeric",
                  auto_complete="off", default_value=DsureState.number, key=DsureState.number, max_length=MAX_TYPED,
                  placeholder="例：2070004426", hint="10桁の数字です。"),
            field("認証キー", "auth_key", errors, form="dsure", required=True, auto_complete="off",
                  auto_capitalize="characters", spell_check=False, placeholder="例：ABCDE-FGHJK", max_length=MAX_TYPED,
                  hint="10文字の英数字です。ハイフンやスペースは入力しなくても構いません。"),
            alert_if(DsureState.error, tone=rx.cond(DsureState.locked_minutes > 0, "amber", "red")),
            rx.button(rx.icon("file-search", size=18), "閲覧する", type="submit", size="4", width="100%",
                      loading=DsureState.busy),
        ),
        class_name="no-print",
    )


def status_banner() -> rx.Component:
    """What the orderer needs first: valid or not, which version, who guarantees it, when it was read.

    Its heading takes the focus when the result appears (the page scrolls it just below the
    sticky header: ``scroll-margin-top`` in hosho.css)."""
    return rx.el.section(
        rx.el.h2(DsureState.status_sentence, id="result-heading", tab_index=-1, class_name="hs-status-heading"),
        rx.hstack(badge(DsureState.status_label, DsureState.status_tone), badge(DsureState.version, "gray"),
                  spacing="2", wrap="wrap"),
        rx.el.dl(
            rx.el.dt("保証機関"), rx.el.dd(DsureState.issuer_name, id="issuer"),  # D-Sure serves several sureties
            rx.el.dt("閲覧日時"), rx.el.dd(DsureState.checked_at),
            class_name="hs-status-facts",
        ),
        class_name="hs-status-banner",
        custom_attrs={"data-tone": DsureState.status_tone},
        aria_labelledby="result-heading",
        id="status-banner",
    )


def result() -> rx.Component:
    signature = rx.cond(
        DsureState.signature_valid,
        rx.callout("電子署名を検証しました。この電子証書は保証会社が発行したもので、改ざんされていません。",
                   icon="shield-check", color_scheme="green", width="100%"),
        rx.callout("電子署名を確認できませんでした。お手数ですが保証会社へお問い合わせください。",
                   icon="shield-alert", color_scheme="red", width="100%"),
    )
    subscribe = rx.form(
        rx.vstack(
            rx.el.div(
                rx.el.label("変更通知の送信先メールアドレス", html_for="dsure-email", class_name="hs-label"),
                rx.el.input(id="dsure-email", name="email", type="email", class_name="hs-input",
                            auto_complete="email", placeholder="例：keiyaku@pref.example.lg.jp"),
                rx.el.p("この電子証書が変更・解約されたときにメールでお知らせします。", class_name="hs-hint"),
                class_name="hs-field",
            ),
            rx.cond(DsureState.subscribe_error != "", rx.el.p(DsureState.subscribe_error, class_name="hs-error",
                                                             role="alert")),
            rx.cond(DsureState.subscribe_message != "",
                    rx.el.p(DsureState.subscribe_message, role="status", style={"color": "var(--green-11)",
                                                                                 "margin": "0", "fontSize": "14px"})),
            rx.button(rx.icon("bell", size=16), "変更通知を受け取る", type="submit", variant="outline", size="3",
                      loading=DsureState.subscribe_busy),
            spacing="2",
            width="100%",
        ),
        on_submit=DsureState.subscribe,
        reset_on_submit=False,
        no_validate=True,
        width="100%",
    )
    return rx.el.div(
        rx.el.p("D-Sure（発注者用保証確認サービス）で閲覧した電子証書の内容です（閲覧日時 ", DsureState.checked_at, "）。",
                class_name="print-only", style={"fontSize": "12px", "margin": "0"}),
        status_banner(),
        card(
            rx.el.h2(DsureState.title, style={"fontSize": "20px", "margin": "0"}),
            rx.text("保証契約番号 ", rx.el.span(DsureState.contract_number, class_name="hs-mono"), size="2"),
            rx.cond(DsureState.cancelled != "", rx.el.div(alert(DsureState.cancelled, tone="amber", icon="info"),
                                                           id="cancelled", width="100%")),
            signature,
            dl_dynamic(DsureState.rows),
            rx.text("SHA-256：", rx.el.span(DsureState.digest, class_name="hs-mono"), size="1", color_scheme="gray"),
            id="certificate",
        ),
        card(
            rx.el.h2("変更履歴", style={"fontSize": "16px", "margin": "0"}),
            rx.vstack(rx.foreach(DsureState.versions, _version), spacing="2", width="100%"),
        ),
        alert_if(DsureState.action_error),
        card(
            rx.el.h2("受領確認", style={"fontSize": "16px", "margin": "0"}),
            rx.cond(
                DsureState.acknowledged != "",
                alert(rx.text("受領確認済み（", DsureState.acknowledged, "）。請負者に通知されます。"),
                      tone="green", icon="circle-check"),
                rx.vstack(
                    rx.text("電子証書の内容を確認しましたら、受領確認をお願いします。請負者へ確認済みであることが伝わり、"
                            "電話での到着確認が不要になります。", size="2"),
                    rx.button(rx.icon("check", size=16), "受領確認をする", on_click=DsureState.acknowledge,
                              loading=DsureState.ack_busy, size="3"),
                    spacing="2",
                ),
            ),
            class_name="no-print",
        ),
        card(
            rx.el.h2("閲覧証明・印刷・変更通知", style={"fontSize": "16px", "margin": "0"}),
            rx.el.div(
                rx.button(rx.icon("file-down", size=16), "閲覧証明（PDF）をダウンロード", on_click=DsureState.receipt,
                          loading=DsureState.receipt_busy, variant="soft", size="3"),
                rx.button(rx.icon("printer", size=16), "印刷する", on_click=rx.call_script("window.print()"),
                          variant="soft", color_scheme="gray", size="3"),
                class_name="hs-actions",
            ),
            rx.divider(),
            subscribe,
            rx.divider(),
            rx.button("別の電子証書を確認する", on_click=DsureState.reset_form, variant="ghost", size="3"),
            class_name="no-print",
        ),
        id="result",
        style={"display": "flex", "flexDirection": "column", "gap": "16px", "width": "100%"},
    )


@dsure_page("/dsure", "電子証書の閲覧", on_load=DsureState.load)
def dsure() -> rx.Component:
    return rx.el.div(
        rx.el.div(
            page_title("電子証書の閲覧", rx.cond(
                DsureState.verified,
                "保証契約番号 " + DsureState.contract_number + " の電子証書です。内容をご確認ください。",
                "「認証キー等のお知らせ」に記載の保証契約番号と認証キーを入力してください。",
            )),
            rx.cond(~DsureState.verified, verify_form()),
            rx.cond(~DsureState.verified,
                    note(rx.text("アカウント登録は不要です。保証証書の印刷物やPDFではなく、この画面に表示される内容が"
                                 "電子証書の正本です。"))),
            # Announced by screen readers when a result (or a refusal) appears; present from the start.
            rx.el.p(DsureState.announcement, role="status", aria_live="polite", class_name="visually-hidden",
                    id="dsure-announcement"),
            class_name="no-print",
            style={"display": "flex", "flexDirection": "column", "gap": "16px"},
        ),
        rx.cond(DsureState.verified, result()),
        class_name="hs-narrow",
        style={"display": "flex", "flexDirection": "column", "gap": "16px", "maxWidth": "720px"},
    )
