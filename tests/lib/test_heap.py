"""The server's heap is frozen after startup (no long full collections among requests); tests' apps are not."""

from __future__ import annotations

import gc

from backend.lib import heap


async def test_the_heap_is_frozen_while_the_server_runs_and_released_after():
    before = gc.get_freeze_count()
    async with heap.frozen_after_startup():
        assert gc.get_freeze_count() > before
        assert gc.get_freeze_count() > 10_000  # the loaded modules at least
    assert gc.get_freeze_count() == 0


def test_only_the_served_apps_freeze_their_heap():
    from backend import app as enet_app
    from backend.dsure import standalone

    for served, built in ((enet_app.app, enet_app.create_app()), (standalone.app, standalone.create_app())):
        # entered last: after the app's own lifespan has started everything
        assert served._lifespan_managers[-1] is heap.frozen_after_startup
        assert heap.frozen_after_startup not in built._lifespan_managers
