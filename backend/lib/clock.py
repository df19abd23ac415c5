"""The one source of "now", so tests can move time (lockout expiry, 期限満了)."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

JST = timezone(timedelta(hours=9), "JST")

_offset = timedelta(0)


def now() -> datetime:
    """Current UTC time (timezone-aware), shifted by any test offset."""
    return datetime.now(timezone.utc) + _offset


def today_jst() -> date:
    """Today's date in Japan: business dates (保証期限, issue dates) are Japanese dates."""
    return now().astimezone(JST).date()


def advance(delta: timedelta) -> None:
    """Move the clock forward (tests only)."""
    global _offset
    _offset += delta


def reset() -> None:
    global _offset
    _offset = timedelta(0)
