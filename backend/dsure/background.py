"""D-Sure background work started with the app: the view-log writer and the expiry alerts."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from backend.dsure import alerts, service, views


@asynccontextmanager
async def dsure_background() -> AsyncIterator[None]:
    await service.reader.open()
    stop = asyncio.Event()
    writer = asyncio.create_task(views.recorder.run(stop), name="hosho-dsure-views")
    try:
        async with alerts.expiry_alerts():
            yield
    finally:
        stop.set()
        await writer  # flushes what is pending
        await service.reader.close()
