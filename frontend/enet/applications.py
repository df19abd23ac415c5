"""e-Net: 申込状況 (list with a status timeline) and 保証申込 (the application form)."""

from __future__ import annotations

import reflex as rx

from frontend import fmt
from frontend.components.layout import enet_page
from frontend.components.ui import (
    alert,
    alert_if,
    badge,
    card,
    choices,
    confirm_dialog,
    empty_state,
    error_summary,
    filter_box,
    field,
    loading_block,
    note,
    page_title,
    select_field,
    submit_button,
)
from frontend.enet.rows import ApplicationView, Step
from frontend.enet.state import DELIVERY_OPTIONS, ApplicationsState, ApplyState


def timeline(steps) -> rx.Component:
    def step(item: Step) -> rx.Component:
        return rx.el.li(
            rx.el.span(
                rx.cond(item.state == "done", rx.icon("check", size=14),
                        rx.cond(item.state == "stopped", rx.icon("x", size=14))),
                class_name="hs-step-dot",
            ),
            rx.el.span(item.label, class_name="hs-step-label"),
            rx.el.span(item.date, class_name="hs-step-date"),
            class_name="hs-step",
            custom_attrs={"data-state": item.state},
        )

    return rx.el.ol(rx.foreach(steps, step), class_name="hs-steps", aria_label="手続きの進み具合")


def _document_button(application_id, kind: str, text: str) -> rx.Component:
    return rx.button(
        rx.icon("file-down", size=16), text,
        on_click=ApplicationsState.download(application_id, kind),
        loading=ApplicationsState.doc_busy == application_id + ":" + kind,
        variant="soft", color_scheme="gray", size="3",
    )


def withdraw_dialog() -> rx.Component:
    return confirm_dialog(
        "お申込みを取り下げますか",
        rx.fragment("受付番号 ", ApplicationsState.withdraw_id,
                    " のお申込みを取り下げます。取り下げたお申込みは元に戻せません（改めてお申込みいただくことはできます）。"),
        "取り下げる", ApplicationsState.withdraw, loading=ApplicationsState.busy,
        open=ApplicationsState.dialog == "withdraw", on_open_change=ApplicationsState.close_dialog,
    )


def application_card(item: ApplicationView) -> rx.Component:
    return card(
        rx.flex(
            rx.hstack(badge(item.type_label, "indigo"), badge(item.status_label, item.status_tone), spacing="2",
                      wrap="wrap"),
            rx.text("受付番号 ", item.id, "　", item.created, size="1", color_scheme="gray"),
            justify="between",
            wrap="wrap",
            gap="6px",
            width="100%",
        ),
        rx.text(item.project_name, weight="bold", size="4", line_height="1.4"),
        rx.text(item.orderer_name, "　", item.amount_label, " ", item.amount, size="2", color_scheme="gray"),
        timeline(item.steps),
        rx.text(item.message, size="2"),
        rx.cond(item.payment != "", rx.text(item.payment, size="2", weight="bold", class_name="fee-payment")),
        rx.cond(
            item.has_fee | item.can_withdraw,
            rx.el.div(
                rx.cond(item.has_fee, _document_button(item.id, "fee-statement", "保証料計算書（PDF）")),
                rx.cond(item.paid, _document_button(item.id, "fee-receipt", "保証料領収証（PDF）")),
                rx.cond(item.can_withdraw,
                        rx.button("取り下げる", on_click=ApplicationsState.ask_withdraw(item.id), variant="ghost",
                                  color_scheme="red", size="3",
                                  aria_label="受付番号 " + item.id + " のお申込みを取り下げる")),
                class_name="hs-actions",
            ),
        ),
        rx.cond(
            item.contract_number != "",
            rx.el.a(
                rx.button(rx.icon("shield-check", size=16), "電子証書を見る（保証契約番号 ", item.contract_number, "）",
                          variant="soft", size="3", width="100%"),
                href="/certificates/" + item.contract_number,
                width="100%",
            ),
        ),
        spacing="3",
        class_name="application-card",
        custom_attrs={"data-application-id": item.id},
    )


@enet_page("/applications", "申込状況", nav="applications", on_load=ApplicationsState.load)
def applications() -> rx.Component:
    return rx.vstack(
        page_title(
            "申込状況",
            "お申込みの手続きの進み具合をご確認いただけます。",
            rx.el.a(rx.button(rx.icon("plus", size=16), "新規保証申込", size="3"), href="/applications/new"),
        ),
        rx.cond(ApplicationsState.message != "", alert(ApplicationsState.message, tone="green", icon="circle-check")),
        alert_if(ApplicationsState.error),
        rx.cond(
            ~ApplicationsState.loaded & (ApplicationsState.error == ""),
            loading_block(),
            rx.cond(
                ApplicationsState.items.length() == 0,
                rx.cond(
                    ApplicationsState.loaded,
                    empty_state("clipboard-list", "お申込みはまだありません",
                                "前払金保証・契約保証のお申込みは「新規保証申込」から行えます。",
                                rx.el.a(rx.button("新規保証申込", size="3"), href="/applications/new")),
                ),
                rx.vstack(rx.foreach(ApplicationsState.items, application_card), spacing="3", width="100%"),
            ),
        ),
        withdraw_dialog(),
        spacing="4",
        width="100%",
    )


def _section(title: str, *children: rx.Component) -> rx.Component:
    return card(rx.el.h2(title, class_name="hs-label", style={"fontSize": "16px"}), *children, spacing="4")


