"""The bare Litestar app the overhead figures are measured against (bench/overhead.py).

What any Litestar API pays per request and nothing of ours: a GET answering a small msgspec
struct, and a POST decoding a msgspec body, no middleware, no database. Served by
``backend.cli.serve`` with the same server settings as ``hosho api``.
"""

from __future__ import annotations

import msgspec
from litestar import Litestar, get, post


class Status(msgspec.Struct):
    status: str
    database: str


class Pair(msgspec.Struct):
    contract_number: str
    auth_key: str


@get("/bare")
async def bare_get() -> Status:
    return Status(status="ok", database="none")


@post("/bare", status_code=200)
async def bare_post(data: Pair) -> Pair:
    return data


app = Litestar(route_handlers=[bare_get, bare_post], debug=False)
