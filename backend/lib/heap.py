"""A long-running server and CPython's garbage collector: no pause of ~80 ms among the requests."""

from __future__ import annotations

import gc
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any


@asynccontextmanager
async def frozen_after_startup(_app: Any = None) -> AsyncIterator[None]:
    """Everything allocated up to the end of startup (modules, routes, schemas, the OpenAPI
    document, the caches filled at start) goes to the collector's permanent generation.

    A full (generation 2) collection walks every tracked object. With the app loaded that took
    ~80 ms, several times a minute under a verify flood, and every request in flight waited:
    the verify p99 at 50 connections was ~110 ms with a p90 of ~40 ms (bench/RESULTS.md).
    Later objects are still collected, and frozen ones are still freed by reference counting;
    only a reference cycle among them would stay, so this is for servers (a test suite building
    many apps in one process keeps the default). Entered after the app's own lifespan.
    """
    gc.collect()
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()
