from piccolo.columns import Timestamptz, Varchar
from piccolo.table import Table


class ThrottleEvent(Table, tablename="throttle_event"):
    """One counted attempt (a failed login, a D-Sure lookup) under a key."""

    key = Varchar(length=200, index=True)
    at = Timestamptz()


class ThrottleLock(Table, tablename="throttle_lock"):
    """A key locked until a time (e.g. a D-Sure contract number after 5 failures)."""

    key = Varchar(length=200, unique=True)
    until = Timestamptz()
    reason = Varchar(length=100, default="")
