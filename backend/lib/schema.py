"""Base structs for request and response bodies (msgspec), and the constrained types they use.

Text hygiene lives in these types: single-line text refuses control characters, line breaks,
U+2028/2029 and bidi overrides (a 工事名 with CR/LF broke mail headers; U+2028 broke the mail
body); multi-line text allows line breaks and tabs only. Strings arrive stripped
(:mod:`backend.lib.validation`), so a value of spaces is a missing value. ``extra={"hint": …}``
is what a message about the field tells the person to type.
"""

from __future__ import annotations

from typing import Annotated, Any

import msgspec

# C0 controls, DEL, C1 controls, the line/paragraph separators and bidi embeddings/overrides/isolates.
_FORBIDDEN = r"\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069"
_FORBIDDEN_MULTI_LINE = r"\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069"
SINGLE_LINE = f"^[^{_FORBIDDEN}]*$"
MULTI_LINE = f"^[^{_FORBIDDEN_MULTI_LINE}]*$"


class Input(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """A request body: unknown fields are refused, so typos never pass silently."""

    @classmethod
    def rule_problems(cls, values: dict) -> list[tuple[str, str]]:
        """Domain rules that can be judged from the fields that passed their schema.

        Called when the schema failed, so one answer lists schema errors and rule breaks
        together; the service checks the same rules (and those needing the database) on
        a body that decoded."""
        return []


class Output(msgspec.Struct, kw_only=True):
    """A response body."""


def text(max_length: int, *, min_length: int = 1, hint: str | None = None, multi_line: bool = False, **meta):
    """A stripped text field of at most ``max_length`` characters (``min_length=0``: may be empty)."""
    return Annotated[
        str,
        msgspec.Meta(
            min_length=min_length or None,
            max_length=max_length,
            pattern=MULTI_LINE if multi_line else SINGLE_LINE,
            extra={"hint": hint} if hint else None,
            **meta,
        ),
    ]


# Common constrained types. Lengths are generous but finite: nothing unbounded is stored.
ShortText = text(100)
MediumText = text(200)
LongText = text(2000, min_length=0, multi_line=True)
Email = Annotated[
    str,
    msgspec.Meta(
        min_length=3,
        max_length=254,
        pattern=r"^[^@\s\x00-\x1f\x7f]+@[^@\s\x00-\x1f\x7f]+\.[^@\s\x00-\x1f\x7f]+$",
        extra={"hint": "例: keiri@example.jp"},
    ),
]
Phone = Annotated[
    str,
    msgspec.Meta(
        min_length=6,
        max_length=20,
        pattern=r"^[0-9０-９+＋()（）\-‐－ー\s]+$",
        extra={"hint": "数字とハイフン。全角数字も使えます。例: 0857-00-1234"},
    ),
]
Reason = text(1000, multi_line=True)  # 謝絶・変更・解約の理由
Yen = Annotated[int, msgspec.Meta(ge=0, le=1_000_000_000_000, extra={"hint": "円単位の整数。カンマなし（例: 50000000）"})]
PositiveYen = Annotated[int, msgspec.Meta(ge=1, le=1_000_000_000_000, extra={"hint": "円単位の整数。カンマなし（例: 50000000）"})]


class VersionChange(Output):
    """One amended item of a certificate version (``backend.domain.certificate.amended_snapshot``).

    The snapshot keeps these as plain dicts; the struct documents them in the OpenAPI schema
    (the UI's contract test reads it) and encodes the same JSON.
    """

    field: str
    label: str  # 保証金額, 保証期限, …
    before: Any
    after: Any
