"""Counters for throttling: sliding windows, locks, and the policies built on them.

Stored in the database by default; in Redis when ``HOSHO_REDIS_URL`` is set, so
several API workers share them. Both backends answer the same questions.

Storage stays bounded under a flood: an attempt over its limit records nothing
(``hit(..., limit=n)``), every event carries the time it stops counting
(``expires_at``), and :func:`purge` (run every minute with the app,
``backend.throttle.background``) deletes expired events and locks. Redis keys expire
on their own.

Addresses are counted by :func:`address_bucket`: an IPv4 address, or the /64 of an IPv6
address (one subscriber usually holds a whole /64, so counting single IPv6 addresses
would let one person present 2^64 of them).
"""

from __future__ import annotations

import ipaddress
import math
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Protocol

from piccolo.querystring import QueryString
from piccolo.table import Table

from backend import db
from backend.lib import clock
from backend.settings import get_settings
from backend.throttle.tables import ThrottleEvent, ThrottleLock


@dataclass(frozen=True, slots=True)
class Lockout:
    """``failures`` failures under one key within ``window`` lock that key for ``duration``."""

    failures: int
    window: timedelta
    duration: timedelta


@lru_cache(maxsize=4096)  # parsed on every attempt; a flood from many addresses only churns it
def address_bucket(address: str) -> str:
    """What a per-address limit counts: the IPv4 address, or the IPv6 /64."""
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return address[:64]  # not an address (an in-process test client): counted as given
    if ip.version == 6 and ip.ipv4_mapped is not None:
        return str(ip.ipv4_mapped)
    if ip.version == 6:
        return str(ipaddress.ip_network(f"{ip}/64", strict=False))
    return str(ip)


class Counters(Protocol):
    async def hit(self, key: str, window: timedelta, *, limit: int | None = None) -> int:
        """Record one event under ``key`` and return how many fall in the window, this one included.

        With ``limit``: when ``limit`` events already fall in the window, record nothing and
        return ``limit + 1`` or more (the attempt is over the limit)."""

    async def count(self, key: str, window: timedelta) -> int: ...

    async def clear(self, key: str) -> None:
        """Forget the events of ``key``."""

    async def lock(self, key: str, duration: timedelta, reason: str = "") -> datetime: ...

    async def locked_until(self, key: str) -> datetime | None: ...

    async def release(self, key: str) -> bool:
        """Lift the lock of ``key`` and forget its events; True if it was locked."""

    async def release_prefix(self, prefix: str) -> int:
        """Lift every lock (and forget the events) of the keys starting with ``prefix``; how many locks."""

    async def purge(self) -> int:
        """Delete what no longer counts; how many rows."""


def _like_prefix(prefix: str) -> str:
    return prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


class DatabaseCounters:
    """Events and locks as rows (``throttle_event``, ``throttle_lock``, or another pair of the same
    shape: D-Sure keeps its own, ``backend.dsure.locks``)."""

    _INSERT_UNDER_LIMIT = (
        "INSERT INTO {events} (key, at, expires_at) SELECT {{}}, {{}}, {{}} "
        "WHERE (SELECT COUNT(*) FROM {events} WHERE key = {{}} AND at >= {{}}) < {{}} RETURNING id"
    )

    def __init__(self, events: type[Table] = ThrottleEvent, locks: type[Table] = ThrottleLock) -> None:
        self.events, self.locks = events, locks
        self.events_table, self.locks_table = events._meta.tablename, locks._meta.tablename
        self._insert_under_limit = self._INSERT_UNDER_LIMIT.format(events=self.events_table)

    async def hit(self, key: str, window: timedelta, *, limit: int | None = None) -> int:
        now = clock.now()
        if limit is None:
            await db.insert_rows(self.events_table, ("key", "at", "expires_at"), [(key, now, now + window)])
        else:
            # One statement, so the count and the insert cannot interleave with another writer on
            # SQLite (PostgreSQL may admit a concurrent attempt or two more; the count shows them).
            inserted = await db.get_engine().run_querystring(
                QueryString(self._insert_under_limit, key, now, now + window, key, now - window, limit)
            )
            if not inserted:
                return limit + 1
        return await self.count(key, window)

    async def count(self, key: str, window: timedelta) -> int:
        since = clock.now() - window
        return await self.events.count().where((self.events.key == key) & (self.events.at >= since))

    async def clear(self, key: str) -> None:
        await self.events.delete().where(self.events.key == key)

    async def lock(self, key: str, duration: timedelta, reason: str = "") -> datetime:
        until = clock.now() + duration
        async with db.transaction():
            await self.locks.delete().where(self.locks.key == key)
            await self.locks.insert(self.locks(key=key, until=until, reason=reason))
        return until

    async def locked_until(self, key: str) -> datetime | None:
        row = await self.locks.select(self.locks.until).where(self.locks.key == key).first()
        if row is None:
            return None
        until = row["until"]
        return until if until > clock.now() else None

    async def release(self, key: str) -> bool:
        async with db.transaction():
            was_locked = await self.locked_until(key) is not None
            await self.locks.delete().where(self.locks.key == key)
            await self.clear(key)
        return was_locked

    async def release_prefix(self, prefix: str) -> int:
        pattern = _like_prefix(prefix)
        async with db.transaction():
            locked = await self.locks.count().where(
                self.locks.key.like(pattern) & (self.locks.until > clock.now())
            )
            await self.locks.delete().where(self.locks.key.like(pattern))
            await self.events.delete().where(self.events.key.like(pattern))
        return locked

    async def purge(self) -> int:
        now = clock.now()
        events = await self.events.delete().where(self.events.expires_at < now).returning(self.events.id)
        locks = await self.locks.delete().where(self.locks.until < now).returning(self.locks.id)
        return len(events) + len(locks)


