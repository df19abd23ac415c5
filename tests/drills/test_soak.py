"""Drill: a mixed-load soak against one `hosho api` worker (DESIGN §8 reliability).

Seeds 400 real certificates (bench/seed.py; SQLite, or PostgreSQL when the suite runs on
it) and runs, all at once for HOSHO_SOAK_SECONDS
(default 30; HOSHO_DRILL_LONG=1 makes it the 5-minute run):

- D-Sure verifications with valid pairs (4 clients) and with wrong keys (1 client:
  404 until the number locks, then 429),
- the contractor's certificate list (first pages, cursors, searches) and details (2 clients),
- key-notice PDFs of its certificates (cold renders, then cached) and D-Sure receipts (1 client),
- the write path: a new application submitted, fee notice, payment, conclusion (1 client),
- /api/health (1 client).

Asserts: no 5xx and no transport error at all, only the statuses each kind may answer,
and the server's resident memory staying within a sane bound: at the end at most 1.5 × its
size after the first quarter of the run + 64 MiB (and under 1 GiB).
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import statistics
import subprocess
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path

import httpx
import pytest

from backend.lib import clock
from tests.drills import support

SECONDS = 300.0 if os.environ.get("HOSHO_DRILL_LONG") == "1" else float(os.environ.get("HOSHO_SOAK_SECONDS", "30"))
CERTIFICATES = 400

ALLOWED = {
    "verify": {200},
    "verify-wrong": {404, 429},
    "list": {200},
    "detail": {200},
    "pdf": {200},
    "receipt": {200},
    "write": {200, 201},
    "health": {200},
}

pytestmark = pytest.mark.drill


def _seed(data_dir: Path, database_url: str | None) -> dict:
    command = [sys.executable, str(support.ROOT / "bench" / "seed.py"), "--data-dir", str(data_dir),
               "--certificates", str(CERTIFICATES), "--companies", "2", "--sample-out", str(data_dir / "pairs.csv"),
               "--sample-size", str(CERTIFICATES)]
    if database_url:
        command += ["--database-url", database_url]
    result = subprocess.run(command, cwd=str(support.ROOT), env=support.server_env(data_dir), capture_output=True,
                            text=True, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    return json.loads((data_dir / "seed.json").read_text())


class Soak:
    def __init__(self, base: str, contractor: dict, admin: dict, pairs: list[tuple[str, str]], own: list[str]) -> None:
        self.base, self.contractor, self.admin = base, contractor, admin
        own_set = set(own)
        # Wrong keys go to 20 numbers of the other contractor only: they lock, nothing else uses them.
        self.locked = [pair for pair in pairs if pair[0] not in own_set][:20]
        self.pairs = [pair for pair in pairs if pair not in self.locked]
        self.own = own
        self.statuses: dict[str, Counter] = defaultdict(Counter)
        self.latencies: dict[str, list[float]] = defaultdict(list)
        self.errors: list[str] = []
        self.unexpected: list[str] = []
        self.deadline = 0.0
        self.rng = random.Random(11)

    def note(self, kind: str, response: httpx.Response) -> None:
        self.statuses[kind][response.status_code] += 1
        self.latencies[kind].append(response.elapsed.total_seconds())
        if response.status_code not in ALLOWED[kind] and len(self.unexpected) < 20:
            self.unexpected.append(f"{kind} {response.request.method} {response.request.url.path}: "
                                   f"{response.status_code} {response.text[:200]}")

    async def loop(self, kind: str, client: httpx.AsyncClient, step, pause: float = 0.0) -> None:
        while time.monotonic() < self.deadline:
            try:
                await step(client)
            except httpx.HTTPError as exc:
                self.errors.append(f"{kind}: {type(exc).__name__}: {exc}")
            if pause:
                await asyncio.sleep(pause)

    async def verify(self, client: httpx.AsyncClient) -> None:
        number, key = self.rng.choice(self.pairs)
        self.note("verify", await client.post("/api/dsure/verify", json={"contract_number": number, "auth_key": key}))

    async def verify_wrong(self, client: httpx.AsyncClient) -> None:
        number, key = self.rng.choice(self.locked)  # few numbers: they lock after 5 failures
        wrong = key[::-1] if key[::-1] != key else "0000000000"
        self.note("verify-wrong", await client.post("/api/dsure/verify", json={"contract_number": number, "auth_key": wrong}))

    async def browse(self, client: httpx.AsyncClient) -> None:
        page = await client.get("/api/certificates", headers=self.contractor)
        self.note("list", page)
        if page.status_code == 200 and page.json()["next_cursor"]:
            self.note("list", await client.get("/api/certificates", params={"cursor": page.json()["next_cursor"]},
                                               headers=self.contractor))
        query = self.rng.choice(["橋梁", "鳥取市", "2070000", "道路", "存在しない工事"])
        self.note("list", await client.get("/api/certificates", params={"q": query}, headers=self.contractor))
        number = self.rng.choice(self.own)
        self.note("detail", await client.get(f"/api/certificates/{number}", headers=self.contractor))

    async def documents(self, client: httpx.AsyncClient) -> None:
        number = self.rng.choice(self.own)
        self.note("pdf", await client.get(f"/api/certificates/{number}/documents/auth-key-notice", headers=self.contractor))
        if self.rng.random() < 0.3:
            pair = next(p for p in self.pairs if p[0] == number)
            self.note("receipt", await client.post("/api/dsure/receipt",
                                                   json={"contract_number": pair[0], "auth_key": pair[1]}))

    async def write(self, client: httpx.AsyncClient) -> None:
        submitted = await client.post("/api/applications", json=support.application_body(self.rng.randrange(1000)),
                                      headers=self.contractor)
        self.note("write", submitted)
        if submitted.status_code != 201:
            return
        application_id = submitted.json()["id"]
        notice = await client.post(f"/api/admin/applications/{application_id}/fee-notice", headers=self.admin)
        self.note("write", notice)
        if notice.status_code != 200:
            return
        self.note("write", await client.post(f"/api/admin/applications/{application_id}/payment",
                                             json={"paid_on": clock.today_jst().isoformat(), "amount": notice.json()["fee"]},
                                             headers=self.admin))
        self.note("write", await client.post(f"/api/admin/applications/{application_id}/conclude", headers=self.admin))

    async def health(self, client: httpx.AsyncClient) -> None:
        self.note("health", await client.get("/api/health"))

    async def run(self, seconds: float, api: support.ApiProcess) -> list[tuple[float, int]]:
        self.deadline = time.monotonic() + seconds
        samples: list[tuple[float, int]] = []
        started = time.monotonic()

        async def sample_memory() -> None:
            while time.monotonic() < self.deadline:
                samples.append((time.monotonic() - started, api.rss_kib()))
                await asyncio.sleep(1.0)

        limits = httpx.Limits(max_connections=20)
        async with httpx.AsyncClient(base_url=self.base, timeout=60, limits=limits) as client:
            await asyncio.gather(
                *[self.loop("verify", client, self.verify) for _ in range(4)],
                self.loop("verify-wrong", client, self.verify_wrong, pause=0.2),
                *[self.loop("list", client, self.browse) for _ in range(2)],
                self.loop("pdf", client, self.documents),
                self.loop("write", client, self.write, pause=0.1),
                self.loop("health", client, self.health, pause=0.05),
                sample_memory(),
            )
        return samples


def test_mixed_load_soak(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    database_url = support.drill_database_url()
    manifest = _seed(data_dir, database_url)
    pairs = [tuple(line.split(",")) for line in (data_dir / "pairs.csv").read_text().split()]
    env = support.server_env(data_dir, database_url, HOSHO_DSURE_ATTEMPTS_PER_MINUTE="0")
    api = support.ApiProcess(data_dir, env).start()
    try:
        with httpx.Client(base_url=api.base, timeout=60) as client:
            contractor = support.login(client, manifest["companies"][0], manifest["contractor_password"])
            admin = support.login(client, manifest["admin_login"], manifest["admin_password"])
            support.ensure_orderer(client, admin)
            own, cursor = [], None
            while True:
                page = client.get("/api/certificates", params={"limit": 100, **({"cursor": cursor} if cursor else {})},
                                  headers=contractor).json()
                own += [item["contract_number"] for item in page["items"]]
                cursor = page["next_cursor"]
                if not cursor:
                    break
        soak = Soak(api.base, contractor, admin, pairs, own)
        samples = asyncio.run(soak.run(SECONDS, api))
    finally:
        api.stop()
    totals = {kind: dict(counter) for kind, counter in soak.statuses.items()}
    requests = sum(sum(counter.values()) for counter in soak.statuses.values())
    server_errors = {kind: {s: n for s, n in counter.items() if s >= 500} for kind, counter in soak.statuses.items()}
    server_errors = {kind: found for kind, found in server_errors.items() if found}
    quarter = [rss for at, rss in samples if at >= SECONDS / 4]
    baseline = quarter[0] if quarter else samples[0][1]
    final = max(rss for at, rss in samples if at >= SECONDS * 3 / 4)
    latency = {kind: f"p50 {statistics.median(values) * 1000:.0f} ms, max {max(values) * 1000:.0f} ms"
               for kind, values in sorted(soak.latencies.items())}
    print(f"\nsoak {SECONDS:.0f} s: {requests} requests ({requests / SECONDS:.0f}/s) {totals}; latency {latency}; "
          f"RSS {samples[0][1] / 1024:.0f} MiB at start, {baseline / 1024:.0f} MiB after a quarter, "
          f"{final / 1024:.0f} MiB max in the last quarter")
    assert not server_errors, f"5xx during the soak: {server_errors}\n{api.log()}"
    assert not soak.errors, soak.errors[:10]
    assert not soak.unexpected, soak.unexpected
    assert all(totals.get(kind) for kind in ALLOWED), f"a kind of request never ran: {totals}"
    assert final <= baseline * 1.5 + 64 * 1024, f"RSS grew from {baseline} KiB to {final} KiB"
    assert final < 1024 * 1024
