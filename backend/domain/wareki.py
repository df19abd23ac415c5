"""和暦 (Japanese era) dates and yen amounts as documents print them."""

from __future__ import annotations

from datetime import date

# (first day of the era, era name); newest first.
ERAS: tuple[tuple[date, str], ...] = (
    (date(2019, 5, 1), "令和"),
    (date(1989, 1, 8), "平成"),
    (date(1926, 12, 25), "昭和"),
    (date(1912, 7, 30), "大正"),
    (date(1868, 1, 25), "明治"),
)


def era_of(day: date) -> tuple[str, int]:
    """The era name and the year within it (1 for the first year)."""
    for start, name in ERAS:
        if day >= start:
            return name, day.year - start.year + 1
    raise ValueError(f"date before the Meiji era: {day.isoformat()}")


def wareki(day: date, *, with_western: bool = False) -> str:
    """令和7年10月1日 (元年 for the first year); optionally followed by （2025年）."""
    name, year = era_of(day)
    year_text = "元" if year == 1 else str(year)
    text = f"{name}{year_text}年{day.month}月{day.day}日"
    return f"{text}（{day.year}年）" if with_western else text


def yen(amount: int) -> str:
    """金1,234,567円."""
    return f"金{amount:,}円"
