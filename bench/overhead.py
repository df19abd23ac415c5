"""Per-request overhead: /api/health and a no-database endpoint against a bare Litestar app.

    .venv/bin/python bench/overhead.py [--rounds 3] [--duration 8] [--connections 50] [-- SERVER FLAGS]
    .venv/bin/python bench/overhead.py -- --access-log          # what the access log costs
    .venv/bin/python bench/overhead.py -- --http h11 --loop asyncio

Starts `hosho api SERVER FLAGS` (1 worker unless the flags say otherwise) on a fresh data dir
and bench/bare_app.py through the same CLI parser and ``backend.cli.serve`` (bench/serve_bare.py),
so both run on the same server with the same settings, at the same time. wrk (one thread)
then loads, alternately and --rounds times: the bare GET, /api/health (a database round trip)
and /api/dsure/public-key (no database work). Prints the medians and each endpoint's share of
the bare app's throughput. Targets (DESIGN §8 Round 2): health ≥ 50 %, public key ≥ 75 %.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import common  # noqa: E402

TARGETS = {"/api/health": 0.50, "/api/dsure/public-key": 0.75}


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    server_flags: list[str] = []
    if "--" in argv:
        at = argv.index("--")
        argv, server_flags = argv[:at], argv[at + 1 :]
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--duration", type=float, default=8.0)
    parser.add_argument("--connections", type=int, default=50)
    parser.add_argument("--data-dir", default=None, help="default: a fresh temporary one")
    args = parser.parse_args(argv)
    data_dir = Path(args.data_dir or tempfile.mkdtemp(prefix="hosho-overhead-"))
    data_dir.mkdir(parents=True, exist_ok=True)
    flags = ["--host", "127.0.0.1", *server_flags]
    api_port, bare_port = common.free_port(8500), common.free_port(8550)
    api = common.start_command([str(common.HOSHO), "api", *flags, "--port", str(api_port)], api_port, data_dir,
                               "/api/health", {})
    bare = common.start_bare(data_dir, flags, bare_port)
    urls = {"bare GET": f"{bare.base}/bare", "/api/health": f"{api.base}/api/health",
            "/api/dsure/public-key": f"{api.base}/api/dsure/public-key"}
    common.header(f"per-request overhead: server flags {' '.join(server_flags) or '(defaults)'}, "
                  f"c={args.connections}, {args.rounds} rounds × {args.duration:g} s")
    results: dict[str, list[common.WrkResult]] = {label: [] for label in urls}
    try:
        for url in urls.values():
            common.wrk(url, label="warm-up", connections=10, duration=2)
        for round_number in range(1, args.rounds + 1):
            for label, url in urls.items():
                result = common.wrk(url, label=label, connections=args.connections, duration=args.duration)
                results[label].append(result)
                print(f"  round {round_number} {result.row()}", flush=True)
                time.sleep(0.5)
    finally:
        api.stop()
        bare.stop()
    bare_rps = statistics.median(r.rps for r in results["bare GET"])
    print(f"\n{'endpoint':<24} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8}  share of bare   target")
    figures = {}
    for label, runs in results.items():
        rps = statistics.median(r.rps for r in runs)
        p50 = statistics.median(r.p50_ms for r in runs)
        p99 = statistics.median(r.p99_ms for r in runs)
        share = rps / bare_rps
        target = TARGETS.get(label)
        verdict = f"≥ {target:.0%}  {common.verdict(share >= target)}" if target else ""
        print(f"{label:<24} {rps:>8.0f} {p50:>8.2f} {p99:>8.2f}  {share:>12.0%}   {verdict}")
        figures[label] = {"rps": round(rps, 1), "p50_ms": p50, "p99_ms": p99, "share_of_bare": round(share, 3),
                          "rounds_rps": [round(r.rps) for r in runs]}
    path = common.write_result("overhead", {"server_flags": server_flags, "connections": args.connections,
                                            "figures": figures})
    print(f"figures: {path.relative_to(common.ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
