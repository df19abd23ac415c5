"""Small building blocks: labelled fields with inline errors, choices, badges, notes.

Every input gets a visible ``<label for=…>`` (so screen readers and Playwright's
``get_by_label`` find it) and, when the API refuses it, its message right below it,
tied to the input with ``aria-describedby`` and ``aria-invalid``.
"""

from __future__ import annotations

from typing import Any

import reflex as rx
from reflex.vars.base import Var


def _required_mark(required: bool) -> rx.Component | None:
    return rx.el.span("必須", class_name="hs-required", aria_hidden="true") if required else None


def field_label(text: str, html_for: str, required: bool = False) -> rx.Component:
    """The label holds only the field's name (so it is the input's exact accessible name); 必須 sits beside it."""
    label = rx.el.label(text, html_for=html_for, class_name="hs-label")
    mark = _required_mark(required)
    if mark is None:
        return label
    return rx.el.div(label, mark, class_name="hs-label-row")


def field_error(errors: Var, name: str, element_id: str) -> rx.Component:
    return rx.cond(
        errors.contains(name),
        rx.el.p(errors[name].to(str), id=f"{element_id}-error", class_name="hs-error", role="alert"),
    )


def _has_hint(hint: Var | str | None) -> bool:
    """A hint to draw: some text, or a state var (e.g. the password rule the API states)."""
    return isinstance(hint, Var) or bool(hint)


def _aria(errors: Var | None, name: str, element_id: str, hint: Var | str | None,
          required: bool = False) -> dict[str, Any]:
    # Required is announced (aria-required) but not enforced by the browser: the API checks
    # every field and its Japanese messages appear next to the fields.
    attrs: dict[str, Any] = {"aria-required": "true"} if required else {}
    described = [f"{element_id}-hint"] if _has_hint(hint) else []
    if errors is not None:
        attrs["aria-invalid"] = rx.cond(errors.contains(name), "true", "false")
        attrs["aria-describedby"] = rx.cond(
            errors.contains(name), " ".join([*described, f"{element_id}-error"]), " ".join(described)
        )
    elif described:
        attrs["aria-describedby"] = " ".join(described)
    return attrs


def field(
    label: str,
    name: str,
    errors: Var | None = None,
    *,
    form: str = "f",
    type_: str = "text",
    required: bool = False,
    hint: Var | str | None = None,
    textarea: bool = False,
    **props: Any,
) -> rx.Component:
    """A labelled text input (or textarea) named ``name``, with hint (text or a state var) and inline error."""
    element_id = f"{form}-{name}"
    attrs = _aria(errors, name, element_id, hint, required)
    if textarea:
        control = rx.el.textarea(id=element_id, name=name, class_name="hs-textarea", custom_attrs=attrs, **props)
    else:
        control = rx.el.input(id=element_id, name=name, type=type_, class_name="hs-input", custom_attrs=attrs, **props)
    return rx.el.div(
        field_label(label, element_id, required),
        control,
        rx.el.p(hint, id=f"{element_id}-hint", class_name="hs-hint") if _has_hint(hint) else rx.fragment(),
        field_error(errors, name, element_id) if errors is not None else rx.fragment(),
        class_name="hs-field",
    )


def select_field(
    label: str,
    name: str,
    options: list[tuple[str, str]] | None = None,
    errors: Var | None = None,
    *,
    form: str = "f",
    dynamic: rx.Component | None = None,
    placeholder: str | None = "選択してください",
    required: bool = False,
    hint: str | None = None,
    below: rx.Component | None = None,
    **props: Any,
) -> rx.Component:
    """A labelled native ``<select>`` (best on phones); options static or rendered by ``dynamic``."""
    element_id = f"{form}-{name}"
    items: list[rx.Component] = []
    if placeholder is not None:
        items.append(rx.el.option(placeholder, value=""))
    items.extend(rx.el.option(text, value=value) for value, text in options or [])
    if dynamic is not None:
        items.append(dynamic)
    return rx.el.div(
        field_label(label, element_id, required),
        rx.el.select(
            *items, id=element_id, name=name, class_name="hs-select",
            custom_attrs=_aria(errors, name, element_id, hint, required), **props,
        ),
        rx.el.p(hint, id=f"{element_id}-hint", class_name="hs-hint") if hint else rx.fragment(),
        below if below is not None else rx.fragment(),
        field_error(errors, name, element_id) if errors is not None else rx.fragment(),
        class_name="hs-field",
    )


# Kana folded one way (katakana → hiragana, full-width → half-width, lower case) on both sides of a match.
_FOLD_JS = ("function(s){return (s||'').normalize('NFKC').replace(/[\\u30a1-\\u30f6]/g,"
            "function(c){return String.fromCharCode(c.charCodeAt(0)-96);}).toLowerCase();}")


