"""The SMTP worker against a real SMTP server (aiosmtpd on loopback)."""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import timedelta

from backend.audit import service as audit
from backend.lib import clock
from backend.lib.actor import system_actor
from backend.mail import service as mail
from backend.mail import worker
from backend.mail.tables import MailMessage
from tests.mail.conftest import FAKE_KIND, FAKE_PDF

SUBJECT = "【電子保証】認証キー通知書の送付（保証契約番号 2070004426）"
BODY = "鳥取県建設技術センター 御中\n\n認証キー通知書を添付いたします。\n工事名：一般県道鳥取国府線道路改良工事\n"


async def _queue(n: int = 1, **overrides) -> list[int]:
    ids = []
    for i in range(n):
        fields = dict(
            category="certificate.key_notice", to=f"keiyaku{i}@pref.tottori.example.jp", subject=SUBJECT,
            body=BODY, related="2070004426",
        )
        fields.update(overrides)
        ids.append(await mail.enqueue(**fields))
    return ids


async def _statuses() -> Counter:
    return Counter(row["status"] for row in await MailMessage.select(MailMessage.status))


async def _deliver_until_done(rounds: int = 40) -> None:
    for _ in range(rounds):
        await worker.deliver_due()
        if await MailMessage.count().where(MailMessage.status != "sent") == 0:
            return
        clock.advance(timedelta(minutes=11))


async def test_message_arrives_with_headers_body_and_japanese_attachment(mail_to_server, fake_renderer):
    [mail_id] = await _queue(attachments=[{"kind": FAKE_KIND, "contract_number": "2070004426"}])
    row = await MailMessage.select().where(MailMessage.id == mail_id).first()

    assert await worker.deliver_due() == 1

    [received] = mail_to_server.messages
    assert received["To"] == "keiyaku0@pref.tottori.example.jp"
    assert received["Subject"] == SUBJECT  # decoded from RFC 2047
    assert received["Message-ID"] == row["message_id"]
    assert received["From"].addresses[0].addr_spec == "e-net@hosho.example.jp"
    assert received["From"].addresses[0].display_name == "電子保証"
    assert received["Date"] is not None
    assert received.get_content_type() == "multipart/mixed"
    assert received.get_body(("plain",)).get_content().rstrip("\n") == BODY.rstrip("\n")
    [attachment] = list(received.iter_attachments())
    assert attachment.get_filename() == "認証キー通知書_2070004426.pdf"
    assert attachment.get_content_type() == "application/pdf"
    assert attachment.get_content() == FAKE_PDF
    raw = mail_to_server.received[0].decode("ascii")  # 7-bit clean on the wire
    assert "filename*" in raw and "utf-8''" in raw  # RFC 2231
    assert "認証キー" not in raw
    assert fake_renderer == [{"kind": FAKE_KIND, "contract_number": "2070004426"}]

    row = await MailMessage.select().where(MailMessage.id == mail_id).first()
    assert row["status"] == "sent" and row["sent_at"] is not None and row["attempts"] == 1
    [sent_entry] = await audit.recent(action="mail.sent")
    assert sent_entry["target"] == "2070004426"
    assert (await audit.verify_chain()).ok


async def test_plain_mail_without_attachments(mail_to_server):
    await _queue()
    assert await worker.deliver_due() == 1
    [received] = mail_to_server.messages
    assert received.get_content_type() == "text/plain"
    assert received.get_content_charset() == "utf-8"
    assert received.get_content().rstrip("\n") == BODY.rstrip("\n")


async def test_mail_is_not_sent_before_it_is_due(mail_to_server):
    [mail_id] = await _queue()
    await MailMessage.update({MailMessage.next_attempt_at: clock.now() + timedelta(minutes=1)}).where(
        MailMessage.id == mail_id
    )
    assert await worker.deliver_due() == 0
    clock.advance(timedelta(minutes=2))
    assert await worker.deliver_due() == 1


async def test_outage_every_mail_arrives_exactly_once(mail_to_down_server):
    server = mail_to_down_server
    ids = await _queue(10)
    expected = {row["message_id"] for row in await MailMessage.select(MailMessage.message_id)}

    # The server is down: attempts fail and back off, nothing is lost or marked sent.
    for _ in range(15):
        assert await worker.deliver_due() == 0
        clock.advance(timedelta(seconds=30))
    rows = await MailMessage.select().where(MailMessage.id.is_in(ids))
    assert {row["status"] for row in rows} == {"pending"}
    assert all(row["attempts"] >= 1 for row in rows)
    assert all(row["last_error"] and len(row["last_error"]) <= 300 for row in rows)
    # One connection attempt per pass while the server is unreachable (no hammering).
    assert sum(row["attempts"] for row in rows) == 15

    # The server comes back: everything is delivered, once.
    server.start()
    await _deliver_until_done()
    assert await _statuses() == Counter({"sent": 10})
    received = server.message_ids()
    assert len(received) == 10
    assert set(received) == expected
    assert Counter(received).most_common(1)[0][1] == 1


