"""The audit log is hash-chained; tampering is found by the endpoint and the CLI."""

from __future__ import annotations

import os
import subprocess
import sys

from backend.audit.tables import AuditEntry


async def test_security_events_are_audited_and_the_chain_holds(client, admin, contractor):
    await client.post("/api/auth/login", json={"login_id": contractor.login_id, "password": "Wrong-pass-999"})
    actions = [row["action"] for row in await AuditEntry.select(AuditEntry.action).order_by(AuditEntry.seq)]
    for expected in ("admin.password_set", "login.succeeded", "company.registered", "company.approved", "login.failed"):
        assert expected in actions
    report = await client.get("/api/admin/audit/verify", headers=admin.headers)
    assert report.json() == {"ok": True, "entries": len(actions), "first_broken_seq": None}
    listed = await client.get("/api/admin/audit", params={"limit": 2}, headers=admin.headers)
    assert [entry["seq"] for entry in listed.json()] == [len(actions), len(actions) - 1]


async def test_tampering_breaks_the_chain(client, admin, contractor):
    await AuditEntry.update({AuditEntry.actor: "someone-else"}).where(AuditEntry.seq == 2)
    report = (await client.get("/api/admin/audit/verify", headers=admin.headers)).json()
    assert report["ok"] is False
    assert report["first_broken_seq"] == 2


async def test_a_deleted_entry_breaks_the_chain(client, admin, contractor):
    await AuditEntry.delete().where(AuditEntry.seq == 3)
    report = (await client.get("/api/admin/audit/verify", headers=admin.headers)).json()
    assert report == {"ok": False, "entries": 2, "first_broken_seq": 4}


def _cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "backend.cli", *args], env=os.environ.copy(), capture_output=True, text=True, timeout=120
    )


async def test_cli_audit_verify_reports_ok_then_broken(client, admin):
    ok = _cli("audit", "verify")
    assert ok.returncode == 0, ok.stderr
    assert "正常" in ok.stdout
    await AuditEntry.update({AuditEntry.details: '{"x":1}'}).where(AuditEntry.seq == 1)
    broken = _cli("audit", "verify")
    assert broken.returncode == 1
    assert "seq=1" in broken.stderr
