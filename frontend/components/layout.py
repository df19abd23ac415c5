"""Page templates: each face's frame (header, navigation, footer) around a page's content.

Page modules hold only their content::

    @enet_page("/certificates", "電子証書一覧", nav="certificates", on_load=CertificatesState.load)
    def certificates() -> rx.Component: ...

The decorator wraps the content and records the page in :data:`PAGES`; ``frontend.py``
adds them to the app.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import reflex as rx

from frontend.state import Session

# (render function, add_page keyword arguments) of every page, in import order.
PAGES: list[tuple[Callable[[], rx.Component], dict[str, Any]]] = []

SERVICE_NAME = "電子保証"
SURETY_NAME = "西日本建設業保証株式会社"

ENET_TABS = [
    ("applications", "/applications", "clipboard-list", "申込状況"),
    ("new", "/applications/new", "file-plus", "新規申込"),
    ("certificates", "/certificates", "shield-check", "電子証書"),
    ("account", "/account", "building-2", "お客様情報"),
]

ADMIN_LINKS = [
    ("dashboard", "/admin", "layout-dashboard", "ダッシュボード"),
    ("registrations", "/admin/registrations", "user-check", "登録の承認"),
    ("applications", "/admin/applications", "clipboard-list", "申込の審査"),
    ("changes", "/admin/change-requests", "file-pen", "変更・解約の審査"),
    ("certificates", "/admin/certificates", "shield-check", "電子証書"),
    ("orderers", "/admin/orderers", "landmark", "発注者マスタ"),
    ("mail", "/admin/mail", "mail", "メール送信状況"),
    ("audit", "/admin/audit", "scroll-text", "監査ログ"),
]


def brand(face: str, href: str, icon: str = "shield-check", note: str = "") -> rx.Component:
    """The service mark and name, with the face below (its ``note`` hidden on narrow phones)."""
    return rx.el.a(
        rx.el.span(rx.icon(icon, size=20), class_name="hs-brand-mark", aria_hidden="true"),
        rx.el.span(
            rx.el.span(SERVICE_NAME + "サービス", class_name="hs-brand-name"),
            rx.el.span(face, rx.el.span(note, class_name="hs-hide-narrow") if note else rx.fragment(),
                       class_name="hs-brand-face"),
            class_name="hs-brand-text",
        ),
        href=href,
        class_name="hs-brand",
    )


def footer() -> rx.Component:
    return rx.el.footer(
        rx.text(f"{SURETY_NAME}　電子保証サービス", size="1"),
        rx.text("保証料の料率・金額の一部は見本データです。", size="1", color_scheme="gray"),
        class_name="hs-footer",
    )


def _shell(header: rx.Component, body: rx.Component, *, accent: str, gray: str = "auto",
           wide: bool = False) -> rx.Component:
    """The frame every page shares: skip link, the face's header, the content, the footer."""
    return rx.theme(
        rx.el.div(
            rx.el.a("本文へ移動", href="#main", class_name="hs-skip"),
            header,
            rx.el.main(body, id="main", class_name="hs-main"),
            footer(),
            # Present once the page's state is live (connected, on_load done): tests and scripts wait for it.
            rx.cond(rx.State.is_hydrated, rx.el.span(id="hs-ready", hidden=True)),
            class_name="hs-shell hs-wide" if wide else "hs-shell",
        ),
        accent_color=accent,
        gray_color=gray,
        has_background=False,
    )


# Each page's <meta name="description"> (search results, shared links): its face's sentence.
DESCRIPTIONS = {
    "enet": "建設業者様向けのe-Net保証：前払金保証・契約保証の申込み、審査状況の確認、電子証書と認証キーの受取り。",
    "dsure": "発注者の方が保証契約番号と認証キーで前払金保証・契約保証の電子証書を閲覧・確認するD-Sureです。"
             "アカウント登録は不要です。",
    "home": "前払金保証・契約保証の電子証書サービス：建設業者様のe-Net保証と、発注者の方のD-Sure。",
    "admin": "保証会社の管理画面：登録の承認、申込の審査、電子証書、発注者マスタ、メールと監査ログ。",
}


def page_template(route: str, title: str, frame: Callable[[rx.Component], rx.Component], on_load: Any = None,
                  description: str = ""):
    """The one page decorator: ``frame`` puts the content in its face; the page is recorded in PAGES."""

    def decorator(content: Callable[[], rx.Component]) -> Callable[[], rx.Component]:
        def page() -> rx.Component:
            return frame(content())

        # Reflex groups a page's memoized components by the render function's module: keep
        # the page module's name, so each face gets its own bundle (D-Sure stays light).
        functools.update_wrapper(page, content)
        kwargs: dict[str, Any] = {"route": route, "title": title, "description": description}
        if on_load is not None:
            kwargs["on_load"] = on_load
        PAGES.append((page, kwargs))
        return page

    return decorator


