"""e-Net: 電子証書一覧 and one certificate (versions, 認証キー, PDFs, 発注者へ送付)."""

from __future__ import annotations

import reflex as rx

from frontend import fmt
from frontend.components.layout import enet_page
from frontend.components.ui import (
    alert,
    alert_if,
    api_form,
    badge,
    card,
    choices,
    confirm_dialog,
    dl_dynamic,
    empty_state,
    field,
    loading_block,
    page_title,
    select_field,
    submit_button,
)
from frontend.enet.rows import CertificateView, ChangeRow, ViewLogRow
from frontend.enet.state import CertificatesState, CertificateState
from frontend.views import ChangeView, VersionView

def certificate_item(item: CertificateView) -> rx.Component:
    return rx.el.a(
        rx.vstack(
            rx.flex(
                rx.hstack(badge(item.type_label, "indigo"), badge(item.status_label, item.status_tone), spacing="2"),
                rx.text(item.version, size="1", color_scheme="gray"),
                justify="between",
                width="100%",
            ),
            rx.text(item.project_name, weight="bold", size="4", line_height="1.4"),
            rx.text("保証契約番号 ", rx.el.span(item.contract_number, class_name="hs-mono"), size="2"),
            rx.text(item.orderer_name, "　保証金額 ", item.amount, size="2", color_scheme="gray"),
            rx.flex(
                rx.text("発行日 ", item.issued, size="1", color_scheme="gray"),
                rx.cond(
                    item.paper,
                    badge("書面交付", "gray"),
                    rx.cond(
                        item.viewed != "",
                        badge(rx.fragment(rx.icon("eye", size=12), "発注者閲覧済 ", item.viewed), "green"),
                        badge("発注者未閲覧", "gray"),
                    ),
                ),
                rx.cond(item.acknowledged != "", badge("受領確認済", "green")),
                gap="8px",
                wrap="wrap",
                align="center",
            ),
            spacing="2",
            width="100%",
        ),
        href="/certificates/" + item.contract_number,
        class_name="hs-card hs-card-link certificate-item",
    )


@enet_page("/certificates", "電子証書一覧", nav="certificates", on_load=CertificatesState.load)
def certificates() -> rx.Component:
    search = rx.form(
        rx.vstack(
            rx.el.div(
                rx.el.label("キーワード", html_for="cert-q", class_name="hs-label"),
                rx.el.input(id="cert-q", name="q", type="search", class_name="hs-input",
                            placeholder="保証契約番号・工事名・発注者で検索", default_value=CertificatesState.query),
                class_name="hs-field",
            ),
            rx.el.div(
                select_field("保証種別", "guarantee_type", fmt.options(fmt.GUARANTEE_TYPES), form="cert",
                             placeholder="すべて"),
                select_field("状態", "status", fmt.CERTIFICATE_FILTER, form="cert", placeholder="すべて"),
                class_name="hs-grid-2",
            ),
            rx.button(rx.icon("search", size=16), "検索する", type="submit", size="3", variant="soft",
                      loading=CertificatesState.busy),
            spacing="3",
            width="100%",
        ),
        on_submit=CertificatesState.search,
        reset_on_submit=False,
        no_validate=True,
        width="100%",
        role="search",
    )
    return rx.vstack(
        page_title("電子証書一覧", "保証契約番号をクリックすると、電子証書の内容と認証キーを確認できます。"),
        card(search),
        alert_if(CertificatesState.error),
        rx.cond(
            ~CertificatesState.loaded & (CertificatesState.error == ""),
            loading_block(),
            rx.cond(
                CertificatesState.items.length() == 0,
                rx.cond(
                    CertificatesState.loaded,
                    empty_state("shield", "電子証書はありません",
                                "保証契約が締結されると、ここに電子証書が表示されます。"),
                ),
                rx.vstack(rx.foreach(CertificatesState.items, certificate_item), spacing="3", width="100%"),
            ),
        ),
        rx.cond(
            CertificatesState.next_cursor != "",
            rx.button("さらに表示する", on_click=CertificatesState.more, variant="outline", size="3", width="100%",
                      loading=CertificatesState.busy),
        ),
        spacing="4",
        width="100%",
    )


