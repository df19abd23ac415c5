"""Admin records: 発注者マスタ (editor), メール送信状況 (outbox), 監査ログ (with the chain check)."""

from __future__ import annotations

import reflex as rx

from frontend import fmt
from frontend.admin.rows import AuditRow, MailRow, OrdererRow
from frontend.admin.state import AuditState, MailState, OrderersState
from frontend.components.layout import admin_page
from frontend.components.tables import rows_table
from frontend.components.ui import alert_if, badge, card, field, filter_box, messages, page_title, select_field

CLASS_OPTIONS = list(fmt.ORDERER_CLASSES.items())


def orderer_row_view(row: OrdererRow) -> rx.Component:
    return rx.el.tr(
        rx.el.td(rx.el.span(row.code, class_name="hs-mono")),
        rx.el.td(rx.text(row.reading, size="1", color_scheme="gray"), rx.text(row.name, weight="bold"),
                 rx.text(row.title, size="1", color_scheme="gray")),
        rx.el.td(row.class_label),
        rx.el.td(rx.cond(row.e_guarantee_from != "", badge(row.e_guarantee_label + "〜", "green"),
                         badge("書面のみ", "gray"))),
        rx.el.td(rx.text(row.channels), rx.text(row.submission_email, size="1", color_scheme="gray")),
        rx.el.td(rx.cond(row.active, badge("有効", "green"), badge("停止中", "gray"))),
        rx.el.td(rx.button("編集", on_click=OrderersState.open_edit(row.code), size="1", variant="soft",
                           aria_label="発注者 " + row.name + " を編集")),
    )


def orderer_form() -> rx.Component:
    state = OrderersState
    errors = state.field_errors
    row = state.editing
    channel_boxes = rx.el.fieldset(
        rx.el.legend("提出方法", class_name="hs-label"),
        rx.el.div(
            *[
                rx.el.label(
                    rx.el.input(type="checkbox", name=f"channel_{code}", id=f"ord-channel-{code}",
                                default_checked=row.channel_codes.contains(code)),
                    rx.el.span(text),
                    class_name="hs-choice",
                )
                for code, text in fmt.CHANNELS.items()
            ],
            class_name="hs-choices",
        ),
        rx.cond(errors.contains("channels"), rx.el.p(errors["channels"].to(str), class_name="hs-error")),
        class_name="hs-fieldset hs-field",
    )
    return rx.form(
        rx.vstack(
            rx.el.div(
                rx.cond(
                    state.dialog == "create",
                    field("発注者コード", "code", errors, form="ord", required=True, hint="半角英数字（例：tottori-ctc）"),
                    rx.box(rx.text("発注者コード", class_name="hs-label"), rx.text(row.code, class_name="hs-mono")),
                ),
                select_field("発注者区分", "orderer_class", CLASS_OPTIONS, errors, form="ord", placeholder=None,
                             default_value=row.orderer_class),
                class_name="hs-grid-2",
            ),
            rx.el.div(
                field("名称", "name", errors, form="ord", required=True, default_value=row.name),
                field("読み仮名", "reading", errors, form="ord", default_value=row.reading,
                      hint="ひらがな（例：とっとりけん）。一覧はこの読みの五十音順です。"),
                class_name="hs-grid-2",
            ),
            field("宛名（職名）", "title", errors, form="ord", required=True, default_value=row.title,
                  hint="書類に印字する宛名（例：鳥取県知事）"),
            rx.el.div(
                field("電子保証の対象開始日", "e_guarantee_from", errors, form="ord", type_="date",
                      default_value=row.e_guarantee_from, hint="この日以降に入札公告の案件が対象。空欄は書面のみ。"),
                field("提出先メールアドレス", "submission_email", errors, form="ord", type_="email",
                      default_value=row.submission_email),
                class_name="hs-grid-2",
            ),
            channel_boxes,
            field("件名テンプレート（前払金保証）", "subject_advance", errors, form="ord", default_value=row.subject_advance,
                  hint="例：【前払保証】{project_name}"),
            field("件名テンプレート（中間前払金保証）", "subject_interim", errors, form="ord",
                  default_value=row.subject_interim),
            field("件名テンプレート（契約保証）", "subject_contract", errors, form="ord",
                  default_value=row.subject_contract),
            field("提出先の注意事項", "routing_note", errors, form="ord", textarea=True, default_value=row.routing_note),
            rx.cond(
                state.dialog == "edit",
                rx.el.label(rx.el.input(type="checkbox", name="active", id="ord-active", default_checked=row.active),
                            rx.el.span("有効（申込フォームに表示する）"), class_name="hs-choice"),
            ),
            alert_if(state.error),
            rx.hstack(
                rx.dialog.close(rx.button("やめる", variant="soft", color_scheme="gray", type="button")),
                rx.button("保存する", type="submit", loading=state.busy),
                justify="end",
                width="100%",
            ),
            spacing="3",
        ),
        on_submit=state.save,
        reset_on_submit=False,
        no_validate=True,
        key=state.dialog + row.code,
    )


