"""The D-Sure page in headless Chromium at a phone viewport: bytes and submit-to-result time.

    .venv/bin/python bench/dsure_page.py [--runs 5]

Seeds a data dir with 200 certificates (bench/seed.py), starts `hosho run` (UI + API on
one port, 127.0.0.1; the first production build of the frontend takes about a minute) with
HOSHO_UI_BLANK_PAGE=1, and drives Debian's Chromium through Playwright at 390×844:

1. bytes transferred (the encoded sizes of every response, from the DevTools protocol's
   Network.loadingFinished, in a fresh context: nothing cached) to load /dsure?no=… until
   the network is idle, against the same for /bench-blank — a page whose component is an
   empty rx.fragment() in the same app: everything any Reflex page of this app must load
   (runtime, router, theme, state websocket) and nothing else. That is the "blank Reflex
   page" of DESIGN §8; a separate blank app would leave out the app's shared theme and
   state and make the D-Sure page look heavier than it is. WebSocket frames are reported
   beside (Reflex state events), not in the ratio;
2. submit-to-result: with the page loaded and the key typed, the time from clicking
   「閲覧する」 to the certificate (#result) being visible, for --runs different pairs.

Targets: bytes ≤ 1.3 × the blank page; submit-to-result ≤ 1 s on localhost.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import common  # noqa: E402

CHROMIUM = os.environ.get("HOSHO_TEST_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]
PHONE = {"width": 390, "height": 844}
TARGET_RATIO = 1.3
TARGET_SUBMIT_S = 1.0


def other_reflex_builds() -> list[str]:
    """`reflex run` processes of others in this checkout: they share .web/, so wait for them."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            cwd = os.readlink(entry / "cwd")
        except OSError:
            continue
        if "reflex run" in cmdline and cwd == str(common.ROOT):
            found.append(f"{entry.name}: {cmdline[:120]}")
    return found


def private_web_dir(data_dir: Path) -> Path | None:
    """A copy of the project's .web sharing its node_modules (as tests/browser does): `reflex run`
    rebuilds the frontend in its web dir, and two builds in one dir break each other."""
    source = common.ROOT / ".web"
    if not (source / "node_modules").is_dir():
        return None
    target = data_dir / "web"
    shutil.rmtree(target, ignore_errors=True)
    shutil.copytree(source, target, symlinks=True, ignore=shutil.ignore_patterns("node_modules", "build"))
    (target / "node_modules").symlink_to(source / "node_modules", target_is_directory=True)
    return target


def start_ui(data_dir: Path, port: int, web_dir: Path | None) -> subprocess.Popen:
    env = common.bench_env(data_dir, HOSHO_DSURE_ATTEMPTS_PER_MINUTE="0", HOSHO_UI_BLANK_PAGE="1",
                           HOSHO_PUBLIC_URL=f"http://127.0.0.1:{port}")
    if web_dir is not None:
        env["REFLEX_WEB_WORKDIR"] = str(web_dir)
    env["PATH"] = f"{common.ROOT / '.tools' / 'node_modules' / '.bin'}{os.pathsep}{env.get('PATH', '')}"
    env["REFLEX_USE_SYSTEM_BUN"] = "1"
    log = open(data_dir / "ui.log", "ab")
    return subprocess.Popen([str(common.HOSHO), "run", "--host", "127.0.0.1", "--port", str(port)], cwd=str(common.ROOT),
                            env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)


def wait_ui(base: str, process: subprocess.Popen, log: Path, timeout: float = 400) -> float:
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        if process.poll() is not None:
            raise SystemExit(f"hosho run exited:\n{log.read_text(errors='replace')[-3000:]}")
        try:
            page = common.httpx.get(f"{base}/bench-blank", timeout=5, follow_redirects=True)
            health = common.httpx.get(f"{base}/api/health", timeout=5)
            if page.status_code == 200 and "<html" in page.text.lower() and health.status_code == 200:
                return time.monotonic() - started
        except common.httpx.HTTPError:
            pass
        time.sleep(1)
    raise SystemExit(f"hosho run not ready after {timeout} s:\n{log.read_text(errors='replace')[-3000:]}")


