"""KPIs for the admin dashboard, read from the maintained counters (D-Sure figures live in backend.dsure)."""

from __future__ import annotations

from datetime import date, datetime

import msgspec
from piccolo.querystring import QueryString

from backend import db
from backend.domain.glossary import GUARANTEE_TYPE_LABELS
from backend.lib import clock
from backend.stats import counters

MONTHS_SHOWN = 12
UNSENT_MAIL = ("pending", "sending", "failed")


class MonthIssuance(msgspec.Struct):
    month: str  # YYYY-MM
    advance: int
    interim_advance: int
    contract: int


class PendingRegistration(msgspec.Struct):
    customer_id: str
    company_name: str
    registered_at: datetime
    age_hours: int  # how long it has waited for a decision


class Stats(msgspec.Struct):
    pending_registrations: int
    applications_by_status: dict[str, int]
    certificates_by_status: dict[str, int]
    issued_this_month_by_type: dict[str, int]
    issuance_by_month: list[MonthIssuance]
    mail_by_status: dict[str, int]
    generated_at: str
    oldest_pending_registrations: list[PendingRegistration] = []  # oldest first, at most 10


def _month_starts(today: date, count: int) -> list[date]:
    starts, year, month = [], today.year, today.month
    for _ in range(count):
        starts.append(date(year, month, 1))
        year, month = (year - 1, 12) if month == 1 else (year, month - 1)
    return list(reversed(starts))


# One statement, so every figure comes from the same snapshot (a conclusion committing
# meanwhile is either in all of them or in none): the live certificates split at today,
# the issuance of the months shown, the state counters, and the unsent mail through the
# status index (a backlog, small) beside the total.
_FIGURES = (
    "SELECT 'expired' AS key, COALESCE(SUM(value), 0) AS value FROM stat_counter WHERE key >= {} AND key < {} "
    "UNION ALL SELECT 'valid', COALESCE(SUM(value), 0) FROM stat_counter WHERE key >= {} AND key < {} "
    "UNION ALL SELECT key, value FROM stat_counter WHERE key >= {} AND key < {} "
    "UNION ALL SELECT key, value FROM stat_counter WHERE key >= {} AND key < {} "
    "UNION ALL SELECT key, value FROM stat_counter WHERE key >= {} AND key < {} "
    "UNION ALL SELECT key, value FROM stat_counter WHERE key IN ({}, {}) "
    "UNION ALL SELECT 'mail:' || status, COUNT(*) FROM mail_message WHERE status IN ({}, {}, {}) GROUP BY status"
)


async def _figures(today: date, first_month: date) -> dict[str, int]:
    live_today = counters.live_key(today)
    rows = await db.read_engine().run_querystring(
        QueryString(
            _FIGURES,
            counters.LIVE_UNTIL, live_today,
            live_today, counters.LIVE_UNTIL + counters.END,
            f"{counters.ISSUED}{first_month:%Y-%m}", counters.ISSUED + counters.END,
            counters.COMPANY_STATUS, counters.COMPANY_STATUS + counters.END,
            counters.APPLICATION_STATUS, counters.APPLICATION_STATUS + counters.END,
            counters.CANCELLED, counters.MAIL_TOTAL,
            *UNSENT_MAIL,
        )
    )
    return {row["key"]: int(row["value"]) for row in rows}


def _with_prefix(figures: dict[str, int], prefix: str) -> dict[str, int]:
    return {key.removeprefix(prefix): value for key, value in figures.items() if key.startswith(prefix) and value}


PENDING_SHOWN = 10
# Through the status index; the registration queue is short (staff work it down daily).
_OLDEST_PENDING = (
    "SELECT customer_id, name, created_at FROM company WHERE status = 'pending' ORDER BY created_at, id LIMIT {}"
)


async def _oldest_pending() -> list[PendingRegistration]:
    now = clock.now()
    rows = await db.read_engine().run_querystring(QueryString(_OLDEST_PENDING, PENDING_SHOWN))
    return [
        PendingRegistration(
            customer_id=row["customer_id"], company_name=row["name"], registered_at=row["created_at"],
            age_hours=max(0, int((now - row["created_at"]).total_seconds() // 3600)),
        )
        for row in rows
    ]


async def dashboard_stats() -> Stats:
    today = clock.today_jst()
    months = _month_starts(today, MONTHS_SHOWN)
    figures = await _figures(today, months[0])
    issuance = [
        MonthIssuance(
            month=f"{month:%Y-%m}",
            **{kind: figures.get(counters.issued_key(month, kind), 0) for kind in GUARANTEE_TYPE_LABELS},
        )
        for month in months
    ]
    mail = _with_prefix(figures, "mail:")
    mail["sent"] = figures.get(counters.MAIL_TOTAL, 0) - sum(mail.values())
    return Stats(
        pending_registrations=figures.get(counters.COMPANY_STATUS + "pending", 0),
        applications_by_status=_with_prefix(figures, counters.APPLICATION_STATUS),
        certificates_by_status={
            "valid": figures["valid"], "cancelled": figures.get(counters.CANCELLED, 0), "expired": figures["expired"],
        },
        issued_this_month_by_type={kind: getattr(issuance[-1], kind) for kind in GUARANTEE_TYPE_LABELS},
        issuance_by_month=issuance,
        mail_by_status={status: count for status, count in mail.items() if count},
        generated_at=clock.now().isoformat(),
        oldest_pending_registrations=await _oldest_pending(),
    )
