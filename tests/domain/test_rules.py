from datetime import date

import pytest

from backend.domain import rules
from backend.domain.certificate import amended_snapshot, status_of

TOTTORI = rules.OrdererFacts(name="鳥取県建設技術センター", e_guarantee_from=date(2025, 10, 1))


def facts(**overrides) -> rules.ApplicationFacts:
    values = dict(
        guarantee_type="advance", contract_amount=50_000_000, advance_amount=20_000_000, guarantee_amount=None,
        contract_date=date(2025, 10, 20), period_start=date(2025, 10, 21), period_end=date(2026, 3, 31),
        bid_announced_on=date(2025, 10, 1), delivery="electronic",
    )
    if overrides.get("guarantee_type", "advance") != "contract":
        values["deposit_bank"] = ("鳥取銀行", "県庁支店")
    values.update(overrides)
    return rules.ApplicationFacts(**values)


def violation(app, orderer=TOTTORI, earlier=0) -> rules.RuleViolation:
    with pytest.raises(rules.RuleViolation) as caught:
        rules.check_application(app, orderer, earlier_advance=earlier)
    return caught.value


def test_a_sound_application_passes():
    assert rules.check_application(facts(), TOTTORI) == 20_000_000


def test_electronic_delivery_needs_the_orderers_start_date():
    found = violation(facts(bid_announced_on=date(2025, 9, 30), contract_date=date(2025, 10, 20)))
    assert found.field == "delivery"
    assert "令和7年10月1日以降" in found.message and "令和7年9月30日" in found.message
    paper_only = rules.OrdererFacts(name="サンプル町", e_guarantee_from=None)
    assert "電子証書に対応していない" in violation(facts(), paper_only).message
    assert rules.check_application(facts(delivery="paper", bid_announced_on=date(2025, 9, 1)), TOTTORI)


def test_advance_limits():
    assert rules.check_application(facts(advance_amount=20_000_000), TOTTORI)  # exactly 40%
    found = violation(facts(advance_amount=20_000_001))
    assert found.field == "advance_amount" and "40%" in found.message and "金20,000,000円" in found.message
    interim = facts(guarantee_type="interim_advance", advance_amount=10_000_001)
    assert "20%" in violation(interim).message
    ok_interim = facts(guarantee_type="interim_advance", advance_amount=10_000_000)
    assert rules.check_application(ok_interim, TOTTORI, earlier_advance=20_000_000) == 10_000_000
    found = violation(facts(guarantee_type="interim_advance", advance_amount=10_000_000), earlier=20_000_001)
    assert "60%" in found.message


def test_contract_guarantee_at_least_ten_percent():
    contract = dict(guarantee_type="contract", advance_amount=None)
    assert rules.check_application(facts(**contract, guarantee_amount=5_000_000), TOTTORI) == 5_000_000
    found = violation(facts(**contract, guarantee_amount=4_999_999))
    assert found.field == "guarantee_amount" and "10%" in found.message
    assert violation(facts(**contract, guarantee_amount=None)).field == "guarantee_amount"
    assert violation(facts(**contract, guarantee_amount=60_000_000)).field == "guarantee_amount"
    assert violation(facts(guarantee_amount=1_000)).field == "guarantee_amount"  # advance type with 保証金額


def test_dates_in_order():
    assert violation(facts(period_end=date(2025, 10, 20))).field == "period_end"
    assert violation(facts(contract_date=date(2025, 10, 22))).field == "contract_date"
    assert violation(facts(bid_announced_on=date(2025, 10, 25))).field == "bid_announced_on"
    assert violation(facts(period_end=date(2036, 1, 1))).field == "period_end"


def test_amended_snapshot_lists_changes_and_status():
    previous = {
        "version": 1, "issued_on": "2025-10-22", "changes": [], "change_reason": None,
        "project": {"contract_amount": 50_000_000, "period_end": "2026-03-31"},
        "guarantee": {"amount": 20_000_000, "period_end": "2026-03-31", "period_start": "2025-10-21"},
    }
    changed = amended_snapshot(
        previous, {"guarantee_amount": 22_000_000, "period_end": date(2026, 5, 31)},
        issued_on=date(2026, 1, 10), reason="工期延長",
    )
    assert changed["version"] == 2
    assert changed["project"]["period_end"] == "2026-05-31"
    assert [c["field"] for c in changed["changes"]] == ["guarantee_amount", "period_end"]
    assert previous["guarantee"]["amount"] == 20_000_000  # the old version is untouched
    assert status_of(cancelled=False, period_end=date(2026, 3, 31), today=date(2026, 3, 31)) == "valid"
    assert status_of(cancelled=False, period_end=date(2026, 3, 31), today=date(2026, 4, 1)) == "expired"
    assert status_of(cancelled=True, period_end=date(2026, 3, 31), today=date(2026, 1, 1)) == "cancelled"


def test_advance_types_name_their_deposit_bank():
    assert violation(facts(deposit_bank=None)).field == "deposit_bank.name"
    assert violation(facts(deposit_bank=("鳥取銀行", " "))).field == "deposit_bank.branch"
    contract = facts(guarantee_type="contract", advance_amount=None, guarantee_amount=5_000_000, deposit_bank=("鳥取銀行", "本店"))
    assert violation(contract).field == "deposit_bank"


def test_interim_advance_needs_its_advance_and_the_certification():
    today = date(2026, 1, 20)
    interim = dict(guarantee_type="interim_advance", advance_amount=10_000_000)

    def problem(**overrides):
        with pytest.raises(rules.RuleViolation) as caught:
            rules.check_application(facts(**interim, **overrides), TOTTORI, earlier_advance=20_000_000, today=today)
        return caught.value

    assert problem(interim_certified_on=date(2026, 1, 15)).field == "advance_contract_number"
    assert problem(advance_contract_number="2070000001").field == "interim_certified_on"
    assert "未来" in problem(advance_contract_number="2070000001", interim_certified_on=date(2026, 1, 21)).message
    assert "契約日" in problem(advance_contract_number="2070000001", interim_certified_on=date(2025, 10, 19)).message
    ok = facts(**interim, advance_contract_number="2070000001", interim_certified_on=date(2026, 1, 15))
    assert rules.check_application(ok, TOTTORI, earlier_advance=20_000_000, today=today) == 10_000_000


def test_payment_date_between_the_notice_and_today():
    notice, today = date(2026, 11, 20), date(2026, 12, 2)
    rules.check_payment_date(notice, notice, today)
    with pytest.raises(rules.RuleViolation) as early:
        rules.check_payment_date(date(2026, 11, 19), notice, today)
    assert early.value.field == "paid_on" and "令和8年11月20日" in early.value.message
    with pytest.raises(rules.RuleViolation):
        rules.check_payment_date(date(2026, 12, 3), notice, today)


def test_cancel_on_within_the_guarantee_period():
    start, end = date(2026, 4, 1), date(2027, 3, 31)
    rules.check_cancel_on(start, start, end)
    rules.check_cancel_on(end, start, end)
    for outside in (date(2026, 3, 31), date(2027, 4, 1)):
        with pytest.raises(rules.RuleViolation) as caught:
            rules.check_cancel_on(outside, start, end)
        assert caught.value.field == "cancel_on"


def test_an_amendment_cannot_end_the_guarantee_in_the_past():
    with pytest.raises(rules.RuleViolation) as caught:
        rules.check_amendment("contract", 50_000_000, 5_000_000, date(2026, 4, 1), date(2026, 11, 30), today=date(2026, 12, 2))
    assert caught.value.field == "period_end" and "解約" in caught.value.message
