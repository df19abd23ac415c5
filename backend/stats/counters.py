"""The dashboard's maintained figures: counters bumped in the transactions that change them.

Counting a million certificates for every dashboard view took 4.5 s (bench/RESULTS.md);
the dashboard now reads a few hundred counter rows instead. Each counter is one row of
``stat_counter``, keyed by a name:

- ``company.status:<status>``, ``application.status:<status>`` — rows in each state;
- ``certificate.issued:<YYYY-MM>:<guarantee_type>`` — certificates by month of issue;
- ``certificate.live_until:<YYYY-MM-DD>`` — certificates not cancelled, by 保証期限. 期限満了
  is a matter of the date, not of a write: expired = the sum of the days before today, valid =
  the rest, so both stay exact at midnight without anything running;
- ``certificate.cancelled``; ``mail.total`` (every mail ever queued; the unsent ones are
  counted through the status index, sent = total − unsent).

``bump`` runs inside the caller's transaction; the status-changing services guard their
UPDATE with the status they read, so a counter moves only with a row that really moved.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

from piccolo.querystring import QueryString

from backend import db

COMPANY_STATUS = "company.status:"
APPLICATION_STATUS = "application.status:"
ISSUED = "certificate.issued:"
LIVE_UNTIL = "certificate.live_until:"
CANCELLED = "certificate.cancelled"
MAIL_TOTAL = "mail.total"

# ':' sorts right after the digits, so [prefix, prefix + END) holds every key with the prefix.
END = "~"


def moved(prefix: str, old: str | None, new: str | None) -> dict[str, int]:
    """The change of one row going from ``old`` to ``new`` (None: it did not exist / no longer counts)."""
    changes: dict[str, int] = {}
    if old is not None:
        changes[prefix + old] = changes.get(prefix + old, 0) - 1
    if new is not None:
        changes[prefix + new] = changes.get(prefix + new, 0) + 1
    return {key: delta for key, delta in changes.items() if delta}


def issued_key(issued_on: date, guarantee_type: str) -> str:
    return f"{ISSUED}{issued_on:%Y-%m}:{guarantee_type}"


def live_key(period_end: date) -> str:
    return f"{LIVE_UNTIL}{str(period_end)[:10]}"  # a date, or its ISO text from a raw row


def merge(*parts: Mapping[str, int]) -> dict[str, int]:
    total: dict[str, int] = {}
    for part in parts:
        for key, delta in part.items():
            total[key] = total.get(key, 0) + delta
    return {key: delta for key, delta in total.items() if delta}


async def bump(changes: Mapping[str, int]) -> None:
    """Add the deltas in one statement (in the current transaction).

    Keys in sorted order: on PostgreSQL two transactions bumping the same counters lock
    their rows in the same order, so they queue instead of deadlocking.
    """
    items = sorted((key, delta) for key, delta in changes.items() if delta)
    if not items:
        return
    values = ", ".join("({}, {})" for _ in items)
    await db.get_engine().run_querystring(
        QueryString(
            f"INSERT INTO stat_counter (key, value) VALUES {values} "
            "ON CONFLICT (key) DO UPDATE SET value = stat_counter.value + excluded.value",
            *[value for item in items for value in item],
        )
    )


# The same figures counted from the rows: the migration fills the counters with it once, and
# `hosho stats check` / the tests compare the maintained counters with it.
_RECOUNT = (
    f"SELECT '{COMPANY_STATUS}' || status AS key, COUNT(*) AS value FROM company GROUP BY status "
    f"UNION ALL SELECT '{APPLICATION_STATUS}' || status, COUNT(*) FROM application GROUP BY status "
    f"UNION ALL SELECT '{ISSUED}' || substr(CAST(issued_on AS TEXT), 1, 7) || ':' || guarantee_type, COUNT(*) "
    "FROM certificate GROUP BY substr(CAST(issued_on AS TEXT), 1, 7), guarantee_type "
    f"UNION ALL SELECT '{LIVE_UNTIL}' || CAST(period_end AS TEXT), COUNT(*) FROM certificate "
    "WHERE cancelled_at IS NULL GROUP BY period_end "
    f"UNION ALL SELECT '{CANCELLED}', COUNT(*) FROM certificate WHERE cancelled_at IS NOT NULL "
    f"UNION ALL SELECT '{MAIL_TOTAL}', COUNT(*) FROM mail_message"
)


async def recount() -> dict[str, int]:
    """Every counter as the rows say now (a scan of the tables: for checks, not for the dashboard)."""
    rows = await db.get_engine().run_querystring(QueryString(_RECOUNT))
    return {row["key"]: int(row["value"]) for row in rows if row["value"]}


async def maintained() -> dict[str, int]:
    rows = await db.get_engine().run_querystring(QueryString("SELECT key, value FROM stat_counter"))
    return {row["key"]: int(row["value"]) for row in rows if row["value"]}


async def rebuild() -> None:
    """Replace every counter by the recount (in the caller's transaction)."""
    engine = db.get_engine()
    await engine.run_querystring(QueryString("DELETE FROM stat_counter"))
    await engine.run_querystring(
        QueryString(f"INSERT INTO stat_counter (key, value) SELECT key, value FROM ({_RECOUNT}) counted WHERE value <> 0")
    )
