"""Admin queues: 登録の承認, 申込の審査 (fee notice, payment, conclusion, rejection), 電子証書."""

from __future__ import annotations

import reflex as rx

from frontend import fmt
from frontend.admin.rows import APPLICATION_TABS, ApplicationRow, CertificateRow, CompanyRow
from frontend.admin.state import AdminApplicationsState, AdminCertificatesState, RegistrationsState
from frontend.components.layout import admin_page
from frontend.components.tables import rows_table
from frontend.components.ui import alert_if, badge, card, confirm_button, field, messages, page_title, select_field

# --- registrations -----------------------------------------------------------------------------


def pending_row(row: CompanyRow) -> rx.Component:
    return rx.el.tr(
        rx.el.td(rx.el.span(row.customer_id, class_name="hs-mono")),
        rx.el.td(rx.text(row.company_name, weight="bold"), rx.text(row.representative, size="1")),
        rx.el.td(row.address, rx.el.br(), row.phone),
        rx.el.td(row.license_number),
        rx.el.td(row.email),
        rx.el.td(row.created, class_name="hs-nowrap"),
        rx.el.td(rx.button("承認する", on_click=RegistrationsState.approve(row.customer_id), size="2",
                           loading=RegistrationsState.busy,
                           aria_label="お客様ID " + row.customer_id + " " + row.company_name + " を承認する")),
    )


def active_row(row: CompanyRow) -> rx.Component:
    return rx.el.tr(
        rx.el.td(rx.el.span(row.customer_id, class_name="hs-mono")),
        rx.el.td(row.company_name),
        rx.el.td(row.representative),
        rx.el.td(row.email),
        rx.el.td(badge(row.status_label, "green")),
    )


@admin_page("/admin/registrations", "登録の承認", nav="registrations", on_load=RegistrationsState.load)
def admin_registrations() -> rx.Component:
    state = RegistrationsState
    return rx.vstack(
        page_title("登録の承認", "e-Net保証のID登録の申込みです。内容を確認して承認してください。"),
        messages(state),
        card(
            rx.text("承認待ち（", state.pending.length(), "件）", weight="bold"),
            rows_table(["お客様ID", "商号・代表者", "所在地・電話", "建設業許可番号", "メール", "申込日時", "操作"],
                       state.pending, pending_row, "承認待ちの登録はありません。"),
        ),
        card(
            rx.text("利用中のお客様（", state.active.length(), "件）", weight="bold"),
            rows_table(["お客様ID", "商号", "代表者", "メール", "状態"], state.active, active_row, "まだありません。"),
        ),
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
    payment = rx.form(
        rx.vstack(
            field("入金日", "paid_on", errors, form="pay", type_="date", required=True, default_value=state.today),
            field("入金額（円）", "amount", errors, form="pay", required=True, input_mode="numeric",
                  default_value=state.target_fee, hint="保証料と同額であることを確認してください。"),
            alert_if(state.error),
            rx.hstack(
                rx.dialog.close(rx.button("やめる", variant="soft", color_scheme="gray", type="button")),
                rx.button("入金を確認する", type="submit", loading=state.busy),
                justify="end", width="100%",
            ),
            spacing="3",
        ),
        on_submit=state.payment,
        reset_on_submit=False,
        no_validate=True,
    )
    reject = rx.form(
        rx.vstack(
            field("謝絶の理由", "reason", errors, form="reject", required=True, textarea=True,
                  hint="お客様の申込状況に表示されます。"),
            alert_if(state.error),
            rx.hstack(
                rx.dialog.close(rx.button("やめる", variant="soft", color_scheme="gray", type="button")),
                rx.button("謝絶する", type="submit", color_scheme="red", loading=state.busy),
                justify="end", width="100%",
            ),
            spacing="3",
        ),
        on_submit=state.reject,
        reset_on_submit=False,
        no_validate=True,
    )
    return rx.dialog.root(
        rx.dialog.content(
            rx.dialog.title(rx.cond(state.dialog == "payment", "入金確認", "謝絶")),
            rx.dialog.description(state.target_label, size="2", margin_bottom="12px"),
            rx.cond(state.dialog == "payment", payment, reject),
            max_width="480px",
        ),
        open=state.dialog != "",
        on_open_change=state.close_dialog,
    )


@admin_page("/admin/applications", "申込の審査", nav="applications", on_load=AdminApplicationsState.load)
def admin_applications() -> rx.Component:
    state = AdminApplicationsState
    tabs = rx.hstack(
        *[
            rx.button(
                text, " ", state.counts.get(code, 0).to_string(),
                on_click=state.set_tab(code),
                variant=rx.cond(state.tab == code, "solid", "soft"),
                size="2",
                custom_attrs={"aria-pressed": rx.cond(state.tab == code, "true", "false")},
            )
            for code, text in APPLICATION_TABS
        ],
        wrap="wrap",
        spacing="2",
        role="toolbar",
        aria_label="申込の状態",
    )
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

    def buttons(text: str, tone: str = "blue") -> rx.Component:
        return rx.hstack(
            rx.dialog.close(rx.button("やめる", variant="soft", color_scheme="gray", type="button")),
            rx.button(text, type="submit", color_scheme=tone, loading=state.busy),
            justify="end",
            width="100%",
        )

    amend = rx.form(
        rx.vstack(
            rx.text("変更する項目だけ入力してください。新しい版の電子証書が発行され、発注者に変更が表示されます。", size="2"),
            field("請負代金額（円）", "contract_amount", errors, form="amend", input_mode="numeric"),
            field("保証金額（円）", "guarantee_amount", errors, form="amend", input_mode="numeric"),
            field("保証期限（工期の終期）", "period_end", errors, form="amend", type_="date"),
            field("変更理由", "reason", errors, form="amend", required=True, placeholder="例：設計変更による工期延長"),
            alert_if(state.error),
            buttons("変更を登録する"),
            spacing="3",
        ),
        on_submit=state.amend,
        reset_on_submit=False,
        no_validate=True,
    )
    cancel = rx.form(
        rx.vstack(
            field("解約の理由", "reason", errors, form="cancel", required=True, textarea=True),
            alert_if(state.error),
            buttons("解約する", "red"),
            spacing="3",
        ),
        on_submit=state.cancel,
        reset_on_submit=False,
        no_validate=True,
    )
    reissue = rx.vstack(
        rx.text("認証キーを再発行すると、現在の認証キーは直ちに使えなくなります。お客様には新しい「認証キー等のお知らせ」を"
                "発注者へ再提出していただく必要があります。", size="2"),
        alert_if(state.error),
        rx.hstack(
            rx.dialog.close(rx.button("やめる", variant="soft", color_scheme="gray")),
            rx.button("再発行する", on_click=state.reissue, color_scheme="amber", loading=state.busy),
            justify="end",
            width="100%",
        ),
        spacing="3",
    )
    return rx.dialog.root(
        rx.dialog.content(
            rx.dialog.title(rx.match(state.dialog, ("amend", "電子証書の変更"), ("cancel", "解約"),
                                     ("reissue", "認証キーの再発行"), "")),
            rx.dialog.description(state.target_label, size="2", margin_bottom="12px"),
            rx.match(state.dialog, ("amend", amend), ("cancel", cancel), ("reissue", reissue), rx.fragment()),
            max_width="520px",
        ),
        open=state.dialog != "",
        on_open_change=state.close_dialog,
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
