"""Drill: SIGKILL the API in the middle of a D-Sure verify flood (DESIGN §8 Round 2).

`hosho api` runs as a process of its own on a temp data dir (SQLite, or a scratch
PostgreSQL database when the suite runs on PostgreSQL). Six certificates are concluded
through the API; 16 clients then verify them as fast as they can (keep-alive, each request
with its own User-Agent). Once 300 verifications have been answered the drill stalls the
database for the view writer (it holds SQLite's write lock, or PostgreSQL's audit-chain
lock, from a connection of its own) for half a second, so views pile up in flight, and kills
the server with SIGKILL in the middle of that. After a restart:

- every verification answered 200 before the kill has its ``dsure_view`` row (found by its
  User-Agent) and its ``dsure.viewed`` audit entry (number and time of the check), and each
  certificate's ``last_viewed_at`` is its newest view: a view is committed before it is answered;
- views and their audit entries are equally many (they commit together);
- `hosho audit verify` exits 0.

On the way it checks what a real `hosho api` (uvicorn, ``proxy_headers`` off) does with
X-Forwarded-For from 127.0.0.1: ignored, then — after the restart with
``HOSHO_TRUSTED_PROXIES=127.0.0.1`` — honoured.
"""

from __future__ import annotations

import asyncio
import json
import random
import sqlite3
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from pathlib import Path

import httpx
import pytest

from tests.drills import support

CERTIFICATES = 6
CLIENTS = 16
ANSWERED_BEFORE_STALL = 300
STALL_SECONDS = 0.5

pytestmark = pytest.mark.drill


def _wrong(key: str) -> str:
    return ("2" if key[0] != "2" else "3") + key[1:]


class _Stall:
    """Hold the lock the view writer needs, from a connection of the drill's own."""

    def __init__(self, data_dir: Path, database_url: str | None) -> None:
        self.data_dir, self.database_url = data_dir, database_url

    def __enter__(self) -> "_Stall":
        if self.database_url is None:
            self.connection = sqlite3.connect(self.data_dir / "hosho.sqlite", isolation_level=None, timeout=30)
            self.connection.execute("BEGIN IMMEDIATE")
        else:
            import asyncpg

            self.loop = asyncio.new_event_loop()
            self.connection = self.loop.run_until_complete(asyncpg.connect(self.database_url))
            self.loop.run_until_complete(self.connection.execute("SELECT pg_advisory_lock(hashtext('audit_chain'))"))
        return self

    def __exit__(self, *_) -> None:
        if self.database_url is None:
            self.connection.execute("ROLLBACK")
            self.connection.close()
        else:
            self.loop.run_until_complete(self.connection.close())
            self.loop.close()


def _flood(api: support.ApiProcess, pairs: list[tuple[str, str]], stall: _Stall) -> tuple[dict[str, tuple[str, datetime]], int]:
    """Verify from CLIENTS threads; stall the writer, kill the server. Returns (User-Agent → (number,
    checked_at)) of the 200s, and how many clients were cut off."""
    answered: dict[str, tuple[str, datetime]] = {}
    errors = 0
    lock = threading.Lock()
    enough = threading.Event()
    stop = threading.Event()

    def client(index: int) -> None:
        nonlocal errors
        chooser = random.Random(index)
        with httpx.Client(base_url=api.base, timeout=10) as http:
            for n in range(100_000):
                if stop.is_set():
                    return
                number, key = chooser.choice(pairs)
                agent = f"drill/{index}/{n}"
                try:
                    response = http.post("/api/dsure/verify", json={"contract_number": number, "auth_key": key},
                                         headers={"User-Agent": agent})
                except httpx.HTTPError:
                    with lock:
                        errors += 1
                    return
                assert response.status_code == 200, response.text
                with lock:
                    answered[agent] = (number, datetime.fromisoformat(response.json()["checked_at"]))
                    if len(answered) >= ANSWERED_BEFORE_STALL:
                        enough.set()

    with ThreadPoolExecutor(max_workers=CLIENTS) as pool:
        futures = [pool.submit(client, index) for index in range(CLIENTS)]
        assert enough.wait(timeout=120), f"only {len(answered)} verifications answered\n{api.log()}"
        with stall:
            time.sleep(STALL_SECONDS)
            api.kill()
        stop.set()
        for future in futures:
            future.result(timeout=60)
    return answered, errors


