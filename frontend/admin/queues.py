"""Admin queues: 登録の承認 (approval, 差戻し・不承認, 利用停止・再開), 申込の審査 (fee notice, payment, conclusion, rejection), 電子証書."""

from __future__ import annotations

from typing import Any

import reflex as rx
from reflex.vars.base import Var

from frontend import fmt
from frontend.admin.rows import APPLICATION_TABS, COMPANY_TABS, ApplicationRow, CertificateRow, CompanyRow
from frontend.admin.state import AdminApplicationsState, AdminCertificatesState, RegistrationsState
from frontend.components.layout import admin_page
from frontend.components.tables import rows_table
from frontend.components.ui import (
    alert_if,
    badge,
    card,
    confirm_button,
    field,
    messages,
    note,
    page_title,
    select_field,
)

# --- dialogs and tabs the queues share --------------------------------------------------------


def dialog_buttons(text: str, busy: Var, tone: str = "blue", on_click: Any = None,
                   cancel: rx.Component | None = None) -> rx.Component:
    """やめる (or ``cancel``) and the dialog's action: its form's submit, or ``on_click``."""
    action = (rx.button(text, type="submit", color_scheme=tone, loading=busy) if on_click is None
              else rx.button(text, on_click=on_click, color_scheme=tone, loading=busy))
    return rx.hstack(
        cancel if cancel is not None else rx.dialog.close(
            rx.button("やめる", variant="soft", color_scheme="gray", type="button")),
        action,
        justify="end",
        width="100%",
        wrap="wrap",
    )


def dialog_form(on_submit: Any, *children: rx.Component) -> rx.Component:
    """A dialog's form, checked by the API (its messages beside the boxes; what was typed stays)."""
    return rx.form(rx.vstack(*children, spacing="3"), on_submit=on_submit, reset_on_submit=False, no_validate=True)


def reason_form(state: Any, form: str, label: str, submit: str, on_submit: Any, *, tone: str = "red",
                hint: str | None = None, required: bool = True, **props: Any) -> rx.Component:
    """A dialog asking for a reason (謝絶・解約・不承認・利用停止), with the call's refusal and its buttons."""
    return dialog_form(
        on_submit,
        field(label, "reason", state.field_errors, form=form, required=required, textarea=True, hint=hint, **props),
        alert_if(state.error),
        dialog_buttons(submit, state.busy, tone),
    )


def action_dialog(state: Any, title: Any, body: Any, max_width: str = "480px") -> rx.Component:
    """The page's dialog (``state.dialog`` names it), headed by what it acts on (``state.target_label``)."""
    return rx.dialog.root(
        rx.dialog.content(
            rx.dialog.title(title),
            rx.dialog.description(state.target_label, size="2", margin_bottom="12px"),
            body,
            max_width=max_width,
        ),
        open=state.dialog != "",
        on_open_change=state.close_dialog,
    )


def status_tabs(state: Any, tabs: list[tuple[str, str]], label: str) -> rx.Component:
    """Buttons for the states of a list, each with its count (``state.tab``, ``state.counts``, ``state.set_tab``)."""
    return rx.hstack(
        *[
            rx.button(
                text, " ", state.counts.get(code, 0).to_string(),
                on_click=state.set_tab(code),
                variant=rx.cond(state.tab == code, "solid", "soft"),
                size="2",
                custom_attrs={"aria-pressed": rx.cond(state.tab == code, "true", "false")},
            )
            for code, text in tabs
        ],
        wrap="wrap",
        spacing="2",
        role="toolbar",
        aria_label=label,
    )


# --- registrations -----------------------------------------------------------------------------


def _named(row: CompanyRow, action: str) -> Var:
    """A row's button for a screen reader: which company (the visible text stays in the name)."""
    return "お客様ID " + row.customer_id + " " + row.company_name + " を" + action


def company_cells(row: CompanyRow) -> list[rx.Component]:
    return [
        rx.el.td(rx.el.span(row.customer_id, class_name="hs-mono")),
        rx.el.td(rx.text(row.company_name, weight="bold"), rx.text(row.representative, size="1")),
    ]


def pending_row(row: CompanyRow) -> rx.Component:
    state = RegistrationsState
    return rx.el.tr(
        *company_cells(row),
        rx.el.td(row.address, rx.el.br(), row.phone),
        rx.el.td(row.license_number, custom_attrs={"data-label": "建設業許可"}),
        rx.el.td(row.email),
        rx.el.td(rx.text(row.age, weight="bold"), rx.text(row.created, size="1", color_scheme="gray"),
                 class_name="hs-nowrap", custom_attrs={"data-label": "申込み"}),
        rx.el.td(rx.hstack(
            rx.button("承認する", on_click=state.approve(row.customer_id), size="2", loading=state.busy,
                      aria_label=_named(row, "承認する")),
            rx.button("差戻し・不承認", on_click=state.open_dialog("reject", row.customer_id), size="2",
                      color_scheme="red", variant="soft", aria_label=_named(row, "差戻し・不承認")),
            spacing="2", wrap="wrap")),
        custom_attrs={"data-customer-id": row.customer_id},
    )


