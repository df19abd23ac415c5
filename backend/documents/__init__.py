"""PDF documents (DESIGN §7): Jinja2 templates → wkhtmltopdf → metadata and a PAdES
signature (pyHanko), off the event loop, cached (signed once per document version).

    pdf = await render_pdf("auth-key-notice", context)
    name_ja, name_ascii = document_filename("auth-key-notice", contract_number)
    headers = {"Content-Disposition": content_disposition(name_ja, name_ascii)}

Context shapes: ``backend.documents.contexts``; signing: ``backend.documents.pades``.
"""

from backend.documents.contexts import KINDS, ContextError, parse_context
from backend.documents.filenames import (
    ascii_filename,
    attachment_header,
    content_disposition,
    document_filename,
)
from backend.documents.formatting import dsure_url
from backend.documents.pades import SigningSetupError
from backend.documents.render import (
    RenderError,
    cache_key,
    discard,
    documents_lifespan,
    render_html,
    render_pdf,
    shutdown,
)

__all__ = [
    "KINDS",
    "ContextError",
    "RenderError",
    "SigningSetupError",
    "ascii_filename",
    "attachment_header",
    "cache_key",
    "content_disposition",
    "discard",
    "document_filename",
    "documents_lifespan",
    "dsure_url",
    "parse_context",
    "render_html",
    "render_pdf",
    "shutdown",
]
