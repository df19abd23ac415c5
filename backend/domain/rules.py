"""Application rules (DESIGN §4), pure: each violation names its field in Japanese."""

from __future__ import annotations

import math
from collections.abc import Iterator
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
    """One or more broken rules; ``field``/``message`` are the first, ``problems`` all of them."""

    def __init__(self, field: str, message: str, problems: list[tuple[str, str]] | None = None) -> None:
        super().__init__(message)
        self.field = field
        self.message = message
        self.problems = problems or [(field, message)]

    @classmethod
    def of(cls, problems: list[tuple[str, str]]) -> RuleViolation:
        return cls(*problems[0], problems=problems)


Problems = Iterator[tuple[str, str]]


@dataclass(frozen=True)
class OrdererFacts:
    name: str
    e_guarantee_from: date | None
    active: bool = True


@dataclass(frozen=True)
class ApplicationFacts:
    """What the rules look at. ``None`` where a request's field failed its schema: the rules
    that need it are skipped, the others still run (so one answer lists every problem)."""

    guarantee_type: str | None
    contract_amount: int | None
    advance_amount: int | None
    guarantee_amount: int | None
    contract_date: date | None
    period_start: date | None
    period_end: date | None
    bid_announced_on: date | None
    delivery: str | None
    deposit_bank: tuple[str, str] | None = None  # 預託金融機関 (name, branch), advance types
    advance_contract_number: str | None = None  # 中間前払金: the 前払金保証 behind it
    interim_certified_on: date | None = None  # 中間前払金: the orderer's 認定 date


def _share(amount: int, fraction: tuple[int, int]) -> int:
    return amount * fraction[0] // fraction[1]


def delivery_problems(app: ApplicationFacts, orderer: OrdererFacts) -> Problems:
    if app.delivery != "electronic":
        return
    if orderer.e_guarantee_from is None:
        yield (
            "delivery",
            f"{orderer.name}は電子証書に対応していないため、電子交付を選べません。保証証書の受取方法は「書面」を選んでください。",
        )
    elif app.bid_announced_on is not None and app.bid_announced_on < orderer.e_guarantee_from:
        yield (
            "delivery",
            f"{orderer.name}の電子証書の対象は{wareki(orderer.e_guarantee_from)}以降に入札公告を行う案件です"
            f"（この案件の入札公告日は{wareki(app.bid_announced_on)}）。保証証書の受取方法は「書面」を選んでください。",
        )


def date_problems(app: ApplicationFacts) -> Problems:
    start, end = app.period_start, app.period_end
    if start is not None and end is not None:
        if end < start:
            yield "period_end", "工期（終期）は工期（始期）と同じ日かそれより後の日付にしてください。"
        elif (end - start).days > MAX_PERIOD_DAYS:
            yield "period_end", "工期が10年を超えています。日付をご確認ください。"
    if app.contract_date is not None and start is not None and app.contract_date > start:
        yield "contract_date", "契約日は工期（始期）と同じ日かそれより前の日付にしてください。"
    if app.bid_announced_on is not None and app.contract_date is not None and app.bid_announced_on > app.contract_date:
        yield "bid_announced_on", "入札公告日は契約日と同じ日かそれより前の日付にしてください。"


def amount_problems(app: ApplicationFacts, earlier_advance: int = 0) -> Problems:
    total = app.contract_amount
    if total is not None and not 1 <= total <= MAX_CONTRACT_AMOUNT:
        yield "contract_amount", "請負代金額は1円以上1兆円以下の整数（円）で入力してください。"
        total = None
    if app.guarantee_type in (ADVANCE, INTERIM_ADVANCE):
        yield from _advance_problems(app, total, earlier_advance)
    elif app.guarantee_type == CONTRACT:
        yield from _contract_problems(app, total)


def _advance_problems(app: ApplicationFacts, total: int | None, earlier_advance: int) -> Problems:
    label = GUARANTEE_TYPE_LABELS[app.guarantee_type]
    if app.guarantee_amount is not None:
        yield "guarantee_amount", f"{label}では保証金額ではなく前払金額を入力してください。"
    if app.advance_amount is None:
        yield "advance_amount", "前払金額を入力してください（円単位の整数。例: 20000000）。"
        return
    if app.advance_amount < 1:
        yield "advance_amount", "前払金額は1円以上で入力してください。"
        return
    if total is None:
        return
    limit_fraction = ADVANCE_LIMIT if app.guarantee_type == ADVANCE else INTERIM_LIMIT
    limit = _share(total, limit_fraction)
    total_limit = _share(total, ADVANCE_TOTAL_LIMIT)
    if app.advance_amount > limit:
        word = "前払金" if app.guarantee_type == ADVANCE else "中間前払金"
        yield "advance_amount", f"{word}は請負代金額の{limit_fraction[0]}%（{yen(limit)}）以内で入力してください。"
    elif app.guarantee_type == INTERIM_ADVANCE and earlier_advance + app.advance_amount > total_limit:
        yield (
            "advance_amount",
            f"前払金（{yen(earlier_advance)}）と中間前払金の合計は請負代金額の60%（{yen(total_limit)}）以内にしてください。",
        )