def company_actions(row: CompanyRow) -> rx.Component:
    state = RegistrationsState
    return rx.match(
        row.status,
        ("active", rx.button("利用停止", on_click=state.open_dialog("suspend", row.customer_id), size="1",
                             color_scheme="red", variant="soft", aria_label=_named(row, "利用停止"))),
        ("suspended", confirm_button(
            "利用再開", "利用を再開しますか",
            "お客様ID " + row.customer_id + "（" + row.company_name + "）のログインとお申込みを再開し、"
            "お客様へ利用再開のお知らせをメールで送ります。",
            "利用再開する", state.resume(row.customer_id), tone="green", label=_named(row, "利用再開"),
            loading=state.busy)),
        rx.text("―", color_scheme="gray"),
    )


def company_row_view(row: CompanyRow) -> rx.Component:
    return rx.el.tr(
        *company_cells(row),
        rx.el.td(row.email),
        rx.el.td(
            badge(row.status_label, row.status_tone),
            rx.cond(row.reason != "", rx.text("理由：", row.reason, size="1", class_name="hs-prewrap")),
            rx.cond(row.changed != "", rx.text(row.changed, size="1", color_scheme="gray")),
            custom_attrs={"data-label": "状態"},
        ),
        rx.el.td(company_actions(row)),
        custom_attrs={"data-customer-id": row.customer_id},
    )


def registration_dialog() -> rx.Component:
    state = RegistrationsState
    reject = rx.vstack(
        note("入力した理由は、不承認のお知らせとしてお客様（申込者）へメールで送られます。お客様は内容を直して"
             "改めて登録を申し込めます（新しいお客様IDになります）。"),
        reason_form(state, "creject", "差戻し・不承認の理由", "内容を確認する", state.review_rejection, tone="blue",
                    hint="例：建設業許可番号が確認できませんでした。許可通知書のとおりご入力のうえ、改めてお申込みください。",
                    default_value=state.reason, max_length=1000, key=state.target_id),
        spacing="3",
    )
    confirm = rx.vstack(
        rx.text("次の理由を記載して、不承認のお知らせをメールで送ります。送信後は取り消せません。", size="2"),
        rx.el.blockquote(state.reason, id="rejection-reason", class_name="hs-note hs-prewrap", width="100%"),
        alert_if(state.error),
        dialog_buttons("不承認としてメールを送る", state.busy, "red", on_click=state.reject,
                       cancel=rx.button("戻って直す", on_click=state.edit_rejection, variant="soft", color_scheme="gray",
                                        type="button")),
        spacing="3",
    )
    suspend = rx.vstack(
        note("利用を停止すると、この会社のログイン中のセッションは直ちに終了し、停止中はログインも新たなお申込みも"
             "できなくなります。お客様へ利用停止のお知らせをメールで送ります（発行済みの電子証書は引き続き"
             "D-Sureで確認できます）。", warn=True),
        reason_form(state, "suspend", "停止の理由", "利用停止する", state.suspend, required=False,
                    hint="任意。入力した場合はお客様へのメールに記載されます。", max_length=1000),
        spacing="3",
    )
    return action_dialog(
        state,
        rx.match(state.dialog, ("reject", "登録の差戻し・不承認"), ("reject_confirm", "不承認のお知らせを送りますか"),
                 ("suspend", "利用停止"), ""),
        rx.match(state.dialog, ("reject", reject), ("reject_confirm", confirm), ("suspend", suspend), rx.fragment()),
        max_width="520px",
    )


@admin_page("/admin/registrations", "登録の承認", nav="registrations", on_load=RegistrationsState.load)
def admin_registrations() -> rx.Component:
    state = RegistrationsState
    return rx.vstack(
        page_title("登録の承認", "e-Net保証のID登録の申込みです。内容を確認して承認するか、理由を添えて差し戻してください。"),
        messages(state),
        card(
            rx.el.h2("承認待ち（", state.pending.length(), "件）"),
            rx.cond(state.waiting != "", rx.text(state.waiting, id="pending-summary", size="2")),
            rows_table(["お客様ID", "商号・代表者", "所在地・電話", "建設業許可番号", "メール", "申込み", "操作"],
                       state.pending, pending_row, "承認待ちの登録はありません。", label="承認待ちの登録（古い順）", stack=True),
            id="pending-registrations",
        ),
        card(
            rx.el.h2("登録済みのお客様"),
            status_tabs(state, COMPANY_TABS, "お客様の状態"),
            rows_table(["お客様ID", "商号・代表者", "メール", "状態", "操作"], state.companies, company_row_view,
                       "この状態のお客様はいません。", label="お客様の一覧", stack=True),
            id="companies",
        ),
        registration_dialog(),
        spacing="4",
        width="100%",
    )