def page_bytes(browser, base: str, path: str) -> dict:
    context = browser.new_context(viewport=PHONE, base_url=base)
    page = context.new_page()
    cdp = context.new_cdp_session(page)
    cdp.send("Network.enable")
    sizes: list[int] = []
    frames: list[int] = []
    cdp.on("Network.loadingFinished", lambda event: sizes.append(int(event["encodedDataLength"])))
    cdp.on("Network.webSocketFrameReceived", lambda event: frames.append(len(event["response"]["payloadData"])))
    cdp.on("Network.webSocketFrameSent", lambda event: frames.append(len(event["response"]["payloadData"])))
    page.goto(path)
    page.wait_for_load_state("networkidle")
    page.wait_for_timeout(500)
    context.close()
    return {"bytes": sum(sizes), "responses": len(sizes), "websocket_bytes": sum(frames)}


def submit_to_result(browser, base: str, number: str, key: str) -> float:
    context = browser.new_context(viewport=PHONE, base_url=base)
    page = context.new_page()
    page.goto(f"/dsure?no={number}")
    page.wait_for_load_state("networkidle")
    page.get_by_label("認証キー").fill(key)
    started = time.perf_counter()
    page.get_by_role("button", name="閲覧する").click()
    page.locator("#result").wait_for(state="visible", timeout=30_000)
    elapsed = time.perf_counter() - started
    context.close()
    return elapsed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data-dir", default="/tmp/hosho-bench-page")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--fresh", action="store_true")
    args = parser.parse_args(argv)
    from playwright.sync_api import sync_playwright

    common.ensure_seeded(args.data_dir, 200, 2, fresh=args.fresh)
    pairs = common.read_pairs(Path(args.data_dir) / "pairs.csv")
    web_dir = private_web_dir(Path(args.data_dir))
    while web_dir is None and (others := other_reflex_builds()):
        print(f"waiting for another `reflex run` in this checkout to finish (the first build makes .web/): {others[0]}")
        time.sleep(15)
    port = common.free_port(8560)
    base = f"http://127.0.0.1:{port}"
    common.header(f"D-Sure page: `hosho run` on {base}, Chromium at {PHONE['width']}×{PHONE['height']}")
    process = start_ui(Path(args.data_dir), port, web_dir)
    try:
        ready = wait_ui(base, process, Path(args.data_dir) / "ui.log")
        print(f"   hosho run ready after {ready:.0f} s (includes the frontend build)")
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            page_bytes(browser, base, "/bench-blank")  # warm the server's compiled pages, not the browser
            blanks = [page_bytes(browser, base, "/bench-blank") for _ in range(3)]
            dsures = [page_bytes(browser, base, f"/dsure?no={pairs[0][0]}") for _ in range(3)]
            submit_to_result(browser, base, *pairs[0])  # warm-up
            times = [submit_to_result(browser, base, number, key) for number, key in pairs[1:1 + args.runs]]
            browser.close()
    finally:
        common.stop_process_group(process, timeout=30)
    blank = statistics.median(b["bytes"] for b in blanks)
    dsure = statistics.median(d["bytes"] for d in dsures)
    ratio = dsure / blank
    median_s = statistics.median(times)
    print(f"blank Reflex page  {blank / 1024:8.1f} KiB in {blanks[0]['responses']} responses "
          f"(+{blanks[0]['websocket_bytes'] / 1024:.1f} KiB WebSocket frames)")
    print(f"D-Sure page        {dsure / 1024:8.1f} KiB in {dsures[0]['responses']} responses "
          f"(+{dsures[0]['websocket_bytes'] / 1024:.1f} KiB WebSocket frames)")
    print(f"submit-to-result   median {median_s * 1000:.0f} ms (min {min(times) * 1000:.0f}, max {max(times) * 1000:.0f}; "
          f"{len(times)} pairs)")
    bytes_ok = ratio <= TARGET_RATIO
    submit_ok = median_s <= TARGET_SUBMIT_S
    print(f"\nbytes ratio {ratio:.2f}× the blank page (target ≤ {TARGET_RATIO}×): {common.verdict(bytes_ok)}")
    print(f"submit-to-result {median_s * 1000:.0f} ms (target ≤ {TARGET_SUBMIT_S * 1000:.0f} ms): {common.verdict(submit_ok)}")
    path = common.write_result("dsure_page", {
        "viewport": PHONE, "blank": blanks, "dsure": dsures, "ratio": round(ratio, 3),
        "submit_to_result_ms": [round(t * 1000) for t in times], "submit_median_ms": round(median_s * 1000),
        "met": {"bytes": bytes_ok, "submit_to_result": submit_ok},
    })
    print(f"figures: {path.relative_to(common.ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