# --- e-Net (contractors; phone first) ---------------------------------------------------


def enet_header(nav: str | None) -> rx.Component:
    user_box = rx.cond(
        Session.enet_token != "",
        rx.hstack(
            rx.text(Session.enet_name, size="2", color_scheme="gray", class_name="hs-user-name",
                    display=["none", "none", "block"], max_width="16em", truncate=True),
            rx.button(rx.icon("log-out", size=16), "ログアウト", on_click=Session.enet_logout, variant="soft",
                      color_scheme="gray", size="2"),
            spacing="3",
            align="center",
        ),
        rx.el.a(rx.button("ログイン", variant="soft", size="2"), href="/login"),
    )
    # Pages behind the login (those with a tab) draw the tab bar from the first paint, before the
    # browser's token is known: appearing after hydration it pushed the whole page down (CLS 0.76).
    tabs = rx.fragment() if nav is None else (
        rx.el.nav(
            *[
                rx.el.a(
                    rx.icon(icon, size=20, aria_hidden="true"),
                    rx.el.span(text),
                    href=href,
                    class_name="hs-tab",
                    custom_attrs={"aria-current": "page"} if key == nav else {},
                )
                for key, href, icon, text in ENET_TABS
            ],
            class_name="hs-tabs",
            aria_label="e-Net保証のメニュー",
        )
    )
    return rx.el.header(
        rx.el.div(brand("e-Net保証", "/applications", note="（建設業者様向け）"), user_box, class_name="hs-header-inner"),
        tabs,
        class_name="hs-header",
    )


def enet_page(route: str, title: str, *, nav: str | None = None, on_load: Any = None, narrow: bool = False):
    def frame(body: rx.Component) -> rx.Component:
        return _shell(enet_header(nav), rx.el.div(body, class_name="hs-narrow") if narrow else body, accent="indigo")

    return page_template(route, f"{title}｜e-Net保証", frame, on_load, f"{title}｜{DESCRIPTIONS['enet']}")


# --- D-Sure (orderers; no login, kept light) and the public start page --------------------


def _public_page(route: str, title: str, face: str, href: str, icon: str, accent: str, description: str,
                 on_load: Any = None):
    def frame(body: rx.Component) -> rx.Component:
        header = rx.el.header(rx.el.div(brand(face, href, icon=icon), class_name="hs-header-inner"),
                              class_name="hs-header")
        return _shell(header, body, accent=accent)

    return page_template(route, title, frame, on_load, description)


def dsure_page(route: str, title: str, *, on_load: Any = None):
    return _public_page(route, f"{title}｜D-Sure", "D-Sure　発注者用保証確認サービス", "/dsure", "file-check", "teal",
                        DESCRIPTIONS["dsure"], on_load)


def home_page(route: str, title: str):
    return _public_page(route, title, "前払金保証・契約保証の電子証書", "/", "shield-check", "indigo",
                        DESCRIPTIONS["home"])


# --- admin dashboard (surety staff; desktop) --------------------------------------------


def admin_header() -> rx.Component:
    return rx.el.header(
        rx.el.div(
            brand("管理画面（保証会社）", "/admin", icon="briefcase"),
            rx.cond(
                Session.admin_token != "",
                rx.hstack(
                    rx.text(Session.admin_name, size="2", color_scheme="gray", display=["none", "none", "block"]),
                    rx.button(rx.icon("log-out", size=16), "ログアウト", on_click=Session.admin_logout,
                              variant="soft", color_scheme="gray", size="2"),
                    spacing="3",
                    align="center",
                ),
            ),
            class_name="hs-header-inner",
        ),
        class_name="hs-header",
    )


def admin_nav(active: str) -> rx.Component:
    return rx.el.nav(
        *[
            rx.el.a(
                rx.icon(icon, size=18, aria_hidden="true"),
                text,
                href=href,
                custom_attrs={"aria-current": "page"} if key == active else {},
            )
            for key, href, icon, text in ADMIN_LINKS
        ],
        class_name="hs-sidenav",
        aria_label="管理メニュー",
    )


def admin_page(route: str, title: str, *, nav: str | None = None, on_load: Any = None, bare: bool = False):
    def frame(body: rx.Component) -> rx.Component:
        inner = body if bare else rx.el.div(admin_nav(nav or ""), rx.box(body, min_width="0"), class_name="hs-admin")
        return _shell(admin_header(), inner, accent="blue", gray="slate", wide=True)

    return page_template(route, f"{title}｜電子保証 管理画面", frame, on_load, f"{title}｜{DESCRIPTIONS['admin']}")
