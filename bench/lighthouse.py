"""Lighthouse (mobile preset) over the product's pages: the four scores, LCP, TBT, CLS and bytes.

    scripts/setup.sh bench    # Lighthouse 12.2.3 from the npm registry into .tools/
    .venv/bin/python bench/lighthouse.py [--runs 1] [--pages /dsure,/login]

Loads the demo data into a data dir of its own (`hosho demo`), starts `hosho run` on
127.0.0.1 (the first production build takes about a minute), and starts one Debian Chromium
(`CHROME_PATH`, default /usr/bin/chromium; flags --headless=new --no-sandbox
--disable-background-networking) with a DevTools port. Playwright logs the demo contractor
and the demo admin in through the pages (the tokens live in the browser's localStorage),
then Lighthouse audits each page in that same browser (`--port`, `--disable-storage-reset`,
so logged-in pages stay logged in; the public pages are audited before, cold). Lighthouse's
defaults otherwise: mobile form factor, simulated slow 4G and a 4× CPU slowdown.

Targets (DESIGN §8, Round 2): performance ≥ 90 on /dsure and /login, ≥ 80 on logged-in
pages, accessibility 100. Scores are medians over --runs; the machine's load average is
printed beside them (other processes slow the trace Lighthouse simulates from).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import common  # noqa: E402
from dsure_page import private_web_dir, start_ui, wait_ui  # noqa: E402

CHROME = os.environ.get("CHROME_PATH", "/usr/bin/chromium")
CHROME_FLAGS = ["--headless=new", "--no-sandbox", "--disable-background-networking"]
LIGHTHOUSE = common.ROOT / ".tools" / "node_modules" / ".bin" / "lighthouse"
CATEGORIES = ("performance", "accessibility", "best-practices", "seo")
PUBLIC = ["/dsure", "/login", "/register"]
CONTRACTOR = ["/applications", "/applications/new", "/certificates", "/account"]
ADMIN = ["/admin", "/admin/applications", "/admin/orderers"]
TARGET_PUBLIC, TARGET_LOGGED_IN, TARGET_A11Y = 90, 80, 100
DEMO_CONTRACTOR_PASSWORD = "demo-pass-2025"  # backend/demo/seed.py
DEMO_ADMIN = ("admin", "Hosho-Demo-2025")


def seed_demo(data_dir: Path) -> str:
    """`hosho demo` (idempotent) in the data dir; the demo contractor's お客様ID."""
    done = subprocess.run([str(common.HOSHO), "demo"], cwd=common.ROOT, env=common.bench_env(data_dir),
                          capture_output=True, text=True, check=True, timeout=300)
    for line in done.stdout.splitlines():
        if "承認済" in line and "お客様ID" in line:
            return line.split("お客様ID", 1)[1].split("/")[0].strip()
    raise SystemExit(f"hosho demo printed no contractor login:\n{done.stdout}")


