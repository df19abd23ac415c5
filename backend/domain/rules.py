"""Application rules (DESIGN §4), pure: each violation names its field in Japanese."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date

from backend.domain.glossary import ADVANCE, CONTRACT, GUARANTEE_TYPE_LABELS, INTERIM_ADVANCE
from backend.domain.wareki import wareki, yen

MAX_CONTRACT_AMOUNT = 1_000_000_000_000  # 1兆円: anything above is a typo
MAX_PERIOD_DAYS = 366 * 10
ADVANCE_LIMIT = (40, 100)  # 前払金 ≤ 40%
INTERIM_LIMIT = (20, 100)  # 中間前払金 ≤ 20%
ADVANCE_TOTAL_LIMIT = (60, 100)  # together ≤ 60%
CONTRACT_MINIMUM = (10, 100)  # 契約保証 ≥ 10%


class RuleViolation(Exception):
    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


@dataclass(frozen=True)
class OrdererFacts:
    name: str
    e_guarantee_from: date | None
    active: bool = True


@dataclass(frozen=True)
class ApplicationFacts:
    guarantee_type: str
    contract_amount: int
    advance_amount: int | None
    guarantee_amount: int | None
    contract_date: date
    period_start: date
    period_end: date
    bid_announced_on: date
    delivery: str


def _share(amount: int, fraction: tuple[int, int]) -> int:
    return amount * fraction[0] // fraction[1]


def check_delivery(app: ApplicationFacts, orderer: OrdererFacts) -> None:
    if app.delivery != "electronic":
        return
    if orderer.e_guarantee_from is None:
        raise RuleViolation(
            "delivery",
            f"{orderer.name}は電子証書に対応していないため、電子交付を選べません。保証証書の受取方法は「書面」を選んでください。",
        )
    if app.bid_announced_on < orderer.e_guarantee_from:
        raise RuleViolation(
            "delivery",
            f"{orderer.name}の電子証書の対象は{wareki(orderer.e_guarantee_from)}以降に入札公告を行う案件です"
            f"（この案件の入札公告日は{wareki(app.bid_announced_on)}）。保証証書の受取方法は「書面」を選んでください。",
        )


def check_dates(app: ApplicationFacts) -> None:
    if app.period_end < app.period_start:
        raise RuleViolation("period_end", "工期（終期）は工期（始期）と同じ日かそれより後の日付にしてください。")
    if (app.period_end - app.period_start).days > MAX_PERIOD_DAYS:
        raise RuleViolation("period_end", "工期が10年を超えています。日付をご確認ください。")
    if app.contract_date > app.period_start:
        raise RuleViolation("contract_date", "契約日は工期（始期）と同じ日かそれより前の日付にしてください。")
    if app.bid_announced_on > app.contract_date:
        raise RuleViolation("bid_announced_on", "入札公告日は契約日と同じ日かそれより前の日付にしてください。")


def check_amounts(app: ApplicationFacts, earlier_advance: int = 0) -> int:
    """Check the amounts; return the 保証金額 (the advance itself for advance types)."""
    label = GUARANTEE_TYPE_LABELS[app.guarantee_type]
    if not 1 <= app.contract_amount <= MAX_CONTRACT_AMOUNT:
        raise RuleViolation("contract_amount", "請負代金額は1円以上1兆円以下の整数（円）で入力してください。")
    if app.guarantee_type in (ADVANCE, INTERIM_ADVANCE):
        if app.guarantee_amount is not None:
            raise RuleViolation("guarantee_amount", f"{label}では保証金額ではなく前払金額を入力してください。")
        if app.advance_amount is None:
            raise RuleViolation("advance_amount", "前払金額を入力してください。")
        if app.advance_amount < 1:
            raise RuleViolation("advance_amount", "前払金額は1円以上で入力してください。")
        limit_fraction = ADVANCE_LIMIT if app.guarantee_type == ADVANCE else INTERIM_LIMIT
        limit = _share(app.contract_amount, limit_fraction)
        if app.advance_amount > limit:
            word = "前払金" if app.guarantee_type == ADVANCE else "中間前払金"
            raise RuleViolation(
                "advance_amount",
                f"{word}は請負代金額の{limit_fraction[0]}%（{yen(limit)}）以内で入力してください。",
            )
        total_limit = _share(app.contract_amount, ADVANCE_TOTAL_LIMIT)
        if app.guarantee_type == INTERIM_ADVANCE and earlier_advance + app.advance_amount > total_limit:
            raise RuleViolation(
                "advance_amount",
                f"前払金（{yen(earlier_advance)}）と中間前払金の合計は請負代金額の60%（{yen(total_limit)}）以内にしてください。",
            )
        return app.advance_amount
    if app.advance_amount is not None:
        raise RuleViolation("advance_amount", "契約保証では前払金額ではなく保証金額を入力してください。")
    if app.guarantee_amount is None:
        raise RuleViolation("guarantee_amount", "保証金額を入力してください。")
    minimum = math.ceil(app.contract_amount * CONTRACT_MINIMUM[0] / CONTRACT_MINIMUM[1])
    if app.guarantee_amount < minimum:
        raise RuleViolation(
            "guarantee_amount", f"契約保証の保証金額は請負代金額の10%（{yen(minimum)}）以上にしてください。"
        )
    if app.guarantee_amount > app.contract_amount:
        raise RuleViolation("guarantee_amount", "保証金額は請負代金額以下にしてください。")
    return app.guarantee_amount


def check_application(app: ApplicationFacts, orderer: OrdererFacts, earlier_advance: int = 0) -> int:
    """All rules in the order a person fills the form; returns the 保証金額."""
    if not orderer.active:
        raise RuleViolation("orderer_code", f"{orderer.name}は現在お申込みを受け付けていません。")
    amount = check_amounts(app, earlier_advance)
    check_dates(app)
    check_delivery(app, orderer)
    return amount


def check_amendment(
    guarantee_type: str, contract_amount: int, guarantee_amount: int, period_start: date, period_end: date
) -> None:
    """The rules an amended certificate must still satisfy."""
    facts = ApplicationFacts(
        guarantee_type=guarantee_type,
        contract_amount=contract_amount,
        advance_amount=guarantee_amount if guarantee_type != CONTRACT else None,
        guarantee_amount=guarantee_amount if guarantee_type == CONTRACT else None,
        contract_date=period_start,
        period_start=period_start,
        period_end=period_end,
        bid_announced_on=period_start,
        delivery="paper",
    )
    try:
        check_amounts(facts)
        check_dates(facts)
    except RuleViolation as violation:
        # Amendments speak of guarantee_amount for every type.
        field = "guarantee_amount" if violation.field == "advance_amount" else violation.field
        raise RuleViolation(field, violation.message) from None
