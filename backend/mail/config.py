"""The one place the mail code reads its settings from.

Everything in ``backend.mail`` calls :func:`mail_settings` at use time (never caches
it), so tests can point the outbox at a local SMTP server by patching this function.
"""

from __future__ import annotations

from email.utils import parseaddr

from backend.settings import Settings, get_settings


def mail_settings() -> Settings:
    return get_settings()


def sender_domain(settings: Settings) -> str:
    """The domain of ``mail_from`` (Message-IDs are made in it)."""
    address = parseaddr(settings.mail_from)[1]
    domain = address.rpartition("@")[2].strip().lower()
    return domain or "hosho.invalid"