@admin_page("/admin/orderers", "発注者マスタ", nav="orderers", on_load=OrderersState.load)
def admin_orderers() -> rx.Component:
    state = OrderersState
    return rx.vstack(
        page_title("発注者マスタ", "申込フォームの発注者一覧、電子証書の対象開始日、提出先と件名の設定です。",
                   rx.button(rx.icon("plus", size=16), "発注者を追加", on_click=state.open_create, size="2")),
        messages(state),
        card(
            filter_box("発注者を検索", "orderer-search", "#orderer-list tbody tr", placeholder="名称・読み仮名・コード",
                       hint="一覧は読み仮名の五十音順です。"),
            rows_table(["コード", "名称・宛名", "区分", "電子保証", "提出方法・提出先", "状態", ""],
                       state.items, orderer_row_view, "発注者は登録されていません。", label="発注者の一覧"),
            id="orderer-list",
        ),
        rx.dialog.root(
            rx.dialog.content(
                rx.dialog.title(rx.cond(state.dialog == "create", "発注者の追加", "発注者の編集")),
                rx.dialog.description("電子証書の対象開始日は、入札公告日と比べて電子交付の可否を判定します。", size="2",
                                      margin_bottom="12px"),
                orderer_form(),
                max_width="640px",
            ),
            open=state.dialog != "",
            on_open_change=state.close_dialog,
        ),
        spacing="4",
        width="100%",
    )


def mail_row_view(row: MailRow) -> rx.Component:
    return rx.el.tr(
        rx.el.td(row.created, class_name="hs-nowrap"),
        rx.el.td(row.recipient),
        rx.el.td(row.subject),
        rx.el.td(badge(row.status_label, row.status_tone), rx.cond(row.error != "", rx.text(row.error, size="1",
                                                                                             color_scheme="red"))),
        rx.el.td(row.sent, class_name="hs-nowrap"),
        rx.el.td(row.attempts, class_name="hs-num"),
        rx.el.td(rx.cond(row.status == "failed",
                         rx.button("再送", on_click=MailState.retry(row.id), size="1", variant="soft"))),
    )


@admin_page("/admin/mail", "メール送信状況", nav="mail", on_load=MailState.load)
def admin_mail() -> rx.Component:
    return rx.vstack(
        page_title("メール送信状況", "送信するメールはすべて一度ここに記録され、順に送信されます（送信失敗は自動で再試行）。",
                   rx.button(rx.icon("refresh-cw", size=16), "更新", on_click=MailState.load, variant="soft", size="2")),
        messages(MailState),
        card(
            rows_table(["作成日時", "宛先", "件名", "状態", "送信日時", "試行", ""],
                       MailState.items, mail_row_view, "メールはありません。", numeric=(5,)),
        ),
        spacing="4",
        width="100%",
    )


def audit_row_view(row: AuditRow) -> rx.Component:
    return rx.el.tr(
        rx.el.td(row.seq, class_name="hs-num"),
        rx.el.td(row.at, class_name="hs-nowrap"),
        rx.el.td(rx.text(row.action_label, size="2"), rx.el.code(row.action, style={"fontSize": "11px"})),
        rx.el.td(row.actor),
        rx.el.td(row.target),
        rx.el.td(row.address),
        rx.el.td(rx.text(row.details, size="1")),
        rx.el.td(rx.el.span(row.hash, class_name="hs-mono", style={"fontSize": "11px"})),
    )


@admin_page("/admin/audit", "監査ログ", nav="audit", on_load=AuditState.load)
def admin_audit() -> rx.Component:
    state = AuditState
    return rx.vstack(
        page_title("監査ログ", "ログイン、申込、審査、認証キーの表示、D-Sureの閲覧・失敗、帳票、メールの記録です（追記のみ）。"),
        alert_if(state.error),
        rx.cond(
            state.chain_text != "",
            rx.cond(
                state.chain_ok,
                rx.callout(state.chain_text, icon="shield-check", color_scheme="green", width="100%", id="audit-chain"),
                rx.callout(state.chain_text, icon="shield-alert", color_scheme="red", width="100%", id="audit-chain"),
            ),
        ),
        card(
            rx.form(
                rx.flex(
                    rx.box(
                        rx.el.label("操作の種類で絞り込み", html_for="audit-action", class_name="hs-label"),
                        rx.el.input(id="audit-action", name="action", class_name="hs-input",
                                    placeholder="例：dsure.failed"),
                        class_name="hs-field",
                        flex="1 1 260px",
                    ),
                    rx.button("絞り込む", type="submit", size="3", variant="soft", loading=state.busy),
                    gap="12px",
                    align="end",
                    wrap="wrap",
                    width="100%",
                ),
                on_submit=state.filter,
                reset_on_submit=False,
                no_validate=True,
            ),
            rows_table(["seq", "日時", "操作", "実行者", "対象", "アドレス", "詳細", "ハッシュ"],
                       state.items, audit_row_view, "記録はありません。", numeric=(0,)),
            rx.cond(state.has_more,
                    rx.button("さらに古い記録を表示", on_click=state.more, variant="soft", size="2",
                              loading=state.busy)),
        ),
        spacing="4",
        width="100%",
    )
