"""Change alerts for orderers: subscribe with number + key + email, mails on amendment,
cancellation and an approaching 保証期限, one-click unsubscribe.

Every alert mail carries its own random unsubscribe token (stored as SHA-256 only), so
no raw token is ever kept: ``{public_url}/api/dsure/unsubscribe?token=…``. Mails go
through the outbox (template ``dsure-alert``, ``backend.mail.templates.send``) in the transaction
that applies the issuer's publication: a published amendment and its alerts commit together. No
mail ever contains the 認証キー.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import date, timedelta


from backend import db
from backend.audit import service as audit
from backend.documents.formatting import dsure_url
from backend.domain.wareki import wareki
from backend.dsure import notices, service
from backend.dsure_store.tables import DsureSubscription, DsureUnsubscribeToken
from backend.lib import clock
from backend.lib.actor import Actor
from backend.lib.errors import Conflict
from backend.lib.security import sha256_hex
from backend.mail import templates as mail_templates
from backend.settings import get_settings

log = logging.getLogger("hosho.dsure")

EXPIRY_NOTICE_DAYS = 30
MAX_SUBSCRIPTIONS_PER_CERTIFICATE = 10
# The periodic expiry pass (started with the app). The first pass waits a little so that
# a restart loop does not hammer the database; mails are sent once per deadline anyway.
EXPIRY_FIRST_DELAY_SECONDS = 60.0
EXPIRY_INTERVAL_SECONDS = 3600.0


def unsubscribe_url(token: str) -> str:
    return f"{get_settings().public_url}/api/dsure/unsubscribe?token={token}"


async def _new_token(subscription_id: int) -> str:
    token = secrets.token_urlsafe(32)
    await DsureUnsubscribeToken.insert(
        DsureUnsubscribeToken(subscription=subscription_id, token_hash=sha256_hex(token), created_at=clock.now())
    )
    return token


async def _send(subscription_id: int, email: str, number: str, kind: str, project_name: str, **context) -> None:
    """One alert mail (``kind``: subscribed, amended, cancelled, expiring) with a fresh unsubscribe link
    (call inside the event's transaction)."""
    token = await _new_token(subscription_id)
    await mail_templates.send(
        "dsure-alert", category="dsure.alert", to=email, related=number, kind=kind, contract_number=number,
        project_name=project_name, dsure_link=dsure_url(get_settings().public_url, number),
        unsubscribe_link=unsubscribe_url(token), **context,
    )


# --- subscribe / unsubscribe ----------------------------------------------------------------


async def subscribe(raw_number: str, raw_key: str, email: str, actor: Actor) -> tuple[str, str, bool]:
    """(number, email, already_subscribed). A confirmation mail (with its unsubscribe link) is sent once."""
    address = actor.address
    match, _ = await service.authenticate(raw_number, raw_key, address)
    status = match.status
    if status != "valid":
        label = "解約された" if status == "cancelled" else "保証期限を過ぎた"
        raise Conflict(f"{label}保証のため、変更のお知らせは登録できません。", code="dsure.not_valid")
    email = email.strip()
    number = match.contract_number
    async with db.transaction():
        await db.advisory_lock(f"dsure-subscribe:{match.certificate_id}")
        rows = await DsureSubscription.select(DsureSubscription.id, DsureSubscription.email, DsureSubscription.active).where(
            DsureSubscription.certificate == match.certificate_id
        )
        existing = next((row for row in rows if row["email"].lower() == email.lower()), None)
        if existing is not None and existing["active"]:
            return number, existing["email"], True
        if sum(1 for row in rows if row["active"]) >= MAX_SUBSCRIPTIONS_PER_CERTIFICATE:
            raise Conflict(f"この電子証書には、すでに{MAX_SUBSCRIPTIONS_PER_CERTIFICATE}件のお知らせ先が登録されています。")
        if existing is not None:
            subscription_id = existing["id"]
            await DsureSubscription.update(
                {DsureSubscription.active: True, DsureSubscription.unsubscribed_at: None, DsureSubscription.email: email}
            ).where(DsureSubscription.id == subscription_id)
        else:
            inserted = await DsureSubscription.insert(
                DsureSubscription(certificate=match.certificate_id, email=email, active=True, created_at=clock.now())
            )
            subscription_id = inserted[0]["id"]
        # The address is the orderer's: audit who subscribed, not the address itself.
        await audit.record("dsure.subscribed", actor="dsure", target=number, address=address,
                           details={"subscription_id": subscription_id})
        await _send(subscription_id, email, number, "subscribed", match.row["project_name"])
    return number, email, False


async def unsubscribe(token: str) -> tuple[str, bool] | None:
    """Deactivate the subscription of a token: (number, was_active), or None for an unknown token."""
    if not token or len(token) > 200:
        return None
    async with db.transaction():
        row = (
            await DsureUnsubscribeToken.select(
                DsureUnsubscribeToken.subscription.id.as_alias("subscription_id"),
                DsureUnsubscribeToken.subscription.active.as_alias("active"),
                DsureUnsubscribeToken.subscription.certificate.contract_number.as_alias("contract_number"),
            )
            .where(DsureUnsubscribeToken.token_hash == sha256_hex(token))
            .first()
        )
        if row is None:
            return None
        if row["active"]:
            await DsureSubscription.update(
                {DsureSubscription.active: False, DsureSubscription.unsubscribed_at: clock.now()}
            ).where(DsureSubscription.id == row["subscription_id"])
            await audit.record("dsure.unsubscribed", actor="dsure", target=row["contract_number"],
                               details={"subscription_id": row["subscription_id"]})
        return row["contract_number"], bool(row["active"])


# --- alerts -----------------------------------------------------------------------------------


def _show(value) -> str:
    if isinstance(value, int):
        return f"金{value:,}円"
    try:
        return wareki(date.fromisoformat(value))
    except (TypeError, ValueError):
        return str(value)


def _alerts(change: notices.Change) -> list[tuple[str, dict]]:
    """(kind, context) per alert a publication causes: each new version, then a cancellation."""
    alerts: list[tuple[str, dict]] = []
    for content in change.new_versions:
        changes = [
            {"label": item.get("label", item.get("field")), "before": _show(item.get("before")), "after": _show(item.get("after"))}
            for item in content.get("changes") or []
        ]
        alerts.append(("amended", {"version": content.get("version"), "changes": changes}))
    if change.cancelled:
        alerts.append(("cancelled", {}))
    return alerts


@notices.on_published
async def on_published(change: notices.Change) -> None:
    """Runs inside the transaction applying the publication: the alerts commit with it."""
    alerts = _alerts(change)
    if not alerts:
        return
    subscriptions = await DsureSubscription.select(DsureSubscription.id, DsureSubscription.email).where(
        (DsureSubscription.certificate == change.certificate_id) & (DsureSubscription.active == True)  # noqa: E712
    ).order_by(DsureSubscription.id)
    for kind, context in alerts:
        for subscription in subscriptions:
            await _send(subscription["id"], subscription["email"], change.contract_number, kind, change.project_name,
                        **context)


async def notify_expiring(today: date | None = None) -> int:
    """Mail every active subscriber of a valid certificate whose 保証期限 is within 30 days,
    once per deadline (an amended deadline gets its own reminder). Safe to run from several
    workers at once: each subscription is claimed with a conditional UPDATE. Returns mails queued."""
    today = today or clock.today_jst()
    horizon = today + timedelta(days=EXPIRY_NOTICE_DAYS)
    candidates = await DsureSubscription.select(
        DsureSubscription.id,
        DsureSubscription.email,
        DsureSubscription.expiry_notified_for,
        DsureSubscription.certificate.contract_number.as_alias("contract_number"),
        DsureSubscription.certificate.project_name.as_alias("project_name"),
        DsureSubscription.certificate.period_end.as_alias("period_end"),
    ).where(
        (DsureSubscription.active == True)  # noqa: E712
        & DsureSubscription.certificate.cancelled_on.is_null()
        & (DsureSubscription.certificate.period_end >= today)
        & (DsureSubscription.certificate.period_end <= horizon)
    ).order_by(DsureSubscription.id)
    queued = 0
    for row in candidates:
        period_end = row["period_end"]
        if row["expiry_notified_for"] == period_end:
            continue
        async with db.transaction():
            claimed = (
                await DsureSubscription.update({DsureSubscription.expiry_notified_for: period_end})
                .where(
                    (DsureSubscription.id == row["id"])
                    & (DsureSubscription.active == True)  # noqa: E712
                    & (DsureSubscription.expiry_notified_for.is_null() | (DsureSubscription.expiry_notified_for != period_end))
                )
                .returning(DsureSubscription.id)
            )
            if not claimed:
                continue
            days = (period_end - today).days
            when = "本日" if days == 0 else f"{days}日後"
            await _send(
                row["id"], row["email"], row["contract_number"], "expiring", row["project_name"],
                period_end=period_end, when=when,
            )
            queued += 1
    return queued


@asynccontextmanager
async def expiry_alerts() -> AsyncIterator[None]:
    """The periodic expiry pass, run while the app runs."""
    stop = asyncio.Event()

    async def loop() -> None:
        delay = EXPIRY_FIRST_DELAY_SECONDS
        while True:
            try:
                await asyncio.wait_for(stop.wait(), timeout=delay)
                return
            except TimeoutError:
                pass
            try:
                sent = await notify_expiring()
                if sent:
                    log.info("dsure: %d expiry reminders queued", sent)
            except Exception:
                log.exception("dsure: expiry reminder pass failed")
            delay = EXPIRY_INTERVAL_SECONDS

    task = asyncio.create_task(loop(), name="hosho-dsure-expiry")
    try:
        yield
    finally:
        stop.set()
        try:
            await asyncio.wait_for(task, timeout=10)
        except (TimeoutError, asyncio.CancelledError):
            task.cancel()

