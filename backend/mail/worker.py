"""The SMTP worker: sends outbox rows with retries and exponential backoff.

Delivery is at-least-once and idempotent for receivers: each row keeps one
Message-ID for all its attempts. A row is claimed atomically
(``UPDATE … SET status='sending' WHERE id=? AND status='pending'``), so two workers
(threads, processes, hosts) never send the same row; the claim is a lease of
``LEASE`` during which ``next_attempt_at`` holds the lease expiry. A worker that dies
mid-send leaves the row in 'sending'; once the lease has run out it goes back to
pending (at startup and every ``RELEASE_EVERY`` seconds) and is sent again with the
same Message-ID.

Without ``HOSHO_SMTP_HOST`` nothing is sent: mails wait in the outbox, visible to
admins at ``GET /api/admin/mail``.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta
from email.message import EmailMessage
from email.utils import format_datetime

import aiosmtplib

from backend import db
from backend.audit import service as audit
from backend.lib import clock
from backend.lib.clock import JST
from backend.mail import attachments
from backend.mail import config
from backend.mail.tables import MailMessage
from backend.settings import Settings

log = logging.getLogger("hosho.mail")

SMTP_TIMEOUT_SECONDS = 10
LEASE = timedelta(minutes=5)
MAX_ATTEMPTS = 12
BACKOFF_BASE_SECONDS = 2
BACKOFF_CAP = timedelta(minutes=10)
RELEASE_EVERY = 60.0
STOP_GRACE_SECONDS = 15.0

# Errors that mean "the server is unreachable": stop the pass, the rest wait their turn.
_CONNECTION_ERRORS = (
    aiosmtplib.SMTPConnectError,
    aiosmtplib.SMTPConnectTimeoutError,
    aiosmtplib.SMTPServerDisconnected,
    aiosmtplib.SMTPTimeoutError,
    ConnectionError,
    TimeoutError,
    OSError,
)

_wakeup: asyncio.Event | None = None


def notify() -> None:
    """Wake this process's worker (called after a mail is committed)."""
    if _wakeup is not None:
        try:
            _wakeup.set()
        except RuntimeError:  # an event of another (closed) loop
            pass


def backoff(attempts: int) -> timedelta:
    """Delay after the ``attempts``-th failed attempt: 2 s, 4 s, 8 s … capped at 10 minutes."""
    seconds = BACKOFF_BASE_SECONDS ** max(1, min(attempts, 20))
    return min(timedelta(seconds=seconds), BACKOFF_CAP)


# --- building the message -------------------------------------------------------------


def _refs(value) -> list[dict]:
    if isinstance(value, str):
        value = json.loads(value or "[]")
    return list(value or [])


async def build_message(row: dict, settings: Settings) -> EmailMessage:
    """The MIME message of one outbox row (attachments rendered now)."""
    message = EmailMessage()
    message["From"] = settings.mail_from
    message["To"] = row["to_address"]
    message["Subject"] = row["subject"]
    message["Date"] = format_datetime(clock.now().astimezone(JST))
    message["Message-ID"] = row["message_id"]
    message["Auto-Submitted"] = "auto-generated"
    body = row["body"]
    message.set_content(body, charset="utf-8", cte="7bit" if body.isascii() else "base64")
    for ref in _refs(row["attachments"]):
        filename, content_type, data = await attachments.render(ref)
        maintype, _, subtype = content_type.partition("/")
        # Non-ASCII filenames are written as RFC 2231 (filename*=utf-8''…) by the email package.
        message.add_attachment(data, maintype=maintype, subtype=subtype, filename=filename)
    return message


async def _send(message: EmailMessage, settings: Settings) -> None:
    await aiosmtplib.send(
        message,
        hostname=settings.smtp_host,
        port=settings.smtp_port,
        username=settings.smtp_username or None,
        password=settings.smtp_password or None,
        use_tls=settings.smtp_port == 465,
        timeout=SMTP_TIMEOUT_SECONDS,
    )


def _short_error(exc: BaseException, settings: Settings) -> str:
    text = f"{type(exc).__name__}: {exc}".replace("\r", " ").replace("\n", " ")
    for secret in (settings.smtp_password, settings.smtp_username):
        if secret:
            text = text.replace(secret, "***")
    return text[:300]


def _is_permanent(exc: BaseException) -> bool:
    """5xx replies (RFC 5321) will not get better by retrying."""
    if isinstance(exc, aiosmtplib.SMTPRecipientsRefused):
        return bool(exc.recipients) and all(r.code >= 500 for r in exc.recipients)
    if isinstance(exc, aiosmtplib.SMTPResponseException) and not isinstance(
        exc, aiosmtplib.SMTPServerDisconnected
    ):
        return 500 <= exc.code < 600
    return False


# --- the outbox state machine ----------------------------------------------------------


async def release_stale() -> int:
    """Rows left in 'sending' by a dead worker (lease expired) go back to pending."""
    now = clock.now()
    stale = (
        await MailMessage.select(MailMessage.id)
        .where((MailMessage.status == "sending") & (MailMessage.next_attempt_at <= now))
    )
    if not stale:
        return 0
    released = (
        await MailMessage.update({MailMessage.status: "pending", MailMessage.next_attempt_at: now})
        .where(
            MailMessage.id.is_in([row["id"] for row in stale])
            & (MailMessage.status == "sending")
            & (MailMessage.next_attempt_at <= now)
        )
        .returning(MailMessage.id)
    )
    if released:
        log.warning("mail: %d message(s) left in 'sending' by a stopped worker go back to the queue", len(released))
    return len(released)


