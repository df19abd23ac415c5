"""Read PDFs back as text, the way a person reads them."""

from __future__ import annotations

import io
import unicodedata

from pypdf import PdfReader


def pdf_text(data: bytes) -> str:
    """All pages' text, NFKC-normalised (wkhtmltopdf may emit CJK radicals such as ⽇ for 日)."""
    assert data.startswith(b"%PDF"), data[:20]
    reader = PdfReader(io.BytesIO(data))
    text = "\n".join(page.extract_text() or "" for page in reader.pages)
    return unicodedata.normalize("NFKC", text)


def compact(text: str) -> str:
    """Without whitespace, so words split across lines or cells still match."""
    return "".join(text.split())
