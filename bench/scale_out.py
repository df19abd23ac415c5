"""Scale-out: D-Sure verify on PostgreSQL + Redis with 2 workers, and the lockout across workers.

    .venv/bin/python bench/scale_out.py [--database-url postgres://postgres@127.0.0.1:5432/hosho_bench]
                                        [--redis-url redis://127.0.0.1:6379/7] [--workers 2]

1. Creates the database if missing and seeds 100,000 certificates into it (bench/seed.py),
   empties the hosho:* keys of the Redis database, starts `hosho api --workers 2` with
   HOSHO_DATABASE_URL, HOSHO_REDIS_URL and HOSHO_DSURE_ATTEMPTS_PER_MINUTE=0;
2. runs the verify benchmark (bench/dsure_verify.py: health, then verify, 50 connections);
3. shows that the per-number lockout holds across workers: keep-alive connections are
   opened until each worker holds some (which worker accepted a connection is read from
   /proc: the socket's inode among the worker's file descriptors); 5 wrong keys for one
   number go alternately to the workers; then the right key is refused with 429 on a
   connection of each worker.
"""

from __future__ import annotations

import argparse
import asyncio
import http.client
import json
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import common  # noqa: E402
import dsure_verify  # noqa: E402

DEFAULT_DATABASE = "postgres://postgres@127.0.0.1:5432/hosho_bench"
DEFAULT_REDIS = "redis://127.0.0.1:6379/7"


def ensure_database(url: str, fresh: bool) -> None:
    import asyncpg

    base, _, name = url.rpartition("/")
    if name in ("test", "postgres", "template0", "template1"):
        raise SystemExit(f"refusing to use the database {name!r}: give the benchmark its own")

    async def run() -> None:
        connection = await asyncpg.connect(f"{base}/postgres")
        try:
            exists = await connection.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", name)
            if exists and fresh:
                await connection.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
                exists = False
            if not exists:
                await connection.execute(f'CREATE DATABASE "{name}"')
        finally:
            await connection.close()

    asyncio.run(run())


def clear_redis(url: str) -> int:
    import redis

    client = redis.Redis.from_url(url)
    keys = list(client.scan_iter("hosho:*", count=1000))
    if keys:
        client.delete(*keys)
    return len(keys)


# --- which worker holds a connection -----------------------------------------------------------


def _socket_inodes(pid: int) -> set[str]:
    inodes = set()
    fd_dir = Path(f"/proc/{pid}/fd")
    for fd in fd_dir.iterdir():
        try:
            target = os.readlink(fd)
        except OSError:
            continue
        if target.startswith("socket:["):
            inodes.add(target[8:-1])
    return inodes


def _server_side_inode(server_port: int, client_port: int) -> str | None:
    """The inode of the server's end of the TCP connection 127.0.0.1:client_port → server_port."""
    local = f"0100007F:{server_port:04X}"
    remote = f"0100007F:{client_port:04X}"
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        fields = line.split()
        if fields[1] == local and fields[2] == remote:
            return fields[9]
    return None


class Connection:
    def __init__(self, port: int) -> None:
        self.http = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        self.http.connect()
        self.client_port = self.http.sock.getsockname()[1]
        self.worker: int | None = None

    def verify(self, number: str, key: str) -> tuple[int, dict, str | None]:
        body = json.dumps({"contract_number": number, "auth_key": key})
        self.http.request("POST", "/api/dsure/verify", body=body, headers={"Content-Type": "application/json"})
        response = self.http.getresponse()
        payload = response.read()
        return response.status, json.loads(payload or b"{}"), response.getheader("Retry-After")


def connections_on_every_worker(server: common.Server, workers: list[int], tries: int = 60) -> dict[int, list[Connection]]:
    by_worker: dict[int, list[Connection]] = {pid: [] for pid in workers}
    opened: list[Connection] = []
    for _ in range(tries):
        connection = Connection(server.port)
        opened.append(connection)
        # One request so the worker has surely accepted it (uvicorn accepts lazily under no load).
        connection.http.request("GET", "/api/health")
        connection.http.getresponse().read()
        inode = _server_side_inode(server.port, connection.client_port)
        for pid in workers:
            if inode and inode in _socket_inodes(pid):
                connection.worker = pid
                by_worker[pid].append(connection)
        if all(len(found) >= 3 for found in by_worker.values()):
            break
    return by_worker


