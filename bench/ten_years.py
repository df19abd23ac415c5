"""Ten years of certificates: every figure of issue #17's table at 1,000,000 certificates, beside its target.

    .venv/bin/python bench/ten_years.py                       # the cached 1,000,000 set (seeded once per schema)
    .venv/bin/python bench/ten_years.py --certificates 4000000
    .venv/bin/python bench/ten_years.py --data-dir DIR        # any data dir bench/seed.py wrote (seed.json, pairs.csv)

Seeds with ``common.cached_seed`` unless ``--data-dir`` is given (100 contractors), then
starts ``hosho api`` (1 worker, no per-address D-Sure limit) and the bare Litestar app of
bench/bare_app.py on the same server settings (bench/serve_bare.py), and measures with wrk
(one thread), --rounds times alternately, medians:

- the admin dashboard, ``GET /api/admin/stats`` (1 client): p50 ≤ 50 ms;
- the admin search ``GET /api/admin/certificates?q=…`` (1 client) for a term that matches
  nothing (p50 ≤ 20 ms) and a 保証契約番号 prefix (p50 ≤ 5 ms);
- ``POST /api/dsure/verify`` with 500 random real pairs at 50 connections: p99 ≤ 25 ms and
  ≥ 30 % of the bare app's POST (the same bodies, decoded and answered);
- ``/api/health`` ≥ 50 % and ``/api/dsure/public-key`` ≥ 75 % of the bare app's GET.

Prints a table (figure, measured, target, verdict) and writes bench/out/ten_years[-N].json.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import quote

sys.path.insert(0, str(Path(__file__).resolve().parent))

import common  # noqa: E402

VERIFY_LUA = common.BENCH / "wrk" / "dsure_verify.lua"
MISS_TERM = "該当のない工事名"  # no seeded 工事名, 発注者 or 請負者 contains it


def sample_pairs(pairs_csv: Path, count: int, seed: int) -> Path:
    pairs = common.read_pairs(pairs_csv)
    chosen = random.Random(seed).sample(pairs, min(count, len(pairs)))
    out = Path(tempfile.mkdtemp(prefix="hosho-ten-years-")) / "pairs.csv"
    out.write_text("".join(f"{number},{key}\n" for number, key in chosen), encoding="utf-8")
    return out


def check(server: common.Server, auth: dict, pairs: Path, prefix: str) -> None:
    """The measured requests answer what they should, so the load measures the real paths."""
    number, key = common.read_pairs(pairs)[0]
    verified = common.httpx.post(f"{server.base}/api/dsure/verify", json={"contract_number": number, "auth_key": key},
                                 timeout=60)
    if verified.status_code != 200 or not verified.json().get("signature_valid"):
        raise SystemExit(f"verify of a seeded pair failed: {verified.status_code} {verified.text[:300]}")
    miss = common.httpx.get(f"{server.base}/api/admin/certificates?q={quote(MISS_TERM)}", headers=auth, timeout=120)
    if miss.status_code != 200 or miss.json()["items"]:
        raise SystemExit(f"the miss term found something: {miss.status_code} {miss.text[:300]}")
    found = common.httpx.get(f"{server.base}/api/admin/certificates?q={prefix}", headers=auth, timeout=60)
    items = found.json()["items"]
    if found.status_code != 200 or not items or not all(i["contract_number"].startswith(prefix) for i in items):
        raise SystemExit(f"the number prefix {prefix} found nothing or other numbers: {found.text[:300]}")


def median_figures(runs: list[common.WrkResult]) -> dict:
    return {"rps": statistics.median(r.rps for r in runs), "p50_ms": statistics.median(r.p50_ms for r in runs),
            "p99_ms": statistics.median(r.p99_ms for r in runs), "non_2xx": sum(r.non_2xx for r in runs),
            "errors": sum(r.errors for r in runs), "rounds_rps": [round(r.rps) for r in runs],
            "rounds_p50_ms": [r.p50_ms for r in runs], "rounds_p99_ms": [r.p99_ms for r in runs]}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--certificates", type=int, default=1_000_000, help="the cached set's size")
    parser.add_argument("--data-dir", default=None, help="a seeded data dir instead of the cached set")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--duration", type=float, default=8.0, help="seconds per wrk run")
    parser.add_argument("--connections", type=int, default=50)
    parser.add_argument("--pairs", type=int, default=500, help="random real pairs the verify load cycles through")
    args = parser.parse_args(argv)

    started = time.perf_counter()
    if args.data_dir:
        data_dir = Path(args.data_dir)
        manifest = json.loads((data_dir / "seed.json").read_text())
    else:
        manifest = common.cached_seed(args.certificates, 100)
        data_dir = Path(manifest["data_dir"])
    total = manifest["certificates_total"]
    pairs = sample_pairs(Path(manifest.get("sample_out") or data_dir / "pairs.csv"), args.pairs, seed=17)
    common.header(f"ten years of certificates: {total:,} certificates, {manifest['database']}, 1 worker, "
                  f"{args.rounds} rounds × {args.duration:g} s")
    env = {"PAIRS": str(pairs)}
    flags = ["--host", "127.0.0.1"]
    api_port = common.free_port(8500)
    api = common.start_command([str(common.HOSHO), "api", *flags, "--port", str(api_port)], api_port, data_dir,
                               "/api/health", {"HOSHO_DSURE_ATTEMPTS_PER_MINUTE": "0"})
    bare = common.start_bare(data_dir, flags)
    try:
        token = common.login(api.base, manifest["admin_login"], manifest["admin_password"], data_dir)
        auth = {"Authorization": f"Bearer {token}"}
        prefix = common.read_pairs(pairs)[0][0][:7]
        check(api, auth, pairs, prefix)
        # (label, url, connections, wrk options): one client for the admin's pages, 50 for the rest
        runs = [
            ("dashboard", f"{api.base}/api/admin/stats", 1, {"headers": auth}),
            ("search miss", f"{api.base}/api/admin/certificates?q={quote(MISS_TERM)}", 1, {"headers": auth}),
            ("number prefix", f"{api.base}/api/admin/certificates?q={prefix}", 1, {"headers": auth}),
            ("bare POST", f"{bare.base}/bare", args.connections,
             {"script": VERIFY_LUA, "env": {**env, "TARGET_PATH": "/bare"}}),
            ("verify", f"{api.base}/api/dsure/verify", args.connections, {"script": VERIFY_LUA, "env": env}),
            ("bare GET", f"{bare.base}/bare", args.connections, {}),
            ("health", f"{api.base}/api/health", args.connections, {}),
            ("public key", f"{api.base}/api/dsure/public-key", args.connections, {}),
        ]
        for label, url, _, options in runs:  # warm-up: imports, caches, the pages these requests read
            common.wrk(url, label="warm-up", connections=2, duration=3, **options)
        results: dict[str, list[common.WrkResult]] = {label: [] for label, *_ in runs}
        for round_number in range(1, args.rounds + 1):
            for label, url, connections, options in runs:
                result = common.wrk(url, label=label, connections=connections, duration=args.duration, **options)
                results[label].append(result)
                print(f"  round {round_number} {result.row()}", flush=True)
        rss_mib = api.rss_kib() / 1024
    finally:
        api.stop()
        bare.stop()

    figures = {label: median_figures(runs) for label, runs in results.items()}
    share = {label: figures[label]["rps"] / figures[base]["rps"]
             for label, base in (("verify", "bare POST"), ("health", "bare GET"), ("public key", "bare GET"))}
    verify = figures["verify"]
    rows = [
        ("admin dashboard (GET /api/admin/stats), p50", f"{figures['dashboard']['p50_ms']:.2f} ms", "≤ 50 ms",
         figures["dashboard"]["p50_ms"] <= 50),
        ("admin search, a term that matches nothing, p50", f"{figures['search miss']['p50_ms']:.2f} ms", "≤ 20 ms",
         figures["search miss"]["p50_ms"] <= 20),
        ("admin search, number prefix, p50", f"{figures['number prefix']['p50_ms']:.2f} ms", "≤ 5 ms",
         figures["number prefix"]["p50_ms"] <= 5),
        (f"D-Sure verify, {args.pairs} random real pairs, c={args.connections}, p99",
         f"{verify['p99_ms']:.1f} ms (p50 {verify['p50_ms']:.1f} ms, {verify['rps']:,.0f} req/s)", "≤ 25 ms",
         verify["p99_ms"] <= 25),
        ("D-Sure verify / bare Litestar POST",
         f"{share['verify']:.0%} ({verify['rps']:,.0f} / {figures['bare POST']['rps']:,.0f} req/s)", "≥ 30 %",
         share["verify"] >= 0.30),
        ("/api/health / bare Litestar GET",
         f"{share['health']:.0%} ({figures['health']['rps']:,.0f} / {figures['bare GET']['rps']:,.0f} req/s)", "≥ 50 %",
         share["health"] >= 0.50),
        ("/api/dsure/public-key / bare Litestar GET",
         f"{share['public key']:.0%} ({figures['public key']['rps']:,.0f} / {figures['bare GET']['rps']:,.0f} req/s)",
         "≥ 75 %", share["public key"] >= 0.75),
    ]
    print(f"\nat {total:,} certificates (medians of {args.rounds} rounds; load average "
          f"{' '.join(Path('/proc/loadavg').read_text().split()[:3])}):")
    print(f"{'figure':<52} {'measured':<44} {'target':<9} verdict")
    for figure, measured, target, ok in rows:
        print(f"{figure:<52} {measured:<44} {target:<9} {common.verdict(ok)}")
    failed = [label for label, f in figures.items() if f["non_2xx"] or f["errors"]]
    if failed:
        print(f"WARNING: non-2xx responses or socket errors in: {', '.join(failed)}")
    seeded = manifest.get("seed_wall_seconds") or manifest.get("seconds")
    elapsed = time.perf_counter() - started
    seed_note = f"seeded in {seeded:,.0f} s (seed.json)" if seeded else "a stopped seed, adopted (seed.py --adopt)"
    print(f"{seed_note}; this run took {elapsed:,.0f} s; server RSS {rss_mib:.0f} MiB")
    name = "ten_years" if total <= 1_000_000 else f"ten_years-{total}"
    path = common.write_result(name, {
        "certificates": total, "database": manifest["database"], "data_dir": str(data_dir), "rounds": args.rounds,
        "duration_s": args.duration, "connections": args.connections, "pairs": args.pairs,
        "seed_seconds": seeded, "run_seconds": round(elapsed, 1), "server_rss_mib": round(rss_mib, 1),
        "figures": figures, "shares": {label: round(value, 3) for label, value in share.items()},
        "verdicts": [{"figure": f, "measured": m, "target": t, "met": ok} for f, m, t, ok in rows],
    })
    print(f"figures: {path.relative_to(common.ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
