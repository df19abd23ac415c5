"""The throttle purge, run while the app runs: expired events and locks deleted every minute."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from backend.throttle import service

log = logging.getLogger("hosho.throttle")

PURGE_INTERVAL_SECONDS = 60.0


@asynccontextmanager
async def throttle_purge() -> AsyncIterator[None]:
    stop = asyncio.Event()

    async def loop() -> None:
        while True:
            try:
                await service.purge()
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
