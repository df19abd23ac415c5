"""Scale-out drill: D-Sure and the lists read from a real streaming replica (HOSHO_DATABASE_READ_URL).

A throwaway primary and a replica made from it with ``pg_basebackup -X stream -R``
(tests/drills/postgres_clusters.py: 127.0.0.1, the replica on 5433 when free), and a real
`hosho api` with HOSHO_DATABASE_URL on the primary and HOSHO_DATABASE_READ_URL on the replica.

- A conclusion (written on the primary) reaches the replica within a second, and verify
  answers it from there.
- With the replica's replay paused, a certificate concluded meanwhile is on the primary
  (its detail and key, read from the primary, answer) but neither verify nor the lists see
  it: they are served by the replica. Resumed, it appears.

Runs in the PostgreSQL pass of `make test` (HOSHO_TEST_DATABASE_URL set); skipped with the
reason otherwise, or when this machine has no PostgreSQL server binaries.
"""

from __future__ import annotations

import asyncio
import os
import time

import asyncpg
import httpx
import pytest

from tests.drills.postgres_clusters import Cluster, free_port, unavailable_reason
from tests.drills.support import (
    ADMIN_LOGIN,
    ADMIN_PASSWORD,
    ApiProcess,
    concluded_certificate,
    create_admin,
    ensure_orderer,
    login,
    new_contractor,
    server_env,
)

pytestmark = pytest.mark.drill

VISIBLE_WITHIN_SECONDS = 1.0


def sql(url: str, statement: str, *args):
    async def run():
        connection = await asyncpg.connect(url, timeout=10)
        try:
            return await connection.fetchval(statement, *args)
        finally:
            await connection.close()

    return asyncio.run(run())


def seconds_until_on(replica_url: str, number: str, timeout: float = 10.0) -> float:
    """Poll the replica itself (not verify: failures would count towards a lockout)."""
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        if sql(replica_url, "SELECT count(*) FROM certificate WHERE contract_number = $1", number):
            return time.monotonic() - started
        time.sleep(0.01)
    raise AssertionError(f"{number} did not reach the replica within {timeout} s")


def verify(client: httpx.Client, number: str, key: str) -> int:
    return client.post("/api/dsure/verify", json={"contract_number": number, "auth_key": key}).status_code


def listed(client: httpx.Client, path: str, headers: dict) -> list[str]:
    response = client.get(path, headers=headers)
    assert response.status_code == 200, response.text
    return [item["contract_number"] for item in response.json()["items"]]


@pytest.fixture
def clusters():
    if not os.environ.get("HOSHO_TEST_DATABASE_URL"):
        pytest.skip("the replica drill runs in the PostgreSQL pass (HOSHO_TEST_DATABASE_URL unset)")
    reason = unavailable_reason()
    if reason:
        pytest.skip(reason)
    primary = Cluster("primary", free_port(5434, range(5650, 5700)))
    replica = Cluster("replica", free_port(5433, range(5600, 5650)))
    try:
        primary.init_primary()
        primary.start("-c", "wal_level=replica", "-c", "max_wal_senders=4")
        sql(primary.url("postgres"), "CREATE DATABASE hosho_drill")
        replica.base_backup_of(primary)
        replica.start("-c", "hot_standby=on")
        yield primary, replica
    finally:
        replica.remove()
        primary.remove()
    assert not replica.root.exists() and not primary.root.exists()


def test_verify_and_lists_are_served_by_the_streaming_replica(clusters, tmp_path):
    primary, replica = clusters
    primary_url, replica_url = primary.url("hosho_drill"), replica.url("hosho_drill")
    assert sql(replica.url("postgres"), "SELECT pg_is_in_recovery()") is True
    env = server_env(tmp_path, primary_url, HOSHO_DATABASE_READ_URL=replica_url, HOSHO_DSURE_ATTEMPTS_PER_MINUTE="0")
    api = ApiProcess(tmp_path, env).start()  # migrates the primary; the schema streams to the replica
    try:
        assert sql(primary.url("postgres"), "SELECT state FROM pg_stat_replication") == "streaming"
        create_admin(env)
        with httpx.Client(base_url=api.base, timeout=30) as client:
            admin = login(client, ADMIN_LOGIN, ADMIN_PASSWORD)
            ensure_orderer(client, admin)
            _, contractor = new_contractor(client, admin, "replica@example.jp")

            def key_of(number: str) -> str:  # read from the primary (it audits the display)
                response = client.get(f"/api/certificates/{number}/auth-key", headers=contractor)
                assert response.status_code == 200, response.text
                return response.json()["auth_key"]

            # A conclusion reaches the replica within a second; verify answers it from there.
            first = concluded_certificate(client, admin, contractor, index=0)
            lag = seconds_until_on(replica_url, first)
            assert lag < VISIBLE_WITHIN_SECONDS, f"the conclusion took {lag:.3f} s to reach the replica"
            assert verify(client, first, key_of(first)) == 200

            # Replay paused: the primary has the next certificate, verify and the lists do not.
            sql(replica.url("postgres"), "SELECT pg_wal_replay_pause()")
            second = concluded_certificate(client, admin, contractor, index=1)
            second_key = key_of(second)
            assert client.get(f"/api/certificates/{second}", headers=contractor).status_code == 200  # primary
            assert verify(client, second, second_key) == 404
            assert listed(client, "/api/certificates", contractor) == [first]
            assert listed(client, "/api/admin/certificates", admin) == [first]
            stats = client.get("/api/admin/stats", headers=admin).json()
            assert stats["certificates_by_status"]["valid"] == 1

            sql(replica.url("postgres"), "SELECT pg_wal_replay_resume()")
            seconds_until_on(replica_url, second)
            assert verify(client, second, second_key) == 200
            assert listed(client, "/api/certificates", contractor) == [second, first]

            # Once more with replay running, timed from the conclusion's answer.
            third = concluded_certificate(client, admin, contractor, index=2)
            lag = seconds_until_on(replica_url, third)
            assert lag < VISIBLE_WITHIN_SECONDS, f"the conclusion took {lag:.3f} s to reach the replica"
            assert verify(client, third, key_of(third)) == 200
            print(f"replica lag after a conclusion: {lag * 1000:.0f} ms")
    finally:
        api.stop()
