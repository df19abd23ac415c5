"""Printed values, the D-Sure link, download names and Content-Disposition."""

from __future__ import annotations

from datetime import date
from urllib.parse import unquote

import pytest

from backend.documents import ascii_filename, attachment_header, content_disposition, document_filename
from backend.documents.formatting import (
    change_value,
    digest_groups,
    dsure_url,
    jst_datetime,
    key_groups,
    rate_percent,
    wareki_date,
    wareki_full,
    yen_text,
)


def test_dates_and_amounts() -> None:
    assert wareki_date("2025-10-01") == "令和7年10月1日"
    assert wareki_date(date(2019, 5, 1)) == "令和元年5月1日"
    assert wareki_full("2026-03-31") == "令和8年3月31日（2026年）"
    assert wareki_date("2019-04-30") == "平成31年4月30日"
    assert yen_text(1_234_567) == "金1,234,567円"
    assert jst_datetime("2025-10-20T01:15:30+00:00") == "令和7年10月20日 10時15分30秒（日本時間）"
    assert jst_datetime("2025-12-31T15:00:00Z") == "令和8年1月1日 0時00分00秒（日本時間）"


def test_rates_keys_digests() -> None:
    assert rate_percent("0.0150") == "1.50%"
    assert rate_percent("0.00825") == "0.825%"
    assert rate_percent("0.1") == "10.00%"
    assert key_groups("7KQ2MXC9RT") == "7KQ2M-XC9RT"
    assert digest_groups("a" * 64).split() == ["a" * 8] * 8


def test_change_values() -> None:
    assert change_value("guarantee_amount", 22_000_000) == "金22,000,000円"
    assert change_value("period_end", "2026-03-31") == "令和8年3月31日"
    assert change_value("project_name", "○○道路改良工事") == "○○道路改良工事"
    assert change_value("period_end", None) == "—"


def test_dsure_url_carries_the_number_only() -> None:
    assert dsure_url("http://hosho.test/", "2070004426") == "http://hosho.test/dsure?no=2070004426"


@pytest.mark.parametrize(
    ("kind", "guarantee_type", "adjustment", "expected", "ascii_name"),
    [
        ("auth-key-notice", None, None, "認証キー等のお知らせ_2070004426.pdf", "auth-key-notice_2070004426.pdf"),
        ("certificate", "advance", None, "前払金保証証書（閲覧用）_2070004426.pdf",
         "advance-certificate-view-only_2070004426.pdf"),
        ("certificate", "interim_advance", None, "中間前払金保証証書（閲覧用）_2070004426.pdf",
         "interim-advance-certificate-view-only_2070004426.pdf"),
        ("certificate", "contract", None, "契約保証証書（閲覧用）_2070004426.pdf",
         "contract-certificate-view-only_2070004426.pdf"),
        ("fee-statement", "advance", None, "保証料計算書_2070004426.pdf", "fee-statement_2070004426.pdf"),
        ("fee-receipt", None, None, "保証料領収証_2070004426.pdf", "fee-receipt_2070004426.pdf"),
        ("fee-adjustment", None, "additional", "追加保証料計算書_2070004426.pdf",
         "additional-fee-statement_2070004426.pdf"),
        ("fee-adjustment", None, "refund", "保証料返還計算書_2070004426.pdf", "fee-refund-statement_2070004426.pdf"),
        ("dsure-receipt", None, None, "閲覧証明_2070004426.pdf", "dsure-verification-receipt_2070004426.pdf"),
    ],
)
def test_document_filenames(kind, guarantee_type, adjustment, expected, ascii_name) -> None:
    assert document_filename(kind, "2070004426", guarantee_type, adjustment_kind=adjustment) == expected
    assert ascii_filename(kind, "2070004426", guarantee_type, adjustment_kind=adjustment) == ascii_name


def test_filename_without_number_and_hostile_input() -> None:
    assert document_filename("fee-statement", None) == "保証料計算書.pdf"
    assert document_filename("fee-statement", "../../x\";y") == "保証料計算書_....xy.pdf"
    with pytest.raises(ValueError):
        document_filename("invoice", "1")


def test_content_disposition_encodes_japanese() -> None:
    header = content_disposition("認証キー等のお知らせ_2070004426.pdf", "auth-key-notice_2070004426.pdf")
    assert header.startswith('attachment; filename="auth-key-notice_2070004426.pdf"; ')
    prefix = "filename*=UTF-8''"
    encoded = header.split(prefix, 1)[1]
    assert encoded.isascii() and " " not in encoded and '"' not in encoded
    assert encoded.startswith("%E8%AA%8D%E8%A8%BC")  # 認証
    assert unquote(encoded, encoding="utf-8") == "認証キー等のお知らせ_2070004426.pdf"


def test_content_disposition_keeps_the_header_clean() -> None:
    header = content_disposition('保証料（計算書）"\r\n.pdf', 'bad"name\r\n.pdf', disposition="inline")
    assert header.startswith('inline; filename="bad_name__.pdf"; ')
    assert "\r" not in header and "\n" not in header
    assert unquote(header.split("''", 1)[1]) == "保証料（計算書）.pdf"


def test_attachment_header() -> None:
    header = attachment_header("certificate", "2070004426", "contract")
    assert 'filename="contract-certificate-view-only_2070004426.pdf"' in header
    assert unquote(header.split("''", 1)[1]) == "契約保証証書（閲覧用）_2070004426.pdf"
