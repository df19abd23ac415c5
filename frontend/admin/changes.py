"""管理: the queue of change requests (変更・解約の審査), beside the application queue.

保証料のお知らせ → 入金確認 (a 追加保証料 only) → 締結 (after a confirmation), or 謝絶.
"""

from __future__ import annotations

import dataclasses
from datetime import date
from typing import Any

import reflex as rx

from frontend import fmt
from frontend.admin.queues import empty_row, messages, table
from frontend.admin.state import AdminState
from frontend.api import ApiError, ChangeRequest
from frontend.components.layout import admin_page
from frontend.components.ui import alert_if, badge, card, field, page_title

CHANGE_TABS = [("submitted", "申込受付"), ("fee_notified", "お知らせ済"), ("concluded", "締結"), ("rejected", "謝絶")]


@dataclasses.dataclass
class ChangeAdminRow:
    id: str = ""
    number: str = ""
    company: str = ""
    kind_label: str = ""
    project_name: str = ""
    asked: str = ""
    reason: str = ""
    fee: str = ""
    fee_value: str = ""  # the 追加保証料 to prefill the payment
    paid: str = ""
    step: str = ""  # notice | payment | conclude | done
    status_label: str = ""


def admin_row(item: ChangeRequest) -> ChangeAdminRow:
    if item.kind == "cancel":
        asked = f"解約日 {fmt.wareki(item.cancel_on)}"
    else:
        asked = "　".join(filter(None, [
            f"請負代金額 {fmt.yen(item.contract_amount)}" if item.contract_amount else "",
            f"保証金額 {fmt.yen(item.guarantee_amount)}" if item.guarantee_amount else "",
            f"保証期限 {fmt.wareki(item.period_end)}" if item.period_end else "",
        ]))
    if item.status == "submitted":
        step = "notice"
    elif item.status == "fee_notified":
        step = "payment" if (item.fee_delta or 0) > 0 and item.paid_on is None else "conclude"
    else:
        step = "done"
    return ChangeAdminRow(
        id=str(item.id), number=item.contract_number, company=item.company_name or "", kind_label=item.kind_label,
        project_name=item.project_name, asked=asked, reason=item.reason,
        fee=f"{item.fee_kind_label} {fmt.yen(abs(item.fee_delta))}" if item.fee_delta else (item.fee_kind_label or "―"),
        fee_value=str(item.fee_delta) if (item.fee_delta or 0) > 0 else "",
        paid=f"{fmt.wareki(item.paid_on)} 入金" if item.paid_on else "", step=step, status_label=item.status_label,
    )


class AdminChangesState(AdminState):
    tab: str = "submitted"
    items: list[ChangeAdminRow] = []
    dialog: str = ""  # "" | payment | reject | conclude
    target_id: str = ""
    target_label: str = ""
    target_fee: str = ""
    today: str = ""

    @rx.event
    async def load(self):
        self.dialog = ""
        async for update in self._load_page():
            yield update

    async def _refresh(self) -> None:
        self.items = [admin_row(item) for item in await self._admin_api().admin_change_requests(self.tab)]

    async def _run(self, call, message: str):
        self._start()
        yield
        try:
            await call()
            await self._refresh()
        except ApiError as exc:
            yield self._fail(exc)
            return
        self.busy = False
        self.dialog = ""
        self.message = message

    @rx.event
    async def set_tab(self, tab: str):
        self.tab = tab
        async for update in self._load_page():
            yield update

    @rx.event
    async def fee_notice(self, request_id: str):
        async for update in self._run(lambda: self._admin_api().admin_change_fee_notice(request_id),
                                      f"変更申込 {request_id} の保証料のお知らせを送りました。"):
            yield update

    @rx.event
    def open_dialog(self, kind: str, request_id: str):
        row = next((r for r in self.items if r.id == request_id), None)
        self.dialog = kind
        self.target_id = request_id
        self.target_label = f"変更申込 {request_id}　{row.number}　{row.project_name}　{row.asked}" if row else request_id
        self.target_fee = row.fee_value if row else ""
        self.today = date.today().isoformat()
        self.field_errors = {}
        self.error = ""

    @rx.event
    def close_dialog(self, open_: bool = False):
        if not open_:
            self.dialog = ""

    @rx.event
    async def payment(self, form: dict[str, Any]):
        amount = fmt.parse_amount(str(form.get("amount", "")))
        call = lambda: self._admin_api().admin_change_payment(  # noqa: E731
            self.target_id, str(form.get("paid_on", "")), amount if amount is not None else "")
        async for update in self._run(call, f"変更申込 {self.target_id} の追加保証料の入金を確認しました。"):
            yield update

    @rx.event
    async def conclude(self, _form: dict[str, Any]):
        async for update in self._run(lambda: self._admin_api().admin_change_conclude(self.target_id),
                                      f"変更申込 {self.target_id} を締結しました。"):
            yield update

    @rx.event
    async def reject(self, form: dict[str, Any]):
        reason = str(form.get("reason", "")).strip()
        async for update in self._run(lambda: self._admin_api().admin_change_reject(self.target_id, reason),
                                      f"変更申込 {self.target_id} を謝絶しました。"):
            yield update


def actions(row: ChangeAdminRow) -> rx.Component:
    state = AdminChangesState
    reject = rx.button("謝絶", on_click=state.open_dialog("reject", row.id), size="1", color_scheme="red", variant="soft")
    return rx.match(
        row.step,
        ("notice", rx.hstack(rx.button("保証料を通知", on_click=state.fee_notice(row.id), size="1", loading=state.busy),
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
    conclude = rx.form(
        rx.vstack(
            rx.text("締結すると、変更後の電子証書（次の版）を発行するか、保証契約を解約し、お客様へメールでお知らせします。"
                    "取り消すことはできません。", size="2"),
            alert_if(state.error), _buttons("締結する", "green"), spacing="3",
        ),
        on_submit=state.conclude, reset_on_submit=False,
    )
    titles = {"payment": "追加保証料の入金確認", "reject": "謝絶", "conclude": "締結の確認"}
    return rx.dialog.root(
        rx.dialog.content(
            rx.dialog.title(rx.match(state.dialog, *titles.items(), "")),
            rx.dialog.description(state.target_label, size="2", margin_bottom="12px"),
            rx.match(state.dialog, ("payment", payment), ("reject", reject), ("conclude", conclude), rx.fragment()),
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
            table(["申込番号", "申込者・保証契約番号", "種類", "工事・申込内容", "保証料の増減", "操作"],
                  rx.cond(state.items.length() == 0, empty_row(6, "この状態の申込みはありません。"),
                          rx.foreach(state.items, row_view)),
                  numeric=(4,)),
        ),
        dialog(),
        spacing="4",
        width="100%",
    )
