"""D-Sure verify throughput and latency against /api/health on the same server (DESIGN §8).

    .venv/bin/python bench/dsure_verify.py [--data-dir DIR] [--connections 50] [--duration 15]
    .venv/bin/python bench/dsure_verify.py --database-url postgres://… --redis-url redis://… --workers 2

Seeds (once) 100,000 certificates (bench/seed.py, 100 contractors), starts `hosho api`
(1 worker unless --workers; HOSHO_DSURE_ATTEMPTS_PER_MINUTE=0: no per-address limit, the
per-number lockout stays), then with wrk (one thread, the server gets the other core):

1. GET /api/health at --connections for --duration → requests/s, p50, p99;
2. POST /api/dsure/verify with valid (number, key) pairs (bench/wrk/dsure_verify.lua, a
   different pair each request, 5,000 pairs sampled over the 100,000) the same way;

and prints the ratio verify/health. Targets: ratio ≥ 20 %, verify p99 ≤ 25 ms at 50
connections. Every verify must answer 200 (a 404 would mean a bad pair, a 429 a lock).

With ``--bare`` (DESIGN §8 Round 2) it also serves bench/bare_app.py through the same CLI
parser and ``backend.cli.serve`` (bench/serve_bare.py: same server, same worker settings) and
loads its ``POST /bare`` (a msgspec body decoded and echoed, no middleware, no database) with
the very same bodies, alternating with verify in each round: verify as a share of that bare
POST, target ≥ 30 %. ``--data-dir`` may name a set seeded elsewhere (e.g. ``common.cached_seed``
at 1,000,000; pass a copy: the run adds views and audit entries).
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import common  # noqa: E402

TARGET_RATIO = 0.20
TARGET_BARE_SHARE = 0.30
TARGET_P99_MS = 25.0
LUA = common.BENCH / "wrk" / "dsure_verify.lua"


def measure(server: common.Server, pairs_path: Path, *, connections: int, duration: float, rounds: int = 1,
            bare: common.Server | None = None) -> dict:
    """health then verify (then the bare POST), ``rounds`` times (alternating); the medians of the rounds' figures."""
    health_url = f"{server.base}/api/health"
    verify_url = f"{server.base}/api/dsure/verify"
    env = {"PAIRS": str(pairs_path)}
    bare_env = {**env, "TARGET_PATH": "/bare"}
    # Warm-up: imports, caches, SQLite pages of the seeded rows, the view writer.
    common.wrk(health_url, label="warm-up", connections=10, duration=3)
    common.wrk(verify_url, label="warm-up", connections=10, duration=5, script=LUA, env=env)
    if bare is not None:
        common.wrk(f"{bare.base}/bare", label="warm-up", connections=10, duration=3, script=LUA, env=bare_env)
    healths, verifies, bares = [], [], []
    for _ in range(rounds):
        health = common.wrk(health_url, label="GET /api/health", connections=connections, duration=duration)
        print(health.row(), flush=True)
        verify = common.wrk(verify_url, label="POST /api/dsure/verify", connections=connections, duration=duration,
                            script=LUA, env=env)
        print(verify.row(), flush=True)
        healths.append(health)
        verifies.append(verify)
        if bare is not None:
            bare_post = common.wrk(f"{bare.base}/bare", label="bare POST /bare (msgspec body)",
                                   connections=connections, duration=duration, script=LUA, env=bare_env)
            print(bare_post.row(), flush=True)
            bares.append(bare_post)

    def median_of(results: list[common.WrkResult]) -> common.WrkResult:
        """Each figure's median over the rounds (a noisy neighbour spoils one round, not the result)."""
        if len(results) == 1:
            return results[0]
        middle = sorted(results, key=lambda r: r.rps)[len(results) // 2]
        return dataclasses.replace(
            middle,
            p50_ms=statistics.median(r.p50_ms for r in results),
            p90_ms=statistics.median(r.p90_ms for r in results),
            p99_ms=statistics.median(r.p99_ms for r in results),
            max_ms=statistics.median(r.max_ms for r in results),
            label=f"{middle.label} (median of {len(results)})",
        )

    health, verify = median_of(healths), median_of(verifies)
    bare_post = median_of(bares) if bares else None
    if rounds > 1:
        print(health.row())
        print(verify.row())
        if bare_post is not None:
            print(bare_post.row())
    ratio = verify.rps / health.rps if health.rps else 0.0
    # Context for the p99 target: a closed loop of N connections waits N / throughput on average,
    # so the same server's ceiling without the database, and verify at fewer connections.
    ceiling = common.wrk(f"{server.base}/api/dsure/public-key", label="GET /api/dsure/public-key (no DB)",
                         connections=connections, duration=min(duration, 10))
    print(ceiling.row())
    light = common.wrk(verify_url, label="POST /api/dsure/verify", connections=10, duration=min(duration, 10),
                       script=LUA, env=env)
    print(light.row())
    return {"health": health, "verify": verify, "ratio": ratio, "rounds": rounds, "no_db_ceiling": ceiling,
            "verify_c10": light, "bare_post": bare_post,
            "bare_share": verify.rps / bare_post.rps if bare_post is not None and bare_post.rps else None}


@contextlib.contextmanager
def bare_server(data_dir: str, workers: int):
    """bench/bare_app.py served like `hosho api` (bench/serve_bare.py), with the same workers."""
    import os
    import subprocess

    port = common.free_port(8550)
    env = common.bench_env(data_dir, PYTHONPATH=f"{common.BENCH}{os.pathsep}{common.ROOT}")
    log_path = Path(data_dir) / f"bare-{port}.log"
    process = subprocess.Popen(
        [str(common.PYTHON), str(common.BENCH / "serve_bare.py"), "--host", "127.0.0.1", "--port", str(port),
         "--workers", str(workers)],
        cwd=str(common.ROOT), env=env, stdout=open(log_path, "ab"), stderr=subprocess.STDOUT, start_new_session=True,
    )
    server = common.Server(process=process, port=port, log_path=log_path, env=env)
    try:
        common.wait_http(f"{server.base}/bare", timeout=90, process=process)
        yield server
    finally:
        server.stop()


def check_one(server: common.Server, pairs_path: Path) -> None:
    """One verify by hand: 200 with a valid signature, so the load test measures the real path."""
    number, key = common.read_pairs(pairs_path)[0]
    response = common.httpx.post(f"{server.base}/api/dsure/verify",
                                 json={"contract_number": number, "auth_key": key}, timeout=30)
    if response.status_code != 200 or not response.json().get("signature_valid"):
        raise SystemExit(f"verify of a seeded pair failed: {response.status_code} {response.text[:300]}")


def report(figures: dict, connections: int) -> tuple[bool, bool]:
    health, verify, ratio = figures["health"], figures["verify"], figures["ratio"]
    ratio_ok = ratio >= TARGET_RATIO and verify.non_2xx == 0 and verify.errors == 0
    p99_ok = verify.p99_ms <= TARGET_P99_MS
    print(f"\nverify/health = {verify.rps:.0f}/{health.rps:.0f} = {ratio * 100:.1f} % "
          f"(target ≥ {TARGET_RATIO * 100:.0f} %): {common.verdict(ratio_ok)}")
    print(f"verify p99 {verify.p99_ms:.2f} ms at {connections} connections (target ≤ {TARGET_P99_MS:g} ms): "
          f"{common.verdict(p99_ok)}")
    if not p99_ok:
        needed = connections / (TARGET_P99_MS / 1000)
        print(f"   (a closed loop of {connections} connections has a mean latency of {connections} / throughput: "
              f"a p99 ≤ {TARGET_P99_MS:g} ms needs well over {needed:,.0f} verifications/s; this server did "
              f"{verify.rps:,.0f}/s, its no-database ceiling {figures['no_db_ceiling'].rps:,.0f}/s with p99 "
              f"{figures['no_db_ceiling'].p99_ms:.1f} ms; verify at 10 connections: p99 {figures['verify_c10'].p99_ms:.1f} ms)")
    if figures.get("bare_post") is not None:
        share = figures["bare_share"]
        print(f"verify/bare POST = {verify.rps:.0f}/{figures['bare_post'].rps:.0f} = {share * 100:.1f} % "
              f"(target ≥ {TARGET_BARE_SHARE * 100:.0f} %): {common.verdict(share >= TARGET_BARE_SHARE)}")
    if verify.non_2xx or verify.errors:
        print(f"WARNING: {verify.non_2xx} non-2xx responses, {verify.errors} socket errors during verify")
    return ratio_ok, p99_ok


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data-dir", default="/tmp/hosho-bench-dsure")
    parser.add_argument("--database-url", default=None, help="HOSHO_DATABASE_URL (default SQLite in the data dir)")
    parser.add_argument("--redis-url", default=None, help="HOSHO_REDIS_URL (shared counters for several workers)")
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--certificates", type=int, default=100_000)
    parser.add_argument("--connections", type=int, default=50)
    parser.add_argument("--duration", type=float, default=15.0)
    parser.add_argument("--rounds", type=int, default=1, help="alternate health/verify this many times; medians")
    parser.add_argument("--fresh", action="store_true")
    parser.add_argument("--name", default="dsure_verify", help="figures file bench/out/NAME.json")
    parser.add_argument("--bare", action="store_true", help="also the bare Litestar POST on the same server settings")
    args = parser.parse_args(argv)

    manifest = common.ensure_seeded(args.data_dir, args.certificates, 100, database_url=args.database_url,
                                    sample_size=5000, fresh=args.fresh)
    pairs_path = Path(args.data_dir) / "pairs.csv"
    common.header(f"D-Sure verify: {manifest['certificates_total']:,} certificates, {manifest['database']}, "
                  f"{args.workers} worker(s){', Redis counters' if args.redis_url else ''}")
    with common.running_server(args.data_dir, workers=args.workers, HOSHO_DSURE_ATTEMPTS_PER_MINUTE="0",
                               HOSHO_DATABASE_URL=args.database_url, HOSHO_REDIS_URL=args.redis_url) as server:
        check_one(server, pairs_path)
        with bare_server(args.data_dir, args.workers) if args.bare else contextlib.nullcontext() as bare:
            figures = measure(server, pairs_path, connections=args.connections, duration=args.duration,
                              rounds=args.rounds, bare=bare)
        rss = server.rss_kib()
    ratio_ok, p99_ok = report(figures, args.connections)
    path = common.write_result(args.name, {
        "certificates": manifest["certificates_total"], "database": manifest["database"], "workers": args.workers,
        "redis": bool(args.redis_url), "connections": args.connections, "duration_s": args.duration,
        "health": figures["health"].as_dict(), "verify": figures["verify"].as_dict(),
        "no_db_ceiling": figures["no_db_ceiling"].as_dict(), "verify_c10": figures["verify_c10"].as_dict(),
        "ratio": round(figures["ratio"], 4), "server_rss_mib": round(rss / 1024, 1),
        "bare_post": figures["bare_post"].as_dict() if figures["bare_post"] else None,
        "bare_share": round(figures["bare_share"], 4) if figures["bare_share"] is not None else None,
        "load_average": Path("/proc/loadavg").read_text().split()[:3],
        "met": {"ratio": ratio_ok, "p99": p99_ok,
                "bare_share": None if figures["bare_share"] is None else figures["bare_share"] >= TARGET_BARE_SHARE},
    })
    print(f"figures: {path.relative_to(common.ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
