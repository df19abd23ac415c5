"""HTML → signed PDF: wkhtmltopdf (pdfkit), then metadata and a PAdES signature (pyHanko),
off the event loop, cached on disk.

``render_pdf(kind, context)`` checks the context (``contexts.py``), looks for the signed PDF
in ``<HOSHO_DATA_DIR>/pdf-cache/`` (layout below ``# --- cache and pool``) and otherwise
renders and signs it in a small thread pool (at most ``MAX_CONCURRENT_RENDERS`` wkhtmltopdf
processes at once), so the event loop keeps serving requests while PDFs render. Concurrent
requests for the same document share one render.

Documents of a certificate version never change, so a cached file is valid for as long as
the templates and the signing certificate are the same; changing either starts a new cache
generation.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import html
import json
import os
import re
import shutil
import subprocess
import tempfile
import threading
from collections.abc import AsyncIterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import asynccontextmanager
from functools import lru_cache
from pathlib import Path
from typing import Any

import jinja2
import msgspec
import pdfkit
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from backend.documents import formatting, pades
from backend.documents.contexts import KINDS, ContextError, document_identity, parse_context
from backend.documents.tounicode import fix_tounicode
from backend.domain.canonical import canonical_json
from backend.settings import get_settings

TEMPLATE_DIR = Path(__file__).parent / "templates"
MAX_CONCURRENT_RENDERS = 4
CACHE_DIR_NAME = "pdf-cache"
CACHE_SECRET_FILE = "pdf-cache.secret"
# Bump when the rendering (not the templates) changes in a way that alters the PDFs.
RENDER_REVISION = "3"

STATUS_LABELS = {
    "valid": "有効",
    "cancelled": "解約",
    "expired": "期限満了",
    "superseded": "変更済（旧版）",
}

# wkhtmltopdf options (pdfkit turns {"page-size": "A4"} into --page-size A4).
BASE_OPTIONS: dict[str, Any] = {
    "page-size": "A4",
    "orientation": "Portrait",
    "encoding": "UTF-8",
    "margin-top": "15mm",
    "margin-bottom": "15mm",
    "margin-left": "15mm",
    "margin-right": "15mm",
    "disable-local-file-access": None,
    "disable-javascript": None,
    "print-media-type": None,
    "image-dpi": "300",
}
# Per-document additions (none yet; headers/footers need a patched Qt, which Debian's build lacks).
EXTRA_OPTIONS: dict[str, dict[str, Any]] = {}
# The printable height of an A4 page with these margins, in the templates' (zoomed) mm.
PAGE_HEIGHT_MM = 267
# Documents with a watermark on every page: rendered again with one per page when longer than one.
WATERMARKED = frozenset({"certificate"})


class RenderError(RuntimeError):
    """wkhtmltopdf failed."""


# --- templates ------------------------------------------------------------------------


@lru_cache(maxsize=1)
def _environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATE_DIR),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(
        wareki=formatting.wareki_date,
        wareki_full=formatting.wareki_full,
        yen=formatting.yen_text,
        number=formatting.number,
        jst=formatting.jst_datetime,
        rate_percent=formatting.rate_percent,
        key_groups=formatting.key_groups,
        digest_groups=formatting.digest_groups,
        wrap_every=formatting.wrap_every,
    )
    env.globals.update(
        change_value=formatting.change_value,
        dsure_url=formatting.dsure_url,
        qr_svg=formatting.qr_svg,
        status_labels=STATUS_LABELS,
    )
    return env


@lru_cache(maxsize=1)
def template_version() -> str:
    """SHA-256 over every template, the render options and RENDER_REVISION."""
    digest = hashlib.sha256()
    digest.update(RENDER_REVISION.encode())
    digest.update(json.dumps([BASE_OPTIONS, EXTRA_OPTIONS], sort_keys=True, ensure_ascii=False).encode())
    for path in sorted(TEMPLATE_DIR.glob("*.html")):
        digest.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def _template_variables(kind: str, parsed: msgspec.Struct, pages: int = 1) -> dict[str, Any]:
    variables: dict[str, Any] = {"c": parsed, "kind": kind, "pages": pages, "page_height_mm": PAGE_HEIGHT_MM}
    if kind == "auth-key-notice":
        variables["dsure_link"] = formatting.dsure_url(parsed.public_url, parsed.contract_number)
    elif kind == "certificate":
        variables["dsure_link"] = formatting.dsure_url(parsed.public_url, parsed.snapshot.contract_number)
    elif kind == "dsure-receipt":
        variables["dsure_link"] = formatting.dsure_url(parsed.public_url, parsed.contract_number)
    elif kind in ("fee-statement", "fee-receipt"):
        variables["calculated_fee"] = _calculated_fee(parsed)
    return variables


def _calculated_fee(parsed: Any) -> int | None:
    """保証金額 × 年率 × 日数 ÷ 365, 円未満切捨て — shown only when it explains the fee."""
    from decimal import ROUND_DOWN, Decimal

    raw = (Decimal(parsed.guarantee_amount) * Decimal(parsed.rate_per_year) * parsed.days / 365).quantize(
        Decimal(1), rounding=ROUND_DOWN
    )
    value = int(raw)
    return value if max(value, parsed.minimum_fee) == parsed.fee else None


def render_html(kind: str, context: dict[str, Any]) -> str:
    """The document's HTML (what wkhtmltopdf is given)."""
    return _render_html_parsed(kind, parse_context(kind, context))


