"""How documents are rendered: fonts, pixels, text extraction, the cache, the pool."""

from __future__ import annotations

import asyncio
import secrets
import statistics
import subprocess
import threading
import time
import uuid

import pytest

from backend.documents import cache_key, render_pdf
from backend.documents import render as render_module
from backend.documents.contexts import sample_auth_key_notice, sample_certificate
from backend.documents.tounicode import fix_tounicode
from backend.settings import get_settings
from tests.documents.pdftools import _write, pdf_fonts, render_gray


def unique_notice(**overrides) -> dict:
    """A key notice of a certificate no other test has rendered (so it is not in the cache)."""
    number = f"207{secrets.randbelow(10**7):07d}"
    return sample_auth_key_notice(
        contract_number=number, project_name=f"○○道路改良工事（{uuid.uuid4().hex[:8]}）", **overrides
    )


async def test_fonts_are_embedded_and_page_one_is_not_blank(tmp_path) -> None:
    pdf = await render_pdf("certificate", sample_certificate())
    fonts = dict(pdf_fonts(pdf))
    assert fonts.get("IPAexMincho") is True and fonts.get("IPAexGothic") is True, fonts
    assert all(fonts.values()), f"a font is not embedded: {fonts}"

    notice = await render_pdf("auth-key-notice", sample_auth_key_notice())
    assert dict(pdf_fonts(notice)).get("IPAexGothic") is True

    # page 1 as PNG, the way a person would look at it
    source = _write(pdf)
    try:
        subprocess.run(["pdftoppm", "-png", "-r", "60", "-f", "1", "-l", "1", str(source), str(tmp_path / "p")],
                       check=True)
    finally:
        source.unlink()
    png = next(tmp_path.glob("p*.png")).read_bytes()
    assert png.startswith(b"\x89PNG") and len(png) > 20_000  # a blank A4 page at 60 dpi is ~2 kB
    gray = render_gray(pdf, dpi=60)
    dark = sum(1 for value in gray.pixels if value < 160) / len(gray.pixels)
    assert 0.01 < dark < 0.4, dark
    # the page is A4 portrait: 210 × 297 mm at 60 dpi
    assert (gray.width, gray.height) == (496, 702)


async def test_extracted_text_has_ideographs_not_radicals() -> None:
    pdf = await render_pdf("certificate", sample_certificate())
    source = _write(pdf)
    try:
        text = subprocess.run(["pdftotext", "-raw", str(source), "-"], capture_output=True, check=True).stdout
    finally:
        source.unlink()
    text = text.decode("utf-8")  # no NFKC here: what a user copies out of the PDF
    assert not [ch for ch in text if 0x2E80 <= ord(ch) <= 0x2FDF]
    assert "西日本建設業保証株式会社" in text and "理事長" in text and "日" in text
    assert "閲覧用—提出書類ではありません—" in text.replace(" ", "").replace("\n", "")


def test_fix_tounicode_is_a_same_length_edit() -> None:
    cmap = (
        b"2 beginbfrange\n<0000> <0000> <0000>\n<0001> <0003> [<2F47> <672C> <2ED1>]\nendbfrange\n"
        b"1 beginbfchar\n<0004> <0336>\nendbfchar\n"
        b"1 beginbfrange\n<0005> <0005> <2EC4>\n<2F47> <2F48> <0041>\nendbfrange\n"
    )
    fixed = fix_tounicode(cmap)
    assert len(fixed) == len(cmap)
    assert b"[<65E5> <672C> <9577>]" in fixed  # 日本長
    assert b"<0004> <2014>" in fixed  # —
    assert b"<0005> <0005> <897F>" in fixed  # 西
    assert b"<2F47> <2F48> <0041>" in fixed  # CIDs and multi-code ranges untouched


async def test_cached_render_is_fast_and_identical() -> None:
    context = unique_notice()
    path = render_module._slot_path("auth-key-notice", context["contract_number"])
    assert not path.exists()
    assert path.parent.parent.parent == get_settings().data_dir / "pdf-cache"

    started = time.perf_counter()
    cold = await render_pdf("auth-key-notice", context)
    cold_seconds = time.perf_counter() - started
    stored = path.read_bytes()
    assert not stored.startswith(b"%PDF") and context["auth_key"].encode() not in stored  # encrypted at rest
    assert path.stat().st_mode & 0o077 == 0  # key notices hold keys: owner only

    timings = []
    for _ in range(5):
        started = time.perf_counter()
        cached = await render_pdf("auth-key-notice", dict(reversed(list(context.items()))))
        timings.append(time.perf_counter() - started)
        assert cached == cold
    assert statistics.median(timings) < cold_seconds / 5, (cold_seconds, timings)
    assert statistics.median(timings) < 0.005, timings


