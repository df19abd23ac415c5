"""Contractor certificate list: first page latency with 10,000 certificates (DESIGN §8).

    .venv/bin/python bench/certificate_list.py [--data-dir DIR] [--duration 10]

Seeds (once) one contractor with 10,000 certificates (bench/seed.py), starts `hosho api`
(1 worker), logs in, then measures with wrk:

- GET /api/certificates (the first page, 20 items) from one client (c=1: the latency a user
  sees) and from 10 clients at once;
- the same with a search query (工事名 / 発注者 substring, and a 保証契約番号 prefix).

Prints p50 / p99 and requests/s. Target: first page p50 ≤ 10 ms.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from urllib.parse import quote

sys.path.insert(0, str(Path(__file__).resolve().parent))

import common  # noqa: E402

TARGET_P50_MS = 10.0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data-dir", default="/tmp/hosho-bench-list")
    parser.add_argument("--certificates", type=int, default=10_000)
    parser.add_argument("--duration", type=float, default=10.0, help="seconds per wrk run")
    parser.add_argument("--fresh", action="store_true", help="seed again from scratch")
    args = parser.parse_args(argv)

    manifest = common.ensure_seeded(args.data_dir, args.certificates, 1, fresh=args.fresh)
    common.header(f"certificate list: one contractor, {manifest['certificates_total']:,} certificates")
    results = []
    with common.running_server(args.data_dir, workers=1) as server:
        token = common.login(server.base, manifest["companies"][0], manifest["contractor_password"])
        auth = {"Authorization": f"Bearer {token}"}
        first = common.httpx.get(f"{server.base}/api/certificates", headers=auth, timeout=30)
        first.raise_for_status()
        number = first.json()["items"][0]["contract_number"]
        searches = {
            "search 工事名 '橋梁'": "橋梁",
            "search 発注者 '鳥取市'": "鳥取市",
            "search number prefix": number[:7],
        }
        runs = [("first page", "/api/certificates", 1), ("first page", "/api/certificates", 10)]
        runs += [(label, f"/api/certificates?q={quote(q)}", 1) for label, q in searches.items()]
        runs += [("first page, valid only", "/api/certificates?status=valid", 1)]
        common.wrk(f"{server.base}/api/certificates", label="warm-up", connections=2, duration=2, headers=auth)
        for label, path, connections in runs:
            result = common.wrk(f"{server.base}{path}", label=f"{label} (c={connections})", connections=connections,
                                duration=args.duration, headers=auth)
            results.append(result)
            print(result.row())
    first_page = results[0]
    ok = first_page.p50_ms <= TARGET_P50_MS and first_page.non_2xx == 0
    print(f"\nfirst page p50 {first_page.p50_ms:.2f} ms (target ≤ {TARGET_P50_MS:g} ms): {common.verdict(ok)}")
    bad = [r.label for r in results if r.non_2xx or r.errors]
    if bad:
        print(f"non-2xx responses or errors in: {', '.join(bad)}")
    path = common.write_result("certificate_list", {
        "certificates": manifest["certificates_total"], "target_p50_ms": TARGET_P50_MS, "met": ok,
        "runs": [r.as_dict() for r in results],
    })
    print(f"figures: {path.relative_to(common.ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
