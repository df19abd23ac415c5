"""Before/after: the same endpoints served by two source trees, measured alternately on one data dir.

    git worktree add /tmp/hosho-before HEAD
    (cd /tmp/hosho-before && git revert --no-commit <the commits to undo>)
    .venv/bin/python bench/compare.py --before /tmp/hosho-before [--after .] [--rounds 2]

Seeds (once) 100,000 certificates over 10 contractors (10,000 each), then for each round
starts `hosho api` (1 worker) from the "before" tree, measures, stops it, and does the same
with the "after" tree: /api/health and D-Sure verify at 50 connections, a contractor's first
page and a search from one client and from 10, a cached key-notice PDF from one client
(wrk). Both trees run in this checkout's virtualenv; each server imports `backend` from its
own tree. Prints the median of the rounds for each side and after/before.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import quote

sys.path.insert(0, str(Path(__file__).resolve().parent))

import common  # noqa: E402

LUA = common.BENCH / "wrk" / "dsure_verify.lua"


def start_from_tree(tree: Path, data_dir: Path, port: int) -> common.Server:
    env = common.bench_env(data_dir, HOSHO_DSURE_ATTEMPTS_PER_MINUTE="0")
    env["PYTHONPATH"] = str(tree)
    log_path = data_dir / f"api-{tree.name}-{port}.log"
    code = "import sys; from backend.cli import main; sys.exit(main(sys.argv[1:]))"
    process = subprocess.Popen(
        [str(common.PYTHON), "-c", code, "api", "--host", "127.0.0.1", "--port", str(port), "--workers", "1"],
        cwd=str(tree), env=env, stdout=open(log_path, "ab"), stderr=subprocess.STDOUT, start_new_session=True,
    )
    server = common.Server(process=process, port=port, log_path=log_path, env=env)
    try:
        common.wait_http(f"{server.base}/api/health", timeout=90, process=process)
    except BaseException:
        server.stop()
        sys.stderr.write(log_path.read_text(errors="replace")[-3000:])
        raise
    imported = subprocess.run(
        [str(common.PYTHON), "-c", "import backend, sys; print(backend.__file__)"], cwd=str(tree), env=env,
        capture_output=True, text=True,
    ).stdout.strip()
    if not imported.startswith(str(tree)):
        server.stop()
        raise SystemExit(f"{tree}: `backend` resolves to {imported}, not to the tree")
    return server


def measure(server: common.Server, manifest: dict, pairs_path: Path, duration: float) -> dict[str, common.WrkResult]:
    token = common.login(server.base, manifest["companies"][0], manifest["contractor_password"])
    auth = {"Authorization": f"Bearer {token}"}
    own = common.httpx.get(f"{server.base}/api/certificates", headers=auth, timeout=30).json()["items"][0]
    pdf_url = f"{server.base}/api/certificates/{own['contract_number']}/documents/auth-key-notice"
    first = common.httpx.get(pdf_url, headers=auth, timeout=120)  # rendered once, cached from now on
    if first.status_code != 200:
        raise SystemExit(f"key notice: {first.status_code} {first.text[:200]}")
    env = {"PAIRS": str(pairs_path)}
    common.wrk(f"{server.base}/api/health", label="warm-up", connections=10, duration=2)
    common.wrk(f"{server.base}/api/dsure/verify", label="warm-up", connections=10, duration=3, script=LUA, env=env)
    runs = {
        "health c=50": dict(url=f"{server.base}/api/health", connections=50),
        "verify c=50": dict(url=f"{server.base}/api/dsure/verify", connections=50, script=LUA, env=env),
        "list first page c=1": dict(url=f"{server.base}/api/certificates", connections=1, headers=auth),
        "list first page c=10": dict(url=f"{server.base}/api/certificates", connections=10, headers=auth),
        "list search c=1": dict(url=f"{server.base}/api/certificates?q={quote('橋梁')}", connections=1, headers=auth),
        "cached PDF c=1": dict(url=pdf_url, connections=1, headers=auth),
    }
    results = {}
    for label, spec in runs.items():
        url = spec.pop("url")
        results[label] = common.wrk(url, label=label, duration=duration, **spec)
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--before", required=True, type=Path, help="source tree of the baseline")
    parser.add_argument("--after", default=common.ROOT, type=Path, help="source tree to compare (default: this one)")
    parser.add_argument("--data-dir", default="/tmp/hosho-bench-compare")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--duration", type=float, default=8.0)
    args = parser.parse_args(argv)
    manifest = common.ensure_seeded(args.data_dir, 100_000, 10, sample_size=5000)
    pairs_path = Path(args.data_dir) / "pairs.csv"
    trees = {"before": args.before.resolve(), "after": args.after.resolve()}
    for name, tree in trees.items():
        revision = subprocess.run(["git", "log", "--oneline", "-1"], cwd=tree, capture_output=True, text=True).stdout
        dirty = subprocess.run(["git", "status", "--short", "backend"], cwd=tree, capture_output=True, text=True).stdout
        print(f"{name}: {tree} at {revision.strip()}{' + uncommitted changes in backend/' if dirty.strip() else ''}")
    common.header(f"before/after: {manifest['certificates_total']:,} certificates, {len(manifest['companies'])} "
                  f"contractors, 1 worker, {args.rounds} rounds alternating")
    collected: dict[str, dict[str, list[common.WrkResult]]] = {"before": {}, "after": {}}
    for round_number in range(1, args.rounds + 1):
        for name, tree in trees.items():
            server = start_from_tree(tree, Path(args.data_dir), common.free_port())
            try:
                for label, result in measure(server, manifest, pairs_path, args.duration).items():
                    collected[name].setdefault(label, []).append(result)
                    print(f"  round {round_number} {name:<6} {result.row()}")
            finally:
                server.stop()
            time.sleep(1)
    print(f"\n{'':<24} {'before':>22} {'after':>22}  after/before")
    summary = {}
    for label in collected["before"]:
        b, a = collected["before"][label], collected["after"][label]
        b_rps, a_rps = statistics.median(r.rps for r in b), statistics.median(r.rps for r in a)
        b_p50, a_p50 = statistics.median(r.p50_ms for r in b), statistics.median(r.p50_ms for r in a)
        b_p99, a_p99 = statistics.median(r.p99_ms for r in b), statistics.median(r.p99_ms for r in a)
        print(f"{label:<24} {b_rps:>7.0f}/s p50 {b_p50:>6.2f} ms {a_rps:>7.0f}/s p50 {a_p50:>6.2f} ms  "
              f"×{a_rps / b_rps:.2f} req/s, p99 {b_p99:.1f} → {a_p99:.1f} ms")
        summary[label] = {"before": {"rps": round(b_rps, 1), "p50_ms": b_p50, "p99_ms": b_p99},
                          "after": {"rps": round(a_rps, 1), "p50_ms": a_p50, "p99_ms": a_p99}}
    path = common.write_result("compare", {"trees": {k: str(v) for k, v in trees.items()}, "rounds": args.rounds,
                                           "figures": summary})
    print(f"figures: {path.relative_to(common.ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
