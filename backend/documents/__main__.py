"""Render every document from the sample contexts and time the key notice.

    python -m backend.documents [OUT_DIR]      # PDFs (and page-1 PNGs when pdftoppm exists)

Uses a throwaway cache directory, so the cold figures are cold.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path


async def _main(out_dir: Path) -> None:
    from backend.documents import render_pdf
    from backend.documents.contexts import SAMPLES, sample_auth_key_notice, sample_fee_adjustment

    out_dir.mkdir(parents=True, exist_ok=True)
    jobs = {kind: (kind, build()) for kind, build in SAMPLES.items()}
    jobs["fee-adjustment-refund"] = ("fee-adjustment", sample_fee_adjustment("refund"))
    for name, (kind, context) in jobs.items():
        pdf = await render_pdf(kind, context)
        path = out_dir / f"{name}.pdf"
        path.write_bytes(pdf)
        if shutil.which("pdftoppm"):
            subprocess.run(["pdftoppm", "-png", "-r", "60", "-f", "1", "-l", "1", str(path), str(out_dir / name)])
    print(f"documents written to {out_dir}")

    cold, cached = [], []
    for _ in range(9):
        context = sample_auth_key_notice(project_name=f"計測用工事 {uuid.uuid4().hex[:6]}")
        started = time.perf_counter()
        await render_pdf("auth-key-notice", context)
        cold.append(time.perf_counter() - started)
        started = time.perf_counter()
        await render_pdf("auth-key-notice", context)
        cached.append(time.perf_counter() - started)
    print(f"key notice: cold median {statistics.median(cold) * 1000:.0f} ms, "
          f"cached median {statistics.median(cached) * 1000:.2f} ms")


def main() -> None:
    out_dir = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(tempfile.mkdtemp(prefix="hosho-documents-"))
    os.environ["HOSHO_DATA_DIR"] = tempfile.mkdtemp(prefix="hosho-documents-data-")
    asyncio.run(_main(out_dir))


if __name__ == "__main__":
    main()
