"""Accounts fixtures: the real SMTP server (aiosmtpd) and a helper that delivers and reads the mails."""

from __future__ import annotations

import re
from email.message import EmailMessage

from backend.mail import worker
from tests.mail.conftest import mail_to_server, smtp_server  # noqa: F401  (real SMTP fixtures, reused)


async def delivered(server, to: str | None = None) -> list[EmailMessage]:
    """Send what the outbox holds through the real SMTP server; the mails received (for ``to``)."""
    while await worker.deliver_due():
        pass
    return [m for m in server.messages if to is None or m["To"] == to]


def text_of(message: EmailMessage) -> str:
    return message.get_body(("plain",)).get_content()


def link_in(message: EmailMessage, path: str) -> str:
    """The first URL in the mail's text whose path starts with ``path``."""
    found = re.search(r"https?://[^\s/]+" + re.escape(path) + r"[^\s]*", text_of(message))
    assert found, f"no link to {path} in:\n{text_of(message)}"
    return found.group(0)
