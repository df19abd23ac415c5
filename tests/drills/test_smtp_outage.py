"""Drill: the SMTP server is down while certificates are concluded (DESIGN §8 reliability).

tests/mail/test_delivery.py already covers the outage inside the test process (worker
against aiosmtpd stopped and started). This drill does it against a running `hosho api`
process: with HOSHO_SMTP_HOST pointing at a port where nothing listens, a contractor
registers, certificates are concluded and a key notice is sent to the orderer (PDF
attached); the worker fails and backs off; then the SMTP server (the real aiosmtpd server
of tests/mail) comes up. Every outbox row must be delivered exactly once: as many
messages received as rows, no Message-ID twice, each row's Message-ID among them.
"""

from __future__ import annotations

import time
from pathlib import Path

import httpx
import pytest

from tests.drills import support
from tests.support.smtp import SmtpServer, free_port

pytestmark = pytest.mark.drill


def _outbox(client: httpx.Client, admin: dict) -> list[dict]:
    response = client.get("/api/admin/mail", params={"limit": 200}, headers=admin)
    assert response.status_code == 200, response.text
    return response.json()


def test_mail_queued_during_an_outage_is_delivered_once_after_recovery(tmp_path: Path) -> None:
    smtp = SmtpServer(free_port())  # not started: the outage
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    env = support.server_env(data_dir, support.drill_database_url(), HOSHO_SMTP_HOST="127.0.0.1",
                             HOSHO_SMTP_PORT=str(smtp.port),
                             HOSHO_MAIL_FROM="e-net@hosho.example.jp")
    support.create_admin(env)
    api = support.ApiProcess(data_dir, env).start()
    try:
        with httpx.Client(base_url=api.base, timeout=60) as client:
            admin = support.login(client, support.ADMIN_LOGIN, support.ADMIN_PASSWORD)
            support.ensure_orderer(client, admin)
            _, contractor = support.new_contractor(client, admin, "keiri@inaba-kensetsu.example.jp")
            numbers = [support.concluded_certificate(client, admin, contractor, index) for index in range(3)]
            sent = client.post(f"/api/certificates/{numbers[0]}/send-to-orderer", headers=contractor)
            assert sent.status_code == 202, sent.text

            # The worker tries and fails while nothing listens.
            deadline = time.monotonic() + 20
            while time.monotonic() < deadline:
                rows = _outbox(client, admin)
                if rows and all(row["attempts"] >= 1 for row in rows):
                    break
                time.sleep(0.5)
            rows = _outbox(client, admin)
            assert rows and all(row["status"] != "sent" for row in rows), rows
            assert any(row["attempts"] >= 1 and row["last_error"] for row in rows), rows

            smtp.start()  # recovery
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline:
                rows = _outbox(client, admin)
                if all(row["status"] == "sent" for row in rows):
                    break
                time.sleep(0.5)
            assert all(row["status"] == "sent" for row in rows), [(r["subject"], r["status"], r["attempts"]) for r in rows]
            time.sleep(2.5)  # one more worker pass: nothing may be sent twice
            received = smtp.message_ids()
            assert len(received) == len(rows), (len(received), len(rows))
            assert len(set(received)) == len(received), "a Message-ID was delivered twice"
            assert {row["message_id"] for row in rows} == set(received)
            notice = next(m for m in smtp.messages if m["To"] == support.TOTTORI["submission_email"])
            assert any(part.get_content_type() == "application/pdf" for part in notice.iter_attachments())
    finally:
        api.stop()
        smtp.stop()
    print(f"outage drill: {len(rows)} mails queued during the outage, all delivered once after recovery "
          f"(max attempts {max(row['attempts'] for row in rows)})")
