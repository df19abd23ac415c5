"""Finding certificates: free text over 工事名, 発注者, 請負者, and 保証契約番号 prefixes.

The text lives in ``certificate_search`` (one row per certificate, id = the certificate's
id), NFKC-folded and lower-cased, so 全角 / 半角 and upper / lower case find each other.
Each engine indexes it with trigrams, the n-gram that both have built in and that works
for Japanese (no word boundaries needed):

- SQLite: ``certificate_search_fts``, an FTS5 table with the trigram tokenizer over that
  table (external content, kept by triggers); a term is a quoted phrase in ``MATCH``.
- PostgreSQL: a pg_trgm GIN index on ``certificate_search.text``; a term is ``LIKE '%…%'``.

Terms shorter than three characters have no trigram: FTS5 matches nothing for them and
pg_trgm would read its whole index. They are checked with ``LIKE`` on the document
instead — beside the longer terms of the query when there are any (the index finds the
candidates), or else by reading the certificates newest first until the page is full. A
common short term (橋梁, 鳥取) fills a page within a few hundred rows; a rare one reads
the whole table (bench/RESULTS.md gives the cost). A contractor's own search always reads
their own certificates newest first (at most their own count, which the company index
bounds), since a term common among all certificates may be rare among theirs.

A query of digits only (spaces and hyphens allowed) is a 保証契約番号: ten digits find
that certificate, fewer are a prefix, read in number order (newest first within an
office) from the number's unique index.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from backend import db

TRIGRAM = 3
MAX_TERMS = 5
MAX_TERM_LENGTH = 100
NUMBER_LENGTH = 10
# Between the fields of a document: no term contains it, so none matches across two fields.
FIELD_SEPARATOR = "\n"


def fold(text: str) -> str:
    """What both documents and queries are compared as: NFKC, lower case, whitespace as one space."""
    return " ".join(unicodedata.normalize("NFKC", text or "").lower().split())


def document(project_name: str, orderer_name: str, company_name: str) -> str:
    return FIELD_SEPARATOR.join(fold(part) for part in (project_name, orderer_name, company_name))


def entry(certificate_id: int, project_name: str, orderer_name: str, company_name: str) -> tuple[int, str]:
    return certificate_id, document(project_name, orderer_name, company_name)


async def index(entries: list[tuple[int, str]]) -> None:
    """Add the certificates' documents (in the caller's transaction: the conclusion's)."""
    if entries:
        await db.insert_rows("certificate_search", ("id", "text"), entries)


@dataclass(frozen=True)
class Query:
    """A parsed ``q``: either a number (exact or prefix) or text terms."""

    number: str | None = None  # all ten digits: that certificate
    number_prefix: str | None = None
    terms: tuple[str, ...] = ()

    @property
    def long_terms(self) -> tuple[str, ...]:
        return tuple(term for term in self.terms if len(term) >= TRIGRAM)

    @property
    def short_terms(self) -> tuple[str, ...]:
        return tuple(term for term in self.terms if len(term) < TRIGRAM)


def parse(q: str | None) -> Query | None:
    text = fold(q or "")
    if not text:
        return None
    digits = re.sub(r"[\s\-‐‑–—−ー]", "", text)
    if digits.isascii() and digits.isdigit() and len(digits) <= NUMBER_LENGTH:
        if len(digits) == NUMBER_LENGTH:
            return Query(number=digits)
        return Query(number_prefix=digits)
    terms = tuple(dict.fromkeys(term[:MAX_TERM_LENGTH] for term in text.split()))[:MAX_TERMS]
    return Query(terms=terms)


def fts_phrase(terms: tuple[str, ...]) -> str:
    """An FTS5 query: every term as a quoted phrase (implicit AND)."""
    return " ".join('"' + term.replace('"', '""') + '"' for term in terms)


def like_pattern(term: str) -> str:
    return "%" + re.sub(r"([\\%_])", r"\\\1", term) + "%"
