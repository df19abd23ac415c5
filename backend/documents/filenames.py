"""Download names of the documents and the Content-Disposition header that carries them."""

from __future__ import annotations

import re
import unicodedata
from urllib.parse import quote

from backend.domain.glossary import CERTIFICATE_TITLES

# kind → (Japanese stem, ASCII stem); "{title}" is the certificate title of the guarantee type.
_NAMES = {
    "auth-key-notice": ("認証キー等のお知らせ", "auth-key-notice"),
    "certificate": ("{title}（閲覧用）", "{type}certificate-view-only"),
    "fee-statement": ("保証料計算書", "fee-statement"),
    "fee-receipt": ("保証料領収証", "fee-receipt"),
    "fee-adjustment-additional": ("追加保証料計算書", "additional-fee-statement"),
    "fee-adjustment-refund": ("保証料返還計算書", "fee-refund-statement"),
    "dsure-receipt": ("閲覧証明", "dsure-verification-receipt"),
}


def _stems(kind: str, guarantee_type: str | None, adjustment_kind: str | None) -> tuple[str, str]:
    if kind == "fee-adjustment":
        kind = f"fee-adjustment-{adjustment_kind or 'additional'}"
    try:
        japanese, ascii_stem = _NAMES[kind]
    except KeyError:
        raise ValueError(f"unknown document kind: {kind!r}") from None
    title = CERTIFICATE_TITLES.get(guarantee_type or "", "保証証書")
    type_prefix = f"{guarantee_type.replace('_', '-')}-" if guarantee_type in CERTIFICATE_TITLES else ""
    return japanese.format(title=title), ascii_stem.format(type=type_prefix)


def document_filename(
    kind: str,
    contract_number: str | None,
    guarantee_type: str | None = None,
    *,
    adjustment_kind: str | None = None,
) -> str:
    """The Japanese download name: 「認証キー等のお知らせ_2070004426.pdf」,
    「前払金保証証書（閲覧用）_2070004426.pdf」, 「保証料計算書_2070004426.pdf」.

    ``guarantee_type`` (advance / interim_advance / contract) names the certificate;
    ``adjustment_kind`` (additional / refund) names a fee adjustment. ``contract_number`` may be
    None (a fee statement before conclusion: then e.g. 「保証料計算書.pdf」) or another identifier.
    """
    japanese, _ = _stems(kind, guarantee_type, adjustment_kind)
    suffix = _safe(contract_number or "")
    return f"{japanese}_{suffix}.pdf" if suffix else f"{japanese}.pdf"


def ascii_filename(
    kind: str,
    contract_number: str | None,
    guarantee_type: str | None = None,
    *,
    adjustment_kind: str | None = None,
) -> str:
    """The ASCII fallback name for old clients: ``advance-certificate-view-only_2070004426.pdf``."""
    _, stem = _stems(kind, guarantee_type, adjustment_kind)
    suffix = re.sub(r"[^0-9A-Za-z._-]", "", unicodedata.normalize("NFKC", contract_number or ""))
    return f"{stem}_{suffix}.pdf" if suffix else f"{stem}.pdf"


def attachment_header(
    kind: str,
    contract_number: str | None,
    guarantee_type: str | None = None,
    *,
    adjustment_kind: str | None = None,
    disposition: str = "attachment",
) -> str:
    """The Content-Disposition value for a document download, names included."""
    return content_disposition(
        document_filename(kind, contract_number, guarantee_type, adjustment_kind=adjustment_kind),
        ascii_filename(kind, contract_number, guarantee_type, adjustment_kind=adjustment_kind),
        disposition=disposition,
    )


def _safe(text: str) -> str:
    """No path separators, quotes or control characters in a file name."""
    return "".join(ch for ch in text if ch.isprintable() and ch not in '/\\"<>:|?*;').strip()


def content_disposition(filename_ja: str, fallback_ascii: str, disposition: str = "attachment") -> str:
    """RFC 6266 header value with an RFC 5987 UTF-8 name and a plain ASCII fallback:
    ``attachment; filename="fee-statement.pdf"; filename*=UTF-8''%E4%BF%9D…``."""
    fallback = re.sub(r'[^\x20-\x7e]|["\\]', "_", fallback_ascii) or "document.pdf"
    encoded = quote(_safe(filename_ja) or fallback, safe="!#$&+-.^_`|~")
    return f"{disposition}; filename=\"{fallback}\"; filename*=UTF-8''{encoded}"
