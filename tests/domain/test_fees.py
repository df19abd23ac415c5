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


def test_cancellation_refund_is_the_unused_share_hand_computed():
    # 保証期間 2025-04-01 … 2026-03-31 = 365 days; 解約日 2025-09-30: used 30+31+30+31+31+30 = 183, unused 182.
    # refund = floor(75,000 × 182 / 365) = floor(37,397.26…) = 37,397; kept 75,000 − 37,397 = 37,603 ≥ 5,000.
    refund = fees.cancellation_refund(
        fee_paid=75_000, minimum_fee=5_000, start=date(2025, 4, 1), end=date(2026, 3, 31), cancel_on=date(2025, 9, 30)
    )
    assert (refund.total_days, refund.used_days, refund.unused_days) == (365, 183, 182)
    assert (refund.prorated_refund, refund.retained, refund.refund) == (37_397, 37_603, 37_397)
    assert not refund.minimum_applied


def test_cancellation_keeps_at_least_the_minimum_fee():
    # fee 5,200, minimum 5,000, cancelled after 10 of 365 days: floor(5,200 × 355 / 365) = floor(5,057.53…) = 5,057,
    # which would leave 143 < 5,000: the surety keeps 5,000 and refunds 200.
    refund = fees.cancellation_refund(
        fee_paid=5_200, minimum_fee=5_000, start=date(2025, 4, 1), end=date(2026, 3, 31), cancel_on=date(2025, 4, 10)
    )
    assert (refund.used_days, refund.unused_days, refund.prorated_refund) == (10, 355, 5_057)
    assert refund.minimum_applied and (refund.retained, refund.refund) == (5_000, 200)
    # A fee at the minimum is never refunded; cancelling on the last day refunds nothing.
    assert fees.cancellation_refund(
        fee_paid=3_000, minimum_fee=3_000, start=date(2025, 4, 1), end=date(2026, 3, 31), cancel_on=date(2025, 4, 1)
    ).refund == 0
    assert fees.cancellation_refund(
        fee_paid=75_000, minimum_fee=5_000, start=date(2025, 4, 1), end=date(2026, 3, 31), cancel_on=date(2026, 3, 31)
    ).refund == 0


def test_interim_advance_is_the_published_flat_rate():
    # 中間前払金 10,000,000 × 0.065 % = 6,500, whatever the days; 1,234,567 × 0.00065 = 802.46… → 802.
    long = fees.quote(guarantee_type="interim_advance", orderer_class="prefecture", amount=10_000_000,
                      start=date(2026, 1, 1), end=date(2027, 3, 31), table=TABLE)
    short = fees.quote(guarantee_type="interim_advance", orderer_class="prefecture", amount=10_000_000,
                       start=date(2026, 1, 1), end=date(2026, 1, 31), table=TABLE)
    assert long.fee == short.fee == 6_500
    assert long.flat and not long.sample_data and long.rate_per_year == Decimal("0.00065")
    assert "0.065%" in long.table_version and "公表" in long.table_version
    assert fees.quote(guarantee_type="interim_advance", orderer_class="national", amount=1_234_567,
                      start=date(2026, 1, 1), end=date(2026, 1, 31), table=TABLE).fee == 802


def test_table_choice_by_date():
    assert fees.table_for(date(2030, 1, 1)).version == "SAMPLE-2025.04"
    assert fees.table_for(date(2020, 1, 1)).version == "SAMPLE-2025.04"
