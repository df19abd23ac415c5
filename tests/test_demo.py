"""`hosho demo` leaves something to look at in every state, and running it twice adds nothing."""

from __future__ import annotations

from backend.applications.tables import Application
from backend.certificates.tables import Certificate, ChangeRequest
from backend.demo.seed import run_demo


async def test_demo_data_covers_every_state(client):
    lines = await run_demo()
    assert any("申込み: 15件" in line for line in lines)
    statuses = {row["status"] for row in await Application.select(Application.status)}
    assert statuses == {"submitted", "fee_notified", "concluded", "rejected", "withdrawn"}
    certificates = await Certificate.select()
    assert len(certificates) == 9
    assert any(c["current_version"] == 2 for c in certificates)
    assert any(c["cancelled_at"] is not None for c in certificates)
    assert any(c["delivery"] == "paper" for c in certificates)
    requests = await ChangeRequest.select()
    assert {r["status"] for r in requests} == {"submitted", "fee_notified", "concluded", "rejected"}
    assert any(r["paid_on"] is not None and r["status"] == "fee_notified" for r in requests)  # paid, awaiting 締結
    assert {r["kind"] for r in requests if r["status"] == "concluded"} == {"amend", "cancel"}
    interim = await Application.select().where(Application.guarantee_type == "interim_advance").first()
    assert interim["advance_contract_number"] is not None
    again = await run_demo()
    assert any("申込み: 0件" in line for line in again)
