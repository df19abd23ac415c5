"""Drill helpers: a real `hosho api` process on a temp data dir, prepared through the API.

The drills test the product as it runs (a process that can be killed, restarted, loaded),
so they start `hosho api` in a subprocess of its own (own session: SIGKILL reaches it and
nothing else), on 127.0.0.1 and a free port in 8500-8599.
"""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import sqlite3
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from backend.lib import clock
from tests.support.totp import Authenticator

ROOT = Path(__file__).resolve().parents[2]
HOSHO = ROOT / ".venv" / "bin" / "hosho"
ADMIN_LOGIN = "drill-admin"
ADMIN_PASSWORD = "Staff-Passw0rd-2025"
CONTRACTOR_PASSWORD = "Kensetsu-2025-pass"

TOTTORI = {
    "code": "tottori-kgc",
    "name": "鳥取県建設技術センター",
    "title": "公益財団法人鳥取県建設技術センター理事長",
    "orderer_class": "other",
    "e_guarantee_from": "2025-10-01",
    "submission_email": "soumu@tottori-kgc.example.jp",
    "channels": ["email", "paper"],
    "subject_templates": {"advance": "【前払保証】{工事名}", "contract": "【契約保証】{工事名}"},
}


def free_port() -> int:
    """A free port in 8500-8599, starting at a random point so parallel runs rarely collide."""
    start = 8500 + (os.getpid() * 7 + time.monotonic_ns()) % 100
    for offset in range(100):
        port = 8500 + (start - 8500 + offset) % 100
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError("no free port in 8500-8599")


def drill_database_url() -> str | None:
    """None (SQLite in the data dir), or a scratch PostgreSQL database when the suite runs on PostgreSQL."""
    server = os.environ.get("HOSHO_TEST_DATABASE_URL")
    if not server:
        return None
    from tests.support.database import create_scratch_postgres_database

    return create_scratch_postgres_database(server)


def server_env(data_dir: Path, database_url: str | None = None, **extra: str) -> dict[str, str]:
    """Only this drill's settings: nothing from the test session's HOSHO_* or a .env."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("HOSHO_")}
    env.update(HOSHO_DATA_DIR=str(data_dir), HOSHO_PUBLIC_URL="http://hosho.drill")
    if database_url:
        env["HOSHO_DATABASE_URL"] = database_url
    env.update(extra)
    return env


def rows(data_dir: Path, database_url: str | None, sql: str) -> list[dict]:
    """Rows straight from the drill's database (SQLite file in the data dir, or PostgreSQL)."""
    if database_url is None:
        connection = sqlite3.connect(data_dir / "hosho.sqlite")
        connection.row_factory = sqlite3.Row
        try:
            return [dict(row) for row in connection.execute(sql)]
        finally:
            connection.close()
    import asyncpg

    async def fetch() -> list[dict]:
        connection = await asyncpg.connect(database_url)
        try:
            return [dict(record) for record in await connection.fetch(sql)]
        finally:
            await connection.close()

    return asyncio.run(fetch())


