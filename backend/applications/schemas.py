"""Application bodies (DESIGN §5.1)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal

import msgspec

from backend.domain import rules
from backend.lib import clock
from backend.lib.schema import Input, LongText, MediumText, Output, PositiveYen, Reason, Yen, text
from backend.orderers.schemas import OrdererCode

GuaranteeType = Literal["advance", "interim_advance", "contract"]
Delivery = Literal["electronic", "paper"]
ApplicationStatus = Literal["submitted", "fee_notified", "concluded", "rejected", "withdrawn"]
ProjectNumber = text(50, min_length=0, hint="発注者の工事番号・仕様書番号。なければ空欄")
# An empty name decodes: the rules name it beside the other fields (the amounts first), not the decoder alone.
BankName = text(60, min_length=0, hint="例: 鳥取銀行")
ContractNumber = Annotated[str, msgspec.Meta(pattern=r"^[0-9]{10}$", extra={"hint": "10桁の数字（例: 2070004426）"})]


class DepositBank(Input):
    """預託金融機関: the bank and branch of the 前払金専用口座 (advance types)."""

    name: BankName  # e.g. 鳥取銀行
    branch: BankName  # e.g. 県庁支店


class ApplicationInput(Input, kw_only=True):
    guarantee_type: GuaranteeType
    orderer_code: OrdererCode
    orderer_project_number: ProjectNumber | None = None
    project_name: MediumText
    project_location: MediumText
    contract_amount: PositiveYen
    advance_amount: PositiveYen | None = None
    guarantee_amount: PositiveYen | None = None
    contract_date: date
    period_start: date
    period_end: date
    bid_announced_on: date
    delivery: Delivery
    notes: LongText = ""
    deposit_bank: DepositBank | None = None  # required for advance / interim_advance
    advance_contract_number: ContractNumber | None = None  # interim_advance: its 前払金保証
    interim_certified_on: date | None = None  # interim_advance: the orderer's 認定日

    @classmethod
    def rule_problems(cls, values: dict) -> list[tuple[str, str]]:
        return rules.application_problems(application_facts(values), today=clock.today_jst())


def application_facts(values: dict) -> rules.ApplicationFacts:
    """The rules' view of an application body (``values``: field name → decoded value, maybe partial)."""
    facts = {name: values.get(name) for name in rules.ApplicationFacts.__dataclass_fields__}
    bank = facts["deposit_bank"]
    if bank is not None:
        facts["deposit_bank"] = (bank.name, bank.branch) if isinstance(bank, DepositBank) else (bank["name"], bank["branch"])
    return rules.ApplicationFacts(**facts)


class TimelineStep(Output):
    step: str
    label: str
    on: date | None  # the Japanese date of the step
    done: bool


class ApplicationOut(Output):
    id: int
    status: ApplicationStatus
    status_label: str
    created_at: datetime
    guarantee_type: GuaranteeType
    guarantee_type_label: str
    orderer_code: str
    orderer_name: str
    orderer_project_number: str | None
    project_name: str
    project_location: str
    contract_amount: int
    advance_amount: int | None
    guarantee_amount: int
    contract_date: date
    period_start: date
    period_end: date
    bid_announced_on: date
    delivery: Delivery
    notes: str
    fee: int | None
    fee_notified_at: datetime | None
    paid_on: date | None
    paid_amount: int | None
    rejected_reason: str | None
    contract_number: str | None
    timeline: list[TimelineStep]
    deposit_bank: DepositBank | None = None
    advance_contract_number: str | None = None
    interim_certified_on: date | None = None
    payment_due_on: date | None = None  # 支払期限 of the fee (after the fee notice, until paid)
    payment_account: str | None = None  # 振込先
    customer_id: str | None = None  # shown to admins
    company_name: str | None = None


class FeeStatementOut(Output):
    """保証料計算書 data."""

    application_id: int
    fee: int
    guarantee_amount: int
    period_start: date
    period_end: date
    days: int
    rate_per_year: str
    minimum_fee: int
    minimum_applied: bool
    rate_table_version: str
    sample_data: bool
    computed_on: date
    flat: bool = False  # 中間前払金: the published rate on the amount, once (no days)


class PaymentInput(Input):
    paid_on: date
    amount: Yen


class RejectInput(Input):
    reason: Reason


class ConcludeOut(Output):
    contract_number: str
    application_id: int
    version: int
    digest: str