async def _claim(mail_id: int) -> dict | None:
    """Take one due row for this worker; None if another worker was faster."""
    now = clock.now()
    claimed = (
        await MailMessage.update(
            {
                MailMessage.status: "sending",
                MailMessage.attempts: MailMessage.attempts + 1,
                MailMessage.next_attempt_at: now + LEASE,
            }
        )
        .where((MailMessage.id == mail_id) & (MailMessage.status == "pending") & (MailMessage.next_attempt_at <= now))
        .returning(MailMessage.id)
    )
    if not claimed:
        return None
    return await MailMessage.select().where(MailMessage.id == mail_id).first()


async def _mark_sent(row: dict) -> None:
    async with db.transaction():
        await MailMessage.update(
            {MailMessage.status: "sent", MailMessage.sent_at: clock.now(), MailMessage.last_error: ""}
        ).where((MailMessage.id == row["id"]) & (MailMessage.status == "sending"))
        await audit.record(
            "mail.sent", target=row["related"],
            details={"category": row["category"], "to": row["to_address"], "mail_id": row["id"]},
        )


async def _mark_failed(row: dict, error: str, permanent: bool) -> None:
    attempts = row["attempts"]
    give_up = permanent or attempts >= MAX_ATTEMPTS
    values = {
        MailMessage.status: "failed" if give_up else "pending",
        MailMessage.last_error: error,
        MailMessage.next_attempt_at: clock.now() + backoff(attempts),
    }
    async with db.transaction():
        await MailMessage.update(values).where((MailMessage.id == row["id"]) & (MailMessage.status == "sending"))
        if give_up:
            await audit.record(
                "mail.failed", target=row["related"],
                details={"category": row["category"], "to": row["to_address"], "mail_id": row["id"],
                         "attempts": attempts, "error": error[:120]},
            )
    if give_up:
        log.error(
            "mail %s to %s failed for good after %d attempt(s): %s", row["id"], row["to_address"], attempts, error
        )
    else:
        log.warning("mail %s attempt %d failed (%s); next try in %s", row["id"], attempts, error, backoff(attempts))


async def deliver_due(limit: int = 50) -> int:
    """One pass: send up to ``limit`` due rows; returns how many were sent.

    Does nothing (returns 0) when no SMTP host is configured. Stops the pass early
    when the server is unreachable, so an outage costs one connection attempt per pass.
    """
    settings = config.mail_settings()
    if not settings.smtp_host:
        return 0
    due = (
        await MailMessage.select(MailMessage.id)
        .where((MailMessage.status == "pending") & (MailMessage.next_attempt_at <= clock.now()))
        .order_by(MailMessage.next_attempt_at)
        .order_by(MailMessage.id)
        .limit(limit)
    )
    sent = 0
    for candidate in due:
        row = await _claim(candidate["id"])
        if row is None:
            continue
        try:
            message = await build_message(row, settings)
        except Exception as exc:  # unknown attachment kind, renderer failure …
            await _mark_failed(row, _short_error(exc, settings), permanent=False)
            continue
        try:
            await _send(message, settings)
        except asyncio.CancelledError:
            raise  # the row keeps its lease and is retried after it runs out
        except Exception as exc:
            await _mark_failed(row, _short_error(exc, settings), permanent=_is_permanent(exc))
            if isinstance(exc, _CONNECTION_ERRORS) and not isinstance(exc, aiosmtplib.SMTPResponseException):
                break
            continue
        await _mark_sent(row)
        sent += 1
    return sent


# --- the background task ---------------------------------------------------------------


async def _run(poll_seconds: float, stop: asyncio.Event, wakeup: asyncio.Event, limit: int = 50) -> None:
    loop = asyncio.get_running_loop()
    last_release = loop.time()
    while not stop.is_set():
        wakeup.clear()
        more = False
        try:
            if loop.time() - last_release >= RELEASE_EVERY:
                last_release = loop.time()
                await release_stale()
            more = await deliver_due(limit) >= limit
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("mail worker: a delivery pass failed; trying again later")
        if more or stop.is_set():
            continue
        try:
            await asyncio.wait_for(wakeup.wait(), timeout=poll_seconds)
        except TimeoutError:
            pass


@asynccontextmanager
async def mail_worker() -> AsyncIterator[None]:
    """Run the SMTP worker in the background while the app runs (a no-op without SMTP)."""
    global _wakeup
    settings = config.mail_settings()
    if not settings.smtp_host:
        log.info("mail: HOSHO_SMTP_HOST is not set; mails stay in the outbox (管理画面のメール一覧)")
        yield
        return
    try:
        await release_stale()
    except Exception:
        log.exception("mail worker: could not release stale rows at startup")
    stop = asyncio.Event()
    wakeup = asyncio.Event()
    previous, _wakeup = _wakeup, wakeup
    poll = max(0.05, float(settings.mail_poll_seconds))
    task = asyncio.create_task(_run(poll, stop, wakeup), name="hosho-mail-worker")
    log.info("mail: worker started (SMTP %s:%s, poll %.1f s)", settings.smtp_host, settings.smtp_port, poll)
    try:
        yield
    finally:
        _wakeup = previous
        stop.set()
        wakeup.set()
        try:
            await asyncio.wait_for(task, timeout=STOP_GRACE_SECONDS)
        except TimeoutError:
            log.warning("mail worker: stopped in the middle of a pass; its rows are retried after the lease")
        except Exception:
            log.exception("mail worker: stopped with an error")
        log.info("mail: worker stopped")