def _render_html_parsed(kind: str, parsed: msgspec.Struct, pages: int = 1) -> str:
    template = _environment().get_template(f"{kind}.html")
    return template.render(**_template_variables(kind, parsed, pages))


# --- wkhtmltopdf ----------------------------------------------------------------------


@lru_cache(maxsize=1)
def _pdfkit_configuration() -> pdfkit.configuration.Configuration:
    environ = dict(os.environ)
    runtime_dir = Path(tempfile.gettempdir()) / f"hosho-wkhtmltopdf-{os.getuid()}"
    runtime_dir.mkdir(mode=0o700, exist_ok=True)
    environ["XDG_RUNTIME_DIR"] = str(runtime_dir)  # silences Qt's warning on stderr
    environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    return pdfkit.configuration(environ=environ)


def options_for(kind: str) -> dict[str, Any]:
    return {**BASE_OPTIONS, **EXTRA_OPTIONS.get(kind, {})}


# wkhtmltopdf runs at a lower CPU priority than the server, so requests stay fast while PDFs render.
NICENESS = 10
RENDER_TIMEOUT_SECONDS = 60


def wkhtmltopdf_command(kind: str = "") -> list[str]:
    """The wkhtmltopdf command line (built by pdfkit): HTML on stdin, PDF on stdout."""
    command = pdfkit.PDFKit("", "string", options=options_for(kind), configuration=_pdfkit_configuration()).command()
    nice = shutil.which("nice")
    return [nice, "-n", str(NICENESS), *command] if nice and NICENESS else command


