"""How documents print values: 和暦 dates, yen, rates, the 認証キー, the D-Sure QR code.

Used as Jinja filters by the templates; plain functions so tests can call them.
"""

from __future__ import annotations

from datetime import date, datetime, timezone
from decimal import Decimal, InvalidOperation
from typing import Any
from urllib.parse import quote

import segno
from markupsafe import Markup

from backend.domain.wareki import wareki, yen
from backend.lib.clock import JST


def as_date(value: date | str) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return date.fromisoformat(value)


def wareki_date(value: date | str | None) -> str:
    """令和7年10月15日."""
    return "" if value is None else wareki(as_date(value))


def wareki_full(value: date | str | None) -> str:
    """令和7年10月15日（2025年）."""
    return "" if value is None else wareki(as_date(value), with_western=True)


def yen_text(amount: int | None) -> str:
    """金1,234,567円."""
    return "" if amount is None else yen(amount)


def number(amount: int | None) -> str:
    """1,234,567."""
    return "" if amount is None else f"{amount:,}"


def jst_datetime(value: datetime | str) -> str:
    """令和7年10月20日 10時15分30秒（日本時間）; a naive datetime is taken as UTC."""
    moment = value if isinstance(value, datetime) else datetime.fromisoformat(value)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    local = moment.astimezone(JST)
    return f"{wareki(local.date())} {local.hour}時{local.minute:02d}分{local.second:02d}秒（日本時間）"


def rate_percent(rate: str) -> str:
    """"0.0150" → "1.50%" (a yearly rate given as a fraction)."""
    try:
        percent = Decimal(rate) * 100
    except InvalidOperation:
        return rate
    text = f"{percent:.4f}".rstrip("0")
    whole, _, frac = text.partition(".")
    return f"{whole}.{frac.ljust(2, '0')}%"


def key_groups(key: str, size: int = 5) -> str:
    """"7KQ2MXC9RT" → "7KQ2M-XC9RT": easier to read aloud and to type."""
    return "-".join(key[i : i + size] for i in range(0, len(key), size))


def digest_groups(digest: str, size: int = 8) -> str:
    """A 64-hex digest in groups of 8, so it wraps cleanly and can be compared by eye."""
    return " ".join(digest[i : i + size] for i in range(0, len(digest), size))


def wrap_every(text: str, size: int = 48) -> Markup:
    """Long unbroken text (base64) with break opportunities every ``size`` characters."""
    from markupsafe import escape

    chunks = [str(escape(text[i : i + size])) for i in range(0, len(text), size)]
    return Markup("<wbr>".join(chunks))


def change_value(field: str, value: Any) -> str:
    """A before/after value of a version change, printed like the certificate prints it."""
    if value is None:
        return "—"
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int) and (field.endswith("amount") or field.endswith("fee")):
        return yen(value)
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, (date, str)):
        try:
            return wareki(as_date(value))
        except ValueError:
            return str(value)
    return str(value)


# --- D-Sure link and QR code ---------------------------------------------------------------


def dsure_url(public_url: str, contract_number: str) -> str:
    """The D-Sure page with the number filled in. Never carries the 認証キー."""
    return f"{public_url.rstrip('/')}/dsure?no={quote(contract_number, safe='')}"


def qr_code(payload: str) -> segno.QRCode:
    return segno.make(payload, error="m", micro=False)


def qr_svg(payload: str, size_mm: float = 26.0) -> Markup:
    """An inline SVG QR code of about ``size_mm`` (quiet zone included)."""
    code = qr_code(payload)
    border = 2
    modules = code.symbol_size(scale=1, border=border)[0]
    svg = code.svg_inline(scale=size_mm / modules, unit="mm", border=border, dark="#000")
    return Markup(svg)
