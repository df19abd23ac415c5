"""Throwaway PostgreSQL clusters for the replica drill: a primary and a streaming replica.

Both are started from the PostgreSQL binaries of this machine (``pg_config --bindir``) in
temp directories, on 127.0.0.1 only, with their sockets in their own directories, and are
stopped and removed afterwards; the system cluster is never touched. As root the binaries
run as the ``postgres`` OS user (initdb refuses root); otherwise as the current user.

Why a primary of its own rather than the test server: streaming needs a replication
connection, which the test server's pg_hba.conf may not allow (here it has ``local all all
trust`` and ``host all all 127.0.0.1/32 trust``; ``all`` does not match replication), and a
base backup of a shared developer server copies every database on it (bench data sets of
gigabytes). A fresh primary is ~40 MB and ready in a few seconds.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

# fsync off: a throwaway cluster; synchronous_commit stays on, since the walsender streams only flushed WAL.
FAST = ["-c", "fsync=off", "-c", "full_page_writes=off", "-c", "shared_buffers=32MB"]


def bindir() -> Path | None:
    found = shutil.which("pg_config")
    candidates = []
    if found:
        result = subprocess.run([found, "--bindir"], capture_output=True, text=True)
        if result.returncode == 0:
            candidates.append(Path(result.stdout.strip()))
    candidates += sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True)
    for candidate in candidates:
        if all((candidate / name).exists() for name in ("initdb", "pg_ctl", "pg_basebackup", "postgres")):
            return candidate
    return None


def unavailable_reason() -> str | None:
    """Why the clusters cannot be started here (None: they can)."""
    if bindir() is None:
        return "no PostgreSQL server binaries (initdb, pg_ctl, pg_basebackup) on this machine"
    if os.geteuid() == 0:
        if shutil.which("runuser") is None:
            return "running as root without runuser to start PostgreSQL as the postgres user"
        try:
            import pwd

            pwd.getpwnam("postgres")
        except KeyError:
            return "running as root and there is no postgres OS user to run PostgreSQL as"
    return None


def port_is_free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True


def free_port(preferred: int, fallback: range) -> int:
    """``preferred`` if free, else the first free one of ``fallback`` (disjoint per cluster: nothing binds before start)."""
    for port in [preferred, *fallback]:
        if port_is_free(port):
            return port
    raise RuntimeError(f"no free port near {preferred}")


class Cluster:
    """One PostgreSQL cluster in a temp directory (data/, the socket dir and the log beside it)."""

    def __init__(self, name: str, port: int) -> None:
        self.name = name
        self.port = port
        self.root = Path(tempfile.mkdtemp(prefix=f"hosho-pg-{name}-"))
        self.data = self.root / "data"
        self.sockets = self.root / "sockets"
        self.sockets.mkdir()
        self.log = self.root / "postgres.log"
        if os.geteuid() == 0:
            shutil.chown(self.root, "postgres", "postgres")
            shutil.chown(self.sockets, "postgres", "postgres")
        self.started = False

    def url(self, database: str) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{database}"

    def run(self, tool: str, *args: str, timeout: float = 120) -> subprocess.CompletedProcess:
        command = [str(bindir() / tool), *args]
        if os.geteuid() == 0:
            command = ["runuser", "-u", "postgres", "--", *command]
        result = subprocess.run(command, capture_output=True, text=True, timeout=timeout, cwd=str(self.root),
                                env={**os.environ, "PGCONNECT_TIMEOUT": "5"})
        if result.returncode != 0:
            raise RuntimeError(f"{tool} {' '.join(args)} failed ({result.returncode}):\n{result.stdout}\n{result.stderr}\n"
                               f"{self.log.read_text(errors='replace')[-3000:] if self.log.exists() else ''}")
        return result

    def init_primary(self) -> None:
        # initdb's pg_hba.conf (-A trust) allows replication from local sockets and 127.0.0.1.
        self.run("initdb", "-D", str(self.data), "-A", "trust", "-U", "postgres", "-E", "UTF8",
                 "--locale=C.UTF-8", "--no-sync")

    def base_backup_of(self, primary: "Cluster") -> None:
        """A copy of the primary that streams from it (``-R``: standby.signal + primary_conninfo)."""
        self.run("pg_basebackup", "-h", "127.0.0.1", "-p", str(primary.port), "-U", "postgres",
                 "-D", str(self.data), "-X", "stream", "-R", "-c", "fast", "--no-sync")

    def start(self, *settings: str) -> None:
        options = ["-c", "listen_addresses=127.0.0.1", "-c", f"port={self.port}",
                   "-c", f"unix_socket_directories={self.sockets}", *FAST, *settings]
        self.run("pg_ctl", "-D", str(self.data), "-l", str(self.log), "-w", "-t", "60",
                 "-o", " ".join(f"'{option}'" if " " in option else option for option in options), "start")
        self.started = True

    def stop(self) -> None:
        if self.started:
            try:
                self.run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "-t", "30", "stop", timeout=60)
            except (RuntimeError, subprocess.TimeoutExpired):
                pass
            self.started = False

    def remove(self) -> None:
        self.stop()
        for _ in range(3):
            shutil.rmtree(self.root, ignore_errors=True)
            if not self.root.exists():
                return
            time.sleep(0.5)
