"""Tables of the admin pages: a header row, a body of rows, a line saying when there are none."""

from __future__ import annotations

from collections.abc import Callable

import reflex as rx
from reflex.vars import Var


def table(headers: list[str], body: rx.Component, *, numeric: tuple[int, ...] = (),
          label: str = "一覧表", stack: bool = False) -> rx.Component:
    """A scrollable table; ``numeric`` columns (by index) align right. The scrolling box is a named,
    focusable region, so a keyboard user can scroll a table wider than the screen. ``stack``: on a
    phone each row reads as a card instead (cells one under another; a cell's ``data-label`` says what it is)."""
    return rx.el.div(
        rx.el.table(
            rx.el.thead(rx.el.tr(*[rx.el.th(h, scope="col", class_name="hs-num" if i in numeric else "")
                                   for i, h in enumerate(headers)])),
            rx.el.tbody(body),
            class_name="hs-table hs-table-stack" if stack else "hs-table",
        ),
        class_name="hs-table-wrap",
        role="region",
        aria_label=label,
        tab_index=0,
    )


def empty_row(columns: int, text: str) -> rx.Component:
    return rx.el.tr(rx.el.td(text, col_span=columns, style={"color": "var(--gray-11)", "textAlign": "center",
                                                            "padding": "24px"}))


def rows_table(headers: list[str], items: Var, row: Callable[..., rx.Component], empty: str, *,
               numeric: tuple[int, ...] = (), label: str = "一覧表", stack: bool = False) -> rx.Component:
    """A table of ``items`` (a list var), one ``row`` each, or the ``empty`` line when there are none."""
    return table(headers, rx.cond(items.length() == 0, empty_row(len(headers), empty), rx.foreach(items, row)),
                 numeric=numeric, label=label, stack=stack)
