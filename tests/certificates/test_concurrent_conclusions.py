"""50 concurrent conclusions: every one succeeds, numbers unique and without gaps (SQLite and PostgreSQL)."""

from __future__ import annotations

import asyncio

from backend.audit.service import verify_chain
from backend.certificates.tables import Certificate, CertificateVersion
from backend.lib import clock
from tests.support.lifecycle import ensure_orderer, submit

CONCURRENT = 50


async def test_fifty_concurrent_conclusions_never_duplicate_a_number(client, admin, contractor):
    await ensure_orderer(client, admin)
    ids = []
    for i in range(CONCURRENT):
        application = await submit(client, contractor, project_name=f"同時締結試験工事 第{i + 1}工区")
        notice = await client.post(f"/api/admin/applications/{application['id']}/fee-notice", headers=admin.headers)
        await client.post(
            f"/api/admin/applications/{application['id']}/payment",
            json={"paid_on": clock.today_jst().isoformat(), "amount": notice.json()["fee"]},
            headers=admin.headers,
        )
        ids.append(application["id"])

    responses = await asyncio.gather(
        *(client.post(f"/api/admin/applications/{i}/conclude", headers=admin.headers) for i in ids)
    )
    assert [r.status_code for r in responses] == [200] * CONCURRENT, [r.text for r in responses if r.status_code != 200]
    numbers = sorted(r.json()["contract_number"] for r in responses)
    assert len(set(numbers)) == CONCURRENT
    assert numbers == [f"207{seq:07d}" for seq in range(1, CONCURRENT + 1)]  # no gaps, no skips
    assert await Certificate.count() == CONCURRENT
    assert await CertificateVersion.count() == CONCURRENT
    report = await verify_chain()
    assert report.ok



async def test_the_same_application_concluded_five_times_at_once_gives_one_certificate(client, admin, contractor):
    await ensure_orderer(client, admin)
    application = await submit(client, contractor)
    notice = await client.post(f"/api/admin/applications/{application['id']}/fee-notice", headers=admin.headers)
    await client.post(
        f"/api/admin/applications/{application['id']}/payment",
        json={"paid_on": clock.today_jst().isoformat(), "amount": notice.json()["fee"]},
        headers=admin.headers,
    )
    responses = await asyncio.gather(
        *(client.post(f"/api/admin/applications/{application['id']}/conclude", headers=admin.headers) for _ in range(5))
    )
    assert sorted(r.status_code for r in responses) == [200, 409, 409, 409, 409]
    assert await Certificate.count() == 1