def _contract_problems(app: ApplicationFacts, total: int | None) -> Problems:
    if app.advance_amount is not None:
        yield "advance_amount", "契約保証では前払金額ではなく保証金額を入力してください。"
    if app.guarantee_amount is None:
        yield "guarantee_amount", "保証金額を入力してください（円単位の整数。例: 5000000）。"
        return
    if total is None:
        return
    minimum = math.ceil(total * CONTRACT_MINIMUM[0] / CONTRACT_MINIMUM[1])
    if app.guarantee_amount < minimum:
        yield "guarantee_amount", f"契約保証の保証金額は請負代金額の10%（{yen(minimum)}）以上にしてください。"
    elif app.guarantee_amount > total:
        yield "guarantee_amount", "保証金額は請負代金額以下にしてください。"


def application_problems(
    app: ApplicationFacts, orderer: OrdererFacts | None = None, earlier_advance: int = 0, *, today: date | None = None
) -> list[tuple[str, str]]:
    """Every broken rule, in the order a person fills the form (without an orderer: those that need none;
    without ``today``: not 中間前払金's, whose 認定日 is judged against today)."""
    problems: list[tuple[str, str]] = []
    if orderer is not None and not orderer.active:
        problems.append(("orderer_code", f"{orderer.name}は現在お申込みを受け付けていません。"))
    problems += amount_problems(app, earlier_advance)
    problems += date_problems(app)
    if orderer is not None:
        problems += delivery_problems(app, orderer)
    problems += deposit_bank_problems(app)
    if today is not None:
        problems += interim_problems(app, today)
    return problems


def guaranteed_amount(app: ApplicationFacts) -> int:
    """The 保証金額: the advance itself for advance types."""
    return app.guarantee_amount if app.guarantee_type == CONTRACT else app.advance_amount


def deposit_bank_problems(app: ApplicationFacts) -> Problems:
    """前払金 is paid into a 前払金専用口座: the advance types name the bank (預託金融機関)."""
    if app.guarantee_type == CONTRACT:
        if app.deposit_bank is not None:
            yield "deposit_bank", "契約保証では預託金融機関は入力しません。"
        return
    if app.guarantee_type not in (ADVANCE, INTERIM_ADVANCE):
        return
    name, branch = app.deposit_bank or ("", "")
    if not name.strip():
        yield "deposit_bank.name", "預託金融機関（前払金専用口座のある金融機関名）を入力してください。"
    if not branch.strip():
        yield "deposit_bank.branch", "預託金融機関の支店名を入力してください。"


def interim_problems(app: ApplicationFacts, today: date) -> Problems:
    """中間前払金 stands on a 前払金保証 and on the orderer's 認定 (認定日 from 契約日 to ``today``)."""
    if app.guarantee_type != INTERIM_ADVANCE:
        return
    if not (app.advance_contract_number or "").strip():
        yield "advance_contract_number", "中間前払金保証では、同じ工事の前払金保証の保証契約番号（10桁）を入力してください。"
    certified = app.interim_certified_on
    if certified is None:
        yield "interim_certified_on", "発注者の中間前払金の認定日を入力してください。"
    elif certified > today:
        yield "interim_certified_on", "認定日に未来の日付は指定できません。認定を受けた日を入力してください。"
    elif app.contract_date is not None and certified < app.contract_date:
        yield "interim_certified_on", "認定日は契約日と同じ日かそれより後の日付にしてください。"


def check_application(
    app: ApplicationFacts, orderer: OrdererFacts, earlier_advance: int = 0, *, today: date | None = None
) -> int:
    """All rules; raises :class:`RuleViolation` listing every problem, else returns the 保証金額."""
    problems = application_problems(app, orderer, earlier_advance, today=today)
    if problems:
        raise RuleViolation.of(problems)
    return guaranteed_amount(app)


def check_payment_date(paid_on: date, notified_on: date, today: date) -> None:
    """A payment answers a fee notice: dated from the notice's day to today."""
    if paid_on < notified_on:
        raise RuleViolation("paid_on", f"入金日は保証料のお知らせの日（{wareki(notified_on)}）以降の日付にしてください。")
    if paid_on > today:
        raise RuleViolation("paid_on", "入金日に未来の日付は指定できません。")


def check_cancel_on(cancel_on: date, period_start: date, period_end: date) -> None:
    """解約日 lies within the 保証期間."""
    if cancel_on < period_start:
        raise RuleViolation("cancel_on", f"解約日は保証期間の始期（{wareki(period_start)}）以降の日付にしてください。")
    if cancel_on > period_end:
        raise RuleViolation("cancel_on", f"解約日は保証期限（{wareki(period_end)}）以前の日付にしてください。")


def check_amendment(
    guarantee_type: str, contract_amount: int, guarantee_amount: int, period_start: date, period_end: date,
    *, today: date | None = None,
) -> None:
    """The rules an amended certificate must still satisfy (a new 保証期限 not before ``today``)."""
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
    # Amendments speak of guarantee_amount for every type.
    problems = [
        ("guarantee_amount" if field == "advance_amount" else field, message)
        for field, message in (*amount_problems(facts), *date_problems(facts))
    ]
    if today is not None and period_end < today and not any(field == "period_end" for field, _ in problems):
        problems.append((
            "period_end",
            "変更後の保証期限が過ぎています。今日以降の日付にしてください（保証をやめる場合は解約の申込みをしてください）。",
        ))
    if problems:
        raise RuleViolation.of(problems)