@enet_page("/applications/new", "保証申込", nav="new", on_load=ApplyState.load)
def new_application() -> rx.Component:
    errors = ApplyState.field_errors
    orderer_picker = select_field(
        "発注者",
        "orderer_code",
        errors=errors,
        form="apply",
        required=True,
        dynamic=rx.foreach(ApplyState.orderers, lambda o: rx.el.option(o.name, value=o.code)),
        value=ApplyState.orderer_code,
        on_change=ApplyState.set_orderer_code,
        below=rx.cond(
            ApplyState.orderer_note != "",
            rx.el.div(
                rx.hstack(
                    rx.icon(rx.cond(ApplyState.orderer_paper_only, "file-text", "badge-check"), size=16),
                    rx.text(ApplyState.orderer_note, size="2"),
                    spacing="2",
                    align="start",
                ),
                class_name=rx.cond(ApplyState.orderer_paper_only, "hs-note hs-note-warn", "hs-note"),
                id="orderer-electronic-note",
            ),
        ),
    )
    form = rx.form(
        rx.vstack(
            error_summary(errors, "apply"),
            _section(
                "保証の内容",
                choices("保証種別", "guarantee_type", fmt.options(fmt.GUARANTEE_TYPES), ApplyState.guarantee_type,
                        ApplyState.set_guarantee_type, errors, form="apply", required=True),
                filter_box("発注者を検索", "apply-orderer-search", "#apply-orderer_code option",
                           placeholder="例：鳥取", hint="名称の一部を入力すると、下の一覧を絞り込みます（五十音順）。"),
                orderer_picker,
            ),
            _section(
                "工事の内容",
                field("工事番号", "orderer_project_number", errors, form="apply",
                      hint="発注者の工事番号・仕様書番号（任意）。発注者へのメール件名に使われます。"),
                field("工事名", "project_name", errors, form="apply", required=True,
                      placeholder="例：一般国道○○号道路改良工事"),
                field("工事場所", "project_location", errors, form="apply", required=True,
                      placeholder="例：鳥取県鳥取市○○町地内"),
                rx.el.div(
                    field("請負代金額（円）", "contract_amount", errors, form="apply", required=True,
                          input_mode="numeric", placeholder="例：55000000"),
                    field(
                        rx.cond(ApplyState.is_contract, "保証金額（円）", "前払金額（円）"),
                        "amount",
                        errors,
                        form="apply",
                        required=True,
                        input_mode="numeric",
                        hint=None,
                    ),
                    class_name="hs-grid-2",
                ),
                rx.text(
                    rx.cond(
                        ApplyState.is_contract,
                        "契約保証の保証金額は請負代金額の10%以上（低入札の場合は30%以上）です。",
                        rx.cond(ApplyState.guarantee_type == "advance", "前払金は請負代金額の40%以内です。",
                                "中間前払金は請負代金額の20%以内（前払金との合計で60%以内）です。"),
                    ),
                    size="1",
                    color_scheme="gray",
                ),
                rx.cond(
                    ~ApplyState.is_contract,
                    rx.el.div(
                        field("預託金融機関（金融機関名）", "deposit_bank_name", errors, form="apply", required=True,
                              placeholder="例：鳥取銀行", hint="前払金専用口座のある金融機関です。"),
                        field("預託金融機関（支店名）", "deposit_bank_branch", errors, form="apply", required=True,
                              placeholder="例：県庁支店"),
                        class_name="hs-grid-2",
                    ),
                ),
                rx.cond(
                    ApplyState.guarantee_type == "interim_advance",
                    rx.el.div(
                        field("前払金保証の保証契約番号", "advance_contract_number", errors, form="apply", required=True,
                              input_mode="numeric", placeholder="例：2070004426",
                              hint="同じ工事・同じ発注者の前払金保証（有効なもの）の10桁の番号です。"),
                        field("中間前払金の認定日", "interim_certified_on", errors, form="apply", type_="date",
                              required=True, hint="発注者から中間前払金の認定を受けた日です。"),
                        class_name="hs-grid-2",
                    ),
                ),
                rx.el.div(
                    field("契約日", "contract_date", errors, form="apply", type_="date", required=True),
                    field("入札公告日", "bid_announced_on", errors, form="apply", type_="date", required=True,
                          hint="電子証書の対象かどうかの判定に使います。"),
                    class_name="hs-grid-2",
                ),
                rx.el.div(
                    field("工期（始期）", "period_start", errors, form="apply", type_="date", required=True),
                    field("工期（終期）", "period_end", errors, form="apply", type_="date", required=True),
                    class_name="hs-grid-2",
                ),
            ),
            _section(
                "連絡事項等",
                choices("保証証書の受取方法", "delivery", DELIVERY_OPTIONS, ApplyState.delivery,
                        ApplyState.set_delivery, errors, form="apply", required=True,
                        hint="「電子交付を希望する」を選ぶと、保証契約締結後に電子証書と認証キーをご用意します。"),
                field("連絡事項", "notes", errors, form="apply", textarea=True,
                      hint="当社への連絡事項があればご記入ください（任意）。"),
            ),
            alert_if(ApplyState.error),
            rx.el.div(
                submit_button("この内容で申し込む", ApplyState.busy),
                rx.el.a(rx.button("キャンセル", variant="soft", color_scheme="gray", size="3", type="button",
                                  width="100%"), href="/applications"),
                class_name="hs-actions",
            ),
            spacing="4",
            width="100%",
        ),
        on_submit=ApplyState.submit,
        reset_on_submit=False,
        no_validate=True,
        width="100%",
    )
    return rx.vstack(
        page_title("保証申込", "お申込み内容を入力してください。保証料のお知らせは審査後にお送りします。"),
        note(rx.text("電子保証（電子証書）の対象は前払金保証・契約保証です。発注者が電子証書に対応しているか、"
                     "発注者を選ぶと表示されます。")),
        form,
        spacing="4",
        width="100%",
    )
