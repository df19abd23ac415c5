"""管理: the queue of change requests (変更・解約の審査), beside the application queue.

保証料のお知らせ → 入金確認 (a 追加保証料 only) → 締結, or 謝絶; each after a confirmation in a dialog.
"""

from __future__ import annotations

import reflex as rx

from frontend.admin.rows import CHANGE_TABS, ChangeAdminRow
from frontend.admin.state import AdminChangesState
from frontend.components.layout import admin_page
from frontend.components.tables import rows_table
from frontend.components.ui import alert_if, badge, card, field, messages, page_title


def actions(row: ChangeAdminRow) -> rx.Component:
    state = AdminChangesState
    reject = rx.button("謝絶", on_click=state.open_dialog("reject", row.id), size="1", color_scheme="red", variant="soft")
    return rx.match(
        row.step,
        ("notice", rx.hstack(rx.button("保証料を通知", on_click=state.open_dialog("notice", row.id), size="1"),
                             reject, spacing="2", wrap="wrap")),
        ("payment", rx.hstack(rx.button("入金確認", on_click=state.open_dialog("payment", row.id), size="1"),
                              reject, spacing="2", wrap="wrap")),
        ("conclude", rx.button("締結する", on_click=state.open_dialog("conclude", row.id), size="1", color_scheme="green")),
        rx.text(row.status_label, size="1", color_scheme="gray"),
    )


def row_view(row: ChangeAdminRow) -> rx.Component:
    return rx.el.tr(
        rx.el.td(row.id),
        rx.el.td(rx.text(row.company), rx.text(row.number, size="1", class_name="hs-mono")),
        rx.el.td(badge(row.kind_label, "indigo")),
        rx.el.td(rx.text(row.project_name, weight="bold"), rx.text(row.asked, size="1"),
                 rx.text("理由 ", row.reason, size="1", color_scheme="gray")),
        rx.el.td(rx.text(row.fee), rx.text(row.paid, size="1", color_scheme="gray"), class_name="hs-num"),
        rx.el.td(actions(row)),
        custom_attrs={"data-change-request-id": row.id},
    )


def _buttons(text: str, tone: str = "blue") -> rx.Component:
    return rx.hstack(
        rx.dialog.close(rx.button("やめる", variant="soft", color_scheme="gray", type="button")),
        rx.button(text, type="submit", color_scheme=tone, loading=AdminChangesState.busy),
        justify="end", width="100%",
    )


def dialog() -> rx.Component:
    state = AdminChangesState
    errors = state.field_errors
    payment = rx.form(
        rx.vstack(
            field("入金日", "paid_on", errors, form="change-pay", type_="date", required=True, default_value=state.today,
                  hint="保証料のお知らせの日から今日までの日付です。"),
            field("入金額（円）", "amount", errors, form="change-pay", required=True, input_mode="numeric",
                  default_value=state.target_fee, hint="追加保証料と同額であることを確認してください。"),
            alert_if(state.error), _buttons("入金を確認する"), spacing="3",
        ),
        on_submit=state.payment, reset_on_submit=False, no_validate=True,
    )
    reject = rx.form(
        rx.vstack(
            field("謝絶の理由", "reason", errors, form="change-reject", required=True, textarea=True,
                  hint="お客様の電子証書の画面とメールに表示されます。"),
            alert_if(state.error), _buttons("謝絶する", "red"), spacing="3",
        ),
        on_submit=state.reject, reset_on_submit=False, no_validate=True,
    )
    notice = rx.form(
        rx.vstack(
            rx.text("追加保証料計算書または保証料返還計算書を作成し、お客様へメールでお知らせします。"
                    "追加保証料は入金の確認後、返還保証料・増減なしはそのまま締結に進めます。", size="2"),
            alert_if(state.error), _buttons("通知する"), spacing="3",
        ),
        on_submit=state.fee_notice, reset_on_submit=False,
    )
    conclude = rx.form(
        rx.vstack(
            rx.text("締結すると、変更後の電子証書（次の版）を発行するか、保証契約を解約し、お客様へメールでお知らせします。"
                    "取り消すことはできません。", size="2"),
            alert_if(state.error), _buttons("締結する", "green"), spacing="3",
        ),
        on_submit=state.conclude, reset_on_submit=False,
    )
    titles = {"notice": "保証料のお知らせの確認", "payment": "追加保証料の入金確認", "reject": "謝絶", "conclude": "締結の確認"}
    return rx.dialog.root(
        rx.dialog.content(
            rx.dialog.title(rx.match(state.dialog, *titles.items(), "")),
            rx.dialog.description(state.target_label, size="2", margin_bottom="12px"),
            rx.match(state.dialog, ("notice", notice), ("payment", payment), ("reject", reject), ("conclude", conclude),
                     rx.fragment()),
            max_width="480px",
        ),
        open=state.dialog != "",
        on_open_change=state.close_dialog,
    )


@admin_page("/admin/change-requests", "変更・解約の審査", nav="changes", on_load=AdminChangesState.load)
def admin_change_requests() -> rx.Component:
    state = AdminChangesState
    tabs = rx.hstack(
        *[
            rx.button(text, on_click=state.set_tab(code), variant=rx.cond(state.tab == code, "solid", "soft"), size="2",
                      custom_attrs={"aria-pressed": rx.cond(state.tab == code, "true", "false")})
            for code, text in CHANGE_TABS
        ],
        wrap="wrap", spacing="2", role="toolbar", aria_label="変更・解約の申込みの状態",
    )
    return rx.vstack(
        page_title("変更・解約の審査", "保証料のお知らせ → 追加保証料の入金確認 → 締結（次の版の発行・解約）の順に進めます。"),
        messages(state),
        tabs,
        card(
            rows_table(["申込番号", "申込者・保証契約番号", "種類", "工事・申込内容", "保証料の増減", "操作"],
                       state.items, row_view, "この状態の申込みはありません。", numeric=(4,)),
        ),
        dialog(),
        spacing="4",
        width="100%",
    )