def test_cache_key_follows_the_content() -> None:
    context = sample_auth_key_notice()
    same = dict(reversed(list(context.items())))
    assert cache_key("auth-key-notice", context) == cache_key("auth-key-notice", same)
    assert cache_key("auth-key-notice", context) != cache_key(
        "auth-key-notice", {**context, "auth_key": "7KQ2MXC9RV"}
    )
    certificate = sample_certificate()
    assert cache_key("certificate", certificate) != cache_key("certificate", {**certificate, "status": "expired"})


async def test_twenty_concurrent_renders_leave_the_event_loop_free(monkeypatch) -> None:
    active = 0
    peak = 0
    lock = threading.Lock()
    threads: set[int] = set()  # where wkhtmltopdf was waited for and the PDF signed
    original_render, original_sign = render_module.html_to_pdf, render_module.pades.sign_pdf

    def counting(html: str, kind: str = "") -> bytes:
        nonlocal active, peak
        with lock:
            active += 1
            peak = max(peak, active)
            threads.add(threading.get_ident())
        try:
            return original_render(html, kind)
        finally:
            with lock:
                active -= 1

    def signing(pdf: bytes, info):
        with lock:
            threads.add(threading.get_ident())
        return original_sign(pdf, info)

    monkeypatch.setattr(render_module, "html_to_pdf", counting)
    monkeypatch.setattr(render_module.pades, "sign_pdf", signing)

    lags: list[float] = []
    stop = asyncio.Event()

    async def ticker() -> None:
        interval = 0.01
        while not stop.is_set():
            before = time.perf_counter()
            await asyncio.sleep(interval)
            lags.append(time.perf_counter() - before - interval)

    ticking = asyncio.create_task(ticker())
    contexts = [unique_notice() for _ in range(20)]
    started = time.perf_counter()
    pdfs = await asyncio.gather(*(render_pdf("auth-key-notice", context) for context in contexts))
    elapsed = time.perf_counter() - started
    stop.set()
    await ticking

    assert len(pdfs) == 20 and all(pdf.startswith(b"%PDF") for pdf in pdfs)
    assert len(set(pdfs)) == 20
    assert 1 < peak <= render_module.MAX_CONCURRENT_RENDERS
    # The property itself: no render and no signature ran on the loop's thread ...
    assert threads and threading.get_ident() not in threads
    # ... so the loop never stalled for a render (~0.3 s alone, seconds for 20 queued). Timing
    # limits are loose on purpose: on a shared machine (load 20+ on 2 cores) a 10 ms sleep
    # often wakes 30 ms late; bench/pdf.py measures /api/health p99 during renders.
    assert len(lags) >= elapsed / 0.01 / 10, (len(lags), elapsed)
    assert max(lags) < 1.0, (statistics.median(lags), max(lags), elapsed)


async def test_concurrent_requests_for_one_document_share_a_render(monkeypatch) -> None:
    calls = 0
    original = render_module.html_to_pdf

    def counting(html: str, kind: str = "") -> bytes:
        nonlocal calls
        calls += 1
        return original(html, kind)

    monkeypatch.setattr(render_module, "html_to_pdf", counting)
    context = unique_notice()
    pdfs = await asyncio.gather(*(render_pdf("auth-key-notice", context) for _ in range(6)))
    assert calls == 1 and len(set(pdfs)) == 1


async def test_a_cancelled_caller_does_not_cancel_the_shared_render() -> None:
    context = unique_notice()
    first = asyncio.create_task(render_pdf("auth-key-notice", context))
    await asyncio.sleep(0.01)
    second = asyncio.create_task(render_pdf("auth-key-notice", context))
    await asyncio.sleep(0)
    first.cancel()
    assert (await second).startswith(b"%PDF")
    with pytest.raises(asyncio.CancelledError):
        await first


async def test_bad_context_fails_before_rendering() -> None:
    from backend.documents import ContextError

    with pytest.raises(ContextError):
        await render_pdf("auth-key-notice", {"contract_number": "2070004426"})
    with pytest.raises(ContextError):
        await render_pdf("nonsense", {})
