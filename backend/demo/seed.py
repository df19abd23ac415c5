"""``hosho demo``: realistic demo data (orderers from published practice, accounts).

Idempotent: running it twice leaves one copy of everything.
"""

from __future__ import annotations

import csv
from datetime import date, timedelta
from pathlib import Path

from backend.accounts import service as accounts
from backend.applications import service as applications
from backend.applications.schemas import ApplicationInput, DepositBank
from backend.applications.tables import Application
from backend.certificates import changes
from backend.certificates import service as certificates
from backend.certificates.schemas import AmendInput, CancelInput, ChangeRequestInput
from backend.lib import clock
from backend.lib.actor import Actor, system_actor
from backend.accounts.schemas import RegisterInput
from backend.accounts.tables import Account, Company
from backend.orderers import service as orderers
from backend.orderers.schemas import OrdererCreate
from backend.orderers.tables import Orderer

ORDERERS_CSV = Path(__file__).with_name("orderers.csv")

DEMO = system_actor("demo")  # who the audit log names for the demo data
DEMO_ADMIN = ("admin", "Hosho-Demo-2025")
DEMO_CONTRACTOR_EMAIL = "info@kensetsu-demo.example.jp"
DEMO_CONTRACTOR_PASSWORD = "demo-pass-2025"
DEMO_PENDING_EMAIL = "soumu@yamada-koumuten.example.jp"


def _orderer_from_row(row: dict) -> OrdererCreate:
    templates = {
        kind: row[column]
        for kind, column in (
            ("contract", "subject_contract"),
            ("advance", "subject_advance"),
            ("interim_advance", "subject_interim"),
        )
        if row[column]
    }
    return OrdererCreate(
        code=row["code"],
        name=row["name"],
        reading=row["reading"],
        title=row["title"],
        orderer_class=row["orderer_class"],
        e_guarantee_from=date.fromisoformat(row["e_guarantee_from"]) if row["e_guarantee_from"] else None,
        submission_email=row["submission_email"] or None,
        channels=[c for c in row["channels"].split("|") if c],
        subject_templates=templates,
        routing_note=row["routing_note"],
    )


