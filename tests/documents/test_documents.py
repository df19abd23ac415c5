"""Every document rendered with sample contexts and read back as a person would read it."""

from __future__ import annotations

import re

import pytest

from backend.documents import render_html, render_pdf
from backend.documents.contexts import (
    sample_auth_key_notice,
    sample_certificate,
    sample_dsure_receipt,
    sample_fee_adjustment,
    sample_fee_receipt,
    sample_fee_statement,
)
from backend.documents.formatting import qr_svg
from tests.documents.pdftools import flat, pdf_pages, pdf_text, read_qr_matrix, render_gray, segno_matrix

PUBLIC_URL = "http://hosho.test"


def assert_in(text: str, *expected: str) -> None:
    body = flat(text)
    for item in expected:
        assert flat(item) in body, f"{item!r} not in the document"


def assert_watermarked(pdf: bytes, page: int) -> None:
    """The diagonal 「閲覧用 — 提出書類ではありません —」 (rotated: read in content order)."""
    assert "閲覧用—提出書類ではありません—" in flat(pdf_text(pdf, page=page, mode="raw"))


# --- 認証キー等のお知らせ --------------------------------------------------------------------


# The seed flyer's sample block (shared/seed), character for character; in order.
SEED_NOTICE = (
    "電子証書閲覧用「認証キー」等のお知らせ",
    "「保証確認サービス (D-Sure)」で電子証書を閲覧するための「認証キー」等は、以下のとおりとなります。",
    "区分", "{guarantee_type_label}",
    "保証契約番号", "{contract_number}",
    "認証キー", "{auth_key}",
    "工事名", "{project_name}",
    "発注者", "{orderer_title}",
    "保証機関", "{surety_name}",
    "【お客様へのお願い】",
    "次の方法で当該PDFファイルを発注者様にご提出ください。",
    "①電子契約システムへの登録 (アップロード) 又は ②電子メールに添付して送信",
    "【発注者様へのお願い】",
    "「保証確認サービス (D-Sure)」にログインし、上記の「保証契約番号」と「認証キー」を入力の上、電子証書を閲覧ください。",
    "{surety_name}",
)
SEED_KEY_FOOTNOTE = "※発注者がD-Sure(発注者用保証確認サービス)において電子証書を閲覧するために必要となる暗証番号"


def assert_in_order(text: str, items: list[str]) -> None:
    """Each item after the previous one; whitespace ignored, characters not normalised."""
    body = re.sub(r"\s+", "", text)
    at = 0
    for item in items:
        found = body.find(re.sub(r"\s+", "", item), at)
        assert found >= 0, f"{item!r} not in the document after position {at}: {body[at:at + 80]!r}"
        at = found + len(re.sub(r"\s+", "", item))


async def test_auth_key_notice_has_the_seed_wording_and_fields() -> None:
    context = sample_auth_key_notice(public_url=PUBLIC_URL)
    pdf = await render_pdf("auth-key-notice", context)
    assert pdf.startswith(b"%PDF") and pdf_pages(pdf) == 1
    exact = pdf_text(pdf, normalize=False)
    filled = {**context, "auth_key": "7KQ2M-XC9RT"}  # printed in two groups of five
    assert_in_order(exact, [item.format(**filled) for item in SEED_NOTICE])
    assert_in(exact, SEED_KEY_FOOTNOTE, "5文字ごとの「-」は読みやすさのための区切りで、入力の際は省略できます。",
              "令和7年10月15日", "http://hosho.test/dsure?no=2070004426")
    # the contractor's guidance (STEP3 / STEP4 of the flyer) belongs on the e-Net screen, not in the PDF
    for gone in ("【重要】", "STEP3", "STEP4", "誤ってご提出しないよう"):
        assert gone not in flat(exact), gone


