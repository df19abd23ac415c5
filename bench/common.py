"""Shared helpers for the benchmark scripts: a `hosho api` server, wrk, logins, figures.

Servers listen on 127.0.0.1 only, on ports 8500-8599; load goes to 127.0.0.1 only.
"""

from __future__ import annotations

import json
import os
import platform
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
PYTHON = ROOT / ".venv" / "bin" / "python"
HOSHO = ROOT / ".venv" / "bin" / "hosho"
PORT_RANGE = range(8500, 8600)


# --- ports, processes ---------------------------------------------------------------------------


def free_port(start: int = 8500) -> int:
    """A free TCP port on 127.0.0.1 in 8500-8599."""
    for port in range(max(start, PORT_RANGE.start), PORT_RANGE.stop):
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError("no free port in 8500-8599")


def wait_http(url: str, timeout: float = 60.0, process: subprocess.Popen | None = None) -> None:
    deadline = time.monotonic() + timeout
    last: Exception | None = None
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"server exited with {process.returncode} before answering {url}")
        try:
            if httpx.get(url, timeout=2).status_code == 200:
                return
        except httpx.HTTPError as exc:
            last = exc
        time.sleep(0.2)
    raise TimeoutError(f"{url} did not answer within {timeout} s ({last})")


def bench_env(data_dir: str | Path, **extra: str) -> dict[str, str]:
    """The environment for a server or seed on ``data_dir`` (nothing inherited from a .env)."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("HOSHO_")}
    env["HOSHO_DATA_DIR"] = str(Path(data_dir).resolve())
    env["HOSHO_PUBLIC_URL"] = "http://127.0.0.1:3000"
    env.update({key: str(value) for key, value in extra.items() if value is not None})
    return env


@dataclass
class Server:
    """A running ``hosho api`` (its own process group, so workers stop with it)."""

    process: subprocess.Popen
    port: int
    log_path: Path
    env: dict[str, str] = field(repr=False)

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def pid(self) -> int:
        return self.process.pid

    def worker_pids(self) -> list[int]:
        """The uvicorn processes serving requests (the parent with one worker, the children with more)."""
        workers = [pid for pid in _children(self.pid) if "spawn_main" in _cmdline(pid)]
        return workers or [self.pid]

    def rss_kib(self) -> int:
        """Resident memory of the server's processes together (KiB)."""
        return sum(_rss_kib(pid) for pid in [self.pid, *_children(self.pid)])

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 20.0) -> None:
        stop_process_group(self.process, sig, timeout)


def stop_process_group(process: subprocess.Popen, sig: int = signal.SIGTERM, timeout: float = 20.0) -> None:
    """Signal a process started with ``start_new_session=True`` and its children; SIGKILL if it lingers."""
    if process.poll() is not None:
        return
    try:
        os.killpg(process.pid, sig)
    except ProcessLookupError:
        return
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)


def start_server(data_dir: str | Path, *, port: int | None = None, workers: int = 1, log_dir: Path | None = None,
                 command: tuple[str, ...] = ("api",), **env_extra: str) -> Server:
    """``hosho api`` (or ``command``, e.g. ("dsure", "--data-dir", DIR)) on a free port, once it answers."""
    port = port or free_port()
    env = bench_env(data_dir, **env_extra)
    log_path = (log_dir or Path(data_dir)) / f"api-{port}.log"
    log_path.parent.mkdir(parents=True, exist_ok=True)
    log = open(log_path, "ab")
    process = subprocess.Popen(
        [str(HOSHO), *command, "--host", "127.0.0.1", "--port", str(port), "--workers", str(workers)],
        cwd=str(ROOT), env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
    )
    server = Server(process=process, port=port, log_path=log_path, env=env)
    try:
        wait_http(f"{server.base}/api/health", timeout=90, process=process)
    except BaseException:
        server.stop()
        sys.stderr.write(log_path.read_text(errors="replace")[-3000:])
        raise
    if workers > 1:
        deadline = time.monotonic() + 30
        while len(server.worker_pids()) < workers and time.monotonic() < deadline:
            time.sleep(0.2)
    return server


def start_command(command: list[str], port: int, data_dir: Path, probe: str, env_extra: dict[str, str]) -> Server:
    """Any server command (``hosho api FLAGS``, bench/serve_bare.py) on ``port``, once ``probe`` answers 200."""
    env = bench_env(data_dir, **env_extra)
    log_path = data_dir / f"server-{port}.log"
    process = subprocess.Popen(command, cwd=str(ROOT), env=env, stdout=open(log_path, "ab"),
                               stderr=subprocess.STDOUT, start_new_session=True)
    server = Server(process=process, port=port, log_path=log_path, env=env)
    try:
        wait_http(f"{server.base}{probe}", timeout=90, process=process)
    except BaseException:
        server.stop()
        sys.stderr.write(log_path.read_text(errors="replace")[-3000:])
        raise
    return server


