"""Where D-Sure verify's tail latency comes from: slow reads and view flushes under load.

    .venv/bin/python bench/verify_stalls.py [--data-dir /tmp/hosho-bench-dsure] [--duration 15]

Runs the API in this process under uvicorn (uvloop, httptools, one worker, as `hosho api`
does) on a seeded data dir (bench/dsure_verify.py seeds it), with two probes wrapped around
the D-Sure module: the duration of each hot-path read (``backend.dsure.service._query``) and
of each group commit of the view writer (its store's ``write``, in the writer thread). wrk
sends verify at 50 connections; the script prints wrk's figures, the reads that took over
20 ms (they run on the event loop: every request waits for them), the commits during the
load (batch sizes, durations: the SQLite write lock is held for that long), the most views
ever waiting for their commit (bounded by ``views.IN_FLIGHT_MAX``), and how many views were
committed during the load and after it (after it: 0, since each answer waits for its commit).
"""

from __future__ import annotations

import argparse
import os
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import common  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data-dir", default="/tmp/hosho-bench-dsure")
    parser.add_argument("--duration", type=float, default=15.0)
    parser.add_argument("--connections", type=int, default=50)
    args = parser.parse_args(argv)
    data_dir = Path(args.data_dir)
    if not (data_dir / "seed.json").exists():
        raise SystemExit(f"{data_dir} is not seeded: run bench/dsure_verify.py first")
    os.environ.update(HOSHO_DATA_DIR=str(data_dir.resolve()), HOSHO_DSURE_ATTEMPTS_PER_MINUTE="0")
    os.environ.pop("HOSHO_DATABASE_URL", None)
    sys.path.insert(0, str(common.ROOT))
    import uvicorn
    import uvloop

    from backend.dsure import service, views

    slow_reads: list[tuple[float, float, str]] = []
    flushes: list[tuple[float, float, int]] = []
    read, new_store = service._query, views._new_store

    async def timed_read(sql: str, *args):
        started = time.perf_counter()
        try:
            return await read(sql, *args)
        finally:
            elapsed = time.perf_counter() - started
            if elapsed > 0.02:
                slow_reads.append((time.time(), elapsed, sql.split(" FROM ")[-1][:40]))

    def timed_store():
        store = new_store()
        write = store.write

        def timed_write(batch):
            started = time.perf_counter()
            write(batch)
            flushes.append((time.time(), time.perf_counter() - started, len(batch)))

        store.write = timed_write
        return store

    service._query, views._new_store = timed_read, timed_store
    from backend.app import app

    port = common.free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning",
                                           loop="uvloop", http="httptools"))
    outcome: dict = {}

    peak_queued = [0]

    def watch_queue() -> None:
        while "wrk" not in outcome:
            peak_queued[0] = max(peak_queued[0], views.writer.queued)
            time.sleep(0.01)

    def load() -> None:
        try:
            common.wait_http(f"http://127.0.0.1:{port}/api/health", timeout=60)
            threading.Thread(target=watch_queue, daemon=True).start()
            outcome["wrk"] = common.wrk(
                f"http://127.0.0.1:{port}/api/dsure/verify", label="POST /api/dsure/verify",
                connections=args.connections, duration=args.duration, script=common.BENCH / "wrk" / "dsure_verify.lua",
                env={"PAIRS": str(data_dir / "pairs.csv")},
            )
            outcome["started"] = time.time() - args.duration
        finally:
            server.should_exit = True

    threading.Thread(target=load, daemon=True).start()
    common.header(f"D-Sure verify stalls: in-process uvicorn on port {port}")
    uvloop.run(server.serve())
    if "wrk" not in outcome:
        raise SystemExit("wrk did not run")
    started = outcome["started"]
    print(outcome["wrk"].row())
    during = [f for f in flushes if f[0] <= started + args.duration + 0.5]
    print(f"hot-path reads over 20 ms (on the event loop): {len(slow_reads)}; slowest: "
          + ", ".join(f"{d * 1000:.0f} ms ({what}) at +{t - started:.1f} s"
                      for t, d, what in sorted(slow_reads, key=lambda r: -r[1])[:5]))
    if during:
        durations = sorted(d for _, d, _ in during)
        print(f"group commits during the load: {len(during)} ({sum(n for *_, n in during):,} views), "
              f"median {durations[len(durations) // 2] * 1000:.1f} ms, slowest {durations[-1] * 1000:.0f} ms, "
              f"batch sizes median {sorted(n for *_, n in during)[len(during) // 2]}, largest "
              f"{max(n for *_, n in during)}")
    after = sum(n for t, _, n in flushes if t > started + args.duration + 0.5)
    print(f"views committed during the load: {sum(n for *_, n in during):,} of {outcome['wrk'].requests:,} answered; "
          f"after it: {after:,}; most views waiting for their commit at once: {peak_queued[0]} "
          f"(bound {views.IN_FLIGHT_MAX:,})")
    common.write_result("verify_stalls", {
        "wrk": outcome["wrk"].as_dict(), "slow_reads": len(slow_reads),
        "commits_during": len(during), "views_during": sum(n for *_, n in during), "views_after": after,
        "commit_ms": sorted(round(d * 1000, 2) for _, d, _ in during),
        "peak_queued": peak_queued[0], "load_average": Path("/proc/loadavg").read_text().split()[:3],
    })
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
