"""Counters for throttling: sliding windows and locks.

Stored in the database by default; in Redis when ``HOSHO_REDIS_URL`` is set, so
several API workers share them. Both backends answer the same three questions.
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Protocol

from backend.lib import clock
from backend.settings import get_settings
from backend.throttle.tables import ThrottleEvent, ThrottleLock


class Counters(Protocol):
    async def hit(self, key: str, window: timedelta) -> int:
        """Record one event under ``key``; return how many fall in the window."""

    async def count(self, key: str, window: timedelta) -> int: ...

    async def clear(self, key: str) -> None: ...

    async def lock(self, key: str, duration: timedelta, reason: str = "") -> datetime: ...

    async def locked_until(self, key: str) -> datetime | None: ...


class DatabaseCounters:
    async def hit(self, key: str, window: timedelta) -> int:
        now = clock.now()
        await ThrottleEvent.insert(ThrottleEvent(key=key, at=now))
        # Old rows are worthless; keep the table small as we go.
        await ThrottleEvent.delete().where(
            (ThrottleEvent.key == key) & (ThrottleEvent.at < now - window)
        )
        return await self.count(key, window)

    async def count(self, key: str, window: timedelta) -> int:
        since = clock.now() - window
        return await ThrottleEvent.count().where((ThrottleEvent.key == key) & (ThrottleEvent.at >= since))

    async def clear(self, key: str) -> None:
        await ThrottleEvent.delete().where(ThrottleEvent.key == key)

    async def lock(self, key: str, duration: timedelta, reason: str = "") -> datetime:
        until = clock.now() + duration
        await ThrottleLock.delete().where(ThrottleLock.key == key)
        await ThrottleLock.insert(ThrottleLock(key=key, until=until, reason=reason))
        return until

    async def locked_until(self, key: str) -> datetime | None:
        row = await ThrottleLock.select(ThrottleLock.until).where(ThrottleLock.key == key).first()
        if row is None:
            return None
        until = row["until"]
        return until if until > clock.now() else None


class RedisCounters:
    """Sliding windows as sorted sets of timestamps; locks as keys with a TTL value."""

    def __init__(self, url: str, prefix: str = "hosho:") -> None:
        import redis.asyncio as redis

        self.redis = redis.from_url(url)
        self.prefix = prefix

    async def hit(self, key: str, window: timedelta) -> int:
        now = clock.now().timestamp()
        name = self.prefix + "ev:" + key
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.zremrangebyscore(name, 0, now - window.total_seconds())
            pipe.zadd(name, {f"{now:.6f}:{id(pipe)}": now})
            pipe.zcard(name)
            pipe.expire(name, math.ceil(window.total_seconds()) + 60)
            _, _, count, _ = await pipe.execute()
        return int(count)

    async def count(self, key: str, window: timedelta) -> int:
        now = clock.now().timestamp()
        return int(await self.redis.zcount(self.prefix + "ev:" + key, now - window.total_seconds(), "+inf"))

    async def clear(self, key: str) -> None:
        await self.redis.delete(self.prefix + "ev:" + key)

    async def lock(self, key: str, duration: timedelta, reason: str = "") -> datetime:
        until = clock.now() + duration
        # The value is the deadline, so a moved test clock is honoured; the TTL only cleans up.
        await self.redis.set(
            self.prefix + "lock:" + key, until.timestamp(), ex=math.ceil(duration.total_seconds()) + 60
        )
        return until

    async def locked_until(self, key: str) -> datetime | None:
        value = await self.redis.get(self.prefix + "lock:" + key)
        if value is None:
            return None
        until = datetime.fromtimestamp(float(value), tz=clock.now().tzinfo)
        return until if until > clock.now() else None


@lru_cache(maxsize=1)
def get_counters() -> Counters:
    url = get_settings().redis_url
    return RedisCounters(url) if url else DatabaseCounters()


def retry_after_seconds(until: datetime) -> int:
    return max(1, math.ceil((until - clock.now()).total_seconds()))