def filter_box(label: str, input_id: str, items: str, *, placeholder: str = "", hint: str | None = None) -> rx.Component:
    """A search box that hides, in the browser, the elements matched by the CSS selector ``items`` whose
    text (or ``data-search``) does not contain what is typed: a select of hundreds of orderers, a table."""
    script = (f"(function(){{var fold={_FOLD_JS};var q=fold(document.getElementById('{input_id}').value.trim());"
              f"document.querySelectorAll('{items}').forEach(function(el){{if(el.value===''&&el.tagName==='OPTION')"
              "return;el.hidden=q!==''&&fold(el.dataset.search||el.textContent).indexOf(q)<0;});})()")
    described = {"aria-describedby": f"{input_id}-hint"} if hint else {}
    return rx.el.div(
        rx.el.label(label, html_for=input_id, class_name="hs-label"),
        rx.el.input(id=input_id, type="search", class_name="hs-input", placeholder=placeholder,
                    auto_complete="off", on_change=rx.call_script(script), custom_attrs=described),
        rx.el.p(hint, id=f"{input_id}-hint", class_name="hs-hint") if hint else rx.fragment(),
        class_name="hs-field",
    )


def choices(
    legend: str,
    name: str,
    options: list[tuple[str, str]],
    value: Var,
    on_change: Any,
    errors: Var | None = None,
    *,
    form: str = "f",
    required: bool = False,
    hint: str | None = None,
) -> rx.Component:
    """Radio buttons as large cards inside a ``<fieldset>``; each option's text is its label."""
    element_id = f"{form}-{name}"
    legend_children: list[Any] = [legend]
    mark = _required_mark(required)
    if mark is not None:
        legend_children.append(mark)
    return rx.el.fieldset(
        rx.el.legend(*legend_children, class_name="hs-label"),
        rx.el.div(
            *[
                rx.el.label(
                    rx.el.input(
                        type="radio", name=name, value=option_value, checked=value == option_value,
                        on_change=on_change, id=f"{element_id}-{option_value}",
                    ),
                    rx.el.span(text),
                    class_name="hs-choice",
                )
                for option_value, text in options
            ],
            class_name="hs-choices",
        ),
        rx.el.p(hint, class_name="hs-hint") if hint else rx.fragment(),
        field_error(errors, name, element_id) if errors is not None else rx.fragment(),
        id=element_id,  # the error summary's link lands on the group
        class_name="hs-fieldset hs-field",
    )


def error_summary(errors: Var, form: str) -> rx.Component:
    """Every refused field at the top of the form, each message a link to its field; it takes the focus
    when it appears (and again when the errors change), so a screen reader reads what to fix."""
    summary_id = f"{form}-error-summary"

    def entry(item: Var) -> rx.Component:
        target = form + "-" + item[0].to(str)
        # The link moves the focus into the field itself (a fragment only scrolls), without a route change.
        focus = rx.call_script("var el=document.getElementById('" + target + "');"
                               "if(el){el.scrollIntoView({block:'center'});(el.matches('fieldset')?"
                               "el.querySelector('input'):el).focus({preventScroll:true});}")
        return rx.el.li(rx.el.a(item[1].to(str), href="#" + target, on_click=[rx.prevent_default, focus]))

    return rx.cond(
        errors.keys().length() > 0,
        rx.el.div(
            rx.el.h2("入力内容をご確認ください", id=f"{summary_id}-title", class_name="hs-error-summary-title"),
            rx.el.ul(rx.foreach(errors, entry)),
            id=summary_id,
            tab_index=-1,
            aria_labelledby=f"{summary_id}-title",
            class_name="hs-error-summary",
            key=errors.to_string(),
            on_mount=rx.call_script(f"document.getElementById('{summary_id}').focus()"),
        ),
    )


def alert(message: Var | str, *, tone: str = "red", icon: str = "triangle_alert") -> rx.Component:
    """A message box; ``role=alert`` so screen readers announce it."""
    return rx.callout(message, icon=icon, color_scheme=tone, role="alert", width="100%", size="2")


def alert_if(message: Var, *, tone: str = "red", icon: str = "triangle_alert") -> rx.Component:
    return rx.cond(message != "", alert(message, tone=tone, icon=icon))


def form_alert(message: Var, errors: Var) -> rx.Component:
    """A form's refused call: said once. When the API named fields, the error summary and the boxes say it."""
    return rx.cond((message != "") & (errors.keys().length() == 0), alert(message))


def messages(state: Any) -> rx.Component:
    """A page state's refusal (red) and the outcome of its last action (green)."""
    return rx.fragment(
        alert_if(state.error),
        rx.cond(state.message != "", alert(state.message, tone="green", icon="circle-check")),
    )


def note(*children: Any, warn: bool = False) -> rx.Component:
    return rx.el.div(*children, class_name="hs-note hs-note-warn" if warn else "hs-note")


def card(*children: Any, **props: Any) -> rx.Component:
    class_name = " ".join(filter(None, ["hs-card", props.pop("class_name", "")]))
    return rx.el.section(rx.vstack(*children, spacing=props.pop("spacing", "3"), width="100%"),
                         class_name=class_name, **props)