async def seed_orderers() -> int:
    created = 0
    with ORDERERS_CSV.open(encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            if not await Orderer.exists().where(Orderer.code == row["code"]):
                await orderers.create(_orderer_from_row(row), DEMO)
                created += 1
            else:  # a demo database from before readings existed
                await Orderer.update({Orderer.reading: row["reading"]}).where(
                    (Orderer.code == row["code"]) & (Orderer.reading == ""))
    return created


async def _ensure_contractor(email: str, password: str, company: dict, approve: bool) -> str:
    existing = await Company.select(Company.customer_id).where(Company.email == email).first()
    if existing:
        return existing["customer_id"]
    registered = await accounts.register(RegisterInput(email=email, password=password, **company), DEMO)
    if approve:
        await accounts.approve_company(registered.customer_id, DEMO)
    return registered.customer_id


async def seed_accounts() -> dict[str, str]:
    if not await Account.exists().where(Account.login_id == DEMO_ADMIN[0]):
        await accounts.create_admin(DEMO_ADMIN[0], DEMO_ADMIN[1], display_name="保証 花子（審査課）")
    contractor = await _ensure_contractor(
        DEMO_CONTRACTOR_EMAIL,
        DEMO_CONTRACTOR_PASSWORD,
        dict(
            company_name="因幡建設株式会社",
            representative="代表取締役 因幡 一郎",
            address="鳥取県鳥取市東町一丁目220番地",
            phone="0857-20-0000",
            license_number="鳥取県知事許可（特-5）第1234号",
        ),
        approve=True,
    )
    pending = await _ensure_contractor(
        DEMO_PENDING_EMAIL,
        DEMO_CONTRACTOR_PASSWORD,
        dict(
            company_name="有限会社山田工務店",
            representative="取締役 山田 次郎",
            address="鳥取県倉吉市葵町1番地",
            phone="0858-22-0000",
            license_number="鳥取県知事許可（般-6）第5678号",
        ),
        approve=False,
    )
    return {"admin": DEMO_ADMIN[0], "contractor": contractor, "pending": pending}


async def run_demo() -> list[str]:
    """Seed everything; return lines to print for the person who ran it."""
    created = await seed_orderers()
    logins = await seed_accounts()
    seeded = await seed_applications(logins["contractor"])
    return [
        f"申込み: {seeded}件を追加しました（すべての状態）",
        f"発注者マスタ: {created}件を追加しました",
        f"管理者ログイン: {DEMO_ADMIN[0]} / {DEMO_ADMIN[1]}",
        f"建設業者ログイン（承認済）: お客様ID {logins['contractor']} / {DEMO_CONTRACTOR_PASSWORD}",
        f"建設業者（承認待ち）: お客様ID {logins['pending']}",
    ]


async def _contractor(customer_id: str) -> Actor:
    account = await Account.select().where(Account.login_id == customer_id).first()
    return Actor(login_id=customer_id, role="contractor", company_id=account["company"], address="", user_agent="")


def _demo_application(today: date, index: int, **overrides):
    start = today - timedelta(days=20 - index)
    values = dict(
        guarantee_type="advance",
        orderer_code="tottori-kgc",
        orderer_project_number=f"R{today.year - 2018}-道改-{100 + index}",
        project_name=f"県道鳥取国府線（第{index}工区）道路改良工事",
        project_location="鳥取県鳥取市国府町地内",
        contract_amount=48_400_000 + index * 1_100_000,
        advance_amount=(48_400_000 + index * 1_100_000) * 40 // 100,
        contract_date=start - timedelta(days=1),
        period_start=start,
        period_end=date(today.year + 1, 3, 19),
        bid_announced_on=start - timedelta(days=30),
        delivery="electronic",
        notes="",
    )
    values.update(overrides)
    if values["guarantee_type"] != "contract":
        values.setdefault("deposit_bank", DepositBank(name="鳥取銀行", branch="県庁支店"))
    return ApplicationInput(**values)


async def seed_applications(customer_id: str) -> int:
    """Applications and change requests in every state, so each screen and document has something to show."""
    user = await _contractor(customer_id)
    if await Application.exists().where(Application.company == user.company_id):
        return 0
    today = clock.today_jst()

    async def submitted(index: int, **overrides) -> int:
        return (await applications.submit(user, _demo_application(today, index, **overrides))).id

    async def concluded(index: int, **overrides) -> str:
        application_id = await submitted(index, **overrides)
        statement = await applications.notify_fee(application_id, DEMO)
        await applications.record_payment(application_id, today, statement.fee, DEMO)
        return (await certificates.conclude(application_id, DEMO)).contract_number

    await submitted(1)
    await applications.notify_fee(await submitted(2, guarantee_type="contract", advance_amount=None,
                                                  guarantee_amount=5_100_000), DEMO)
    waiting = await submitted(3)
    fee = await applications.notify_fee(waiting, DEMO)
    await applications.record_payment(waiting, today, fee.fee, DEMO)
    fourth = await concluded(4)
    amended = await concluded(5, guarantee_type="contract", advance_amount=None, guarantee_amount=5_500_000,
                              orderer_code="fukuoka-pref", project_name="一般県道改良工事（福岡県）")
    await certificates.amend(amended, AmendInput(contract_amount=60_500_000, guarantee_amount=6_050_000,
                                                 reason="設計変更による請負代金額の増額"), DEMO)
    cancelled = await concluded(6, project_name="河川護岸災害復旧工事")
    await certificates.cancel(cancelled, CancelInput(reason="契約解除のため"), DEMO)
    await concluded(7, delivery="paper", orderer_code="kokudo-chugoku", project_name="国道9号舗装補修工事")
    await applications.reject(await submitted(8), "保証金額の確認が取れないため", DEMO)
    await applications.withdraw(user, await submitted(9))
    await seed_changes(user, today, concluded, fourth)
    # 中間前払金 on the 前払金保証 of the fourth, 認定 today (0.065 % of 10,000,000 = 6,500円)
    await submitted(15, guarantee_type="interim_advance", advance_amount=10_000_000, advance_contract_number=fourth,
                    interim_certified_on=today, project_name="県道鳥取国府線（第4工区）道路改良工事（中間前払金）")
    return 15


async def seed_changes(user: Actor, today: date, concluded, fourth: str) -> None:
    """A change request in every state: submitted, fee notified, paid, concluded (amend and cancel), rejected."""

    async def change(number: str, **body) -> int:
        return (await changes.submit(user, number, ChangeRequestInput(**body))).id

    async def notified(number: str, **body) -> tuple[int, int]:
        request_id = await change(number, **body)
        return request_id, (await changes.notify_fee(request_id, DEMO)).fee_delta

    extension = date(today.year + 1, 6, 30)
    await change(await concluded(10), kind="amend", period_end=extension, reason="工期延長（用地買収の遅れ）")
    await notified(await concluded(11), kind="amend", contract_amount=70_000_000, guarantee_amount=28_000_000,
                   reason="設計変更による請負代金額の増額")
    paid, delta = await notified(await concluded(12), kind="amend", period_end=extension, reason="工期延長（関係機関協議）")
    await changes.record_payment(paid, today, delta, DEMO)
    lowered, _ = await notified(fourth, kind="amend", guarantee_amount=20_000_000, reason="前払金の減額")
    await changes.conclude(lowered, DEMO)
    ended, _ = await notified(await concluded(13), kind="cancel", cancel_on=today, reason="発注者との請負契約の解除")
    await changes.conclude(ended, DEMO)
    refused = await change(await concluded(14), kind="cancel", cancel_on=today, reason="工事中止のため")
    await changes.reject(refused, "解約合意書の写しをご提出ください", DEMO)
