"""保証契約番号: 3-digit office code + 7-digit sequence (pure)."""

from __future__ import annotations

import re
import unicodedata

SEQUENCE_DIGITS = 7
MAX_SEQUENCE = 10**SEQUENCE_DIGITS - 1


def contract_number(office_code: str, sequence: int) -> str:
    if not re.fullmatch(r"\d{3}", office_code):
        raise ValueError("office code must be 3 digits")
    if not 1 <= sequence <= MAX_SEQUENCE:
        raise ValueError("sequence exhausted for this office")
    return f"{office_code}{sequence:0{SEQUENCE_DIGITS}d}"


def normalize_contract_number(text: str) -> str | None:
    """Accept full-width digits, spaces and hyphens (２０７-０００４４２６); None if not 10 digits."""
    folded = unicodedata.normalize("NFKC", text or "")
    digits = re.sub(r"[\s\-‐‑–—−ー]", "", folded)
    return digits if re.fullmatch(r"\d{10}", digits) else None
