"""D-Sure alone (`hosho dsure`) serving what an e-Net published to it over HTTP (issue #12).

    .venv/bin/python bench/dsure_shared.py [--certificates 5000] [--connections 50] [--duration 15]

1. seeds an e-Net data dir (bench/seed.py), then marks its outbox pending again, so
2. `hosho api` with HOSHO_DSURE_URL publishes every certificate to a fresh `hosho dsure`
   (its own data dir and SQLite database): publications per second, signed, sealed and
   verified on arrival, through the real worker and route;
3. with wrk on D-Sure: GET /api/health, POST /api/dsure/verify (a different seeded pair per
   request, bench/wrk/dsure_verify.lua), GET /api/dsure/public-key (no database), and the
   bare Litestar POST of bench/dsure_verify.py --bare (same server settings, same bodies,
   same run): verify as a share of it is DESIGN §8's Round 2 figure.

Writes bench/out/dsure_shared.json. Every verify must answer 200.
"""

from __future__ import annotations

import argparse
import shutil
import sqlite3
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import common  # noqa: E402
import dsure_verify  # noqa: E402

LUA = common.BENCH / "wrk" / "dsure_verify.lua"


def pending(database: Path) -> int:
    connection = sqlite3.connect(database)
    try:
        return connection.execute("SELECT COUNT(*) FROM publication_outbox WHERE status = 'pending'").fetchone()[0]
    finally:
        connection.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data-dir", default="/tmp/hosho-bench-dsure-shared")
    parser.add_argument("--certificates", type=int, default=5000)
    parser.add_argument("--connections", type=int, default=50)
    parser.add_argument("--duration", type=float, default=15.0)
    parser.add_argument("--fresh", action="store_true")
    args = parser.parse_args(argv)

    root = Path(args.data_dir)
    enet_dir, dsure_dir = root / "enet", root / "dsure"
    manifest = common.ensure_seeded(enet_dir, args.certificates, 20, sample_size=2000, fresh=args.fresh)
    if dsure_dir.exists():
        shutil.rmtree(dsure_dir)
    dsure_dir.mkdir(parents=True)
    connection = sqlite3.connect(enet_dir / "hosho.sqlite")
    with connection:
        connection.execute("UPDATE publication_outbox SET status = 'pending', attempts = 0")
    connection.close()
    total = pending(enet_dir / "hosho.sqlite")
    common.header(f"D-Sure alone: {total:,} certificates published by one e-Net over HTTP, SQLite")

    dsure = common.start_server(dsure_dir, command=("dsure", "--data-dir", str(dsure_dir)),
                                HOSHO_DSURE_ATTEMPTS_PER_MINUTE="0")
    try:
        key = subprocess_out(["issuer-key"], common.bench_env(enet_dir))
        (root / "issuer-207.pem").write_text(key)
        subprocess_out(["dsure", "--data-dir", str(dsure_dir), "add-issuer", "--code", "207",
                        "--name", "西日本建設業保証株式会社", "--public-key", str(root / "issuer-207.pem")],
                       common.bench_env(dsure_dir))
        started = time.perf_counter()
        enet = common.start_server(enet_dir, HOSHO_DSURE_URL=dsure.base)
        try:
            while pending(enet_dir / "hosho.sqlite") and time.perf_counter() - started < 1800:
                time.sleep(0.5)
            seconds = time.perf_counter() - started
        finally:
            enet.stop()
        left = pending(enet_dir / "hosho.sqlite")
        rate = (total - left) / seconds
        print(f"published {total - left:,} of {total:,} in {seconds:.1f} s (incl. e-Net start): {rate:,.0f}/s")
        pairs = enet_dir / "pairs.csv"
        number, key_text = common.read_pairs(pairs)[0]
        response = common.httpx.post(f"{dsure.base}/api/dsure/verify", json={"contract_number": number, "auth_key": key_text})
        if response.status_code != 200 or not response.json().get("signature_valid"):
            raise SystemExit(f"verify at D-Sure failed: {response.status_code} {response.text[:300]}")
        env = {"PAIRS": str(pairs)}
        verify_url = f"{dsure.base}/api/dsure/verify"
        common.wrk(verify_url, label="warm-up", connections=10, duration=5, script=LUA, env=env)
        health = common.wrk(f"{dsure.base}/api/health", label="D-Sure GET /api/health",
                            connections=args.connections, duration=args.duration)
        print(health.row())
        verify = common.wrk(verify_url, label="D-Sure POST /api/dsure/verify", connections=args.connections,
                            duration=args.duration, script=LUA, env=env)
        print(verify.row())
        light = common.wrk(verify_url, label="D-Sure POST /api/dsure/verify", connections=10,
                           duration=min(args.duration, 10), script=LUA, env=env)
        print(light.row())
        ceiling = common.wrk(f"{dsure.base}/api/dsure/public-key", label="D-Sure GET /api/dsure/public-key (no DB)",
                             connections=args.connections, duration=min(args.duration, 10))
        print(ceiling.row())
        with dsure_verify.bare_server(str(dsure_dir), 1) as bare:
            bare_env = {**env, "TARGET_PATH": "/bare"}
            common.wrk(f"{bare.base}/bare", label="warm-up", connections=10, duration=3, script=LUA, env=bare_env)
            bare_post = common.wrk(f"{bare.base}/bare", label="bare POST /bare (msgspec body)",
                                   connections=args.connections, duration=args.duration, script=LUA, env=bare_env)
            print(bare_post.row())
            # Verify again right after, so the share compares neighbours in time on a shared machine.
            verify_again = common.wrk(verify_url, label="D-Sure POST /api/dsure/verify (again)",
                                      connections=args.connections, duration=args.duration, script=LUA, env=env)
            print(verify_again.row())
        rss = dsure.rss_kib()
    finally:
        dsure.stop()
    ratio = verify.rps / health.rps if health.rps else 0.0
    verify_rps = (verify.rps + verify_again.rps) / 2
    bare_share = verify_rps / bare_post.rps if bare_post.rps else 0.0
    print(f"\nverify/health on D-Sure alone = {verify.rps:.0f}/{health.rps:.0f} = {ratio * 100:.1f} %")
    print(f"verify (mean of the two runs)/bare POST = {verify_rps:.0f}/{bare_post.rps:.0f} = {bare_share * 100:.1f} % "
          f"(target ≥ 30 %): {common.verdict(bare_share >= 0.30)}")
    print(f"verify p99 at {args.connections} connections = {verify.p99_ms:.1f} ms (target ≤ 25 ms): "
          f"{common.verdict(verify.p99_ms <= 25)}")
    for run in (verify, verify_again, light):
        if run.non_2xx or run.errors:
            print(f"WARNING: {run.non_2xx} non-2xx responses, {run.errors} socket errors during {run.label}")
    path = common.write_result("dsure_shared", {
        "certificates": manifest["certificates_total"], "published": total - left, "publish_seconds": round(seconds, 1),
        "publications_per_s": round(rate, 1), "connections": args.connections, "duration_s": args.duration,
        "health": health.as_dict(), "verify": verify.as_dict(), "verify_c10": light.as_dict(),
        "no_db_ceiling": ceiling.as_dict(), "ratio": round(ratio, 4), "dsure_rss_mib": round(rss / 1024, 1),
        "verify_again": verify_again.as_dict(), "bare_post": bare_post.as_dict(), "bare_share": round(bare_share, 4),
    })
    print(f"figures: {path.relative_to(common.ROOT)}")
    return 0


def subprocess_out(args: list[str], env: dict[str, str]) -> str:
    import subprocess

    result = subprocess.run([str(common.HOSHO), *args], cwd=str(common.ROOT), env=env, capture_output=True, text=True)
    if result.returncode != 0:
        raise SystemExit(f"hosho {' '.join(args)} failed: {result.stderr}")
    return result.stdout


if __name__ == "__main__":
    raise SystemExit(main())