def lockout_across_workers(server: common.Server, pair: tuple[str, str]) -> dict:
    number, key = pair
    workers = server.worker_pids()
    by_worker = connections_on_every_worker(server, workers)
    if any(not found for found in by_worker.values()):
        raise SystemExit(f"could not get a connection on every worker: { {p: len(c) for p, c in by_worker.items()} }")
    order = [workers[i % len(workers)] for i in range(5)]
    wrong = key[::-1] if key[::-1] != key else "0000000000"
    steps = []
    for attempt, pid in enumerate(order, start=1):
        connection = by_worker[pid][attempt % len(by_worker[pid])]
        status, _, _ = connection.verify(number, wrong)
        steps.append({"attempt": attempt, "key": "wrong", "worker": pid, "status": status})
    for offset, pid in enumerate(workers):
        connection = by_worker[pid][-1 - offset % len(by_worker[pid])]
        status, body, retry_after = connection.verify(number, key)
        steps.append({"attempt": 6 + offset, "key": "right", "worker": pid, "status": status, "retry_after": retry_after,
                      "detail": body.get("detail", "")[:60]})
    held = all(step["status"] == 404 for step in steps[:5]) and all(step["status"] == 429 for step in steps[5:])
    return {"workers": workers, "connections": {pid: len(c) for pid, c in by_worker.items()}, "steps": steps,
            "held": held}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data-dir", default="/tmp/hosho-bench-pg")
    parser.add_argument("--database-url", default=DEFAULT_DATABASE)
    parser.add_argument("--redis-url", default=DEFAULT_REDIS)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--certificates", type=int, default=100_000)
    parser.add_argument("--connections", type=int, default=50)
    parser.add_argument("--duration", type=float, default=15.0)
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--fresh", action="store_true", help="drop and seed the database again")
    args = parser.parse_args(argv)

    ensure_database(args.database_url, args.fresh)
    manifest = common.ensure_seeded(args.data_dir, args.certificates, 100, database_url=args.database_url,
                                    sample_size=5000, fresh=args.fresh)
    cleared = clear_redis(args.redis_url)
    pairs_path = Path(args.data_dir) / "pairs.csv"
    pairs = common.read_pairs(pairs_path)
    load_pairs = pairs[:-1]
    (Path(args.data_dir) / "pairs-load.csv").write_text("".join(f"{n},{k}\n" for n, k in load_pairs))
    common.header(f"scale-out: {manifest['certificates_total']:,} certificates on PostgreSQL, Redis counters, "
                  f"{args.workers} workers (cleared {cleared} Redis keys)")
    with common.running_server(args.data_dir, workers=args.workers, HOSHO_DSURE_ATTEMPTS_PER_MINUTE="0",
                               HOSHO_DATABASE_URL=args.database_url, HOSHO_REDIS_URL=args.redis_url) as server:
        print(f"   workers: {server.worker_pids()}")
        dsure_verify.check_one(server, Path(args.data_dir) / "pairs-load.csv")
        figures = dsure_verify.measure(server, Path(args.data_dir) / "pairs-load.csv", connections=args.connections,
                                       duration=args.duration, rounds=args.rounds)
        time.sleep(1)
        lockout = lockout_across_workers(server, pairs[-1])
    ratio_ok, p99_ok = dsure_verify.report(figures, args.connections)
    print(f"\nlockout across workers for {pairs[-1][0]} (connections per worker {lockout['connections']}):")
    for step in lockout["steps"]:
        extra = f"  Retry-After {step['retry_after']}" if step.get("retry_after") else ""
        print(f"   attempt {step['attempt']}: {step['key']:<5} key via worker {step['worker']} → {step['status']}{extra}")
    print(f"per-number lockout across {len(lockout['workers'])} workers: {'HOLDS' if lockout['held'] else 'BROKEN'}")
    path = common.write_result("scale_out", {
        "certificates": manifest["certificates_total"], "database": "postgres", "redis": True,
        "workers": args.workers, "connections": args.connections, "duration_s": args.duration,
        "health": figures["health"].as_dict(), "verify": figures["verify"].as_dict(),
        "no_db_ceiling": figures["no_db_ceiling"].as_dict(), "verify_c10": figures["verify_c10"].as_dict(),
        "ratio": round(figures["ratio"], 4), "lockout": lockout,
        "met": {"ratio": ratio_ok, "p99": p99_ok, "lockout": lockout["held"]},
    })
    print(f"figures: {path.relative_to(common.ROOT)}")
    return 0 if lockout["held"] else 1


if __name__ == "__main__":
    raise SystemExit(main())
