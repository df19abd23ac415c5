"""Fee engine: hand-computed cases (sample rate table)."""

from datetime import date
from decimal import Decimal

from backend.domain import fees

TABLE = fees.SAMPLE_TABLE_2025


def test_advance_fee_for_a_prefecture_hand_computed():
    # 20,000,000 × 0.0050 × 162 / 365 = 44,383.56… → 44,383 (円未満切捨て)
    quote = fees.quote(
        guarantee_type="advance", orderer_class="prefecture", amount=20_000_000,
        start=date(2025, 10, 21), end=date(2026, 3, 31), table=TABLE,
    )
    assert quote.days == 162
    assert quote.rate_per_year == Decimal("0.0050")
    assert quote.fee == 44_383
    assert quote.sample_data is True
    assert not quote.minimum_applied


def test_contract_fee_band_above_one_oku():
    # 150,000,000 × 0.0070 (municipality, ≤ 10億) × 365 / 365 = 1,050,000
    quote = fees.quote(
        guarantee_type="contract", orderer_class="municipality", amount=150_000_000,
        start=date(2025, 4, 1), end=date(2026, 3, 31), table=TABLE,
    )
    assert quote.days == 365
    assert quote.fee == 1_050_000


def test_band_boundary_is_inclusive():
    assert fees.rate_for(TABLE, "advance", "national", 100_000_000) == Decimal("0.0045")
    assert fees.rate_for(TABLE, "advance", "national", 100_000_001) == Decimal("0.0040")
    assert fees.rate_for(TABLE, "advance", "national", 5_000_000_000) == Decimal("0.0035")


def test_minimum_fee_applies_to_small_guarantees():
    # 1,000,000 × 0.0055 × 30 / 365 = 452.05 → below the 3,000 minimum
    quote = fees.quote(
        guarantee_type="advance", orderer_class="municipality", amount=1_000_000,
        start=date(2025, 11, 1), end=date(2025, 11, 30), table=TABLE,
    )
    assert quote.fee == 3_000
    assert quote.minimum_applied


def test_adjustment_and_cancellation_refund():
    base = dict(guarantee_type="contract", orderer_class="prefecture", start=date(2025, 4, 1), table=TABLE)
    old = fees.quote(amount=10_000_000, end=date(2026, 3, 31), **base)  # 75,000
    new = fees.quote(amount=12_000_000, end=date(2026, 3, 31), **base)  # 90,000
    assert (old.fee, new.fee) == (75_000, 90_000)
    assert fees.adjustment(old, new) == ("additional", 15_000)
    assert fees.adjustment(new, old) == ("refund", 15_000)
    assert fees.adjustment(old, old) == ("none", 0)
    # cancelled with 181 of 365 days unused: (75,000 − 5,000) × 181 / 365 = 34,712.32… → 34,712
    refund = fees.cancellation_refund(old, start=date(2025, 4, 1), end=date(2026, 3, 31), cancelled_on=date(2025, 10, 1))
    assert refund == 34_712


def test_table_choice_by_date():
    assert fees.table_for(date(2030, 1, 1)).version == "SAMPLE-2025.04"
    assert fees.table_for(date(2020, 1, 1)).version == "SAMPLE-2025.04"
