"""frontend/fmt.py: 和暦 dates, 金…円 amounts and friendly input handling."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

from frontend import fmt


def test_wareki_dates_with_the_first_year_as_gannen():
    assert fmt.wareki(date(2025, 10, 1)) == "令和7年10月1日"
    assert fmt.wareki("2019-05-01") == "令和元年5月1日"
    assert fmt.wareki("2019-04-30") == "平成31年4月30日"
    assert fmt.wareki(date(1989, 1, 8)) == "平成元年1月8日"
    assert fmt.wareki(date(2025, 10, 1), with_western=True) == "令和7年10月1日（2025年）"
    assert fmt.wareki(None) == "" and fmt.wareki("not a date") == ""
    assert fmt.wareki_month("2025-10") == "令和7年10月"


def test_times_are_shown_in_japan_time():
    moment = datetime(2025, 9, 30, 15, 30, tzinfo=timezone.utc)  # 10/1 00:30 in Tokyo
    assert fmt.wareki_time(moment) == "令和7年10月1日 00:30"
    assert fmt.wareki_time("2025-09-30T15:30:00Z") == "令和7年10月1日 00:30"
    assert fmt.wareki("2025-09-30T15:30:00+00:00") == "令和7年10月1日"


def test_how_long_ago_in_minutes_hours_and_days():
    now = datetime(2025, 10, 4, 12, 0, tzinfo=timezone.utc)
    assert fmt.ago(now - timedelta(seconds=20), now) == "たった今"
    assert fmt.ago(now - timedelta(minutes=12), now) == "12分前"
    assert fmt.ago(now - timedelta(hours=5, minutes=59), now) == "5時間前"
    assert fmt.ago((now - timedelta(days=3, hours=2)).isoformat(), now) == "3日前"
    assert fmt.ago(now + timedelta(minutes=5), now) == "たった今"  # a clock a little ahead
    assert fmt.ago(None, now) == ""


def test_yen_and_amounts_typed_on_a_phone():
    assert fmt.yen(1234567) == "金1,234,567円"
    assert fmt.yen(0) == "金0円" and fmt.yen(None) == ""
    assert fmt.parse_amount("１２，０００，０００円") == 12_000_000
    assert fmt.parse_amount("30,000,000") == 30_000_000
    assert fmt.parse_amount("") is None
    assert fmt.parse_amount("12.5") == "12.5"  # left for the API to explain


def test_changes_and_keys_read_naturally():
    assert fmt.change_value("guarantee_amount", 5_500_000) == "金5,500,000円"
    assert fmt.change_value("period_end", "2026-03-31") == "令和8年3月31日"
    assert fmt.change_value("reason", None) == "―"
    assert fmt.format_key("ABCDEFGHJK") == "ABCDE-FGHJK"
    assert fmt.minutes_from_seconds(900) == 15 and fmt.minutes_from_seconds(61) == 2
    assert fmt.minutes_from_seconds("x", default=15) == 15
