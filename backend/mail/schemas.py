"""Response bodies of /api/admin/mail (``to``, ``subject``, ``status`` are a public contract)."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from backend.lib.schema import Output

MailStatus = Literal["pending", "sending", "sent", "failed"]


class MailItem(Output):
    id: int
    message_id: str
    category: str
    to: str
    subject: str
    status: str
    attempts: int
    last_error: str
    created_at: datetime
    sent_at: datetime | None
    next_attempt_at: datetime | None
    related: str


class MailDetail(MailItem):
    body: str
    attachments: list[dict[str, Any]]
