"""enqueue: one row per mail, in the caller's transaction, audited without the body."""

from __future__ import annotations

import json
import re

import pytest

from backend import db
from backend.audit import service as audit
from backend.mail import service as mail
from backend.mail.tables import MailMessage

SUBJECT = "【電子保証】保証契約締結のお知らせ（保証契約番号 2070004426）"
BODY = "因幡建設株式会社 御中\n\n保証契約を締結しました。\n認証キーは e-Net保証 でご確認ください。\n"


async def _enqueue(**overrides) -> int:
    fields = dict(
        category="contract.concluded", to="keiri@inaba-kensetsu.example.jp", subject=SUBJECT,
        body=BODY, related="2070004426",
    )
    fields.update(overrides)
    return await mail.enqueue(**fields)


async def test_enqueue_commits_with_the_callers_transaction():
    async with db.transaction():
        mail_id = await _enqueue()
        # Visible inside the transaction that wrote it …
        assert await MailMessage.count().where(MailMessage.id == mail_id) == 1
    # … and after its commit.
    row = await MailMessage.select().where(MailMessage.id == mail_id).first()
    assert row["status"] == "pending"
    assert row["to_address"] == "keiri@inaba-kensetsu.example.jp"
    assert row["subject"] == SUBJECT
    assert row["body"] == BODY
    assert row["attempts"] == 0
    assert re.fullmatch(r"<[0-9a-f]{32}@hosho\.example\.jp>", row["message_id"])


async def test_enqueue_rolls_back_with_the_callers_transaction():
    with pytest.raises(RuntimeError):
        async with db.transaction():
            await _enqueue()
            raise RuntimeError("the state change failed after the mail was queued")
    assert await MailMessage.count() == 0
    assert await audit.recent(action="mail.queued") == []


async def test_enqueue_without_a_transaction_commits_alone():
    mail_id = await _enqueue()
    assert await MailMessage.count().where(MailMessage.id == mail_id) == 1


async def test_message_ids_are_unique():
    ids = [await _enqueue(related=str(n)) for n in range(5)]
    rows = await MailMessage.select(MailMessage.message_id).where(MailMessage.id.is_in(ids))
    assert len({row["message_id"] for row in rows}) == 5


async def test_queued_mail_is_audited_without_its_body():
    await _enqueue()
    entries = await audit.recent(action="mail.queued")
    assert len(entries) == 1
    entry = entries[0]
    assert entry["target"] == "2070004426"
    assert json.loads(entry["details"]) == {"category": "contract.concluded", "to": "keiri@inaba-kensetsu.example.jp"}
    assert "保証契約を締結しました" not in json.dumps(entry, ensure_ascii=False, default=str)
    assert (await audit.verify_chain()).ok


async def test_attachment_references_are_stored_not_rendered(fake_renderer):
    mail_id = await _enqueue(attachments=[{"kind": "test-notice", "contract_number": "2070004426"}])
    detail = await mail.get_message(mail_id)
    assert detail.attachments == [{"kind": "test-notice", "contract_number": "2070004426"}]
    assert fake_renderer == []  # rendered at send time only


@pytest.mark.parametrize(
    "overrides",
    [
        {"to": "not an address"},
        {"to": "a@example.jp, b@example.jp"},
        {"subject": "件名\r\nBcc: victim@example.jp"},
        {"category": ""},
        {"attachments": [{"contract_number": "2070004426"}]},
        {"related": "x" * 41},
    ],
)
async def test_enqueue_refuses_malformed_mail(overrides):
    with pytest.raises(ValueError):
        await _enqueue(**overrides)
    assert await MailMessage.count() == 0


async def test_overlong_subject_is_shortened():
    mail_id = await _enqueue(subject="件" * 400)
    row = await MailMessage.select(MailMessage.subject).where(MailMessage.id == mail_id).first()
    assert len(row["subject"]) == 300 and row["subject"].endswith("…")
