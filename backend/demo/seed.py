"""``hosho demo``: realistic demo data (orderers from published practice, accounts).

Idempotent: running it twice leaves one copy of everything.
"""

from __future__ import annotations

import csv
from datetime import date
from pathlib import Path

from backend.accounts import service as accounts
from backend.accounts.schemas import RegisterInput
from backend.accounts.tables import Account, Company
from backend.orderers import service as orderers
from backend.orderers.schemas import OrdererCreate
from backend.orderers.tables import Orderer

ORDERERS_CSV = Path(__file__).with_name("orderers.csv")

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
                await orderers.create(_orderer_from_row(row), actor="demo", address="")
                created += 1
    return created


async def _ensure_contractor(email: str, password: str, company: dict, approve: bool) -> str:
    existing = await Company.select(Company.customer_id).where(Company.email == email).first()
    if existing:
        return existing["customer_id"]
    registered = await accounts.register(RegisterInput(email=email, password=password, **company), address="")
    if approve:
        await accounts.approve_company(registered.customer_id, actor="demo", address="")
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
    return [
        f"発注者マスタ: {created}件を追加しました",
        f"管理者ログイン: {DEMO_ADMIN[0]} / {DEMO_ADMIN[1]}",
        f"建設業者ログイン（承認済）: お客様ID {logins['contractor']} / {DEMO_CONTRACTOR_PASSWORD}",
        f"建設業者（承認待ち）: お客様ID {logins['pending']}",
    ]
