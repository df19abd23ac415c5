"""Profile one endpoint in-process with pyinstrument (where does a request's time go?).

    .venv/bin/python bench/profile_endpoint.py --data-dir /tmp/hosho-bench-list list
    .venv/bin/python bench/profile_endpoint.py --data-dir /tmp/hosho-bench-dsure verify
    .venv/bin/python bench/profile_endpoint.py --data-dir DIR health --requests 2000
    .venv/bin/python bench/profile_endpoint.py --data-dir DIR dashboard          # GET /api/admin/stats
    .venv/bin/python bench/profile_endpoint.py --data-dir DIR admin-search [--q 2070001]

The app runs in this process (the real lifespan, the seeded data dir), requests go through
httpx's ASGI transport from 10 concurrent tasks, and pyinstrument prints the call tree
(``--html FILE`` writes the interactive page). The ASGI transport is cheaper than a socket
but the application's share of the tree is what a server spends.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("endpoint", choices=["health", "list", "search", "verify", "pdf-cached", "dashboard",
                                             "admin-search"])
    parser.add_argument("--q", default=None, help="admin-search: the query (default: a term that matches nothing; "
                                                  "a number prefix when digits)")
    parser.add_argument("--data-dir", required=True)
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--requests", type=int, default=1000)
    parser.add_argument("--concurrency", type=int, default=10)
    parser.add_argument("--html", default=None)
    args = parser.parse_args(argv)
    os.environ["HOSHO_DATA_DIR"] = str(Path(args.data_dir).resolve())
    os.environ["HOSHO_DSURE_ATTEMPTS_PER_MINUTE"] = "0"
    if args.database_url:
        os.environ["HOSHO_DATABASE_URL"] = args.database_url
    sys.path.insert(0, str(ROOT))
    return asyncio.run(run(args))


async def run(args) -> int:
    import logging

    import httpx
    from pyinstrument import Profiler

    logging.getLogger("httpx").setLevel(logging.WARNING)

    from backend.app import app_lifespan, create_app

    manifest = json.loads((Path(args.data_dir) / "seed.json").read_text())
    pairs = [line.split(",") for line in (Path(args.data_dir) / "pairs.csv").read_text().split()]
    app = create_app()
    async with app_lifespan(app):
        transport = httpx.ASGITransport(app=app, client=("127.0.0.1", 50000))
        async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:
            headers = {}
            if args.endpoint in ("list", "search", "pdf-cached"):
                login = await client.post("/api/auth/login", json={
                    "login_id": manifest["companies"][0], "password": manifest["contractor_password"]})
                headers = {"Authorization": f"Bearer {login.json()['token']}"}
            elif args.endpoint in ("dashboard", "admin-search"):
                # Staff log in with a TOTP code; the first login sets it up (the secret kept in the data dir).
                sys.path.insert(0, str(Path(__file__).resolve().parent))
                import common

                data_dir, login_id = Path(args.data_dir), manifest["admin_login"]
                login = await client.post("/api/auth/login", json=common.login_body(
                    login_id, manifest["admin_password"], data_dir))
                headers = {"Authorization": f"Bearer {login.json()['token']}"}
                if login.json().get("totp_setup_required"):
                    started = (await client.post("/api/auth/totp", headers=headers)).json()
                    code = common.totp_code(data_dir, login_id, started["secret"])
                    (await client.post("/api/auth/totp/confirm", json={"otp": code}, headers=headers)).raise_for_status()
            cycle = itertools.cycle(pairs)

            async def one() -> int:
                if args.endpoint == "health":
                    response = await client.get("/api/health")
                elif args.endpoint == "list":
                    response = await client.get("/api/certificates", headers=headers)
                elif args.endpoint == "search":
                    response = await client.get("/api/certificates", params={"q": "橋梁"}, headers=headers)
                elif args.endpoint == "dashboard":
                    response = await client.get("/api/admin/stats", headers=headers)
                elif args.endpoint == "admin-search":
                    response = await client.get("/api/admin/certificates", params={"q": args.q or "該当のない工事名"},
                                                headers=headers)
                elif args.endpoint == "pdf-cached":
                    response = await client.get(f"/api/certificates/{pairs[0][0]}/documents/auth-key-notice",
                                                headers=headers)
                else:
                    number, key = next(cycle)
                    response = await client.post("/api/dsure/verify", json={"contract_number": number, "auth_key": key})
                return response.status_code

            for _ in range(20):
                await one()  # warm-up (and, for pdf-cached, the one render)
            remaining = args.requests
            statuses: dict[int, int] = {}

            async def worker() -> None:
                nonlocal remaining
                while remaining > 0:
                    remaining -= 1
                    status = await one()
                    statuses[status] = statuses.get(status, 0) + 1

            profiler = Profiler(interval=0.0005, async_mode="disabled")
            started = time.perf_counter()
            profiler.start()
            await asyncio.gather(*[worker() for _ in range(args.concurrency)])
            profiler.stop()
            elapsed = time.perf_counter() - started
    print(f"{args.requests} × {args.endpoint} in {elapsed:.2f} s ({args.requests / elapsed:.0f}/s in-process), "
          f"statuses {statuses}")
    print(profiler.output_text(unicode=True, color=False, show_all=False))
    if args.html:
        Path(args.html).write_text(profiler.output_html())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
