"""Ending sessions: on suspension, a password change or reset, two-factor setup."""

from __future__ import annotations

from backend.accounts.tables import Account, Session


async def end_sessions(accounts_where, *, keep_token_hash: str | None = None) -> None:
    """Delete the sessions of the accounts matching ``accounts_where`` (but the one kept)."""
    condition = Session.account.is_in(Account.select(Account.id).where(accounts_where))
    if keep_token_hash is not None:
        condition &= Session.token_hash != keep_token_hash
    await Session.delete().where(condition)
