"""The mail outbox: every mail is a row first, written in the caller's transaction.

``enqueue`` joins the transaction that is open in the calling task (Piccolo's
``db.transaction()`` nests as a no-op), so a state change and the mail it causes
commit together or not at all. The worker (``backend.mail.worker``) sends the rows.
"""

from __future__ import annotations

import json
import uuid
from email.utils import parseaddr


from backend import db
from backend.audit import service as audit
from backend.lib import clock
from backend.lib.actor import Actor
from backend.lib.errors import Conflict, NotFound
from backend.mail import attachments as attachment_refs
from backend.mail import config
from backend.mail.schemas import MailDetail, MailItem
from backend.mail.tables import MailMessage
from backend.stats import counters

NOT_FOUND = "メールが見つかりません。"

_LIMITS = {"category": 40, "to": 254, "subject": 300, "related": 40}


def new_message_id() -> str:
    """A unique RFC 5322 Message-ID in the sender's domain."""
    return f"<{uuid.uuid4().hex}@{config.sender_domain(config.mail_settings())}>"


def _check(category: str, to: str, subject: str, related: str) -> None:
    values = {"category": category, "to": to, "subject": subject, "related": related}
    for name, value in values.items():
        if not isinstance(value, str):
            raise ValueError(f"mail {name} must be a string")
        if len(value) > _LIMITS[name]:
            raise ValueError(f"mail {name} is longer than {_LIMITS[name]} characters")
        if "\r" in value or "\n" in value:
            raise ValueError(f"mail {name} must be a single line")
    if not category:
        raise ValueError("mail category is required")
    name, address = parseaddr(to)
    if not address or address != to.strip() or address.count("@") != 1 or " " in address:
        raise ValueError("mail recipient must be one plain address")


async def enqueue(
    *,
    category: str,
    to: str,
    subject: str,
    body: str,
    attachments: list[dict] | None = None,
    related: str = "",
) -> int:
    """Put one mail in the outbox (status pending); returns its row id.

    Call it inside the ``async with db.transaction():`` of the event that causes the
    mail: the row and its ``mail.queued`` audit entry then commit or roll back with it.
    Attachments are references rendered at send time (``backend.mail.attachments``).
    """
    to = to.strip()
    if len(subject) > _LIMITS["subject"]:
        subject = subject[: _LIMITS["subject"] - 1] + "…"
    _check(category, to, subject, related)
    refs = attachment_refs.check_refs(attachments)
    json.dumps(refs)  # references must be plain JSON
    now = clock.now()
    owns_transaction = db.get_engine().current_transaction.get() is None
    async with db.transaction():
        inserted = await MailMessage.insert(
            MailMessage(
                message_id=new_message_id(),
                category=category,
                to_address=to,
                subject=subject,
                body=body,
                attachments=refs,
                related=related,
                status="pending",
                attempts=0,
                next_attempt_at=now,
                last_error="",
                created_at=now,
                sent_at=None,
            )
        )
        mail_id = inserted[0]["id"]
        await counters.bump({counters.MAIL_TOTAL: 1})
        await audit.record("mail.queued", target=related, details={"category": category, "to": to})
    if owns_transaction:
        # Committed here: the worker of this process may send it right away.
        from backend.mail import worker

        worker.notify()
    return mail_id


def _refs(value) -> list[dict]:
    if isinstance(value, str):
        value = json.loads(value or "[]")
    return list(value or [])


def to_item(row: dict) -> MailItem:
    return MailItem(
        id=row["id"],
        message_id=row["message_id"],
        category=row["category"],
        to=row["to_address"],
        subject=row["subject"],
        status=row["status"],
        attempts=row["attempts"],
        last_error=row["last_error"],
        created_at=row["created_at"],
        sent_at=row["sent_at"],
        next_attempt_at=row["next_attempt_at"] if row["status"] == "pending" else None,
        related=row["related"],
    )


def to_detail(row: dict) -> MailDetail:
    item = to_item(row)
    fields = {name: getattr(item, name) for name in item.__struct_fields__}
    return MailDetail(**fields, body=row["body"], attachments=_refs(row["attachments"]))


async def list_messages(status: str | None, limit: int, before_id: int | None) -> list[MailItem]:
    """Newest first; ``before_id`` pages further back."""
    query = MailMessage.select().order_by(MailMessage.id, ascending=False).limit(max(1, min(limit, 500)))
    if status:
        query = query.where(MailMessage.status == status)
    if before_id is not None:
        query = query.where(MailMessage.id < before_id)
    return [to_item(row) for row in await query]


async def get_row(mail_id: int) -> dict:
    row = await MailMessage.select().where(MailMessage.id == mail_id).first()
    if row is None:
        raise NotFound(NOT_FOUND)
    return row


async def get_message(mail_id: int) -> MailDetail:
    return to_detail(await get_row(mail_id))


async def retry(mail_id: int, actor: Actor) -> MailDetail:
    """Put a failed mail back in the queue (attempts start again), or send a waiting one now."""
    async with db.transaction():
        row = await get_row(mail_id)
        if row["status"] not in ("failed", "pending"):
            raise Conflict("送信に失敗したメール（または送信待ちのメール）のみ再送できます。")
        values = {MailMessage.status: "pending", MailMessage.next_attempt_at: clock.now()}
        if row["status"] == "failed":
            values[MailMessage.attempts] = 0
        updated = (
            await MailMessage.update(values)
            .where((MailMessage.id == mail_id) & (MailMessage.status == row["status"]))
            .returning(MailMessage.id)
        )
        if not updated:
            raise Conflict("メールの状態が変わりました。もう一度お試しください。")
        await audit.record(
            "mail.retried", by=actor, target=row["related"],
            details={"mail_id": mail_id, "previous_status": row["status"], "previous_attempts": row["attempts"]},
        )
    from backend.mail import worker

    worker.notify()
    return await get_message(mail_id)