def html_to_pdf(html: str, kind: str = "") -> bytes:
    """Run wkhtmltopdf (blocking: call from a worker thread)."""
    what = kind or "document"
    try:
        completed = subprocess.run(
            wkhtmltopdf_command(kind),
            input=html.encode("utf-8"),
            capture_output=True,
            env=_pdfkit_configuration().environ,
            timeout=RENDER_TIMEOUT_SECONDS,
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise RenderError(f"wkhtmltopdf failed for {what}: {exc}") from exc
    pdf = completed.stdout
    if completed.returncode != 0 or not pdf.startswith(b"%PDF"):
        detail = completed.stderr.decode("utf-8", "replace").strip()[-500:]
        raise RenderError(f"wkhtmltopdf failed for {what} (exit {completed.returncode}): {detail}")
    return fix_tounicode(pdf)


# --- metadata and signature -------------------------------------------------------------


_TITLE = re.compile(r"<title>(.*?)</title>", re.S)
_SUBJECT = re.compile(r'<meta name="description" content="(.*?)">', re.S)


def document_info(kind: str, parsed: msgspec.Struct) -> pades.DocumentInfo:
    """Title and subject as the template's ``<title>`` and description say them (one wording
    for the HTML and the PDF), the surety as author, the contract number as keyword."""
    page = _render_html_parsed(kind, parsed)

    def text(pattern: re.Pattern[str]) -> str:
        return re.sub(r"[ \t\r\n]+", " ", html.unescape(pattern.search(page).group(1))).strip()

    number = parsed.snapshot.contract_number if kind == "certificate" else getattr(parsed, "contract_number", None)
    author = parsed.snapshot.surety.name if kind in ("certificate", "dsure-receipt") else parsed.surety_name
    return pades.DocumentInfo(
        title=text(_TITLE), author=author, subject=text(_SUBJECT), keywords=(number,) if number else ()
    )


def _produce(kind: str, parsed: msgspec.Struct) -> pades.SignedPdf:
    """Render, then set the metadata and sign (blocking: runs in the render pool)."""
    return pades.sign_pdf(render_document(kind, parsed), document_info(kind, parsed))


# --- cache and pool -------------------------------------------------------------------
#
# <data dir>/pdf-cache/<generation>/<slot[:2]>/<slot>.pdf, AES-GCM sealed with the content key
# as associated data. The generation names the templates and the signing setup: a file of
# another generation can never be served again and is pruned at start. The slot names the
# document (kind + ``document_identity``: a certificate's version, an application's fee
# statement, a certificate's key notice) and holds its one current rendering: a newer
# context (a reissued key, a changed status) overwrites it, and an older file fails to
# decrypt under the new content key, so nothing stale is ever served or kept.


def cache_key(kind: str, context: dict[str, Any]) -> str:
    """The content key of a document: HMAC of kind, generation and canonical context."""
    normalized = msgspec.to_builtins(parse_context(kind, context))
    return _cache_key(kind, normalized)


@lru_cache(maxsize=1)
def _cache_secret() -> bytes:
    return get_settings().secret_file(CACHE_SECRET_FILE)


def _keyed_digest(*parts: bytes) -> str:
    # Keyed (HMAC), because a key notice's context holds a 認証キー: a plain hash as the
    # file name would let whoever lists the directory brute-force the 50-bit key offline.
    digest = hmac.new(_cache_secret(), digestmod=hashlib.sha256)
    for part in parts:
        digest.update(part + b"\0")
    return digest.hexdigest()


def _cache_key(kind: str, normalized: Any) -> str:
    return _keyed_digest(kind.encode(), generation().encode(), canonical_json(normalized))


def generation() -> str:
    """Templates + render options + signing certificate + time-stamping authority, in 16 hex digits."""
    identity = pades.signing_identity()
    return _generation(identity.fingerprint, identity.tsa_url or "")


@lru_cache(maxsize=4)
def _generation(fingerprint: str, tsa_url: str) -> str:
    material = f"{template_version()}\0{fingerprint}\0{tsa_url}"
    return hashlib.sha256(material.encode()).hexdigest()[:16]


def cache_dir() -> Path:
    return get_settings().data_dir / CACHE_DIR_NAME


def _slot_path(kind: str, identity: str) -> Path:
    slot = _keyed_digest(b"slot", kind.encode(), identity.encode())
    return cache_dir() / generation() / slot[:2] / f"{slot}.pdf"


def _read_cached(path: Path, key: str) -> bytes | None:
    """The cached PDF of content ``key``; None when absent, of other content or unreadable."""
    try:
        sealed = path.read_bytes()
        return AESGCM(_cache_secret()).decrypt(sealed[:12], sealed[12:], key.encode())
    except (FileNotFoundError, InvalidTag, ValueError):
        return None


def _write_cached(path: Path, key: str, pdf: bytes) -> None:
    """Encrypted (key notices hold keys), atomically (temp file + rename), owner-only."""
    for directory in (cache_dir(), path.parent.parent, path.parent):
        directory.mkdir(mode=0o700, exist_ok=True)
    fd, temp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=".pdf")
    try:
        nonce = os.urandom(12)
        with os.fdopen(fd, "wb") as handle:
            handle.write(nonce + AESGCM(_cache_secret()).encrypt(nonce, pdf, key.encode()))
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise


def prune_cache() -> int:
    """Remove every cache generation but the current one (blocking); returns how many
    entries (generation directories, or files of the older flat layout) went."""
    root = cache_dir()
    if not root.is_dir():
        return 0
    keep = generation()
    removed = 0
    for entry in root.iterdir():
        if entry.name == keep:
            continue
        if entry.is_dir() and not entry.is_symlink():
            shutil.rmtree(entry, ignore_errors=True)
        else:
            entry.unlink(missing_ok=True)
        removed += 1
    return removed


async def discard(kind: str, identity: str) -> None:
    """Drop a document's cached rendering now (e.g. the key notice of a reissued key);
    ``identity`` as ``contexts.document_identity`` builds it (a key notice: its contract number)."""
    await asyncio.to_thread(lambda: _slot_path(kind, identity).unlink(missing_ok=True))


_executor: ThreadPoolExecutor | None = None
_inflight: dict[str, Future[bytes]] = {}
_lock = threading.RLock()  # re-entrant: a future done at once runs its callback under the lock


_PAGE_OBJECT = re.compile(rb"/Type\s*/Page(?![a-zA-Z])")


def page_count(pdf: bytes) -> int:
    """Pages in a wkhtmltopdf PDF (its page objects are written uncompressed)."""
    return len(_PAGE_OBJECT.findall(pdf))


