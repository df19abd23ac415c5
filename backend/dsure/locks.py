"""D-Sure throttling: who may try a (保証契約番号, 認証キー) pair, and when a number is locked.

No stranger can lock an orderer out, so failures count per (number, client address):

- ``dsure:pair:<number>:<address>``: 5 failures within 15 minutes lock that number for
  that address (IPv4 address or IPv6 /64) for 15 minutes. The orderer at another address
  is not affected.
- ``dsure:num:<number>``: a number is locked for everybody only after 100 failures within
  24 hours from any addresses, for 24 hours: an alert on the admin dashboard (the
  ``dsure.number_locked`` audit entry), and a mail to staff (``HOSHO_STAFF_ALERT_EMAIL``)
  when the number is an issued certificate. Staff lift it with
  ``POST /api/admin/dsure/locks/{number}/release``; a key reissue lifts it too (the old
  key is worthless then). Unknown numbers count and lock the same way, so probing tells
  nothing, but mail nobody (an attacker with many addresses could otherwise flood staff).
- ``dsure:addr:<address>``: at most ``dsure_attempts_per_minute`` attempts a minute per
  address (0 = off); an attempt over the limit records nothing.

A malformed number or key never gets here (400, no attempt). Successes do not clear the
counters (an attacker gains nothing from the real orderer's visit).

The counters are D-Sure's own (``ds_throttle_event`` / ``ds_throttle_lock``, the throttle
service's code over D-Sure's tables), or Redis when ``HOSHO_REDIS_URL`` is set.
"""

from __future__ import annotations

import json
import logging
from datetime import datetime, timedelta


from backend import db
from backend.audit import service as audit
from backend.audit.tables import AuditEntry
from backend.dsure import notices
from backend.dsure.schemas import Lockout
from backend.dsure_store.tables import DsThrottleEvent, DsThrottleLock
from backend.lib import clock
from backend.lib.clock import JST
from backend.lib.errors import Throttled
from backend.settings import get_settings
from backend.throttle import service as throttle

log = logging.getLogger("hosho.dsure")

PAIR_LOCKOUT = throttle.Lockout(failures=5, window=timedelta(minutes=15), duration=timedelta(minutes=15))
NUMBER_LOCKOUT = throttle.Lockout(failures=100, window=timedelta(hours=24), duration=timedelta(hours=24))
ADDRESS_WINDOW = timedelta(minutes=1)