# --- applications --------------------------------------------------------------------------------


def application_actions(row: ApplicationRow) -> rx.Component:
    state = AdminApplicationsState
    return rx.match(
        row.status,
        ("submitted", rx.hstack(
            confirm_button("保証料を通知", "保証料のお知らせを送りますか",
                           "受付番号 " + row.id + "（" + row.company + "）へ、保証料計算書を添えたお知らせのメールを送ります。",
                           "通知する", state.fee_notice(row.id), loading=state.busy),
            rx.button("謝絶", on_click=state.open_dialog("reject", row.id), size="1", color_scheme="red",
                      variant="soft"),
            spacing="2", wrap="wrap")),
        ("fee_notified", rx.hstack(
            rx.button("入金確認", on_click=state.open_dialog("payment", row.id), size="1"),
            rx.button("謝絶", on_click=state.open_dialog("reject", row.id), size="1", color_scheme="red",
                      variant="soft"),
            spacing="2", wrap="wrap")),
        ("paid", confirm_button("締結する", "保証契約を締結しますか",
                                "受付番号 " + row.id + "「" + row.project_name + "」の保証契約を締結し、保証契約番号と"
                                "電子証書を発行します。締結は取り消せません（以後は変更・解約の手続きになります）。",
                                "締結する", state.conclude(row.id), tone="green", loading=state.busy)),
        ("concluded", rx.link(row.contract_number, href="/admin/certificates", class_name="hs-mono")),
        rx.text("―", color_scheme="gray"),
    )


def application_row_view(row: ApplicationRow) -> rx.Component:
    return rx.el.tr(
        rx.el.td(row.id),
        rx.el.td(rx.text(row.company), rx.text(row.created, size="1", color_scheme="gray")),
        rx.el.td(badge(row.type_label, "indigo"), rx.text(row.delivery, size="1")),
        rx.el.td(rx.text(row.project_name, weight="bold"), rx.text(row.orderer_name, size="1"),
                 rx.text("工期 ", row.period, size="1", color_scheme="gray"),
                 rx.text("入札公告 ", row.bid_announced, size="1", color_scheme="gray")),
        rx.el.td(row.contract_amount, class_name="hs-num"),
        rx.el.td(row.amount, class_name="hs-num"),
        rx.el.td(rx.text(row.fee), rx.text(row.paid, size="1", color_scheme="gray"), class_name="hs-num"),
        rx.el.td(application_actions(row)),
        custom_attrs={"data-application-id": row.id},
    )


def application_dialog() -> rx.Component:
    state = AdminApplicationsState
    errors = state.field_errors
    payment = dialog_form(
        state.payment,
        field("入金日", "paid_on", errors, form="pay", type_="date", required=True, default_value=state.today),
        field("入金額（円）", "amount", errors, form="pay", required=True, input_mode="numeric",
              default_value=state.target_fee, hint="保証料と同額であることを確認してください。"),
        alert_if(state.error),
        dialog_buttons("入金を確認する", state.busy),
    )
    reject = reason_form(state, "reject", "謝絶の理由", "謝絶する", state.reject, hint="お客様の申込状況に表示されます。")
    return action_dialog(state, rx.cond(state.dialog == "payment", "入金確認", "謝絶"),
                         rx.cond(state.dialog == "payment", payment, reject))


@admin_page("/admin/applications", "申込の審査", nav="applications", on_load=AdminApplicationsState.load)
def admin_applications() -> rx.Component:
    state = AdminApplicationsState
    tabs = status_tabs(state, APPLICATION_TABS, "申込の状態")
    return rx.vstack(
        page_title("申込の審査", "保証料のお知らせ → 入金確認 → 保証契約の締結の順に進めます。"),
        messages(state),
        tabs,
        card(
            rows_table(["受付番号", "申込者", "種別", "工事", "請負代金額", "保証金額", "保証料・入金", "操作"],
                       state.items, application_row_view, "この状態のお申込みはありません。", numeric=(4, 5, 6)),
        ),
        application_dialog(),
        spacing="4",
        width="100%",
    )