def start_bare(data_dir: Path, flags: list[str], port: int | None = None) -> Server:
    """bench/bare_app.py served like ``hosho api FLAGS`` (bench/serve_bare.py): the baseline of the ratios."""
    port = port or free_port(8550)
    return start_command([str(PYTHON), str(BENCH / "serve_bare.py"), *flags, "--port", str(port)], port, data_dir,
                         "/bare", {"PYTHONPATH": f"{BENCH}{os.pathsep}{ROOT}"})


@contextmanager
def running_server(data_dir: str | Path, **kwargs):
    server = start_server(data_dir, **kwargs)
    try:
        yield server
    finally:
        server.stop()


def _children(pid: int) -> list[int]:
    found: list[int] = []
    try:
        with open(f"/proc/{pid}/task/{pid}/children") as handle:
            direct = [int(value) for value in handle.read().split()]
    except OSError:
        return found
    for child in direct:
        found.append(child)
        found.extend(_children(child))
    return found


def _cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return ""


def _rss_kib(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


# --- seeding ------------------------------------------------------------------------------------


def ensure_seeded(data_dir: str | Path, certificates: int, companies: int, *, database_url: str | None = None,
                  sample_size: int = 2000, fresh: bool = False) -> dict:
    """Seed ``data_dir`` with bench/seed.py unless its seed.json already says so; returns seed.json."""
    data_dir = Path(data_dir)
    manifest_path = data_dir / "seed.json"
    if fresh and data_dir.exists():
        shutil.rmtree(data_dir)
    if manifest_path.exists():
        manifest = json.loads(manifest_path.read_text())
        if manifest.get("certificates_total", 0) >= certificates and len(manifest.get("companies", [])) >= companies:
            print(f"using the seeded data in {data_dir} ({manifest['certificates_total']:,} certificates)")
            return manifest
        raise SystemExit(f"{data_dir} holds other seed data; pass --fresh or another --data-dir")
    command = [
        str(PYTHON), str(BENCH / "seed.py"), "--data-dir", str(data_dir), "--certificates", str(certificates),
        "--companies", str(companies), "--sample-out", str(data_dir / "pairs.csv"), "--sample-size", str(sample_size),
    ]
    if database_url:
        command += ["--database-url", database_url]
    subprocess.run(command, check=True, cwd=str(ROOT), env=bench_env(data_dir))
    return json.loads(manifest_path.read_text())


# Bump when bench/seed.py writes different rows (the migrations are counted on their own).
SEED_REVISION = 4  # 4: the embedded D-Sure's own tables (seed.publish_embedded)
SEED_ROOT = Path(os.environ.get("HOSHO_BENCH_SEED_ROOT", "/tmp/hosho-seed"))


def schema_version() -> str:
    """The migrations there are (every app's files) and the seed's revision, as 10 hex digits."""
    import hashlib

    names = sorted(path.name for path in (ROOT / "backend").glob("*/piccolo_migrations/*.py")
                   if path.name != "__init__.py")
    return hashlib.sha256("\n".join([f"seed-{SEED_REVISION}", *names]).encode()).hexdigest()[:10]


def cached_seed(certificates: int = 1_000_000, companies: int = 100, *, postgres_url: str | None = None,
                sample_size: int = 5000, jobs: int | None = None) -> dict:
    """A data set of ``certificates`` seeded once per schema version and reused; returns its seed.json.

    SQLite: ``SEED_ROOT/sqlite-<N>-<companies>-<schema>/``. PostgreSQL (``postgres_url`` = any
    database of the server): database ``hosho_seed_<N>_<schema>`` beside it, its keys in
    ``SEED_ROOT/postgres-…``. Older schema versions of the same set are removed (a 1,000,000 set
    is ~3 GB on SQLite). A lock file makes a second caller wait for the first one's seed.
    """
    import fcntl

    engine = "postgres" if postgres_url else "sqlite"
    version = schema_version()
    stem = f"{engine}-{certificates}-{companies}"
    data_dir = SEED_ROOT / f"{stem}-{version}"
    SEED_ROOT.mkdir(parents=True, exist_ok=True)
    with open(SEED_ROOT / f"{stem}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        manifest_path = data_dir / "seed.json"
        if manifest_path.exists():
            print(f"using the cached seed {data_dir} (schema {version})", file=sys.stderr)
            return json.loads(manifest_path.read_text())
        for old in SEED_ROOT.glob(f"{stem}-*"):
            if old.is_dir():
                shutil.rmtree(old)
        database_url = None
        if postgres_url:
            database_url = _fresh_postgres_database(postgres_url, f"hosho_seed_{certificates}_{version}")
        started = time.perf_counter()
        print(f"seeding {certificates:,} certificates into {data_dir} (schema {version}) ...", file=sys.stderr)
        command = [
            str(PYTHON), str(BENCH / "seed.py"), "--data-dir", str(data_dir), "--certificates", str(certificates),
            "--companies", str(companies), "--sample-out", str(data_dir / "pairs.csv"),
            "--sample-size", str(sample_size), *(["--jobs", str(jobs)] if jobs else []),
        ]
        if database_url:
            command += ["--database-url", database_url]
        try:
            subprocess.run(command, check=True, cwd=str(ROOT), env=bench_env(data_dir))
        except BaseException:
            shutil.rmtree(data_dir, ignore_errors=True)  # never a half set that looks whole
            raise
        manifest = json.loads(manifest_path.read_text())
        manifest.update(schema_version=version, seed_wall_seconds=round(time.perf_counter() - started, 1),
                        data_dir=str(data_dir))
        manifest_path.write_text(json.dumps(manifest, ensure_ascii=False, indent=2), encoding="utf-8")
        return manifest


def _fresh_postgres_database(server_url: str, name: str) -> str:
    """Drop and create ``name`` on the server of ``server_url`` (dropping older hosho_seed_* of the same size)."""
    import asyncio

    import asyncpg

    prefix = name.rsplit("_", 1)[0] + "_"

    async def run() -> None:
        connection = await asyncpg.connect(server_url)
        try:
            old = await connection.fetch("SELECT datname FROM pg_database WHERE datname LIKE $1", prefix + "%")
            for row in old:
                await connection.execute(f'DROP DATABASE IF EXISTS "{row["datname"]}" WITH (FORCE)')
            await connection.execute(f'CREATE DATABASE "{name}"')
        finally:
            await connection.close()

    asyncio.run(run())
    base, _, _ = server_url.rpartition("/")
    return f"{base}/{name}"


def read_pairs(path: str | Path) -> list[tuple[str, str]]:
    pairs = []
    for line in Path(path).read_text().splitlines():
        if line.strip():
            number, key = line.strip().split(",")
            pairs.append((number, key))
    return pairs


# Staff log in with a TOTP code (issue #14): the secret of each staff login the benchmarks set up
# is kept in the data dir (0600), with the last time step used (a code is accepted once).
TOTP_FILE = "bench-totp.json"


def _totp_saved(data_dir: Path) -> dict:
    path = Path(data_dir) / TOTP_FILE
    return json.loads(path.read_text()) if path.exists() else {}


def _totp_write(data_dir: Path, saved: dict) -> None:
    path = Path(data_dir) / TOTP_FILE
    path.write_text(json.dumps(saved))
    path.chmod(0o600)


def totp_code(data_dir: Path, login_id: str, secret: str | None = None) -> str | None:
    """A code the server has not accepted yet for ``login_id`` (``secret``: a new one, saved); None without one."""
    import pyotp

    saved = _totp_saved(data_dir)
    if secret is not None:
        saved[login_id] = {"secret": secret, "last_step": 0}
    entry = saved.get(login_id)
    if entry is None:
        return None
    step = max(int(time.time()) // 30, entry["last_step"] + 1)
    while step > int(time.time()) // 30 + 1:  # the server accepts one step ahead at most
        time.sleep(0.5)
    entry["last_step"] = step
    _totp_write(data_dir, saved)
    return pyotp.TOTP(entry["secret"]).at(step * 30)


def login_body(login_id: str, password: str, data_dir: Path | None = None) -> dict:
    code = totp_code(data_dir, login_id) if data_dir is not None else None
    return {"login_id": login_id, "password": password, **({"otp": code} if code else {})}


def login(base: str, login_id: str, password: str, data_dir: Path | None = None) -> str:
    """A bearer token; a staff login sets up two-factor at its first login (``data_dir`` keeps the secret)."""
    with httpx.Client(base_url=base, timeout=30) as client:
        response = client.post("/api/auth/login", json=login_body(login_id, password, data_dir))
        response.raise_for_status()
        token = response.json()["token"]
        if response.json().get("totp_setup_required"):
            assert data_dir is not None, "a staff login: pass the data dir to keep its two-factor secret"
            headers = {"Authorization": f"Bearer {token}"}
            started = client.post("/api/auth/totp", headers=headers)
            started.raise_for_status()
            code = totp_code(data_dir, login_id, started.json()["secret"])
            client.post("/api/auth/totp/confirm", json={"otp": code}, headers=headers).raise_for_status()
        return token


# --- wrk ----------------------------------------------------------------------------------------

WRK_REPORT = r"""
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    '\nWRK_JSON {"requests":%d,"duration_us":%d,"bytes":%d,"p50_us":%d,"p90_us":%d,"p99_us":%d,"max_us":%d,' ..
    '"mean_us":%.1f,"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d}\n',
    summary.requests, summary.duration, summary.bytes, latency:percentile(50), latency:percentile(90),
    latency:percentile(99), latency.max, latency.mean, e.connect, e.read, e.write, e.status, e.timeout))
end
"""


@dataclass
class WrkResult:
    label: str
    requests: int
    seconds: float
    p50_ms: float
    p90_ms: float
    p99_ms: float
    max_ms: float
    errors: int  # socket errors + timeouts
    non_2xx: int  # responses with a status >= 400 (wrk's "Non-2xx or 3xx")
    connections: int

    @property
    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    def row(self) -> str:
        return (f"{self.label:<34} {self.rps:>9.0f} req/s  p50 {self.p50_ms:>7.2f} ms  p90 {self.p90_ms:>7.2f} ms  "
                f"p99 {self.p99_ms:>7.2f} ms  (c={self.connections}, {self.requests} req, "
                f"{self.non_2xx} non-2xx, {self.errors} errors)")

    def as_dict(self) -> dict:
        return {"label": self.label, "rps": round(self.rps, 1), "p50_ms": self.p50_ms, "p90_ms": self.p90_ms,
                "p99_ms": self.p99_ms, "max_ms": self.max_ms, "requests": self.requests, "non_2xx": self.non_2xx,
                "errors": self.errors, "connections": self.connections}


def wrk(url: str, *, label: str, connections: int = 50, duration: float = 10.0, threads: int = 1,
        script: str | Path | None = None, headers: dict[str, str] | None = None, env: dict | None = None,
        timeout: str = "5s") -> WrkResult:
    """Run wrk against ``url`` (127.0.0.1 only); the Lua ``script`` may define request(), not done()."""
    if not url.startswith("http://127.0.0.1:"):
        raise ValueError("benchmark traffic goes to 127.0.0.1 only")
    lua = WRK_REPORT
    if script is not None:
        lua = Path(script).read_text() + "\n" + WRK_REPORT
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as handle:
        handle.write(lua)
        lua_path = handle.name
    command = ["wrk", "-t", str(threads), "-c", str(connections), "-d", f"{duration:g}s", "--timeout", timeout,
               "-s", lua_path]
    for name, value in (headers or {}).items():
        command += ["-H", f"{name}: {value}"]
    command.append(url)
    try:
        completed = subprocess.run(command, capture_output=True, text=True, env={**os.environ, **(env or {})},
                                   timeout=duration + 60)
    finally:
        os.unlink(lua_path)
    line = next((line for line in completed.stdout.splitlines() if line.startswith("WRK_JSON ")), None)
    if line is None:
        raise RuntimeError(f"wrk failed ({completed.returncode}): {completed.stdout}\n{completed.stderr}")
    data = json.loads(line.removeprefix("WRK_JSON "))
    return WrkResult(
        label=label, requests=data["requests"], seconds=data["duration_us"] / 1e6,
        p50_ms=data["p50_us"] / 1000, p90_ms=data["p90_us"] / 1000, p99_ms=data["p99_us"] / 1000,
        max_ms=data["max_us"] / 1000, errors=data["connect"] + data["read"] + data["write"] + data["timeout"],
        non_2xx=data["status"], connections=connections,
    )


# --- figures ------------------------------------------------------------------------------------


def median_ms(seconds: list[float]) -> float:
    return statistics.median(seconds) * 1000


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    index = min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))
    return ordered[index]


def machine() -> dict:
    cpu = "unknown"
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    mem_kib = next(int(line.split()[1]) for line in Path("/proc/meminfo").read_text().splitlines()
                   if line.startswith("MemTotal:"))
    return {"nproc": os.cpu_count(), "cpu": cpu, "memory_gib": round(mem_kib / 1024 / 1024, 1),
            "kernel": platform.release(), "python": platform.python_version()}


def header(title: str) -> None:
    info = machine()
    print(f"== {title}")
    print(f"   machine: {info['nproc']} cores, {info['cpu']}, {info['memory_gib']} GiB; "
          f"load average {' '.join(Path('/proc/loadavg').read_text().split()[:3])}")


def verdict(ok: bool) -> str:
    return "MET" if ok else "MISSED"


def write_result(name: str, data: dict) -> Path:
    """Keep the latest figures of a benchmark as JSON (bench/out/NAME.json, not committed; RESULTS.md is)."""
    out = BENCH / "out" / f"{name}.json"
    out.parent.mkdir(exist_ok=True)
    data = {"machine": machine(), "at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
            "load_average": Path("/proc/loadavg").read_text().split()[:3], **data}
    out.write_text(json.dumps(data, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return out
