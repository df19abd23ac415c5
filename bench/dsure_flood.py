"""Storage under a D-Sure flood from many addresses: throttle rows before, right after, and after the purge.

    .venv/bin/python bench/dsure_flood.py [--data-dir DIR] [--duration 60] [--addresses 2000] [--wrong 0.8]
    .venv/bin/python bench/dsure_flood.py --redis-url redis://127.0.0.1:6379/7   # counters in Redis (a database of its own)

Starts `hosho api` (1 worker) on a seeded data dir (10,000 certificates by default; bench/seed.py)
with the per-address limit on (HOSHO_DSURE_ATTEMPTS_PER_MINUTE=20, the default), then wrk floods
POST /api/dsure/verify for --duration seconds at 50 connections from --addresses IPv4 addresses and
as many IPv6 hosts in --addresses / 16 /64s (through the UI's secret-backed header, as browsers
behind the UI arrive), --wrong of the attempts with a wrong key (bench/wrk/dsure_flood.lua).

Prints the rows of throttle_event / throttle_lock (or the Redis keys), audit_entry and dsure_view
before, right after the flood, and once the server's minute purge has run, with the bound the
design promises: an address over its limit adds no rows, so the events in the window can never
exceed (addresses + /64s) × limit per minute plus the pair and number events of the failures
counted; expired events and locks go at the next purge. The server's RSS shows memory stays bounded.
"""

from __future__ import annotations

import argparse
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import common  # noqa: E402

LUA = common.BENCH / "wrk" / "dsure_flood.lua"
LIMIT = 20
TABLES = ("throttle_event", "throttle_lock", "audit_entry", "dsure_view")


def counts(data_dir: Path, redis_url: str | None) -> dict[str, int]:
    connection = sqlite3.connect(f"file:{data_dir / 'hosho.sqlite'}?mode=ro", uri=True, timeout=30)
    try:
        found = {table: connection.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0] for table in TABLES}
    finally:
        connection.close()
    if redis_url:
        import redis

        client = redis.Redis.from_url(redis_url)
        found["redis keys (hosho:*)"] = sum(1 for _ in client.scan_iter(match="hosho:*", count=1000))
        found["redis events (sum of ZCARD)"] = sum(
            client.zcard(key) for key in client.scan_iter(match="hosho:ev:*", count=1000)
        )
    return found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data-dir", default="/tmp/hosho-bench-flood")
    parser.add_argument("--certificates", type=int, default=10_000)
    parser.add_argument("--duration", type=float, default=60.0)
    parser.add_argument("--connections", type=int, default=50)
    parser.add_argument("--addresses", type=int, default=2000)
    parser.add_argument("--wrong", type=float, default=0.8, help="share of attempts with a wrong key")
    parser.add_argument("--redis-url", default=None,
                        help="HOSHO_REDIS_URL: the counters in Redis (counted: the hosho:* keys of that database; "
                             "give the bench a database index nobody else uses)")
    parser.add_argument("--name", default="dsure_flood")
    args = parser.parse_args(argv)
    data_dir = Path(args.data_dir)
    manifest = common.ensure_seeded(data_dir, args.certificates, 100, sample_size=5000)
    ipv6_networks = max(1, args.addresses // 16)
    common.header(f"D-Sure flood: {args.duration:g} s at c={args.connections} from {args.addresses:,} IPv4 addresses "
                  f"+ {args.addresses:,} IPv6 hosts in {ipv6_networks:,} /64s, {args.wrong:.0%} wrong keys, "
                  f"{manifest['certificates_total']:,} certificates, counters in "
                  f"{'Redis' if args.redis_url else 'the database'}")
    secret = subprocess.run(  # the UI's forward secret (created in the data dir on first use)
        [str(common.PYTHON), "-c", "from backend.lib.security import forward_secret; print(forward_secret())"],
        cwd=str(common.ROOT), env=common.bench_env(data_dir), capture_output=True, text=True, check=True,
    ).stdout.strip()
    with common.running_server(data_dir, HOSHO_DSURE_ATTEMPTS_PER_MINUTE=str(LIMIT),
                               HOSHO_REDIS_URL=args.redis_url) as server:
        before = counts(data_dir, args.redis_url)
        rss_before = server.rss_kib()
        flood = common.wrk(f"{server.base}/api/dsure/verify", label="POST /api/dsure/verify (flood)",
                           connections=args.connections, duration=args.duration, script=LUA,
                           env={"PAIRS": str(data_dir / "pairs.csv"), "SECRET": secret,
                                "ADDRESSES": str(args.addresses), "WRONG": str(args.wrong)})
        print(flood.row(), flush=True)
        after = counts(data_dir, args.redis_url)
        rss_after = server.rss_kib()
        time.sleep(65)  # the server purges every minute: by now the 1-minute address windows have expired
        purged = counts(data_dir, args.redis_url)
    buckets = args.addresses + ipv6_networks
    minutes = args.duration / 60 + 1
    print(f"\n{'rows':<30} {'before':>10} {'after flood':>12} {'after purge':>12}")
    for name in before:
        print(f"{name:<30} {before[name]:>10,} {after[name]:>12,} {purged[name]:>12,}")
    failures = after["audit_entry"] - before["audit_entry"] - (after["dsure_view"] - before["dsure_view"])
    print(f"\n{flood.requests:,} attempts; {after['dsure_view'] - before['dsure_view']:,} views written "
          f"(= answered 200s), ~{max(0, failures):,} failures audited; the rest refused before anything was recorded")
    print(f"address windows can hold at most {buckets:,} buckets × {LIMIT}/min ≈ {buckets * LIMIT * minutes:,.0f} "
          f"events over the run; server RSS {rss_before / 1024:.0f} → {rss_after / 1024:.0f} MiB")
    path = common.write_result(args.name, {
        "duration_s": args.duration, "connections": args.connections, "addresses": args.addresses,
        "ipv6_networks": ipv6_networks, "wrong_share": args.wrong, "redis": bool(args.redis_url),
        "certificates": manifest["certificates_total"], "flood": flood.as_dict(),
        "rows": {"before": before, "after_flood": after, "after_purge": purged},
        "rss_mib": [round(rss_before / 1024, 1), round(rss_after / 1024, 1)],
        "load_average": Path("/proc/loadavg").read_text().split()[:3],
    })
    print(f"figures: {path.relative_to(common.ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