def badge(text: Var | str, tone: Var | str = "gray") -> rx.Component:
    """A status pill; tone is a Radix color name (green, red, gray, amber, blue, …)."""
    return rx.badge(text, color_scheme=tone, variant="soft", radius="full", size="2", white_space="nowrap")


def dl(*rows: tuple[str, Any]) -> rx.Component:
    """A definition list for read-only records (label / value rows)."""
    children: list[rx.Component] = []
    for term, value in rows:
        children.append(rx.el.dt(term))
        children.append(rx.el.dd(value))
    return rx.el.dl(*children, class_name="hs-dl")


def dl_dynamic(rows: Var) -> rx.Component:
    """A definition list from a state list of ``Row(label, value)``."""
    return rx.el.dl(
        rx.foreach(rows, lambda row: rx.fragment(rx.el.dt(row.label), rx.el.dd(row.value))),
        class_name="hs-dl",
    )


def page_title(title: str, lead: str | Var | None = None, *actions: rx.Component) -> rx.Component:
    heading = rx.vstack(
        rx.el.h1(title, class_name="hs-page-title"),
        rx.el.p(lead, class_name="hs-lead") if lead is not None else rx.fragment(),
        spacing="1",
        min_width="0",
    )
    if not actions:
        return rx.box(heading, width="100%", margin_bottom="8px")
    return rx.flex(
        heading,
        rx.hstack(*actions, spacing="2", wrap="wrap"),
        justify="between",
        align="end",
        wrap="wrap",
        gap="12px",
        width="100%",
        margin_bottom="8px",
    )


def confirm_button(text: str, title: Var | str, description: Var | str, confirm: str, on_confirm: Any, *,
                   tone: str = "blue", size: str = "1", label: Var | str | None = None,
                   loading: Var | bool = False) -> rx.Component:
    """A button that asks first (an alert dialog: やめる / ``confirm``): for steps that mail a customer,
    issue a number or cannot be undone. ``label`` names the button for a screen reader (which row)."""
    trigger_props: dict[str, Any] = {"aria_label": label} if label is not None else {}
    return rx.alert_dialog.root(
        rx.alert_dialog.trigger(rx.button(text, size=size, color_scheme=tone, loading=loading, **trigger_props)),
        rx.alert_dialog.content(
            rx.alert_dialog.title(title),
            rx.alert_dialog.description(description, size="2"),
            _dialog_buttons(rx.alert_dialog.action(rx.button(confirm, on_click=on_confirm, color_scheme=tone, size="3"))),
            max_width="460px",
        ),
    )


def confirm_dialog(title: Var | str, description: Var | str | rx.Component, confirm: str, on_confirm: Any, *, open: Var,
                   on_open_change: Any, tone: str = "red", loading: Var | bool = False) -> rx.Component:
    """A confirmation opened by the page's state (``open``), with no Radix trigger: for a step whose
    button lives elsewhere; it stays open while ``on_confirm`` runs (``loading``)."""
    return rx.alert_dialog.root(
        rx.alert_dialog.content(
            rx.alert_dialog.title(title),
            rx.alert_dialog.description(description, size="2"),
            _dialog_buttons(rx.button(confirm, on_click=on_confirm, color_scheme=tone, size="3", loading=loading)),
            max_width="440px",
        ),
        open=open,
        on_open_change=on_open_change,
    )


def _dialog_buttons(confirm: rx.Component) -> rx.Component:
    return rx.flex(
        rx.alert_dialog.cancel(rx.button("やめる", variant="soft", color_scheme="gray", size="3")),
        confirm,
        gap="12px",
        justify="end",
        margin_top="16px",
        wrap="wrap",
    )


def api_form(on_submit: Any, *children: rx.Component, **props: Any) -> rx.Component:
    """A form the API checks: no browser validation (the API's Japanese messages appear beside the
    boxes), and what was typed stays when a call is refused. Its children stack one under another."""
    return rx.form(rx.vstack(*children, spacing="4", width="100%"), on_submit=on_submit, reset_on_submit=False,
                   no_validate=True, width="100%", **props)


def submit_button(text: str, loading: Var, **props: Any) -> rx.Component:
    return rx.button(text, type="submit", size="3", loading=loading, min_height="44px", **props)


def empty_state(icon: str, title: str, text: str, *actions: rx.Component) -> rx.Component:
    return card(
        rx.vstack(
            rx.icon(icon, size=36, color="var(--gray-9)"),
            rx.text(title, weight="bold", size="4"),
            rx.text(text, size="2", color_scheme="gray", text_align="center"),
            *actions,
            align="center",
            spacing="2",
            padding_y="16px",
            width="100%",
        )
    )


def loading_block() -> rx.Component:
    """Shown from the first paint until the data is there: it holds the list's place (taller than a
    phone's screen), so nothing below it jumps when the list arrives (Lighthouse CLS < 0.1)."""
    return rx.center(rx.spinner(size="3"), rx.text("読み込み中です…", size="2", color_scheme="gray", margin_left="8px"),
                     padding="32px", width="100%", min_height="100vh", align_items="start",
                     role="status", class_name="hs-loading")
