"""Key-notice PDF through HTTP: cold and cached medians, and /api/health while PDFs render.

    .venv/bin/python bench/pdf.py [--data-dir DIR] [--cold 15] [--burst-seconds 15] [--tsa]

Every PDF is signed (PAdES-B-B; with --tsa, B-T: a real RFC 3161 TSA is served on loopback
and the server gets HOSHO_TSA_URL), so the cold figure includes signing and the cached one
serves signed bytes; pdfsig checks a cold and a cached response, and the signing step alone
is timed in this process (the same notice signed again and again).

Seeds (once) one contractor with 400 certificates, starts `hosho api` (1 worker), empties
the PDF cache, logs in, then:

1. cold: GET /api/certificates/{n}/documents/auth-key-notice for N certificates never
   rendered before, one after another (after one warm-up render) → median;
2. cached: the same documents again (from the disk cache): the median of 20 rounds from a
   Python client, and the endpoint's median with wrk (one client, the cached documents in
   turn, 10 s) — the figure held against the target (httpx adds its own time per request);
3. /api/health with wrk (--health-connections, default 5) for --burst-seconds, first alone,
   then while 20 clients keep requesting key notices of fresh certificates (so 20 renders
   are always waiting or running: the render pool runs 4 wkhtmltopdf at once) → p99 of both.

Targets: cold ≤ 0.5 s median, cached ≤ 5 ms median, health p99 ≤ 50 ms during the renders.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(1, str(Path(__file__).resolve().parent.parent))  # tests.documents.tsa for --tsa

import common  # noqa: E402
import httpx  # noqa: E402

TARGET_COLD_S = 0.5
TARGET_CACHED_MS = 5.0
TARGET_HEALTH_P99_MS = 50.0
CONCURRENT_RENDERS = 20


def notice_url(base: str, number: str) -> str:
    return f"{base}/api/certificates/{number}/documents/auth-key-notice"


def timed_get(client: httpx.Client, url: str) -> float:
    started = time.perf_counter()
    response = client.get(url)
    elapsed = time.perf_counter() - started
    if response.status_code != 200 or not response.content.startswith(b"%PDF"):
        raise RuntimeError(f"{url}: {response.status_code} {response.text[:200]}")
    return elapsed


def signature_of(pdf: bytes) -> str:
    """pdfsig's verdict on one response: "ETSI.CAdES.detached, Signature is Valid." or what went wrong."""
    with tempfile.NamedTemporaryFile(suffix=".pdf") as handle:
        handle.write(pdf)
        handle.flush()
        out = subprocess.run(["pdfsig", handle.name], capture_output=True, text=True).stdout
    kind = re.search(r"Signature Type: (.+)", out)
    valid = re.search(r"Signature Validation: (.+)", out)
    return f"{kind.group(1) if kind else 'no signature'}, {valid.group(1) if valid else '?'}"


def signing_alone(rounds: int, tsa_url: str | None) -> tuple[float, float]:
    """(render median, sign median) in seconds for the sample key notice, in this process."""
    os.environ["HOSHO_DATA_DIR"] = tempfile.mkdtemp(prefix="hosho-bench-sign-")
    if tsa_url:
        os.environ["HOSHO_TSA_URL"] = tsa_url
    from backend.documents import pades
    from backend.documents.contexts import parse_context, sample_auth_key_notice
    from backend.documents.render import document_info, render_document

    parsed = parse_context("auth-key-notice", sample_auth_key_notice())
    info = document_info("auth-key-notice", parsed)
    pades.sign_pdf(render_document("auth-key-notice", parsed), info)  # first: the CA is created
    renders, signs = [], []
    for _ in range(rounds):
        started = time.perf_counter()
        pdf = render_document("auth-key-notice", parsed)
        renders.append(time.perf_counter() - started)
        started = time.perf_counter()
        pades.sign_pdf(pdf, info)
        signs.append(time.perf_counter() - started)
    return statistics.median(renders), statistics.median(signs)