# --- certificates -------------------------------------------------------------------------------


def certificate_row_view(row: CertificateRow) -> rx.Component:
    state = AdminCertificatesState
    return rx.el.tr(
        rx.el.td(rx.el.span(row.contract_number, class_name="hs-mono"), rx.text(row.version, size="1")),
        rx.el.td(badge(row.type_label, "indigo")),
        rx.el.td(rx.text(row.project_name, weight="bold"), rx.text(row.orderer_name, size="1"),
                 rx.text(row.company, size="1", color_scheme="gray")),
        rx.el.td(row.amount, class_name="hs-num"),
        rx.el.td(badge(row.status_label, row.status_tone)),
        rx.el.td(row.issued, class_name="hs-nowrap"),
        rx.el.td(rx.cond(row.viewed != "", row.viewed, "未閲覧"), class_name="hs-nowrap"),
        rx.el.td(
            rx.cond(
                row.status == "valid",
                rx.hstack(
                    rx.button("変更", on_click=state.open_dialog("amend", row.contract_number), size="1",
                              variant="soft"),
                    rx.button("キー再発行", on_click=state.open_dialog("reissue", row.contract_number), size="1",
                              variant="soft", color_scheme="amber"),
                    rx.button("解約", on_click=state.open_dialog("cancel", row.contract_number), size="1",
                              variant="soft", color_scheme="red"),
                    spacing="2",
                    wrap="wrap",
                ),
                rx.text("―", color_scheme="gray"),
            )
        ),
    )


def certificate_dialog() -> rx.Component:
    state = AdminCertificatesState
    errors = state.field_errors
    amend = dialog_form(
        state.amend,
        rx.text("変更する項目だけ入力してください。新しい版の電子証書が発行され、発注者に変更が表示されます。", size="2"),
        field("請負代金額（円）", "contract_amount", errors, form="amend", input_mode="numeric"),
        field("保証金額（円）", "guarantee_amount", errors, form="amend", input_mode="numeric"),
        field("保証期限（工期の終期）", "period_end", errors, form="amend", type_="date"),
        field("変更理由", "reason", errors, form="amend", required=True, placeholder="例：設計変更による工期延長"),
        alert_if(state.error),
        dialog_buttons("変更を登録する", state.busy),
    )
    cancel = reason_form(state, "cancel", "解約の理由", "解約する", state.cancel)
    reissue = rx.vstack(
        rx.text("認証キーを再発行すると、現在の認証キーは直ちに使えなくなります。お客様には新しい「認証キー等のお知らせ」を"
                "発注者へ再提出していただく必要があります。", size="2"),
        alert_if(state.error),
        dialog_buttons("再発行する", state.busy, "amber", on_click=state.reissue),
        spacing="3",
    )
    return action_dialog(
        state,
        rx.match(state.dialog, ("amend", "電子証書の変更"), ("cancel", "解約"), ("reissue", "認証キーの再発行"), ""),
        rx.match(state.dialog, ("amend", amend), ("cancel", cancel), ("reissue", reissue), rx.fragment()),
        max_width="520px",
    )


@admin_page("/admin/certificates", "電子証書", nav="certificates", on_load=AdminCertificatesState.load)
def admin_certificates() -> rx.Component:
    state = AdminCertificatesState
    search = rx.form(
        rx.flex(
            rx.box(
                rx.el.label("キーワード", html_for="acert-q", class_name="hs-label"),
                rx.el.input(id="acert-q", name="q", type="search", class_name="hs-input",
                            placeholder="保証契約番号・工事名・発注者・業者名"),
                class_name="hs-field",
                flex="2 1 260px",
            ),
            rx.box(select_field("状態", "status", fmt.CERTIFICATE_FILTER, form="acert", placeholder="すべて"),
                   flex="1 1 160px"),
            rx.button(rx.icon("search", size=16), "検索", type="submit", size="3", loading=state.busy),
            gap="12px",
            align="end",
            wrap="wrap",
            width="100%",
        ),
        on_submit=state.search,
        reset_on_submit=False,
        no_validate=True,
        role="search",
    )
    return rx.vstack(
        page_title("電子証書", "発行済みの電子証書の検索・変更・解約・認証キーの再発行を行います。"),
        messages(state),
        card(search),
        card(
            rows_table(["保証契約番号", "種別", "工事・発注者・業者", "保証金額", "状態", "発行日", "発注者閲覧", "操作"],
                       state.items, certificate_row_view, "該当する電子証書はありません。", numeric=(3,)),
        ),
        certificate_dialog(),
        spacing="4",
        width="100%",
    )
