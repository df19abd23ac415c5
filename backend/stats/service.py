"""KPIs for the admin dashboard (counts only; D-Sure figures live in backend.dsure)."""

from __future__ import annotations

from datetime import date

import msgspec
from piccolo.query.functions.aggregate import Count

from backend.accounts.tables import Company
from backend.applications.tables import Application
from backend.certificates.tables import Certificate
from backend.domain.glossary import GUARANTEE_TYPE_LABELS
from backend.lib import clock
from backend.mail.tables import MailMessage

MONTHS_SHOWN = 12


class MonthIssuance(msgspec.Struct):
    month: str  # YYYY-MM
    advance: int
    interim_advance: int
    contract: int


class Stats(msgspec.Struct):
    pending_registrations: int
    applications_by_status: dict[str, int]
    certificates_by_status: dict[str, int]
    issued_this_month_by_type: dict[str, int]
    issuance_by_month: list[MonthIssuance]
    mail_by_status: dict[str, int]
    generated_at: str


def _month_starts(today: date, count: int) -> list[date]:
    starts, year, month = [], today.year, today.month
    for _ in range(count):
        starts.append(date(year, month, 1))
        year, month = (year - 1, 12) if month == 1 else (year, month - 1)
    return list(reversed(starts))


def _next_month(start: date) -> date:
    return date(start.year + 1, 1, 1) if start.month == 12 else date(start.year, start.month + 1, 1)


async def _grouped(table, column, *where) -> dict[str, int]:
    query = table.select(column, Count()).group_by(column)
    for clause in where:
        query = query.where(clause)
    return {row[column._meta.name]: row["count"] for row in await query}


async def _issued_between(start: date, end: date) -> dict[str, int]:
    counts = await _grouped(
        Certificate, Certificate.guarantee_type, (Certificate.issued_on >= start) & (Certificate.issued_on < end)
    )
    return {kind: counts.get(kind, 0) for kind in GUARANTEE_TYPE_LABELS}


async def dashboard_stats() -> Stats:
    today = clock.today_jst()
    months = _month_starts(today, MONTHS_SHOWN)
    issuance = [MonthIssuance(month=m.strftime("%Y-%m"), **await _issued_between(m, _next_month(m))) for m in months]
    cancelled = await Certificate.count().where(Certificate.cancelled_at.is_not_null())
    expired = await Certificate.count().where(Certificate.cancelled_at.is_null() & (Certificate.period_end < today))
    total = await Certificate.count()
    return Stats(
        pending_registrations=await Company.count().where(Company.status == "pending"),
        applications_by_status=await _grouped(Application, Application.status),
        certificates_by_status={"valid": total - cancelled - expired, "cancelled": cancelled, "expired": expired},
        issued_this_month_by_type={kind: getattr(issuance[-1], kind) for kind in GUARANTEE_TYPE_LABELS},
        issuance_by_month=issuance,
        mail_by_status=await _grouped(MailMessage, MailMessage.status),
        generated_at=clock.now().isoformat(),
    )