def change_row(change: ChangeView) -> rx.Component:
    return rx.el.li(rx.text(change.label, "：", change.before, " → ", rx.el.strong(change.after), size="2"))


def version_item(version: VersionView) -> rx.Component:
    return rx.box(
        rx.hstack(
            rx.text(version.version, weight="bold"),
            rx.text(version.issued, size="2", color_scheme="gray"),
            rx.cond(version.current, badge("最新", "indigo")),
            spacing="3",
            align="center",
            wrap="wrap",
        ),
        rx.cond(version.reason != "", rx.text(version.reason, size="2")),
        rx.cond(version.changes.length() > 0,
                rx.el.ul(rx.foreach(version.changes, change_row), style={"margin": "4px 0", "paddingLeft": "20px"})),
        border_left="3px solid var(--accent-6)",
        padding_left="12px",
        width="100%",
    )


def view_item(view: ViewLogRow) -> rx.Component:
    return rx.el.li(rx.text(view.at, "　", view.what, "（", view.version, "）", rx.el.br(),
                            rx.el.span(view.origin, style={"color": "var(--gray-11)", "fontSize": "12px"}), size="2"))


def _doc_button(kind: str, text: str) -> rx.Component:
    return rx.button(
        rx.icon("file-down", size=16), text,
        on_click=CertificateState.download(kind),
        loading=CertificateState.doc_busy == kind,
        variant="soft", color_scheme="gray", size="3",
    )


def paper_panel() -> rx.Component:
    return card(
        rx.el.h2("保証証書の受取方法：書面", class_name="hs-label", style={"fontSize": "16px"}),
        rx.text("この保証は書面交付でお申込みいただいたため、認証キーはありません。保証証書（書面）をお届けしますので、"
                "従来どおり発注者へご提出ください。", size="2"),
    )


def reissue_dialog() -> rx.Component:
    # The dialog opens by its state (``open=``), so the button needs no Radix trigger: a trigger whose
    # child has on_click wraps it in a div with type=button and aria-expanded (axe: aria-allowed-attr).
    return rx.fragment(
        rx.button("認証キーを再発行する", on_click=CertificateState.ask_reissue, variant="ghost", color_scheme="gray",
                  size="2", width="fit-content"),
        confirm_dialog(
            "認証キーを再発行しますか",
            "「認証キー等のお知らせ」を誤った宛先に送った場合などにご利用ください。再発行すると、"
            "現在の認証キーは直ちに使えなくなります。発注者へは新しいお知らせを改めてご提出ください。",
            "再発行する", CertificateState.reissue_key, tone="amber", loading=CertificateState.key_busy,
            open=CertificateState.dialog == "reissue", on_open_change=CertificateState.close_dialog,
        ),
    )


# The flyer's words (shared/seed): what the key is, and which file goes to the orderer.
KEY_FOOTNOTE = "※認証キー：発注者がD-Sure（発注者用保証確認サービス）において電子証書を閲覧するために必要となる暗証番号"
IMPORTANT = "【重要】当該PDFファイル（認証キー等のお知らせ）を「発注者」へご提出ください"
IMPORTANT_NOTE = ("※保存した電子証書（保証証書（閲覧用）の印刷・PDF）を誤ってご提出しないようご注意ください。"
                  "発注者はD-Sure（発注者用保証確認サービス）を通じて電子証書を閲覧します。")

# Copies the shown key; says so in a live region (the button's label stays the same).
COPY_KEY = """(function(){var key=document.getElementById('auth-key').innerText.trim();
var done=function(text){document.getElementById('auth-key-copied').textContent=text;};
var fallback=function(){var r=document.createRange();r.selectNodeContents(document.getElementById('auth-key'));
var s=window.getSelection();s.removeAllRanges();s.addRange(r);
done(document.execCommand('copy')?'認証キーをコピーしました。':'コピーできませんでした。選択された認証キーをコピーしてください。');};
if(navigator.clipboard&&window.isSecureContext){navigator.clipboard.writeText(key).then(function(){
done('認証キーをコピーしました。');},fallback);}else{fallback();}})()"""


