"""`hosho demo` leaves something to look at in every state, and running it twice adds nothing."""

from __future__ import annotations

from backend.applications.tables import Application
from backend.certificates.tables import Certificate
from backend.demo.seed import run_demo


async def test_demo_data_covers_every_state(client):
    lines = await run_demo()
    assert any("申込み: 9件" in line for line in lines)
    statuses = {row["status"] for row in await Application.select(Application.status)}
    assert statuses == {"submitted", "fee_notified", "concluded", "rejected", "withdrawn"}
    certificates = await Certificate.select()
    assert len(certificates) == 4
    assert any(c["current_version"] == 2 for c in certificates)
    assert any(c["cancelled_at"] is not None for c in certificates)
    assert any(c["delivery"] == "paper" for c in certificates)
    again = await run_demo()
    assert any("申込み: 0件" in line for line in again)
