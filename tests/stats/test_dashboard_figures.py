"""The dashboard's figures come from maintained counters and stay equal to a count of the rows.

Every figure of GET /api/admin/stats is compared with the same figure counted from the
tables (the way the dashboard used to compute it) after each kind of change — registration,
approval, application states, conclusion, amendment of 保証期限, cancellation, mail — and
when only the date moves (期限満了 at midnight, a new month).
"""

from __future__ import annotations

from datetime import date, timedelta

from piccolo.query.functions.aggregate import Count

from backend.accounts.tables import Company
from backend.applications.tables import Application
from backend.certificates.tables import Certificate
from backend.lib import clock
from backend.mail.tables import MailMessage
from backend.stats import counters
from backend.stats.service import MONTHS_SHOWN, _month_starts
from tests.conftest import ADMIN_LOGIN, ADMIN_PASSWORD, login_as, registration
from tests.support.lifecycle import concluded_certificate, ensure_orderer, submit

KINDS = ("advance", "interim_advance", "contract")


async def _grouped(table, column, *where) -> dict[str, int]:
    query = table.select(column, Count()).group_by(column)
    for clause in where:
        query = query.where(clause)
    return {row[column._meta.name]: row["count"] for row in await query}


async def counted() -> dict:
    """The figures counted from the rows (the scan the counters replace)."""
    today = clock.today_jst()
    issuance = []
    for start in _month_starts(today, MONTHS_SHOWN):
        end = date(start.year + start.month // 12, start.month % 12 + 1, 1)
        counts = await _grouped(Certificate, Certificate.guarantee_type,
                                (Certificate.issued_on >= start) & (Certificate.issued_on < end))
        issuance.append({"month": f"{start:%Y-%m}", **{kind: counts.get(kind, 0) for kind in KINDS}})
    cancelled = await Certificate.count().where(Certificate.cancelled_at.is_not_null())
    expired = await Certificate.count().where(Certificate.cancelled_at.is_null() & (Certificate.period_end < today))
    return {
        "pending_registrations": await Company.count().where(Company.status == "pending"),
        "applications_by_status": await _grouped(Application, Application.status),
        "certificates_by_status": {"valid": await Certificate.count() - cancelled - expired, "cancelled": cancelled,
                                   "expired": expired},
        "issued_this_month_by_type": {kind: issuance[-1][kind] for kind in KINDS},
        "issuance_by_month": issuance,
        "mail_by_status": await _grouped(MailMessage, MailMessage.status),
        "oldest_pending_registrations": [
            {"customer_id": row["customer_id"], "company_name": row["name"]}
            for row in await Company.select(Company.customer_id, Company.name)
            .where(Company.status == "pending").order_by(Company.created_at).limit(10)
        ],
    }


async def assert_exact(client, admin) -> dict:
    response = await client.get("/api/admin/stats", headers=admin.headers)
    assert response.status_code == 200, response.text
    shown = {key: value for key, value in response.json().items() if key != "generated_at"}
    shown["oldest_pending_registrations"] = [  # their ages: tests/accounts/test_company_decisions.py
        {"customer_id": p["customer_id"], "company_name": p["company_name"]} for p in shown["oldest_pending_registrations"]
    ]
    assert shown == await counted()
    assert await counters.maintained() == await counters.recount()
    return shown


async def test_every_figure_equals_a_count_through_the_lifecycle(client, admin, contractor):
    await assert_exact(client, admin)
    registered = await client.post("/api/auth/register", json=registration(email="yamada@example.jp"))
    await client.post("/api/auth/register", json=registration(email="kawai@example.jp"))
    assert (await assert_exact(client, admin))["pending_registrations"] == 2
    await client.post(f"/api/admin/companies/{registered.json()['customer_id']}/approve", headers=admin.headers)
    assert (await assert_exact(client, admin))["pending_registrations"] == 1

    today = clock.today_jst()
    soon = concluded = await concluded_certificate(
        client, admin, contractor, period_end=(today + timedelta(days=3)).isoformat(), project_name="三日で満了の工事",
    )
    later = await concluded_certificate(client, admin, contractor, guarantee_type="contract", advance_amount=None,
                                        guarantee_amount=5_000_000, project_name="河川護岸工事")
    await concluded_certificate(client, admin, contractor, project_name="橋梁補修工事")
    submitted = await submit(client, contractor, project_name="審査中の工事")
    rejected = await submit(client, contractor, project_name="謝絶する工事")
    withdrawn = await submit(client, contractor, project_name="取り下げる工事")
    notified = await submit(client, contractor, project_name="保証料を通知する工事")
    await client.post(f"/api/admin/applications/{rejected['id']}/reject", json={"reason": "審査の結果"}, headers=admin.headers)
    await client.post(f"/api/applications/{withdrawn['id']}/withdraw", headers=contractor.headers)
    await client.post(f"/api/admin/applications/{notified['id']}/fee-notice", headers=admin.headers)
    figures = await assert_exact(client, admin)
    assert figures["applications_by_status"] == {
        "concluded": 3, "submitted": 1, "rejected": 1, "withdrawn": 1, "fee_notified": 1,
    }
    assert figures["certificates_by_status"] == {"valid": 3, "cancelled": 0, "expired": 0}
    assert figures["issued_this_month_by_type"] == {"advance": 2, "interim_advance": 0, "contract": 1}
    assert submitted["status"] == "submitted"

    # 保証期限 moved by an amendment: the certificate changes day in the live counters.
    amended = await client.post(f"/api/admin/certificates/{concluded}/amend", headers=admin.headers, json={
        "period_end": (today + timedelta(days=5)).isoformat(), "reason": "工期の延長"})
    assert amended.status_code == 200, amended.text
    await assert_exact(client, admin)
    cancelled = await client.post(f"/api/admin/certificates/{later}/cancel", json={"reason": "契約解除"}, headers=admin.headers)
    assert cancelled.status_code == 200, cancelled.text
    twice = await client.post(f"/api/admin/certificates/{later}/cancel", json={"reason": "契約解除"}, headers=admin.headers)
    assert twice.status_code == 409
    assert (await assert_exact(client, admin))["certificates_by_status"] == {"valid": 2, "cancelled": 1, "expired": 0}

    # Only the date moves: 期限満了 and "this month" follow without any write.
    clock.advance(timedelta(days=6))
    figures = await assert_exact(client, admin)
    assert figures["certificates_by_status"] == {"valid": 1, "cancelled": 1, "expired": 1}
    clock.advance(timedelta(days=40))
    admin = await login_as(client, ADMIN_LOGIN, ADMIN_PASSWORD)  # the first session has expired meanwhile
    figures = await assert_exact(client, admin)
    assert figures["issued_this_month_by_type"] == {"advance": 0, "interim_advance": 0, "contract": 0}
    assert sum(month["advance"] for month in figures["issuance_by_month"]) == 2
    assert soon == concluded


async def test_a_state_change_that_lost_a_race_moves_no_counter(client, admin, contractor):
    """A fee notice on an application withdrawn meanwhile is refused, and the counters stay exact."""
    await ensure_orderer(client, admin)
    application = await submit(client, contractor)
    await client.post(f"/api/applications/{application['id']}/withdraw", headers=contractor.headers)
    from backend.applications import service as applications
    from backend.lib.errors import Conflict
    from backend import db

    try:
        async with db.transaction():
            await applications.move(application["id"], "submitted", {Application.status: "fee_notified"})
    except Conflict:
        pass
    else:
        raise AssertionError("a move from a status the row no longer has must be refused")
    await assert_exact(client, admin)