# KEYS[1] the sorted set; ARGV: now, window start, limit (-1: none), member, TTL seconds.
_HIT_SCRIPT = """
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', '(' .. ARGV[2])
local count = redis.call('ZCARD', KEYS[1])
local limit = tonumber(ARGV[3])
if limit >= 0 and count >= limit then
  return count + 1
end
redis.call('ZADD', KEYS[1], ARGV[1], ARGV[4])
redis.call('EXPIRE', KEYS[1], ARGV[5])
return count + 1
"""


class RedisCounters:
    """Sliding windows as sorted sets of timestamps; locks as keys whose value is the deadline."""

    def __init__(self, url: str, prefix: str = "hosho:") -> None:
        import redis.asyncio as redis

        self.redis = redis.from_url(url)
        self.prefix = prefix
        self._hit = self.redis.register_script(_HIT_SCRIPT)

    def _events(self, key: str) -> str:
        return self.prefix + "ev:" + key

    def _lock(self, key: str) -> str:
        return self.prefix + "lock:" + key

    async def hit(self, key: str, window: timedelta, *, limit: int | None = None) -> int:
        now = clock.now().timestamp()
        seconds = window.total_seconds()
        count = await self._hit(
            keys=[self._events(key)],
            args=[now, now - seconds, -1 if limit is None else limit, f"{now:.6f}:{secrets.token_hex(4)}",
                  math.ceil(seconds) + 60],
        )
        return int(count)

    async def count(self, key: str, window: timedelta) -> int:
        now = clock.now().timestamp()
        return int(await self.redis.zcount(self._events(key), now - window.total_seconds(), "+inf"))

    async def clear(self, key: str) -> None:
        await self.redis.delete(self._events(key))

    async def lock(self, key: str, duration: timedelta, reason: str = "") -> datetime:
        until = clock.now() + duration
        # The value is the deadline, so a moved test clock is honoured; the TTL only cleans up.
        await self.redis.set(self._lock(key), until.timestamp(), ex=math.ceil(duration.total_seconds()) + 60)
        return until

    async def locked_until(self, key: str) -> datetime | None:
        return self._until(await self.redis.get(self._lock(key)))

    async def locks_until(self, keys: list[str]) -> list[datetime | None]:
        """The locks of several keys in one round trip."""
        return [self._until(value) for value in await self.redis.mget([self._lock(key) for key in keys])]

    @staticmethod
    def _until(value) -> datetime | None:
        if value is None:
            return None
        now = clock.now()
        until = datetime.fromtimestamp(float(value), tz=now.tzinfo)
        return until if until > now else None

    async def release(self, key: str) -> bool:
        was_locked = await self.locked_until(key) is not None
        await self.redis.delete(self._lock(key), self._events(key))
        return was_locked

    async def release_prefix(self, prefix: str) -> int:
        locked = 0
        for kind in ("lock:", "ev:"):
            names = [name async for name in self.redis.scan_iter(match=self._glob(self.prefix + kind + prefix))]
            if kind == "lock:" and names:
                locked = sum(1 for value in await self.redis.mget(names) if self._until(value) is not None)
            if names:
                await self.redis.delete(*names)
        return locked

    @staticmethod
    def _glob(prefix: str) -> str:
        return "".join("\\" + ch if ch in "*?[]\\" else ch for ch in prefix) + "*"

    async def purge(self) -> int:
        return 0  # every key carries a TTL


async def record_failure(
    key: str, policy: Lockout, *, reason: str, counters: Counters | None = None
) -> tuple[int, datetime | None]:
    """Count one failure under ``key``; lock the key when it reaches the policy's number.

    Returns (failures in the window, the new lock's end or None)."""
    counters = counters or get_counters()
    count = await counters.hit(key, policy.window)
    if count >= policy.failures and await counters.locked_until(key) is None:
        return count, await counters.lock(key, policy.duration, reason=reason)
    return count, None


@lru_cache(maxsize=1)
def get_counters() -> Counters:
    url = get_settings().redis_url
    return RedisCounters(url) if url else DatabaseCounters()


async def purge() -> int:
    return await get_counters().purge()


def retry_after_seconds(until: datetime) -> int:
    return max(1, math.ceil((until - clock.now()).total_seconds()))