async def test_auth_key_notice_qr_points_at_dsure_with_the_number_and_never_the_key() -> None:
    context = sample_auth_key_notice(public_url=PUBLIC_URL, auth_key="Z9Y8X7W6V5")
    url = "http://hosho.test/dsure?no=2070004426"
    html = render_html("auth-key-notice", context)
    svgs = re.findall(r"<svg.*?</svg>", html, re.S)
    assert svgs == [str(qr_svg(url, 26))]
    # the printed QR code, read back module by module from the rendered page
    modules = read_qr_matrix(render_gray(await render_pdf("auth-key-notice", context), dpi=200))
    assert modules == segno_matrix(url)
    for with_key in (f"{url}&key=Z9Y8X7W6V5", "Z9Y8X7W6V5", f"{url}Z9Y8X7W6V5"):
        assert modules != segno_matrix(with_key)
    assert "Z9Y8X7W6V5" not in url


async def test_user_text_is_escaped() -> None:
    context = sample_auth_key_notice(project_name='<b>第1工区</b> & "橋梁" 補修工事')
    html = render_html("auth-key-notice", context)
    assert "<b>第1工区</b>" not in html and "&lt;b&gt;第1工区&lt;/b&gt; &amp;" in html
    assert_in(pdf_text(await render_pdf("auth-key-notice", context)), '<b>第1工区</b> & "橋梁" 補修工事')


# --- 保証証書（閲覧用） ------------------------------------------------------------------------


async def test_certificate_version_1() -> None:
    context = sample_certificate()
    pdf = await render_pdf("certificate", context)
    assert pdf_pages(pdf) == 1
    text = pdf_text(pdf)
    assert_in(
        text,
        "前払金保証証書",
        "保証契約番号 第 2070004426 号",
        "第1版",
        "発行日 令和7年10月15日",
        "公益財団法人鳥取県建設技術センター理事長 殿",
        "前払金保証約款（令和6年4月版）に基づき、保証金額を限度として保証したことを証します。",
        "因幡建設株式会社", "代表取締役 因幡 一郎", "鳥取県鳥取市東町一丁目220番地", "鳥取県知事許可（特-5）第1234号",
        "預託金融機関", "鳥取銀行", "県庁支店", "代表取締役社長", "大阪府大阪市西区",
        "鳥取県建設技術センター",
        "○○道路改良工事", "R7-123", "鳥取県鳥取市○○地内",
        "請負代金額", "金50,000,000円",
        "契約日", "令和7年10月10日（2025年）",
        "令和7年10月15日（2025年） から 令和8年3月31日（2026年） まで",
        "保証金額", "金20,000,000円",
        "西日本建設業保証株式会社", "事業所コード 207",
        "3f9a1c0e 5b7d2468 ace01357 9bdf2468",
        "状態：有効",
        "発注者への提出書類ではありません",
        "http://localhost:3000/dsure?no=2070004426",
    )
    assert "変更の経過" not in flat(text) and "お客様ID" not in flat(text)
    assert_watermarked(pdf, 1)


async def test_certificate_version_2_lists_the_changes() -> None:
    pdf = await render_pdf("certificate", sample_certificate(version=2, guarantee_type="contract"))
    assert pdf_pages(pdf) == 1
    text = pdf_text(pdf)
    assert_in(
        text,
        "契約保証証書",
        "第2版",
        "請負契約に基づく債務の履行について、契約保証約款（令和6年4月版）に基づき",
        "変更の経過（第2版）",
        "第2版（令和7年12月1日発行）",
        "請負代金額 金50,000,000円 金55,000,000円",
        "保証金額 金20,000,000円 金22,000,000円",
        "変更理由 請負代金額の増額による",
        "発行日 令和7年12月1日",
    )


async def test_certificate_status_and_era_first_year() -> None:
    context = sample_certificate(guarantee_type="interim_advance", status="cancelled")
    context["snapshot"]["issued_on"] = "2019-05-01"
    context["snapshot"]["project"]["orderer_project_number"] = None
    text = pdf_text(await render_pdf("certificate", context))
    assert_in(text, "中間前払金保証証書", "中間前払金について", "この保証契約は解約されています", "状態：解約",
              "令和元年5月1日")
    assert "工事番号" not in flat(text)
    expired = sample_certificate(status="expired")
    assert_in(pdf_text(await render_pdf("certificate", expired)), "状態：期限満了")


