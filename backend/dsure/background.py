"""D-Sure background work started with the app: the view writer and the expiry alerts."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from backend.dsure import alerts, service, views


@asynccontextmanager
async def dsure_background() -> AsyncIterator[None]:
    await service.reader.open()
    views.writer.start()
    try:
        async with alerts.expiry_alerts():
            yield
    finally:
        await views.writer.stop()  # commits what is queued
        await service.reader.close()