def send_dialog() -> rx.Component:
    """The 確認 before 「発注者へ送付」: recipient, subject, attachment, a copy to oneself, a resend warning."""
    state = CertificateState
    return rx.alert_dialog.root(
        rx.alert_dialog.content(
            rx.alert_dialog.title("発注者へ送付する内容の確認"),
            rx.alert_dialog.description("次の内容でメールを送ります。宛先と件名をご確認ください。", size="2"),
            rx.el.dl(
                rx.el.dt("宛先"), rx.el.dd(state.preview_to, id="send-preview-to"),
                rx.el.dt("件名"), rx.el.dd(state.preview_subject, id="send-preview-subject"),
                rx.el.dt("添付"), rx.el.dd(state.preview_attachment, id="send-preview-attachment"),
                class_name="hs-dl",
            ),
            rx.cond(state.preview_warning != "", alert(state.preview_warning, tone="amber")),
            rx.el.label(
                rx.el.input(type="checkbox", default_checked=False, on_change=state.set_cc_self, id="send-cc-self"),
                rx.el.span("控えを自社のアドレス（", state.preview_cc, "）にも送る"),
                style={"display": "flex", "gap": "8px", "alignItems": "center", "marginTop": "12px"},
            ),
            rx.flex(
                rx.alert_dialog.cancel(rx.button("やめる", variant="soft", color_scheme="gray", size="3")),
                rx.button(rx.cond(state.preview_resend, "再送する", "送付する"), on_click=state.send_to_orderer,
                          loading=state.sending, size="3"),
                gap="12px", justify="end", margin_top="16px", wrap="wrap",
            ),
            max_width="480px",
        ),
        open=state.dialog == "send",
        on_open_change=state.close_dialog,
    )


def change_item(row: ChangeRow) -> rx.Component:
    state = CertificateState
    return rx.el.li(
        rx.flex(rx.text(row.title, weight="bold", size="2"), badge(row.status_label, row.tone), gap="8px", wrap="wrap",
                align="center"),
        rx.text(row.summary, size="2"),
        rx.cond(row.fee != "", rx.text(row.fee, size="2", weight="bold")),
        rx.cond(row.payment != "", rx.text(row.payment, size="2", color_scheme="amber")),
        rx.cond(row.rejected != "", rx.text(row.rejected, size="2", color_scheme="red")),
        rx.flex(
            rx.cond(row.has_statement, rx.button(
                rx.icon("file-down", size=14), "計算書（PDF）", on_click=state.download_change(row.id, "fee-adjustment"),
                variant="soft", color_scheme="gray", size="2")),
            rx.cond(row.has_receipt, rx.button(
                rx.icon("file-down", size=14), "領収証（PDF）", on_click=state.download_change(row.id, "fee-receipt"),
                variant="soft", color_scheme="gray", size="2")),
            gap="8px", wrap="wrap",
        ),
        class_name="change-request",
        style={"listStyle": "none", "display": "grid", "gap": "4px", "padding": "8px 0",
               "borderBottom": "1px solid var(--gray-5)"},
    )


def change_panel() -> rx.Component:
    """変更・解約の申込み: what the works contract changed, or the 解約日."""
    state = CertificateState
    errors = state.field_errors
    # What was typed stays when the API refuses it (its messages beside the boxes); a request
    # that is accepted closes the form (one open request per certificate).
    form = api_form(
        state.submit_change,
        choices("申込みの種類", "kind", [("amend", "変更（増額・減額・工期延長）"), ("cancel", "解約")],
                state.change_kind, state.set_change_kind, errors, form="change", required=True),
        rx.cond(
            state.change_kind == "cancel",
            field("解約日", "cancel_on", errors, form="change", type_="date", required=True,
                  hint="保証期間内の日付。未経過日数に応じて保証料の一部を返還します（最低保証料を除く）。"),
            rx.el.div(
                field("変更後の請負代金額（円）", "contract_amount", errors, form="change", input_mode="numeric",
                      hint="変わらない項目は空欄のままにしてください。"),
                field("変更後の保証金額（円）", "guarantee_amount", errors, form="change", input_mode="numeric"),
                field("変更後の保証期限（工期の終期）", "period_end", errors, form="change", type_="date"),
                class_name="hs-grid-2",
            ),
        ),
        field("理由", "reason", errors, form="change", textarea=True, required=True,
              placeholder="例：設計変更による請負代金額の増額"),
        submit_button("この内容で申し込む", state.change_busy),
    )
    return card(
        rx.el.h2("変更・解約の申込み", class_name="hs-label", style={"fontSize": "16px"}),
        rx.cond(state.change_message != "", alert(state.change_message, tone="green", icon="circle-check")),
        rx.cond(state.changes.length() > 0,
                rx.el.ul(rx.foreach(state.changes, change_item), style={"margin": "0", "padding": "0"})),
        rx.cond(
            state.can_change,
            rx.vstack(
                rx.text("請負契約の変更（増額・減額・工期延長）や解約があったときにお申し込みください。"
                        "審査のうえ、追加保証料または返還保証料をお知らせします。", size="2"),
                form,
                width="100%",
            ),
            rx.text("審査中の申込みがあるか、有効でない電子証書のため、新しい申込みはできません。", size="2",
                    color_scheme="gray"),
        ),
    )


