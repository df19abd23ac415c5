"""保証料 (guarantee fee) engine: a versioned, data-driven rate table (pure).

fee = max(minimum, floor(保証金額 × yearly rate × 保証期間 days / 365))  — 円未満切捨て.
保証料 is not subject to consumption tax (非課税).

THE YEARLY RATES BELOW ARE SAMPLE DATA for demonstration, not any surety company's tariff.
The one exception is 中間前払金保証: the sureties publish one flat rate, 0.065 % of the
中間前払金額 whatever the period (``INTERIM_PUBLISHED_RATE``), and that is what it costs.
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
    # (guarantee type, orderer class) → bands, lowest first (not 中間前払金: INTERIM_PUBLISHED_RATE)
    bands: dict[tuple[str, str], tuple[Band, ...]]
    minimum_fee: dict[str, int]  # per guarantee type


# 中間前払金保証料 = 中間前払金額 × 0.065 % (円未満切捨て), as the three 保証事業会社 publish it.
INTERIM_PUBLISHED_RATE = Decimal("0.00065")
INTERIM_PUBLISHED_VERSION = "公表料率（中間前払金額の0.065%）"


@dataclass(frozen=True)
class FeeQuote:
    fee: int
    rate_per_year: Decimal  # for a flat quote: the rate on the amount, once
    days: int
    minimum_fee: int
    minimum_applied: bool
    table_version: str
    sample_data: bool
    flat: bool = False  # True: fee = amount × rate, independent of the days (中間前払金)


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
        **{(CONTRACT, cls): bands for cls, bands in _CONTRACT_RATES.items()},
    },
    minimum_fee={ADVANCE: 3_000, CONTRACT: 5_000},  # 中間前払金: the published flat rate, no minimum
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
    if guarantee_type == INTERIM_ADVANCE:
        fee = int((Decimal(amount) * INTERIM_PUBLISHED_RATE).to_integral_value(rounding=ROUND_FLOOR))
        return FeeQuote(
            fee=fee, rate_per_year=INTERIM_PUBLISHED_RATE, days=days, minimum_fee=0, minimum_applied=False,
            table_version=INTERIM_PUBLISHED_VERSION, sample_data=False, flat=True,
        )
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


@dataclass(frozen=True)
class Refund:
    """返還保証料 on 解約, with every figure the 保証料返還計算書 prints."""

    cancel_on: date  # 解約日: the guarantee covers up to and including this day
    total_days: int  # 保証期間 days
    used_days: int  # 保証期間の始期 … 解約日
    unused_days: int  # the day after 解約日 … 保証期限
    fee_paid: int  # 保証料 paid so far (the fee of the current terms)
    minimum_fee: int
    prorated_refund: int  # floor(fee_paid × unused / total)
    retained: int  # what the surety keeps: fee_paid − refund, never below the minimum fee
    minimum_applied: bool
    refund: int


def cancellation_refund(*, fee_paid: int, minimum_fee: int, start: date, end: date, cancel_on: date) -> Refund:
    """返還保証料 on 解約: the unused days' share of the fee paid, 円未満切捨て; the surety keeps
    at least the minimum fee (so the refund is what is left above it, if anything)."""
    total = guarantee_days(start, end)
    cancel_on = min(max(cancel_on, start), end)
    used = guarantee_days(start, cancel_on)
    unused = total - used
    prorated = int((Decimal(fee_paid) * unused / total).to_integral_value(rounding=ROUND_FLOOR))
    retained = fee_paid - prorated
    minimum_applied = retained < minimum_fee
    if minimum_applied:
        retained = min(minimum_fee, fee_paid)
    return Refund(
        cancel_on=cancel_on, total_days=total, used_days=used, unused_days=unused, fee_paid=fee_paid,
        minimum_fee=minimum_fee, prorated_refund=prorated, retained=retained, minimum_applied=minimum_applied,
        refund=fee_paid - retained,
    )
