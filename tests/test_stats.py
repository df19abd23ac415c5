"""The admin dashboard's KPIs reflect what happened."""

from __future__ import annotations

from tests.conftest import registration
from tests.support.lifecycle import concluded_certificate, submit


async def test_stats_count_registrations_applications_and_issuance(client, admin, contractor):
    await client.post("/api/auth/register", json=registration(email="new@example.jp"))
    await concluded_certificate(client, admin, contractor)
    await concluded_certificate(client, admin, contractor, guarantee_type="contract", advance_amount=None,
                                guarantee_amount=5_000_000)
    await submit(client, contractor, project_name="審査中の工事")

    response = await client.get("/api/admin/stats", headers=admin.headers)
    assert response.status_code == 200
    stats = response.json()
    assert stats["pending_registrations"] == 1
    assert stats["applications_by_status"] == {"concluded": 2, "submitted": 1}
    assert stats["certificates_by_status"] == {"valid": 2, "cancelled": 0, "expired": 0}
    assert stats["issued_this_month_by_type"] == {"advance": 1, "interim_advance": 0, "contract": 1}
    assert len(stats["issuance_by_month"]) == 12
    assert stats["issuance_by_month"][-1]["advance"] == 1
    assert stats["mail_by_status"]["pending"] >= 5
    assert (await client.get("/api/admin/stats", headers=contractor.headers)).status_code == 403
