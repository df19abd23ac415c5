"""Accounts fixtures: the real SMTP server (aiosmtpd) and a helper that delivers and reads the mails."""

from __future__ import annotations

from email.message import EmailMessage

from backend.mail import worker
from tests.mail.conftest import mail_to_server, smtp_server  # noqa: F401  (real SMTP fixtures, reused)
from tests.support.smtp import link_in, text_of  # noqa: F401  (the accounts tests read the mails with them)


async def delivered(server, to: str | None = None) -> list[EmailMessage]:
    """Send what the outbox holds through the real SMTP server; the mails received (for ``to``)."""
    while await worker.deliver_due():
        pass
    return [m for m in server.messages if to is None or m["To"] == to]