async def test_failed_attempts_back_off_exponentially(mail_to_down_server):
    [mail_id] = await _queue()
    delays = []
    for _ in range(4):
        before = clock.now()
        await worker.deliver_due()
        row = await MailMessage.select().where(MailMessage.id == mail_id).first()
        delays.append(round((row["next_attempt_at"] - before).total_seconds()))
        clock.advance(timedelta(seconds=delays[-1] + 1))
    assert delays == [2, 4, 8, 16]
    assert worker.backoff(9) == timedelta(seconds=512)
    assert worker.backoff(10) == worker.backoff(50) == timedelta(minutes=10)


async def test_gives_up_after_max_attempts_and_admin_retry_requeues(mail_to_down_server):
    [mail_id] = await _queue()
    for _ in range(worker.MAX_ATTEMPTS + 3):
        await worker.deliver_due()
        clock.advance(timedelta(minutes=11))
    row = await MailMessage.select().where(MailMessage.id == mail_id).first()
    assert row["status"] == "failed"
    assert row["attempts"] == worker.MAX_ATTEMPTS
    assert len(await audit.recent(action="mail.failed")) == 1

    await mail.retry(mail_id, system_actor("hanako"))
    mail_to_down_server.start()
    assert await worker.deliver_due() == 1
    assert mail_to_down_server.message_ids() == [row["message_id"]]


async def test_permanent_rejection_fails_at_once(mail_to_server):
    [mail_id] = await _queue(to="nobody@pref.tottori.example.jp")

    async def refuse(server, session, envelope, address, rcpt_options):
        return "550 5.1.1 No such user"

    mail_to_server.handle_RCPT = refuse  # aiosmtpd looks the hook up per command
    await worker.deliver_due()
    row = await MailMessage.select().where(MailMessage.id == mail_id).first()
    assert row["status"] == "failed"
    assert "550" in row["last_error"]


async def test_unknown_attachment_kind_is_a_failed_attempt(mail_to_server):
    [bad, good] = [
        (await _queue(attachments=[{"kind": "no-such-document"}]))[0],
        (await _queue())[0],
    ]
    assert await worker.deliver_due() == 1  # the other mail still goes out
    row = await MailMessage.select().where(MailMessage.id == bad).first()
    assert row["status"] == "pending" and "no-such-document" in row["last_error"]
    assert len(mail_to_server.messages) == 1
    assert (await MailMessage.select().where(MailMessage.id == good).first())["status"] == "sent"


async def test_concurrent_passes_never_send_a_row_twice(mail_to_server):
    await _queue(20)
    results = await asyncio.gather(*(worker.deliver_due() for _ in range(4)))
    assert sum(results) == 20
    received = mail_to_server.message_ids()
    assert len(received) == 20 and len(set(received)) == 20
    assert await _statuses() == Counter({"sent": 20})


async def test_rows_stuck_in_sending_are_released_after_the_lease(mail_to_server):
    [mail_id] = await _queue()
    # A worker claimed the row and died before finishing.
    await MailMessage.update(
        {MailMessage.status: "sending", MailMessage.next_attempt_at: clock.now() + worker.LEASE}
    ).where(MailMessage.id == mail_id)
    assert await worker.release_stale() == 0  # the lease still runs
    assert await worker.deliver_due() == 0
    clock.advance(worker.LEASE + timedelta(seconds=1))
    assert await worker.release_stale() == 1
    assert await worker.deliver_due() == 1
    assert len(mail_to_server.messages) == 1


async def test_background_worker_delivers_and_survives_errors(mail_to_server, monkeypatch):
    original = worker.deliver_due
    calls = {"n": 0}

    async def flaky(limit: int = 50) -> int:
        calls["n"] += 1
        if calls["n"] == 1:
            raise RuntimeError("database hiccup")
        return await original(limit)

    monkeypatch.setattr(worker, "deliver_due", flaky)
    async with worker.mail_worker():
        await _queue(3)
        for _ in range(100):
            if len(mail_to_server.messages) == 3:
                break
            await asyncio.sleep(0.05)
    assert calls["n"] >= 2
    assert len(mail_to_server.messages) == 3
    assert await _statuses() == Counter({"sent": 3})


async def test_stuck_rows_are_released_when_the_worker_starts(mail_to_server):
    [mail_id] = await _queue()
    await MailMessage.update(
        {MailMessage.status: "sending", MailMessage.next_attempt_at: clock.now() - timedelta(seconds=1)}
    ).where(MailMessage.id == mail_id)
    async with worker.mail_worker():
        for _ in range(100):
            if mail_to_server.messages:
                break
            await asyncio.sleep(0.05)
    assert len(mail_to_server.messages) == 1


async def test_without_smtp_host_mail_stays_in_the_outbox(no_smtp, smtp_server):
    await _queue(2)
    async with worker.mail_worker():
        await asyncio.sleep(0.3)
    assert await worker.deliver_due() == 0
    assert await _statuses() == Counter({"pending": 2})
    assert smtp_server.messages == []
    items = await mail.list_messages(status="pending", limit=10, before_id=None)
    assert len(items) == 2
