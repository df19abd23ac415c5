"""Serve bench/bare_app.py exactly as `hosho api ARGS` would serve the API (same parser, same serve())."""

from __future__ import annotations

import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH.parent))
sys.path.insert(0, str(BENCH))

from backend.cli import build_parser, serve  # noqa: E402

if __name__ == "__main__":
    args = build_parser().parse_args(["api", *sys.argv[1:]])
    serve("bare_app:app", args)
