"""The start page: which door to take (contractor, orderer, surety staff)."""

from __future__ import annotations

import reflex as rx

from frontend.components.layout import home_page
from frontend.components.ui import card, note


def _door(icon: str, title: str, who: str, text: str, button: str, href: str, variant: str = "solid") -> rx.Component:
    return card(
        rx.hstack(rx.el.span(rx.icon(icon, size=22), class_name="hs-brand-mark"),
                  rx.vstack(rx.text(title, weight="bold", size="5"), rx.text(who, size="2", color_scheme="gray"),
                            spacing="0"),
                  align="center", spacing="3"),
        rx.text(text, size="2"),
        rx.el.a(rx.button(button, size="3", width="100%", variant=variant), href=href, width="100%"),
        spacing="3",
    )


@home_page("/", "電子保証サービス｜前払金保証・契約保証の電子証書")
def index() -> rx.Component:
    return rx.vstack(
        rx.vstack(
            rx.text("Attention!!", size="2", weight="bold", color="var(--accent-11)"),
            rx.el.h1("「前払金保証」と「契約保証」の保証証書は、電子証書でのご提供が可能となりました。",
                     class_name="hs-page-title", style={"fontSize": "24px"}),
            rx.text("受取から提出にかかる時間を削減。リモートワークにも対応し、業務効率がアップします。", size="3",
                    color_scheme="gray"),
            spacing="2",
            padding_y="8px",
        ),
        rx.grid(
            _door("hard-hat", "e-Net保証", "建設業者の方",
                  "保証のお申込み、申込状況の確認、電子証書と「認証キー」の確認、発注者への提出ができます。",
                  "e-Net保証にログイン", "/login"),
            _door("file-check", "D-Sure", "発注者の方（ログイン不要）",
                  "お手元の「認証キー等のお知らせ」に記載の保証契約番号と認証キーで、電子証書を閲覧できます。",
                  "電子証書を閲覧する", "/dsure", "outline"),
            columns=rx.breakpoints(initial="1", sm="2"),
            gap="16px",
            width="100%",
        ),
        card(
            rx.text("電子保証のしくみ", weight="bold", size="4"),
            rx.el.ol(
                rx.el.li("e-Net保証から保証を申し込み、保証証書の受取方法で「電子交付を希望する」を選びます。"),
                rx.el.li("保証契約の締結後、e-Net保証で電子証書を確認し、「認証キー」を表示します。"),
                rx.el.li("「認証キー等のお知らせ」（PDF）をダウンロードし、電子メールまたは電子契約システムで発注者へ提出します。"),
                rx.el.li("発注者はD-Sureで保証契約番号と認証キーを入力し、電子証書を閲覧します。"),
                style={"margin": "0", "paddingLeft": "1.4em", "fontSize": "14px", "lineHeight": "1.9",
                       "listStyle": "decimal"},
            ),
            note(rx.text(rx.el.strong("【重要】"),
                         "発注者へ提出するのは「認証キー等のお知らせ」（PDF）です。保証証書の印刷物は提出書類ではありません。")),
        ),
        rx.text(rx.link("保証会社職員の方（管理画面）", href="/admin/login"), size="1", color_scheme="gray"),
        spacing="5",
        width="100%",
    )


@home_page("404", "ページが見つかりません｜電子保証サービス")
def not_found() -> rx.Component:
    return card(
        rx.text("お探しのページが見つかりませんでした", weight="bold", size="5"),
        rx.text("URLが変更されたか、入力に誤りがある可能性があります。お手数ですが、以下からお進みください。", size="2"),
        rx.flex(
            rx.el.a(rx.button("e-Net保証（建設業者の方）", size="3"), href="/login"),
            rx.el.a(rx.button("D-Sure（発注者の方）", size="3", variant="outline"), href="/dsure"),
            gap="12px",
            wrap="wrap",
        ),
        class_name="hs-narrow",
    )
