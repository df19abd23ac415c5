"""The data dir is private: created 0700, its database (and WAL companions) 0600, secrets 0600."""

from __future__ import annotations

import os
import sqlite3
import stat
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _hosho(data_dir: Path, *args: str, stdin: str = "") -> None:
    env = {key: value for key, value in os.environ.items() if not key.startswith("HOSHO_")}
    env["HOSHO_DATA_DIR"] = str(data_dir)
    done = subprocess.run([sys.executable, "-m", "backend.cli", *args], cwd=ROOT, env=env, input=stdin,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_a_new_data_dir_and_its_files_are_private(tmp_path):
    data_dir = tmp_path / "srv" / "data"
    _hosho(data_dir, "migrate")
    _hosho(data_dir, "create-admin", "--login", "tanaka", stdin="Kasumi-Hosho-2026\n")
    assert _mode(data_dir) == 0o700
    database = data_dir / "hosho.sqlite"
    assert _mode(database) == 0o600
    for path in data_dir.rglob("*"):
        assert _mode(path) & 0o077 == 0, f"{path} is readable by others ({oct(_mode(path))})"
    # SQLite gives the WAL and shared-memory files the database file's mode.
    connection = sqlite3.connect(database)
    try:
        connection.execute("PRAGMA journal_mode=WAL")
        connection.execute("CREATE TABLE probe (x)")
        connection.commit()
        for companion in ("hosho.sqlite-wal", "hosho.sqlite-shm"):
            assert _mode(data_dir / companion) == 0o600, companion
    finally:
        connection.close()


def test_an_existing_open_data_dir_is_tightened(tmp_path):
    data_dir = tmp_path / "data"
    data_dir.mkdir(mode=0o755)
    os.chmod(data_dir, 0o755)
    database = data_dir / "hosho.sqlite"
    database.touch()
    os.chmod(database, 0o644)
    _hosho(data_dir, "migrate")
    assert _mode(data_dir) == 0o700
    assert _mode(database) == 0o600
