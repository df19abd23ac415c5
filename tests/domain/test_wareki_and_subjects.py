from datetime import date

import pytest

from backend.domain.passwords import password_problem
from backend.domain.subjects import render_subject, template_problem
from backend.domain.wareki import wareki, yen


@pytest.mark.parametrize(
    ("day", "text"),
    [
        (date(2025, 10, 1), "令和7年10月1日"),
        (date(2019, 5, 1), "令和元年5月1日"),
        (date(2019, 4, 30), "平成31年4月30日"),
        (date(1989, 1, 8), "平成元年1月8日"),
        (date(1989, 1, 7), "昭和64年1月7日"),
    ],
)
def test_wareki(day, text):
    assert wareki(day) == text


def test_wareki_with_western_year_and_yen():
    assert wareki(date(2026, 3, 31), with_western=True) == "令和8年3月31日（2026年）"
    assert yen(1234567) == "金1,234,567円"
    assert yen(0) == "金0円"


def test_subject_templates():
    assert render_subject("【前払保証】{工事名}", project_name="○○道路改良工事", project_number=None) == "【前払保証】○○道路改良工事"
    assert render_subject("【電子保証】{工事番号} {工事名}", project_name="橋梁補修", project_number="R7-12") == "【電子保証】R7-12 橋梁補修"
    assert render_subject(None, project_name="A工事", project_number="") == "【電子保証】A工事（認証キー等のお知らせ）"
    assert template_problem("【契約保証】{工事名}") is None
    assert "件名" in template_problem("{件名}")


def test_password_rules():
    assert password_problem("Hashi-kake-2025") is None
    assert "よく使われて" in password_problem("password123")
    assert "10文字以上" in password_problem("short1")
    assert "英字と数字" in password_problem("abcdefghijkl")
    assert "同じ文字" in password_problem("aaaaaaaaa1")
    assert "お客様ID" in password_problem("x12345678abc", login_id="12345678")