def key_panel() -> rx.Component:
    shown = rx.vstack(
        rx.text("認証キー", size="2", color_scheme="gray"),
        rx.text(CertificateState.auth_key, class_name="hs-key", id="auth-key", width="100%"),
        rx.hstack(
            rx.button(rx.icon("copy", size=16), "認証キーをコピー", on_click=rx.call_script(COPY_KEY),
                      variant="outline", size="3"),
            rx.button("認証キーを隠す", on_click=CertificateState.hide_key, variant="soft", color_scheme="gray",
                      size="3"),
            wrap="wrap",
            spacing="2",
        ),
        rx.el.p("", id="auth-key-copied", role="status", aria_live="polite", class_name="hs-hint"),
        width="100%",
        spacing="2",
    )
    notice = rx.vstack(
        rx.button(rx.icon("file-down", size=16), "認証キー等のお知らせ（PDF）をダウンロード",
                  on_click=CertificateState.download("auth-key-notice"),
                  loading=CertificateState.doc_busy == "auth-key-notice", size="3"),
        rx.callout(
            rx.text(rx.el.strong(IMPORTANT), rx.el.br(), IMPORTANT_NOTE),
            icon="triangle_alert", color_scheme="amber", width="100%", id="key-notice-important",
        ),
        rx.text("このPDFを電子メールに添付するか電子契約システムに登録（アップロード）して、発注者へご提出ください。",
                size="2"),
        width="100%",
        spacing="2",
    )
    return card(
        rx.el.h2("認証キー等の取得と発注者への提出", class_name="hs-label", style={"fontSize": "16px"}),
        rx.cond(
            CertificateState.has_key,
            rx.fragment(
                rx.cond(
                    CertificateState.auth_key != "",
                    shown,
                    rx.button(rx.icon("key-round", size=18), "認証キーを表示", on_click=CertificateState.reveal_key,
                              loading=CertificateState.key_busy, size="4", width="100%",
                              custom_attrs={"aria-describedby": "auth-key-help"}),
                ),
                rx.text(KEY_FOOTNOTE, size="1", color_scheme="gray", id="auth-key-help"),
                rx.divider(),
                notice,
                reissue_dialog(),
            ),
            rx.text("この電子証書には表示できる認証キーがありません（解約済みなど）。", size="2"),
        ),
        rx.divider(),
        rx.text("発注者へのメール送付", weight="bold", size="2"),
        rx.text("発注者の登録アドレスへ、発注者指定の件名で「認証キー等のお知らせ」をお送りします。", size="2"),
        rx.cond(CertificateState.sent != "", rx.text("送付済み：", CertificateState.sent, size="2",
                                                     color_scheme="green")),
        rx.button(rx.icon("send", size=16), "発注者へ送付", on_click=CertificateState.open_send_preview,
                  loading=CertificateState.sending, variant="outline", size="3"),
        send_dialog(),
        rx.cond(CertificateState.message != "", alert(CertificateState.message, tone="green", icon="circle-check")),
        spacing="3",
    )


