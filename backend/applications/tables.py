from piccolo.columns import JSON, BigInt, Date, ForeignKey, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

from backend.accounts.tables import Company
from backend.orderers.tables import Orderer


class Application(Table, tablename="application"):
    """保証申込: submitted → fee_notified → (paid) → concluded, or rejected / withdrawn."""

    company = ForeignKey(references=Company, index=True)
    orderer = ForeignKey(references=Orderer)
    guarantee_type = Varchar(length=20)  # advance | interim_advance | contract
    orderer_project_number = Varchar(length=50, default="")  # 工事番号 / 仕様書番号
    project_name = Varchar(length=200)  # 工事名
    project_location = Varchar(length=200)  # 工事場所
    contract_amount = BigInt()  # 請負代金額
    advance_amount = BigInt(null=True, default=None)  # 前払金額 (advance types)
    guarantee_amount = BigInt()  # 保証金額 (= advance_amount for advance types)
    contract_date = Date()
    period_start = Date()
    period_end = Date()
    bid_announced_on = Date()  # 入札公告日
    delivery = Varchar(length=20)  # electronic | paper
    notes = Varchar(length=2000, default="")  # 連絡事項
    deposit_bank = JSON(null=True, default=None)  # 預託金融機関 {name, branch} (advance types)
    advance_contract_number = Varchar(length=10, null=True, default=None)  # 中間前払金: its 前払金保証
    interim_certified_on = Date(null=True, default=None)  # 中間前払金: the orderer's 認定日
    status = Varchar(length=20, default="submitted", index=True)
    created_at = Timestamptz(default=TimestamptzNow())
    updated_at = Timestamptz(default=TimestamptzNow())
    fee = BigInt(null=True, default=None)
    fee_statement = JSON(null=True, default=None)  # 保証料計算書 data
    fee_notified_at = Timestamptz(null=True, default=None)
    paid_on = Date(null=True, default=None)
    paid_amount = BigInt(null=True, default=None)
    receipt_number = Varchar(length=20, null=True, default=None)
    rejected_reason = Varchar(length=1000, null=True, default=None)
    concluded_at = Timestamptz(null=True, default=None)
    withdrawn_at = Timestamptz(null=True, default=None)
    contract_number = Varchar(length=10, null=True, default=None)
