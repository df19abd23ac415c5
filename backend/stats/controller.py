"""/api/admin/stats: the dashboard's KPI cards and issuance chart."""

from __future__ import annotations

from litestar import get

from backend.lib.guards import requires_admin
from backend.stats.service import Stats, dashboard_stats


@get("/admin/stats", operation_id="adminStats", guards=[requires_admin], tags=["管理：統計"], summary="ダッシュボードの集計")
async def admin_stats() -> Stats:
    return await dashboard_stats()