async def test_long_certificate_is_watermarked_on_every_page() -> None:
    context = sample_certificate(version=3)
    context["snapshot"]["changes"] = [
        {"field": "period_end", "label": f"工期（終期）変更{i}", "before": "2026-03-31", "after": "2026-06-30"}
        for i in range(40)
    ]
    pdf = await render_pdf("certificate", context)
    pages = pdf_pages(pdf)
    assert pages >= 2
    for page in range(1, pages + 1):
        assert_watermarked(pdf, page)
    assert_in(pdf_text(pdf), "工期（終期）変更39", "令和8年6月30日")


# --- 保証料 ---------------------------------------------------------------------------------


async def test_fee_statement() -> None:
    text = pdf_text(await render_pdf("fee-statement", sample_fee_statement()))
    assert_in(
        text,
        "保証料計算書",
        "因幡建設株式会社 御中",
        "申込番号 42",
        "保証契約の締結時に付番します",
        "前払金保証", "鳥取県建設技術センター", "○○道路改良工事",
        "金20,000,000円",
        "令和7年10月15日（2025年） から 令和8年3月31日（2026年） まで",
        "168日",
        "年 1.50%",
        "サンプル料率表 2025-04",
        "金5,000円",
        "20,000,000円 × 0.0150 × 168日 ÷ 365 = 138,082円",
        "金138,082円",
        "（サンプル料率）",
        "保証料は非課税です。",
        "計算日 令和7年10月12日",
        "西日本建設業保証株式会社",
    )


async def test_fee_statement_without_sample_label_and_with_minimum_fee() -> None:
    context = sample_fee_statement(sample_data=False, guarantee_amount=100_000, fee=5_000, contract_number="2070004426")
    text = pdf_text(await render_pdf("fee-statement", context))
    assert flat("（サンプル料率）") not in flat(text) and "動作確認用" not in flat(text)
    assert_in(text, "2070004426", "金5,000円", "100,000円 × 0.0150 × 168日 ÷ 365 = 690円")


async def test_fee_receipt() -> None:
    text = pdf_text(await render_pdf("fee-receipt", sample_fee_receipt()))
    assert_in(
        text,
        "領収証", "保証料領収証",
        "No. R2025-000123",
        "因幡建設株式会社 様",
        "金138,082円",
        "但し 前払金保証の保証料として",
        "上記の金額を正に領収いたしました。",
        "非課税",
        "保証料は非課税です。",
        "領収日 令和7年10月14日",
        "2070004426",
        "（サンプル料率）",
        "西日本建設業保証株式会社",
    )


@pytest.mark.parametrize(
    ("kind", "title", "label", "amount"),
    [("additional", "追加保証料計算書", "追加保証料", "金13,808円"), ("refund", "保証料返還計算書", "返還保証料", "金48,493円")],
)
async def test_fee_adjustment(kind: str, title: str, label: str, amount: str) -> None:
    text = pdf_text(await render_pdf("fee-adjustment", sample_fee_adjustment(kind)))
    assert_in(text, title, label, amount, "変更前", "変更後", "2070004426", "第2版", "保証料は非課税です。",
              "（サンプル料率）", "○○道路改良工事", "因幡建設株式会社 御中")
    other = "保証料返還計算書" if kind == "additional" else "追加保証料計算書"
    assert other not in flat(text)
    if kind == "refund":
        assert_in(text, "工期の短縮による", "令和8年1月31日（2026年）", "109日", "金89,589円")
    else:
        assert_in(text, "請負代金額の増額による", "金22,000,000円", "金151,890円")


# --- 閲覧証明 --------------------------------------------------------------------------------


async def test_dsure_receipt() -> None:
    context = sample_dsure_receipt(public_url=PUBLIC_URL)
    pdf = await render_pdf("dsure-receipt", context)
    text = pdf_text(pdf)
    assert_in(
        text,
        "閲覧証明",
        "2070004426", "第1版", "有効",
        "○○道路改良工事", "鳥取県建設技術センター",
        "令和7年10月20日 10時15分30秒（日本時間）",
        "3f9a1c0e 5b7d2468",
        "ed25519-207-2025a",
        "保証確認サービス（D-Sure）が照会の結果に基づき自動的に発行したものです",
    )
    assert context["signature"] in flat(pdf_text(pdf, mode="raw"))
    assert read_qr_matrix(render_gray(pdf, dpi=200)) == segno_matrix("http://hosho.test/dsure?no=2070004426")
