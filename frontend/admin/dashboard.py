"""Admin: ダッシュボード (KPIs and monthly issuance; the one page with a chart)."""

from __future__ import annotations

import reflex as rx

from frontend.admin.rows import Kpi, LockRow
from frontend.admin.state import DashboardState
from frontend.components.layout import admin_page
from frontend.components.tables import rows_table
from frontend.components.ui import card, confirm_button, messages, page_title

CHART_HEIGHT = 280
TYPE_COLORS = {"前払金保証": "var(--blue-9)", "中間前払金保証": "var(--cyan-9)", "契約保証": "var(--orange-9)"}


def kpi_card(item: Kpi) -> rx.Component:
    body = rx.vstack(
        rx.text(item.label, size="2", color_scheme="gray", weight="medium"),
        rx.text(item.value, class_name="hs-kpi-value"),
        rx.cond(item.sub != "", rx.text(item.sub, size="1", color_scheme="gray")),
        spacing="1",
        width="100%",
    )
    return rx.cond(
        item.href != "",
        rx.el.a(body, href=item.href, class_name="hs-card hs-card-link kpi-card"),
        rx.el.div(body, class_name="hs-card kpi-card"),
    )


def kpi_grid(items, min_width: str = "200px") -> rx.Component:
    return rx.grid(
        rx.foreach(items, kpi_card),
        columns="repeat(auto-fit, minmax(" + min_width + ", 1fr))",
        gap="12px",
        width="100%",
    )


def issuance_chart() -> rx.Component:
    return rx.recharts.bar_chart(
        rx.recharts.cartesian_grid(stroke_dasharray="3 3", vertical=False),
        rx.recharts.x_axis(data_key="month", tick_line=False),
        rx.recharts.y_axis(allow_decimals=False, width=40),
        rx.recharts.graphing_tooltip(),
        rx.recharts.legend(),
        *[
            rx.recharts.bar(data_key=name, stack_id="issued", fill=color, name=name)
            for name, color in TYPE_COLORS.items()
        ],
        data=DashboardState.chart,
        width="100%",
        height=CHART_HEIGHT,
    )


def lock_row_view(row: LockRow) -> rx.Component:
    return rx.el.tr(
        rx.el.td(row.contract_number, class_name="hs-mono"),
        rx.el.td(row.kind),
        rx.el.td(row.failures, class_name="hs-num"),
        rx.el.td(row.until),
        rx.el.td(confirm_button(
            "解除", "照会停止を解除しますか",
            "保証契約番号 " + row.contract_number + " の照会停止を解除します。推測の攻撃が続いている場合は、"
            "解除より認証キーの再発行（再発行でも停止は解除されます）をご検討ください。",
            "解除する", DashboardState.release_lock(row.contract_number), tone="amber",
            label="保証契約番号 " + row.contract_number + " の照会停止を解除", loading=DashboardState.busy,
        )),
    )


def dsure_locks() -> rx.Component:
    """Numbers locked for everybody: an alert for staff, each with its release."""
    return rx.cond(
        DashboardState.lockouts.length() > 0,
        card(
            rx.hstack(rx.icon("lock", size=18, color="var(--red-11)"),
                      rx.text("D-Sure 照会停止中の保証契約番号", weight="bold"), align="center", spacing="2"),
            rx.text("同じ番号に24時間で100回の誤った照会があり、すべての利用者からの照会を止めています。"
                    "請負者に確認のうえ、認証キーの再発行か解除を行ってください。", size="2"),
            rows_table(["保証契約番号", "対象", "誤り（24時間）", "停止期限", "操作"],
                       DashboardState.lockouts, lock_row_view, "", numeric=(2,), label="照会停止中の番号の一覧"),
            id="dsure-locks",
            aria_label="D-Sure 照会停止中の保証契約番号",
        ),
    )


@admin_page("/admin", "ダッシュボード", nav="dashboard", on_load=DashboardState.load)
def admin_dashboard() -> rx.Component:
    return rx.vstack(
        page_title("ダッシュボード", "申込・発行・D-Sure閲覧の状況です。"),
        messages(DashboardState),
        kpi_grid(DashboardState.kpis),
        dsure_locks(),
        rx.grid(
            card(
                rx.text("申込の状況", weight="bold"),
                kpi_grid(DashboardState.application_kpis, "120px"),
            ),
            card(
                rx.text("今月の電子証書発行（保証種別）", weight="bold"),
                kpi_grid(DashboardState.issued_kpis, "120px"),
            ),
            card(
                rx.text("電子証書の状態", weight="bold"),
                kpi_grid(DashboardState.certificate_kpis, "120px"),
            ),
            card(
                rx.text("メール送信", weight="bold"),
                kpi_grid(DashboardState.mail_kpis, "120px"),
            ),
            columns=rx.breakpoints(initial="1", md="2"),
            gap="16px",
            width="100%",
        ),
        card(
            rx.text("月別の電子証書発行件数（直近12か月）", weight="bold"),
            rx.cond(
                DashboardState.chart.length() > 0,
                issuance_chart(),
                rx.cond(DashboardState.chart_loaded,
                        rx.text("発行実績のデータはまだありません。", size="2", color_scheme="gray"),
                        rx.box(height=f"{CHART_HEIGHT}px", aria_hidden="true")),  # the chart's place, kept
            ),
        ),
        spacing="4",
        width="100%",
    )