@enet_page("/certificates/[number]", "電子証書", nav="certificates", on_load=CertificateState.load)
def certificate_detail() -> rx.Component:
    state = CertificateState
    status_card = card(
        rx.flex(
            rx.hstack(badge(state.summary.type_label, "indigo"), badge(state.status_label, state.status_tone),
                      badge(state.version, "gray"), spacing="2", wrap="wrap"),
            justify="between",
            width="100%",
        ),
        rx.text(state.summary.project_name, weight="bold", size="5", line_height="1.4"),
        rx.text("保証契約番号 ", rx.el.span(state.contract_number, class_name="hs-mono"), "　", state.summary.orderer_name,
                size="2", color_scheme="gray"),
        rx.el.div(
            rx.box(
                rx.text("発注者の閲覧", size="1", color_scheme="gray"),
                rx.cond(state.summary.viewed != "",
                        rx.hstack(rx.icon("eye", size=16, color="var(--green-9)"),
                                  rx.text("発注者閲覧済 ", state.summary.viewed, size="2", weight="bold"), align="center"),
                        rx.text("まだ閲覧されていません", size="2")),
            ),
            rx.box(
                rx.text("発注者の受領確認", size="1", color_scheme="gray"),
                rx.cond(state.acknowledged != "",
                        rx.hstack(rx.icon("circle-check", size=16, color="var(--green-9)"),
                                  rx.text("受領確認済 ", state.acknowledged, size="2", weight="bold"), align="center"),
                        rx.text("未確認", size="2")),
            ),
            class_name="hs-grid-2",
        ),
    )
    content = card(
        rx.flex(
            rx.el.h2(state.title, class_name="hs-label", style={"fontSize": "16px"}),
            rx.button(rx.icon("printer", size=16), "印刷", on_click=rx.call_script("window.print()"),
                      variant="ghost", size="2", class_name="no-print"),
            justify="between",
            align="center",
            width="100%",
        ),
        rx.text("この画面は印刷・保存できますが、発注者への提出書類ではありません。", size="1", color_scheme="gray"),
        dl_dynamic(state.rows),
        rx.cond(state.digest != "",
                rx.text("電子署名の対象（SHA-256）：", rx.el.span(state.digest, class_name="hs-mono"), size="1",
                        color_scheme="gray")),
    )
    documents = card(
        rx.el.h2("帳票（PDF）", class_name="hs-label", style={"fontSize": "16px"}),
        rx.el.div(
            _doc_button("certificate", "保証証書（閲覧用）"),
            _doc_button("fee-statement", "保証料計算書"),
            _doc_button("fee-receipt", "保証料領収証"),
            rx.cond(state.has_adjustment, _doc_button("fee-adjustment", "追加保証料・返還計算書")),
            class_name="hs-actions",
        ),
        rx.text("保証証書（閲覧用）には「閲覧用 — 提出書類ではありません」と表示されます。", size="1", color_scheme="gray"),
    )
    history = card(
        rx.el.h2("変更履歴", class_name="hs-label", style={"fontSize": "16px"}),
        rx.vstack(rx.foreach(state.versions, version_item), spacing="3", width="100%"),
    )
    views = card(
        rx.el.h2("発注者の閲覧履歴（D-Sure）", class_name="hs-label", style={"fontSize": "16px"}),
        rx.cond(
            state.views.length() == 0,
            rx.text("まだ閲覧されていません。発注者へ「認証キー等のお知らせ」をご提出ください。", size="2",
                    color_scheme="gray"),
            rx.el.ul(rx.foreach(state.views, view_item), style={"margin": "0", "paddingLeft": "20px"}),
        ),
    )
    return rx.vstack(
        rx.link(rx.hstack(rx.icon("chevron-left", size=16), "電子証書一覧へ戻る", align="center", spacing="1"),
                href="/certificates", size="2", class_name="no-print"),
        alert_if(state.error),
        rx.cond(
            state.title == "",
            rx.cond(state.error == "", loading_block()),
            rx.vstack(status_card, rx.cond(state.summary.paper, paper_panel(), key_panel()),
                      rx.cond(~state.summary.paper, views), content, history, change_panel(), documents, spacing="4",
                      width="100%"),
        ),
        spacing="4",
        width="100%",
    )
