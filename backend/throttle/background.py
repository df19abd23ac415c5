"""The throttle purge, run while the app runs: expired events and locks deleted every minute."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

from backend.throttle import service

log = logging.getLogger("hosho.throttle")

PURGE_INTERVAL_SECONDS = 60.0


@asynccontextmanager
async def purge_loop(*counters: Callable[[], service.Counters]) -> AsyncIterator[None]:
    """Purge each counter store (e-Net's, D-Sure's) every ``PURGE_INTERVAL_SECONDS``."""
    stop = asyncio.Event()

    async def loop() -> None:
        while True:
            for store in counters:
                try:
                    await store().purge()
                except Exception:
                    log.exception("throttle: purge failed")
            try:
                await asyncio.wait_for(stop.wait(), timeout=PURGE_INTERVAL_SECONDS)
                return
            except TimeoutError:
                pass

    task = asyncio.create_task(loop(), name="hosho-throttle-purge")
    try:
        yield
    finally:
        stop.set()
        try:
            await asyncio.wait_for(task, timeout=10)
        except (TimeoutError, asyncio.CancelledError):
            task.cancel()
