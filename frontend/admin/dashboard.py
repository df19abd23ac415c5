"""Admin: ダッシュボード (KPIs and monthly issuance; the one page with a chart)."""

from __future__ import annotations

import reflex as rx

from frontend.admin.rows import Kpi
from frontend.admin.state import DashboardState
from frontend.components.layout import admin_page
from frontend.components.ui import alert_if, card, page_title

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
        height=280,
    )


@admin_page("/admin", "ダッシュボード", nav="dashboard", on_load=DashboardState.load)
def admin_dashboard() -> rx.Component:
    return rx.vstack(
        page_title("ダッシュボード", "申込・発行・D-Sure閲覧の状況です。"),
        alert_if(DashboardState.error),
        kpi_grid(DashboardState.kpis),
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
                rx.text("発行実績のデータはまだありません。", size="2", color_scheme="gray"),
            ),
        ),
        spacing="4",
        width="100%",
    )
