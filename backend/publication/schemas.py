"""Bodies of e-Net's own view of its publications to D-Sure."""

from __future__ import annotations

from datetime import datetime

from backend.lib.schema import Output


class PublicationBacklog(Output):
    """GET /api/admin/dsure/publications: what D-Sure has not received yet."""

    pending: int
    oldest_pending_at: datetime | None
    last_error: str | None  # the newest failed delivery's error, while anything waits