def render_document(kind: str, parsed: msgspec.Struct) -> bytes:
    """HTML → PDF (blocking, unsigned). A watermarked document longer than a page is rendered a
    second time with one watermark per page: wkhtmltopdf repeats neither fixed elements nor backgrounds."""
    pdf = html_to_pdf(_render_html_parsed(kind, parsed), kind)
    if kind in WATERMARKED:
        pages = page_count(pdf)
        if pages > 1:
            pdf = html_to_pdf(_render_html_parsed(kind, parsed, pages), kind)
    return pdf


def _produce_and_store(kind: str, parsed: msgspec.Struct, path: Path, key: str) -> bytes:
    signed = _produce(kind, parsed)
    if signed.level == ("B-T" if pades.signing_identity().tsa_url else "B-B"):  # a B-B fallback is retried next time
        try:
            _write_cached(path, key, signed.data)
        except OSError:
            pass  # a read-only or full disk costs speed, not correctness
    return signed.data


def _produce_data(kind: str, parsed: msgspec.Struct) -> bytes:
    return _produce(kind, parsed).data


def _release(key: str, future: Future[bytes]) -> None:
    with _lock:
        if _inflight.get(key) is future:
            del _inflight[key]


async def render_pdf(kind: str, context: dict[str, Any], *, cached: bool = True) -> bytes:
    """The signed PDF bytes of document ``kind`` (one of ``KINDS``) for ``context``.

    Rendering and signing run in a small thread pool; the cache holds the signed bytes, so a
    document version is signed once. ``cached=False`` for one-off documents (a D-Sure receipt
    carries its own check time): rendered and signed in the same bounded pool, never cached.
    Raises ``ContextError`` (a ValueError) for a malformed context, ``RenderError`` when
    wkhtmltopdf fails and ``SigningSetupError`` when the signing certificate is unusable.
    """
    parsed = parse_context(kind, context)
    if not _prepared.is_set():
        await asyncio.to_thread(prepare)
    if not cached:
        with _lock:
            future = _pool().submit(_produce_data, kind, parsed)
        return await asyncio.wrap_future(future)
    key = _cache_key(kind, msgspec.to_builtins(parsed))
    path = _slot_path(kind, document_identity(kind, parsed))
    pdf = _read_cached(path, key)
    if pdf is not None:
        return pdf
    with _lock:
        future = _inflight.get(key)
        if future is None:
            pdf = _read_cached(path, key)  # finished between the first look and the lock
            if pdf is not None:
                return pdf
            future = _pool().submit(_produce_and_store, kind, parsed, path, key)
            _inflight[key] = future
            future.add_done_callback(lambda done: _release(key, done))
    # shield: a caller that goes away must not cancel the render other callers wait for
    return await asyncio.shield(asyncio.wrap_future(future))


_prepared = threading.Event()


def prepare() -> None:
    """Load (on first start: create) the signing identity and prune stale cache generations.
    Blocking; the app runs it in a thread at start, a first render otherwise."""
    pades.signing_identity()
    if not _prepared.is_set():
        prune_cache()
        _prepared.set()


def reset() -> None:
    """Forget the signing identity and generation (tests that change the signing settings)."""
    pades.reset()
    _prepared.clear()


@asynccontextmanager
async def documents_lifespan() -> AsyncIterator[None]:
    """At start: the signing identity (a CA of our own on first start) and a pruned cache;
    at exit: the render pool stopped once its renders are done."""
    await asyncio.to_thread(prepare)
    try:
        yield
    finally:
        await asyncio.to_thread(shutdown)


def _pool() -> ThreadPoolExecutor:
    """The render pool, created on first use (call with ``_lock`` held)."""
    global _executor
    if _executor is None:
        _executor = ThreadPoolExecutor(max_workers=MAX_CONCURRENT_RENDERS, thread_name_prefix="pdf-render")
    return _executor


def shutdown(wait: bool = True) -> None:
    """Stop the render pool (app shutdown); a later render starts a new one."""
    global _executor
    with _lock:
        executor, _executor = _executor, None
    if executor is not None:
        executor.shutdown(wait=wait)


__all__ = [
    "KINDS",
    "MAX_CONCURRENT_RENDERS",
    "ContextError",
    "RenderError",
    "cache_dir",
    "cache_key",
    "discard",
    "document_info",
    "documents_lifespan",
    "generation",
    "html_to_pdf",
    "prepare",
    "prune_cache",
    "render_html",
    "render_pdf",
    "shutdown",
    "template_version",
    "wkhtmltopdf_command",
]