class PairLocked(Throttled):
    """Too many wrong keys for this number from this address (code ``dsure.locked``)."""

    def __init__(self, until: datetime) -> None:
        retry_after = throttle.retry_after_seconds(until)
        minutes = max(1, -(-retry_after // 60))
        super().__init__(
            "この保証契約番号は、認証キーの誤りが続いたため、お使いのネットワークからの照会を一時的に停止しています。"
            f"約{minutes}分後に、「認証キー等のお知らせ」の記載どおりに入力して再度お試しください。",
            retry_after=retry_after,
            code="dsure.locked",
        )


class NumberLocked(Throttled):
    """The number is locked for everybody (code ``dsure.locked``)."""

    def __init__(self, until: datetime) -> None:
        super().__init__(
            "この保証契約番号は、多数の誤った照会があったため、安全のため照会を停止しています。"
            "お急ぎの場合は、請負者（保証契約者）に認証キーの再発行をご依頼いただくか、保証会社へお問い合わせください。",
            retry_after=throttle.retry_after_seconds(until),
            code="dsure.locked",
        )


class AddressLimited(Throttled):
    """Too many attempts from one address (code ``throttled``)."""

    def __init__(self, retry_after: int) -> None:
        super().__init__(
            "短時間に多くの照会が行われたため、一時的に受付を停止しています。1分ほど待ってから再度お試しください。",
            retry_after=retry_after,
        )


_own = throttle.DatabaseCounters(DsThrottleEvent, DsThrottleLock)


def counters() -> throttle.Counters:
    """D-Sure's counters: its own tables, or the shared Redis (keys are ``dsure:…``)."""
    shared = throttle.get_counters()
    return shared if isinstance(shared, throttle.RedisCounters) else _own


def pair_key(number: str, address: str) -> str:
    return f"dsure:pair:{number}:{throttle.address_bucket(address)}"


def number_key(number: str) -> str:
    return f"dsure:num:{number}"


async def check_address(address: str) -> None:
    limit = get_settings().dsure_attempts_per_minute
    if limit <= 0:
        return
    key = f"dsure:addr:{throttle.address_bucket(address)}"
    if await counters().hit(key, ADDRESS_WINDOW, limit=limit) > limit:
        raise AddressLimited(int(ADDRESS_WINDOW.total_seconds()))


def raise_if_locked(pair_until: datetime | None, number_until: datetime | None) -> None:
    now = clock.now()
    if number_until is not None and number_until > now:
        raise NumberLocked(number_until)
    if pair_until is not None and pair_until > now:
        raise PairLocked(pair_until)


async def check_locks(number: str, address: str) -> None:
    """The pair's and the number's locks (the database path folds this into the lookup)."""
    store = counters()
    keys = [pair_key(number, address), number_key(number)]
    if isinstance(store, throttle.RedisCounters):
        pair_until, number_until = await store.locks_until(keys)
    else:
        pair_until, number_until = [await store.locked_until(key) for key in keys]
    raise_if_locked(pair_until, number_until)


async def record_failure(number: str, reason: str, address: str, *, project_name: str | None) -> None:
    """One wrong key or unknown number: counted for the pair and for the number, audited, locks set.

    ``project_name`` is None for an unknown number (it mails nobody)."""
    async with db.transaction():
        store = counters()
        failures, pair_until = await throttle.record_failure(
            pair_key(number, address), PAIR_LOCKOUT, reason="dsure", counters=store
        )
        number_failures, number_until = await throttle.record_failure(
            number_key(number), NUMBER_LOCKOUT, reason="dsure-number", counters=store
        )
        # Never the key.
        await audit.record(
            "dsure.failed", actor="dsure", target=number, address=address,
            details={"reason": reason, "failures": failures, "number_failures": number_failures},
        )
        if pair_until is not None:
            await audit.record(
                "dsure.locked", actor="dsure", target=number, address=address,
                details={"scope": "pair", "until": pair_until.isoformat(), "failures": failures},
            )
        if number_until is not None:
            await audit.record(
                "dsure.number_locked", actor="dsure", target=number, address=address,
                details={"until": number_until.isoformat(), "failures": number_failures, "issued": project_name is not None},
            )
            await _alert_staff(number, number_failures, number_until, project_name)


async def _alert_staff(number: str, failures: int, until: datetime, project_name: str | None) -> None:
    from backend.mail import templates as mail_templates

    log.warning("dsure: number %s locked for everybody after %d failures in 24 hours", number, failures)
    to = get_settings().staff_alert_email
    if project_name is None or not to:
        return
    await mail_templates.send(
        "dsure-number-locked", category="dsure.number_locked", to=to, related=number,
        contract_number=number, failures=failures, project_name=project_name,
        until=until.astimezone(JST).strftime("%Y年%m月%d日 %H時%M分"),
    )


async def release(number: str, *, actor: str, address: str, cause: str) -> tuple[bool, int]:
    """Lift the number's lock and every (number, address) lock of it; forget their failures.

    Returns (the number was locked, pair locks lifted). Audited when anything was locked."""
    store = counters()
    async with db.transaction():
        was_locked = await store.release(number_key(number))
        pairs = await store.release_prefix(f"dsure:pair:{number}:")
        if was_locked or pairs:
            await audit.record(
                "dsure.lock_released", actor=actor, target=number, address=address,
                details={"cause": cause, "number": was_locked, "pairs": pairs},
            )
    return was_locked, pairs


@notices.on_published
async def _release_on_new_key(change: notices.Change) -> None:
    """A reissued key makes the old one worthless: its number's locks go (audited as the issuer's)."""
    if change.key_changed:
        await release(change.contract_number, actor=f"issuer:{change.issuer_code}", address="", cause="key_reissued")


async def current_lockouts() -> list[Lockout]:
    """Numbers locked for everybody now: the lock entries of the last lock period, checked against the counters."""
    now = clock.now()
    rows = (
        await AuditEntry.select(AuditEntry.target, AuditEntry.details)
        .where((AuditEntry.action == "dsure.number_locked") & (AuditEntry.at >= now - NUMBER_LOCKOUT.duration - timedelta(minutes=1)))
        .order_by(AuditEntry.seq, ascending=False)
    )
    store = counters()
    seen: set[str] = set()
    found: list[Lockout] = []
    for row in rows:
        number = row["target"]
        if number in seen:
            continue
        seen.add(number)
        until = await store.locked_until(number_key(number))
        if until is not None:
            details = json.loads(row["details"] or "{}")
            found.append(Lockout(contract_number=number, until=until, failures=int(details.get("failures", 0)),
                                 issued=bool(details.get("issued"))))
    return sorted(found, key=lambda item: item.until)