def start_chrome(port: int, profile: Path) -> subprocess.Popen:
    return subprocess.Popen(
        [CHROME, *CHROME_FLAGS, f"--remote-debugging-port={port}", f"--user-data-dir={profile}", "--no-first-run",
         "--lang=ja-JP", "about:blank"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
    )


def log_in(debug_port: int, base: str, customer_id: str, data_dir: Path) -> None:
    """Log the contractor and the admin in through the pages, in the browser Lighthouse then uses.

    The admin gives a two-factor code; at its first login in a data dir it sets two-factor up on
    the setup page (the secret kept in the data dir, ``common.totp_code``)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.connect_over_cdp(f"http://127.0.0.1:{debug_port}")
        page = browser.contexts[0].new_page()
        for path, login_id, password, landing in (
            ("/login", customer_id, DEMO_CONTRACTOR_PASSWORD, "**/applications"),
            ("/admin/login", *DEMO_ADMIN, "**/admin"),
        ):
            page.goto(base + path)
            page.locator("#hs-ready").wait_for(state="attached", timeout=60_000)
            page.locator("input[name=login_id]").fill(login_id)
            page.locator("input[name=password]").fill(password)
            if path == "/admin/login":
                page.locator("input[name=otp]").fill(common.totp_code(data_dir, login_id) or "")
            page.locator("button[type=submit]").click()
            if path == "/admin/login":
                page.wait_for_url(re.compile(r"/admin(/two-factor)?$"), timeout=60_000)
                if page.url.endswith("/two-factor"):
                    secret = page.locator("#totp-secret").inner_text(timeout=60_000).replace(" ", "")
                    page.locator("input[name=otp]").fill(common.totp_code(data_dir, login_id, secret))
                    page.locator("button[type=submit]").click()
                    page.locator("#recovery-codes").wait_for(timeout=60_000)
                    page.goto(base + "/admin")
            else:  # the login's redirect must land before the next page is opened, or it lands there
                page.wait_for_url(landing, timeout=60_000)
        page.close()


def audit(debug_port: int, url: str, out: Path, *, logged_in: bool) -> dict:
    """One Lighthouse run (mobile preset) of ``url`` in the running browser: a cold first visit for
    the public pages (storage and cache cleared), the logged-in state kept for the others."""
    command = [str(LIGHTHOUSE), url, f"--port={debug_port}", "--output=json", f"--output-path={out}", "--quiet",
               f"--only-categories={','.join(CATEGORIES)}", f"--chrome-flags={' '.join(CHROME_FLAGS)}", "--locale=ja"]
    if logged_in:
        command.append("--disable-storage-reset")
    subprocess.run(command, check=True, timeout=300, env={**os.environ, "CHROME_PATH": CHROME})
    report = json.loads(out.read_text())
    audits = report["audits"]
    return {
        **{name: round((report["categories"][name]["score"] or 0) * 100) for name in CATEGORIES},
        "lcp_ms": round(audits["largest-contentful-paint"]["numericValue"]),
        "tbt_ms": round(audits["total-blocking-time"]["numericValue"]),
        "cls": round(audits["cumulative-layout-shift"]["numericValue"], 3),
        "bytes": round(audits["total-byte-weight"]["numericValue"]),
        "failed_a11y": [key for key, ref in ((r["id"], r) for r in report["categories"]["accessibility"]["auditRefs"])
                        if ref["weight"] and (audits[key]["score"] is not None and audits[key]["score"] < 1)],
    }


def median_run(runs: list[dict]) -> dict:
    """The run with the median performance score (its metrics belong together)."""
    ordered = sorted(runs, key=lambda run: run["performance"])
    return ordered[len(ordered) // 2]


def target(path: str) -> int:
    return TARGET_PUBLIC if path in ("/dsure", "/login") else TARGET_LOGGED_IN


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data-dir", default="/tmp/hosho-bench-lighthouse")
    parser.add_argument("--runs", type=int, default=1, help="Lighthouse runs per page (median reported)")
    parser.add_argument("--pages", help="comma-separated paths (default: every page below)")
    args = parser.parse_args(argv)
    if not LIGHTHOUSE.exists():
        raise SystemExit("Lighthouse missing: run scripts/setup.sh bench")
    data_dir = Path(args.data_dir)
    data_dir.mkdir(parents=True, exist_ok=True)
    customer_id = seed_demo(data_dir)
    pages = args.pages.split(",") if args.pages else [*PUBLIC, *CONTRACTOR, *ADMIN]
    port, debug_port = common.free_port(8570), common.free_port(8590)
    base = f"http://127.0.0.1:{port}"
    common.header(f"Lighthouse (mobile) against `hosho run` on {base}, {args.runs} run(s) per page")
    ui = start_ui(data_dir, port, private_web_dir(data_dir))
    profile = Path(tempfile.mkdtemp(prefix="hosho-lighthouse-profile-"))
    chrome = None
    results: dict[str, dict] = {}
    try:
        print(f"   hosho run ready after {wait_ui(base, ui, data_dir / 'ui.log'):.0f} s (includes the frontend build)")
        chrome = start_chrome(debug_port, profile)
        common.wait_http(f"http://127.0.0.1:{debug_port}/json/version", timeout=30)
        # The public pages first, cold; then log in (through the pages) for the others.
        for logged_in in (False, True):
            if logged_in:
                log_in(debug_port, base, customer_id, data_dir)
            for path in [path for path in pages if (path not in PUBLIC) == logged_in]:
                slug = path.strip("/").replace("/", "-") or "root"  # each page's reports kept, to read
                runs = [audit(debug_port, base + path, data_dir / f"lighthouse-{slug}-{i}.json", logged_in=logged_in)
                        for i in range(args.runs)]
                results[path] = row = {**median_run(runs), "performance_runs": [run["performance"] for run in runs]}
                print(f"{path:22} perf {row['performance']:3} a11y {row['accessibility']:3} "
                      f"bp {row['best-practices']:3} seo {row['seo']:3}  LCP {row['lcp_ms'] / 1000:4.1f} s  "
                      f"TBT {row['tbt_ms']:4} ms  CLS {row['cls']:.3f}  {row['bytes'] / 1024:6.0f} KiB"
                      + (f"  a11y misses: {', '.join(row['failed_a11y'])}" if row["failed_a11y"] else ""))
    finally:
        for process in (chrome, ui):
            if process is not None:
                common.stop_process_group(process, timeout=30)
    met = {path: row["performance"] >= target(path) and row["accessibility"] >= TARGET_A11Y
           for path, row in results.items()}
    print()
    for path, ok in met.items():
        print(f"{path:22} performance ≥ {target(path)} and accessibility {TARGET_A11Y}: {common.verdict(ok)}")
    if results:
        print(f"median performance over pages: {statistics.median(r['performance'] for r in results.values())}")
    out = common.write_result("lighthouse", {"pages": results, "met": met, "runs": args.runs})
    print(f"figures: {out.relative_to(common.ROOT)}  (finished {time.strftime('%H:%M:%S')})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
