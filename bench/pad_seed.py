"""Pad a seeded SQLite data dir to N certificate rows with copies (when seeding N for real takes too long).

    .venv/bin/python bench/pad_seed.py --data-dir DIR --certificates 1000000

bench/seed.py signs every certificate with the conclusion's own functions: ~7 minutes for
1,000,000 on a quiet machine, but hours when the machine is shared (2 Dec 2026: ~135/s at a load
average of 20). This copies the seeded certificates, their 認証キー rows and their versions (the
same content bytes) under numbers 9xxxxxxxxx, which no office code produces, until the table holds
N rows: the indexes and tables D-Sure reads have the size they would have at N, so the lookups walk
B-trees of that depth and the page cache holds the same share. The copies are ballast: their keys'
MACs are bound to the original numbers, so no copy ever verifies, and pairs.csv keeps naming the
real ones. seed.json records the padding (``padded_to``, ``real_certificates``). SQLite only.
"""

from __future__ import annotations

import argparse
import json
import sqlite3
import time
from pathlib import Path

BATCH = 50_000


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data-dir", required=True)
    parser.add_argument("--certificates", type=int, default=1_000_000)
    args = parser.parse_args(argv)
    data_dir = Path(args.data_dir)
    manifest_path = data_dir / "seed.json"
    manifest = json.loads(manifest_path.read_text())
    connection = sqlite3.connect(data_dir / "hosho.sqlite", isolation_level=None)
    connection.execute("PRAGMA journal_mode=WAL")
    real = manifest.get("real_certificates", manifest["certificates_total"])
    max_id = connection.execute("SELECT MAX(id) FROM certificate").fetchone()[0]
    have = connection.execute("SELECT COUNT(*) FROM certificate").fetchone()[0]
    started = time.perf_counter()
    while have < args.certificates:
        # Copy the lowest certificates again, each round with new ids past the current maximum.
        take = min(BATCH, args.certificates - have)
        offset = connection.execute("SELECT MAX(id) FROM certificate").fetchone()[0]
        connection.execute("BEGIN")
        connection.execute(
            "INSERT INTO certificate (id, contract_number, application, company, orderer, guarantee_type, delivery, "
            "project_name, orderer_name, guarantee_amount, period_end, current_version, issued_on, cancelled_at, "
            "created_at) SELECT id + ?, printf('9%09d', id + ?), NULL, company, orderer, guarantee_type, delivery, "
            "project_name, orderer_name, guarantee_amount, period_end, current_version, issued_on, cancelled_at, "
            "created_at FROM certificate WHERE id <= ? ORDER BY id LIMIT ?",
            (offset, offset, max_id, take),
        )
        connection.execute(
            "INSERT INTO auth_key (certificate, key_mac, key_ciphertext, created_at) "
            "SELECT certificate + ?, key_mac, key_ciphertext, created_at FROM auth_key "
            "WHERE certificate IN (SELECT id FROM certificate WHERE id <= ? ORDER BY id LIMIT ?)",
            (offset, max_id, take),
        )
        connection.execute(
            "INSERT INTO certificate_version (certificate, version, content, digest, signature, key_id, issued_on, "
            "created_at) SELECT certificate + ?, version, content, digest, signature, key_id, issued_on, created_at "
            "FROM certificate_version WHERE certificate IN (SELECT id FROM certificate WHERE id <= ? ORDER BY id LIMIT ?)",
            (offset, max_id, take),
        )
        connection.execute("COMMIT")
        have += take
        print(f"  {have:,}/{args.certificates:,} certificate rows ({time.perf_counter() - started:.0f} s)", flush=True)
    connection.execute("ANALYZE")
    connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    connection.close()
    manifest.update(real_certificates=real, padded_to=have, certificates_total=have)
    manifest_path.write_text(json.dumps(manifest, ensure_ascii=False, indent=2), encoding="utf-8")
    print(f"{data_dir}: {have:,} certificate rows ({real:,} real, the rest copies) in {time.perf_counter() - started:.0f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
