"""Base structs for request and response bodies (msgspec)."""

from __future__ import annotations

from typing import Annotated, Any

import msgspec


class Input(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """A request body: unknown fields are refused, so typos never pass silently."""


class Output(msgspec.Struct, kw_only=True):
    """A response body."""


# Common constrained types. Lengths are generous but finite: nothing unbounded is stored.
ShortText = Annotated[str, msgspec.Meta(min_length=1, max_length=100)]
MediumText = Annotated[str, msgspec.Meta(min_length=1, max_length=200)]
LongText = Annotated[str, msgspec.Meta(max_length=2000)]
Email = Annotated[
    str, msgspec.Meta(min_length=3, max_length=254, pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
]
Phone = Annotated[str, msgspec.Meta(min_length=6, max_length=20, pattern=r"^[0-9０-９+()\-\s]+$")]
Yen = Annotated[int, msgspec.Meta(ge=0, le=1_000_000_000_000)]


class VersionChange(Output):
    """One amended item of a certificate version (``backend.domain.certificate.amended_snapshot``).

    The snapshot keeps these as plain dicts; the struct documents them in the OpenAPI schema
    (the UI's contract test reads it) and encodes the same JSON.
    """

    field: str
    label: str  # 保証金額, 保証期限, …
    before: Any
    after: Any