def _last_failure_address(data_dir: Path, database_url: str | None) -> str:
    [row] = support.rows(data_dir, database_url,
                         "SELECT address FROM audit_entry WHERE action = 'dsure.failed' ORDER BY seq DESC LIMIT 1")
    return row["address"]


def test_sigkill_mid_flood_loses_no_answered_view(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    database_url = support.drill_database_url()
    # One address floods here: its per-minute limit off (the pair and number lockouts stay).
    env = support.server_env(data_dir, database_url, HOSHO_DSURE_ATTEMPTS_PER_MINUTE="0")
    support.create_admin(env)
    api = support.ApiProcess(data_dir, env).start()
    try:
        with httpx.Client(base_url=api.base, timeout=30) as client:
            admin = support.login(client, support.ADMIN_LOGIN, support.ADMIN_PASSWORD)
            support.ensure_orderer(client, admin)
            _, contractor = support.new_contractor(client, admin, "keiri@inaba-kensetsu.example.jp")
            numbers = [support.concluded_certificate(client, admin, contractor, index) for index in range(CERTIFICATES)]
            pairs = [(n, client.get(f"/api/certificates/{n}/auth-key", headers=contractor).json()["auth_key"])
                     for n in numbers]
            spoofed = client.post("/api/dsure/verify", headers={"X-Forwarded-For": "203.0.113.9"},
                                  json={"contract_number": numbers[0], "auth_key": _wrong(pairs[0][1])})
            assert spoofed.status_code == 404
        assert _last_failure_address(data_dir, database_url) == "127.0.0.1", "X-Forwarded-For believed from loopback"

        answered, errors = _flood(api, pairs, _Stall(data_dir, database_url))
        assert errors, "every client finished before the kill landed; the drill proved nothing"

        api.env = {**env, "HOSHO_TRUSTED_PROXIES": "127.0.0.1"}
        api.start()  # the same data dir: recovery is SQLite's / PostgreSQL's own
        views = support.rows(data_dir, database_url,
                             "SELECT v.user_agent, v.at, c.contract_number FROM dsure_view v "
                             "JOIN certificate c ON c.id = v.certificate")
        entries = support.rows(data_dir, database_url,
                               "SELECT target, details FROM audit_entry WHERE action = 'dsure.viewed'")
        by_agent = {row["user_agent"]: row["contract_number"] for row in views}
        lost = [agent for agent, (number, _) in answered.items() if by_agent.get(agent) != number]
        assert not lost, f"{len(lost)} answered verifications have no view, e.g. {lost[:5]}"
        logged = {(row["target"], datetime.fromisoformat(json.loads(row["details"])["viewed_at"])) for row in entries}
        missing = [agent for agent, seen in answered.items() if seen not in logged]
        assert not missing, f"{len(missing)} answered verifications have no audit entry, e.g. {missing[:5]}"
        assert len(entries) == len(views)
        newest = support.rows(data_dir, database_url,
                              "SELECT c.contract_number, c.last_viewed_at, MAX(v.at) AS newest FROM certificate c "
                              "JOIN dsure_view v ON v.certificate = c.id GROUP BY c.contract_number, c.last_viewed_at")
        for row in newest:
            assert str(row["last_viewed_at"]) == str(row["newest"]), row

        with httpx.Client(base_url=api.base, timeout=30) as client:
            honoured = client.post("/api/dsure/verify", headers={"X-Forwarded-For": "192.0.2.1, 203.0.113.9"},
                                   json={"contract_number": numbers[0], "auth_key": _wrong(pairs[0][1])})
            assert honoured.status_code == 404
        assert _last_failure_address(data_dir, database_url) == "203.0.113.9"
    finally:
        api.stop()
    audit = support.hosho(["audit", "verify"], env)
    assert audit.returncode == 0, audit.stdout + audit.stderr
    print(f"killed mid-flood: {len(answered)} verifications answered, {len(views)} views committed "
          f"({len(views) - len(answered)} committed but not answered before the kill), {errors} clients cut off; "
          f"{audit.stdout.strip()}")