class RenderBurst:
    """20 concurrent clients requesting never-rendered key notices until stopped."""

    def __init__(self, base: str, headers: dict, numbers: list[str]) -> None:
        self.base, self.headers, self.numbers = base, headers, list(numbers)
        self.times: list[float] = []
        self.failures: list[str] = []
        self.stop = threading.Event()
        self.thread = threading.Thread(target=lambda: asyncio.run(self._run()), daemon=True)

    async def _run(self) -> None:
        limits = httpx.Limits(max_connections=CONCURRENT_RENDERS)
        async with httpx.AsyncClient(headers=self.headers, timeout=120, limits=limits) as client:
            async def one_client() -> None:
                while not self.stop.is_set() and self.numbers:
                    number = self.numbers.pop()
                    started = time.perf_counter()
                    response = await client.get(notice_url(self.base, number))
                    if response.status_code == 200:
                        self.times.append(time.perf_counter() - started)
                    else:
                        self.failures.append(f"{number}: {response.status_code}")

            await asyncio.gather(*[one_client() for _ in range(CONCURRENT_RENDERS)])

    def __enter__(self) -> "RenderBurst":
        self.thread.start()
        time.sleep(1.0)  # let the 20 requests reach the server
        return self

    def __exit__(self, *exc) -> None:
        self.stop.set()
        self.thread.join(timeout=180)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data-dir", default="/tmp/hosho-bench-pdf")
    parser.add_argument("--certificates", type=int, default=400)
    parser.add_argument("--cold", type=int, default=15, help="cold renders measured")
    parser.add_argument("--burst-seconds", type=float, default=15.0)
    parser.add_argument("--health-connections", type=int, default=5)
    parser.add_argument("--fresh", action="store_true")
    parser.add_argument("--tsa", action="store_true", help="PAdES-B-T with a loopback RFC 3161 TSA")
    args = parser.parse_args(argv)
    tsa = stop_tsa = None
    if args.tsa:
        from tests.documents.tsa import start_tsa

        tsa, stop_tsa = start_tsa()
    try:
        return _measure(args, tsa.url if tsa else None)
    finally:
        if stop_tsa:
            stop_tsa()


