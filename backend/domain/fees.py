"""保証料 (guarantee fee) engine: a versioned, data-driven rate table (pure).

fee = max(minimum, floor(保証金額 × yearly rate × 保証期間 days / 365))  — 円未満切捨て.
保証料 is not subject to consumption tax (非課税).

THE NUMBERS BELOW ARE SAMPLE DATA for demonstration, not any surety company's tariff.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import ROUND_FLOOR, Decimal

from backend.domain.glossary import ADVANCE, CONTRACT, INTERIM_ADVANCE

DAYS_PER_YEAR = 365


@dataclass(frozen=True)
class Band:
    up_to: int | None  # inclusive upper bound of 保証金額 in yen; None = no bound
    rate_per_year: Decimal


@dataclass(frozen=True)
class RateTable:
    version: str
    effective_from: date
    sample_data: bool
    # (guarantee type, orderer class) → bands, lowest first
    bands: dict[tuple[str, str], tuple[Band, ...]]
    minimum_fee: dict[str, int]  # per guarantee type


@dataclass(frozen=True)
class FeeQuote:
    fee: int
    rate_per_year: Decimal
    days: int
    minimum_fee: int
    minimum_applied: bool
    table_version: str
    sample_data: bool


def _bands(*rates: str) -> tuple[Band, ...]:
    """Three bands: ≤ 1億円, ≤ 10億円, above."""
    limits = (100_000_000, 1_000_000_000, None)
    return tuple(Band(limit, Decimal(rate)) for limit, rate in zip(limits, rates, strict=True))


_ADVANCE_RATES = {
    "national": _bands("0.0045", "0.0040", "0.0035"),
    "prefecture": _bands("0.0050", "0.0045", "0.0040"),
    "municipality": _bands("0.0055", "0.0050", "0.0045"),
    "agency": _bands("0.0060", "0.0055", "0.0050"),
    "other": _bands("0.0060", "0.0055", "0.0050"),
}
_CONTRACT_RATES = {
    "national": _bands("0.0070", "0.0060", "0.0050"),
    "prefecture": _bands("0.0075", "0.0065", "0.0055"),
    "municipality": _bands("0.0080", "0.0070", "0.0060"),
    "agency": _bands("0.0085", "0.0075", "0.0065"),
    "other": _bands("0.0085", "0.0075", "0.0065"),
}

SAMPLE_TABLE_2025 = RateTable(
    version="SAMPLE-2025.04",
    effective_from=date(2025, 4, 1),
    sample_data=True,
    bands={
        **{(ADVANCE, cls): bands for cls, bands in _ADVANCE_RATES.items()},
        **{(INTERIM_ADVANCE, cls): bands for cls, bands in _ADVANCE_RATES.items()},
        **{(CONTRACT, cls): bands for cls, bands in _CONTRACT_RATES.items()},
    },
    minimum_fee={ADVANCE: 3_000, INTERIM_ADVANCE: 3_000, CONTRACT: 5_000},
)

RATE_TABLES: tuple[RateTable, ...] = (SAMPLE_TABLE_2025,)


def table_for(on: date) -> RateTable:
    """The newest table in force on a date (the earliest one before any table starts)."""
    in_force = [t for t in RATE_TABLES if t.effective_from <= on]
    return max(in_force, key=lambda t: t.effective_from) if in_force else RATE_TABLES[0]


def guarantee_days(start: date, end: date) -> int:
    """保証期間 in days, both ends included."""
    return (end - start).days + 1


def rate_for(table: RateTable, guarantee_type: str, orderer_class: str, amount: int) -> Decimal:
    for band in table.bands[(guarantee_type, orderer_class)]:
        if band.up_to is None or amount <= band.up_to:
            return band.rate_per_year
    raise AssertionError("the last band is unbounded")


def quote(
    *, guarantee_type: str, orderer_class: str, amount: int, start: date, end: date, table: RateTable
) -> FeeQuote:
    days = guarantee_days(start, end)
    rate = rate_for(table, guarantee_type, orderer_class, amount)
    raw = (Decimal(amount) * rate * days / DAYS_PER_YEAR).to_integral_value(rounding=ROUND_FLOOR)
    minimum = table.minimum_fee[guarantee_type]
    fee = max(int(raw), minimum)
    return FeeQuote(
        fee=fee,
        rate_per_year=rate,
        days=days,
        minimum_fee=minimum,
        minimum_applied=fee == minimum and int(raw) < minimum,
        table_version=table.version,
        sample_data=table.sample_data,
    )


def adjustment(old: FeeQuote, new: FeeQuote) -> tuple[str, int]:
    """追加保証料 or 返還保証料 when a guarantee is amended: ("additional"|"refund"|"none", yen)."""
    difference = new.fee - old.fee
    if difference > 0:
        return "additional", difference
    if difference < 0:
        return "refund", -difference
    return "none", 0


def cancellation_refund(paid: FeeQuote, *, start: date, end: date, cancelled_on: date) -> int:
    """返還保証料 on 解約: the unused days' share of the fee paid, floored; nothing below the minimum."""
    total = guarantee_days(start, end)
    unused = max(0, (end - cancelled_on).days)
    refundable = max(0, paid.fee - paid.minimum_fee)
    return int((Decimal(refundable) * unused / total).to_integral_value(rounding=ROUND_FLOOR))
