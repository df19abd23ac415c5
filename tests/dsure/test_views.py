"""Durable views by group commit: an answered verification has its view and audit entry
committed; concurrent verifications share transactions; the queue is bounded; a view
that cannot be committed fails its verification instead of being answered."""

from __future__ import annotations

import asyncio
import sqlite3
from dataclasses import replace

import pytest

from backend.audit import service as audit
from backend.audit.tables import AuditEntry
from backend.db import get_engine, is_sqlite
from backend.dsure import locks, views
from backend.dsure_store.tables import DsCertificate, DsView
from backend.lib import clock
from backend.settings import get_settings
from tests.dsure.conftest import browser, verify


@pytest.fixture
async def small_writer(monkeypatch):
    """A writer of its own for this test, at most 8 views in flight."""
    writer = views.ViewWriter(in_flight_max=8)
    monkeypatch.setattr(views, "writer", writer)
    yield writer
    await writer.stop()


async def test_the_answer_comes_after_the_commit(client, issued):
    response = await verify(client, issued.number, issued.key, address="198.51.100.5")
    assert response.status_code == 200
    # Read at once, on another connection: nothing is pending anywhere.
    assert await DsView.count() == 1
    assert await AuditEntry.count().where(AuditEntry.action == "dsure.viewed") == 1


async def test_concurrent_verifications_share_transactions_within_the_bound(client, issued, small_writer):
    async def one(n: int) -> int:
        response = await client.post(
            "/api/dsure/verify", json={"contract_number": issued.number, "auth_key": issued.key},
            headers=browser(f"198.51.{n // 200}.{n % 200}"),
        )
        return response.status_code

    statuses = await asyncio.gather(*(one(n) for n in range(120)))
    assert statuses == [200] * 120
    stats = small_writer.stats
    assert stats.views == 120 and stats.failed_batches == 0
    assert stats.batches < 120, "every view in its own transaction: no group commit"
    assert 1 < stats.largest_batch <= 8, stats  # never more in flight than the bound
    assert small_writer.queued == 0
    assert await DsView.count() == 120
    assert await AuditEntry.count().where(AuditEntry.action == "dsure.viewed") == 120
    assert (await audit.verify_chain()).ok


async def test_a_view_that_cannot_be_committed_fails_its_verification(client, issued, monkeypatch):
    """Someone else holds the lock longer than the writer waits: 503, and no view, no answer."""
    no_address_limit = replace(get_settings(), dsure_attempts_per_minute=0)  # counting it would write too
    monkeypatch.setattr(locks, "get_settings", lambda: no_address_limit)
    monkeypatch.setattr(views, "LOCK_TIMEOUT_SECONDS", 0.3)
    writer = views.ViewWriter()
    monkeypatch.setattr(views, "writer", writer)
    release = await _hold_the_writers_lock()
    try:
        refused = await verify(client, issued.number, issued.key, address="198.51.100.6")
    finally:
        await release()
    try:
        assert refused.status_code == 503, refused.text
        assert refused.json().get("code", "unavailable") == "unavailable"
        assert "閲覧の記録" in refused.json()["detail"]
        assert await DsView.count() == 0
        assert writer.stats.failed_batches == 1
        # The writer carries on once the lock is free.
        assert (await verify(client, issued.number, issued.key, address="198.51.100.6")).status_code == 200
        assert await DsView.count() == 1
    finally:
        await writer.stop()


async def _hold_the_writers_lock():
    """SQLite: the database's write lock; PostgreSQL: the audit chain's advisory lock. Returns the release."""
    engine = get_engine()
    if is_sqlite():
        connection = sqlite3.connect(engine.connection_kwargs["database"], isolation_level=None)
        connection.execute("BEGIN IMMEDIATE")

        async def release() -> None:
            connection.execute("ROLLBACK")
            connection.close()

        return release
    import asyncpg

    connection = await asyncpg.connect(**engine.config)
    await connection.execute("SELECT pg_advisory_lock(hashtext('audit_chain'))")

    async def release() -> None:
        await connection.execute("SELECT pg_advisory_unlock(hashtext('audit_chain'))")
        await connection.close()

    return release


async def test_a_script_without_the_app_writes_views_too(issued):
    """Outside the app (a script), the first view starts the writer; it is committed all the same."""
    certificate = await DsCertificate.select(DsCertificate.id).first()
    writer = views.ViewWriter()
    try:
        await writer.record(views.PendingView(
            certificate_id=certificate["id"], contract_number=issued.number, issuer_code="207", version=1, at=clock.now(),
            address="192.0.2.1", user_agent="script",
        ))
    finally:
        await writer.stop()
    assert await DsView.count() == 1