def _measure(args: argparse.Namespace, tsa_url: str | None) -> int:

    manifest = common.ensure_seeded(args.data_dir, args.certificates, 1, fresh=args.fresh)
    pairs = common.read_pairs(Path(args.data_dir) / "pairs.csv")
    numbers = [number for number, _ in pairs]
    needed = 1 + args.cold + 200
    if len(numbers) < needed:
        raise SystemExit(f"need {needed} certificates in the sample, have {len(numbers)}")
    shutil.rmtree(Path(args.data_dir) / "pdf-cache", ignore_errors=True)  # every document cold again
    level = "PAdES-B-T (loopback TSA)" if tsa_url else "PAdES-B-B"
    common.header(f"key-notice PDF, signed {level}: {manifest['certificates_total']:,} certificates")
    with common.running_server(args.data_dir, workers=1, HOSHO_TSA_URL=tsa_url) as server:
        token = common.login(server.base, manifest["companies"][0], manifest["contractor_password"])
        headers = {"Authorization": f"Bearer {token}"}
        with httpx.Client(headers=headers, timeout=120) as client:
            warm = timed_get(client, notice_url(server.base, numbers[0]))
            cold_numbers = numbers[1:1 + args.cold]
            cold = [timed_get(client, notice_url(server.base, number)) for number in cold_numbers]
            cached = [timed_get(client, notice_url(server.base, number)) for _ in range(20) for number in cold_numbers]
            first_cold = client.get(notice_url(server.base, cold_numbers[0])).content  # from the cache now
            fresh = client.get(notice_url(server.base, numbers[-1])).content  # rendered for this call
        print(f"signature (pdfsig): cold {signature_of(fresh)}; cached {signature_of(first_cold)}")
        cold_median = statistics.median(cold)
        cached_median_ms = statistics.median(cached) * 1000
        print(f"first render after start (warm-up, not counted): {warm * 1000:.0f} ms")
        print(f"cold   median {cold_median * 1000:7.1f} ms  (min {min(cold) * 1000:.0f}, max {max(cold) * 1000:.0f}; "
              f"{len(cold)} documents, one at a time)")
        print(f"cached median {cached_median_ms:7.2f} ms  (p99 {common.percentile(cached, 99) * 1000:.2f} ms; "
              f"{len(cached)} requests, Python client)")
        # The endpoint's own median: wrk (C) from one client over the cached documents in turn; the
        # Python client's median above adds httpx's own time per request.
        paths_file = Path(args.data_dir) / "cached-paths.txt"
        paths_file.write_text("".join(f"/api/certificates/{n}/documents/auth-key-notice\n" for n in cold_numbers))
        cached_wrk = common.wrk(f"{server.base}/api/health", label="cached PDFs (wrk, c=1)", connections=1,
                                duration=10, headers=headers, script=common.BENCH / "wrk" / "paths.lua",
                                env={"PATHS": str(paths_file)})
        print(cached_wrk.row())

        health_url = f"{server.base}/api/health"
        alone = common.wrk(health_url, label="health alone", connections=args.health_connections,
                           duration=args.burst_seconds)
        print(alone.row())
        burst_numbers = numbers[1 + args.cold:-1]  # the last one was rendered for the signature check
        with RenderBurst(server.base, headers, burst_numbers) as burst:
            during = common.wrk(health_url, label=f"health, {CONCURRENT_RENDERS} PDFs rendering",
                                connections=args.health_connections, duration=args.burst_seconds)
            rendered_during = len(burst.times)
        print(during.row())
        renders = burst.times
        print(f"   renders finished during the burst: {rendered_during} "
              f"({rendered_during / args.burst_seconds:.1f}/s; each waited+rendered median "
              f"{statistics.median(renders) * 1000:.0f} ms)" if renders else "   no render finished!")
        if burst.failures:
            print(f"   render failures: {burst.failures[:5]}")
        if len(burst.numbers) == 0:
            print("   WARNING: ran out of fresh certificates before the end of the burst (seed more)")

    render_s, sign_s = signing_alone(9, tsa_url)
    print(f"in process: wkhtmltopdf median {render_s * 1000:.0f} ms, metadata + signature median {sign_s * 1000:.1f} ms")

    cold_ok = cold_median <= TARGET_COLD_S
    cached_ok = cached_wrk.p50_ms <= TARGET_CACHED_MS and cached_wrk.non_2xx == 0
    health_ok = during.p99_ms <= TARGET_HEALTH_P99_MS and during.non_2xx == 0 and during.errors == 0
    print(f"\ncold median {cold_median:.3f} s (target ≤ {TARGET_COLD_S} s): {common.verdict(cold_ok)}")
    print(f"cached median {cached_wrk.p50_ms:.2f} ms (wrk; Python client {cached_median_ms:.2f} ms) "
          f"(target ≤ {TARGET_CACHED_MS:g} ms): {common.verdict(cached_ok)}")
    print(f"health p99 during {CONCURRENT_RENDERS} renders {during.p99_ms:.1f} ms (alone {alone.p99_ms:.1f} ms; "
          f"target ≤ {TARGET_HEALTH_P99_MS:g} ms): {common.verdict(health_ok)}")
    path = common.write_result("pdf-tsa" if tsa_url else "pdf", {
        "warm_up_ms": round(warm * 1000, 1),
        "cold_median_s": round(cold_median, 3), "cold_all_ms": [round(t * 1000, 1) for t in cold],
        "cached_median_ms": round(cached_median_ms, 2), "cached_wrk": cached_wrk.as_dict(),
        "health_alone": alone.as_dict(), "health_during_renders": during.as_dict(),
        "renders_during_burst": len(renders),
        "signature": level, "render_alone_ms": round(render_s * 1000, 1), "sign_alone_ms": round(sign_s * 1000, 1),
        "met": {"cold": cold_ok, "cached": cached_ok, "health_p99": health_ok},
    })
    print(f"figures: {path.relative_to(common.ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