def hosho(args: list[str], env: dict[str, str], stdin: str = "", timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run([str(HOSHO), *args], cwd=str(ROOT), env=env, input=stdin, capture_output=True, text=True,
                          timeout=timeout)


@dataclass
class ApiProcess:
    data_dir: Path
    env: dict[str, str]
    port: int = field(default_factory=free_port)
    process: subprocess.Popen | None = None
    command: tuple[str, ...] = ("api",)  # ("dsure", "--data-dir", …): D-Sure alone

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def log_path(self) -> Path:
        return self.data_dir / "api.log"

    def start(self, timeout: float = 60) -> "ApiProcess":
        log = open(self.log_path, "ab")
        self.process = subprocess.Popen(
            [str(HOSHO), *self.command, "--host", "127.0.0.1", "--port", str(self.port)],
            cwd=str(ROOT), env=self.env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"hosho api exited with {self.process.returncode}:\n{self.log()}")
            try:
                if httpx.get(f"{self.base}/api/health", timeout=2).status_code == 200:
                    return self
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        self.stop()
        raise TimeoutError(f"hosho api did not answer within {timeout} s:\n{self.log()}")

    def log(self) -> str:
        try:
            return self.log_path.read_text(errors="replace")[-4000:]
        except OSError:
            return ""

    def kill(self) -> None:
        """SIGKILL, no goodbye: the process group (uvicorn and anything it started)."""
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.kill()

    def rss_kib(self) -> int:
        """Resident memory of the server process and its children."""
        total = 0
        pids = [self.process.pid] if self.process else []
        while pids:
            pid = pids.pop()
            try:
                status = Path(f"/proc/{pid}/status").read_text()
                total += next(int(line.split()[1]) for line in status.splitlines() if line.startswith("VmRSS:"))
                children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
                pids.extend(int(child) for child in children)
            except (OSError, StopIteration):
                continue
        return total


def create_admin(env: dict[str, str]) -> None:
    result = hosho(["create-admin", "--login", ADMIN_LOGIN], env, stdin=ADMIN_PASSWORD + "\n")
    assert result.returncode == 0, result.stdout + result.stderr


# The authenticator of every staff login the drills set up, per server (base URL, login id).
_TOTP: dict[tuple[str, str], Authenticator] = {}


def login(client: httpx.Client, login_id: str, password: str) -> dict[str, str]:
    """Log in; staff set up two-factor at their first login (as a person would) and give a code after."""
    key = (str(client.base_url), login_id)
    body = {"login_id": login_id, "password": password}
    if key in _TOTP:
        body["otp"] = _TOTP[key].code()
    response = client.post("/api/auth/login", json=body)
    assert response.status_code == 200, response.text
    client.cookies.clear()
    headers = {"Authorization": f"Bearer {response.json()['token']}"}
    if response.json().get("totp_setup_required"):
        started = client.post("/api/auth/totp", headers=headers)
        assert started.status_code == 200, started.text
        _TOTP[key] = Authenticator(started.json()["secret"])
        confirmed = client.post("/api/auth/totp/confirm", json={"otp": _TOTP[key].code()}, headers=headers)
        assert confirmed.status_code == 200, confirmed.text
    return headers


def new_contractor(client: httpx.Client, admin: dict[str, str], email: str) -> tuple[str, dict[str, str]]:
    body = {
        "email": email, "password": CONTRACTOR_PASSWORD, "company_name": "因幡建設株式会社",
        "representative": "代表取締役 因幡 一郎", "address": "鳥取県鳥取市東町一丁目220番地",
        "phone": "0857-20-0000", "license_number": "鳥取県知事許可（特-5）第1234号",
    }
    response = client.post("/api/auth/register", json=body)
    assert response.status_code == 201, response.text
    customer_id = response.json()["customer_id"]
    approved = client.post(f"/api/admin/companies/{customer_id}/approve", headers=admin)
    assert approved.status_code == 200, approved.text
    return customer_id, login(client, customer_id, CONTRACTOR_PASSWORD)


def ensure_orderer(client: httpx.Client, admin: dict[str, str]) -> None:
    response = client.post("/api/admin/orderers", json=TOTTORI, headers=admin)
    assert response.status_code in (201, 409), response.text


def application_body(index: int = 0, **overrides) -> dict:
    body = {
        "guarantee_type": "advance",
        "orderer_code": "tottori-kgc",
        "orderer_project_number": f"R7-道改-{index:03d}",
        "project_name": f"県道鳥取国府線道路改良工事（第{index + 1}工区）",
        "project_location": "鳥取県鳥取市国府町地内",
        "contract_amount": 50_000_000 + index * 1000,
        "advance_amount": 20_000_000,
        "contract_date": "2026-10-20",
        "period_start": "2026-10-21",
        "period_end": "2028-03-31",
        "bid_announced_on": "2026-10-01",
        "delivery": "electronic",
        "notes": "",
        "deposit_bank": {"name": "鳥取銀行", "branch": "県庁支店"},
    }
    body.update(overrides)
    return body


def paid_application(client: httpx.Client, admin: dict[str, str], contractor: dict[str, str], index: int = 0) -> int:
    """Submitted, fee notified and paid: ready to conclude. Returns its id."""
    submitted = client.post("/api/applications", json=application_body(index), headers=contractor)
    assert submitted.status_code == 201, submitted.text
    application_id = submitted.json()["id"]
    notice = client.post(f"/api/admin/applications/{application_id}/fee-notice", headers=admin)
    assert notice.status_code == 200, notice.text
    paid = client.post(f"/api/admin/applications/{application_id}/payment",
                       json={"paid_on": clock.today_jst().isoformat(), "amount": notice.json()["fee"]}, headers=admin)
    assert paid.status_code == 200, paid.text
    return application_id


def concluded_certificate(client: httpx.Client, admin: dict[str, str], contractor: dict[str, str],
                          index: int = 0) -> str:
    application_id = paid_application(client, admin, contractor, index)
    concluded = client.post(f"/api/admin/applications/{application_id}/conclude", headers=admin)
    assert concluded.status_code == 200, concluded.text
    return concluded.json()["contract_number"]
