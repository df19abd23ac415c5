"""Mail texts as Jinja templates beside the document templates (``documents/templates/mail``).

A template's first line is the subject, then one blank line, then the body. Every
template sees ``public_url`` and ``surety_name``, may include ``_signature.txt`` (or the
``_application_footer.txt`` / ``_certificate_footer.txt`` of contractor mails), and formats
amounts and dates with the ``yen`` (金1,234,567円) and ``wareki`` (令和7年10月1日) filters.
Plain text: nothing is HTML-escaped, and a value that would break the subject onto a
second line is refused by :func:`backend.mail.service.enqueue`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from pathlib import Path

import jinja2

from backend.domain.wareki import wareki, yen
from backend.mail import service as mail
from backend.settings import get_settings

TEMPLATE_DIR = Path(__file__).resolve().parent.parent / "documents" / "templates" / "mail"


@dataclass(frozen=True)
class RenderedMail:
    subject: str
    body: str


@lru_cache(maxsize=1)
def _environment() -> jinja2.Environment:
    environment = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATE_DIR),
        autoescape=False,  # plain-text mail
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
    )
    environment.filters.update(yen=yen, wareki=_wareki)
    return environment


def _wareki(value: date | str) -> str:
    return wareki(value if isinstance(value, date) else date.fromisoformat(value))


def render(name: str, **context) -> RenderedMail:
    """The subject and body of template ``<name>.txt`` filled with ``context``."""
    settings = get_settings()
    text = _environment().get_template(f"{name}.txt").render(
        public_url=settings.public_url, surety_name=settings.surety_name, **context
    )
    subject, _, body = text.partition("\n")
    return RenderedMail(subject=subject.strip(), body=body.lstrip("\n"))


async def send(
    name: str, *, to: str, related: str = "", category: str | None = None, attachments: list | None = None, **context
) -> int:
    """Render template ``name`` and put the mail in the outbox (call inside the event's transaction)."""
    rendered = render(name, **context)
    return await mail.enqueue(
        category=category or name, to=to, subject=rendered.subject, body=rendered.body, related=related,
        attachments=attachments,
    )
