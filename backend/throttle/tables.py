from piccolo.columns import Timestamptz, Varchar
from piccolo.table import Table


class ThrottleEvent(Table, tablename="throttle_event"):
    """One counted attempt (a failed login, a D-Sure attempt or failure) under a key."""

    key = Varchar(length=200, index=True)
    at = Timestamptz()
    # When the event stops counting in any window of its key: the purge deletes it after that.
    expires_at = Timestamptz(index=True)


class ThrottleLock(Table, tablename="throttle_lock"):
    """A key locked until a time (e.g. a D-Sure (number, address) pair after 5 failures)."""

    key = Varchar(length=200, unique=True)
    until = Timestamptz(index=True)
    reason = Varchar(length=100, default="")
