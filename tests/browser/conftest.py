"""Browser tests: the real product (``hosho run``) in a subprocess, driven by Chromium.

One server for the browser tests, on a free port in 3100–3199 with its own temp data
dir; data is seeded through the API and the CLI (``hosho demo``, ``hosho create-admin``),
never by importing the backend into this process. Its mail goes to a real SMTP server
(aiosmtpd on loopback, one for the session), so the journeys read the mails a person would
get and open their links. Screenshots go to ``test-artifacts/``.
"""

from __future__ import annotations

import logging
import os
import random
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest

from tests.browser.helpers import ADMIN_LOGIN, ADMIN_PASSWORD, ARTIFACTS, ROOT
from tests.support.smtp import SmtpServer, free_port
from tests.support.totp import Authenticator

CHROMIUM = os.environ.get("HOSHO_TEST_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--lang=ja-JP",
]
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1366, "height": 900}
START_TIMEOUT = 240  # the first `reflex run --env prod` builds the frontend (about a minute)


@pytest.fixture(autouse=True)
def _clean_state():
    """Override the API suite's autouse DB cleaner: this suite's database lives in the server's data dir."""
    yield


def _free_port() -> int:
    """A free port in 3100-3199, tried in random order (two suites starting at once rarely collide)."""
    ports = list(range(3100, 3200))
    random.shuffle(ports)
    for port in ports:
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
            if probe.connect_ex(("127.0.0.1", port)) != 0:  # nobody listening on any interface either
                return port
    raise RuntimeError("no free port in 3100-3199")


def _private_web_dir(data_dir: Path) -> Path | None:
    """A copy of the project's ``.web`` for this server, sharing its installed node_modules.

    ``reflex run`` rebuilds the frontend in its web dir; two servers building in the same
    ``.web`` at once (this suite beside ``make run`` or a second suite) break each other.
    None when there is no built ``.web`` yet (a first run builds the project's own).
    """
    source = ROOT / ".web"
    if not (source / "node_modules").is_dir():
        return None
    target = data_dir / "web"
    shutil.copytree(source, target, symlinks=True, ignore=shutil.ignore_patterns("node_modules", "build"))
    (target / "node_modules").symlink_to(source / "node_modules", target_is_directory=True)
    return target


@dataclass
class Server:
    url: str
    data_dir: Path
    env: dict[str, str]
    mailbox: SmtpServer | None = None  # where the server's mail goes
    demo: dict[str, str] = field(default_factory=dict)
    # The authenticator app of each staff login this suite set up (login id → its codes).
    authenticators: dict[str, Authenticator] = field(default_factory=dict)
    clerk_token: str = ""  # the suite's clerk's API session (each new login spends a step of its authenticator)

    def api(self, token: str | None = None) -> httpx.Client:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        return httpx.Client(base_url=self.url, headers=headers, timeout=30)

    def login(self, login_id: str, password: str) -> str:
        """Log in through the API; staff set up two-factor at their first login and give a code after."""
        with self.api() as client:
            body = {"login_id": login_id, "password": password}
            if login_id in self.authenticators:
                body["otp"] = self.otp(login_id)
            response = client.post("/api/auth/login", json=body)
            assert response.status_code == 200, response.text
            token = response.json()["token"]
            if response.json()["totp_setup_required"]:
                headers = {"Authorization": f"Bearer {token}"}
                started = client.post("/api/auth/totp", headers=headers)
                assert started.status_code == 200, started.text
                self.authenticators[login_id] = Authenticator(started.json()["secret"])
                confirmed = client.post("/api/auth/totp/confirm", json={"otp": self.otp(login_id)}, headers=headers)
                assert confirmed.status_code == 200, confirmed.text
            return token

    def clerk(self) -> httpx.Client:
        """The API as the suite's clerk (``ADMIN_LOGIN``), on one session for the whole suite."""
        if not self.clerk_token:
            self.clerk_token = self.login(ADMIN_LOGIN, ADMIN_PASSWORD)
        return self.api(self.clerk_token)

    def otp(self, login_id: str) -> str:
        """A code the server has not seen yet from the login's authenticator (real time, RFC 6238)."""
        return self.authenticators[login_id].code()

    def hosho(self, *args: str, stdin: str | None = None) -> str:
        done = subprocess.run(
            [str(ROOT / ".venv" / "bin" / "hosho"), *args], cwd=ROOT, env=self.env, input=stdin, text=True,
            capture_output=True, timeout=120,
        )
        assert done.returncode == 0, done.stderr + done.stdout
        return done.stdout


def _wait_ready(url: str, process: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"hosho run exited early:\n{log.read_text(errors='replace')[-4000:]}")
        try:
            health = httpx.get(f"{url}/api/health", timeout=2)
            page = httpx.get(f"{url}/login", timeout=5, follow_redirects=True)
            if health.status_code == 200 and page.status_code == 200 and "<html" in page.text.lower():
                return
        except httpx.HTTPError:
            pass
        time.sleep(1)
    tail = log.read_text(errors="replace")[-4000:]
    raise RuntimeError(f"hosho run did not become ready in {START_TIMEOUT}s:\n{tail}")


@pytest.fixture(scope="session")
def mailbox() -> Iterator[SmtpServer]:
    """The SMTP server the browser suite's server sends to (aiosmtpd in a thread of this process)."""
    logging.getLogger("mail.log").setLevel(logging.WARNING)  # aiosmtpd logs every SMTP command at INFO
    smtp = SmtpServer(free_port())
    smtp.start()
    yield smtp
    smtp.stop()


# Package scope: the server and Playwright live only while tests/browser runs. Playwright's
# sync API keeps an event loop running in this thread, which the async API tests that
# come after must not find.
@pytest.fixture(scope="package")
def server(mailbox: SmtpServer) -> Iterator[Server]:
    if not Path(CHROMIUM).exists():
        pytest.skip(f"Chromium not found at {CHROMIUM}")
    port = _free_port()
    data_dir = Path(tempfile.mkdtemp(prefix="hosho-browser-"))
    ARTIFACTS.mkdir(exist_ok=True)
    env = {
        key: value for key, value in os.environ.items()
        if not key.startswith("HOSHO_") and not key.startswith("PYTEST")
    }
    env.update(
        PATH=f"{ROOT / '.tools' / 'node_modules' / '.bin'}{os.pathsep}{os.environ.get('PATH', '')}",
        REFLEX_USE_SYSTEM_BUN="1",
        HOSHO_DATA_DIR=str(data_dir),
        HOSHO_PUBLIC_URL=f"http://127.0.0.1:{port}",
        HOSHO_DSURE_ATTEMPTS_PER_MINUTE="200",  # the suite's own pace; the per-number lockout stays
        HOSHO_UI_BLANK_PAGE="1",  # /bench-blank: the yardstick of the D-Sure page's bytes budget
        HOSHO_SMTP_HOST="127.0.0.1",
        HOSHO_SMTP_PORT=str(mailbox.port),
    )
    web_dir = _private_web_dir(data_dir)
    if web_dir is not None:
        env["REFLEX_WEB_WORKDIR"] = str(web_dir)
    log = ARTIFACTS / "browser-server.log"
    with log.open("wb") as log_file:
        process = subprocess.Popen(
            [str(ROOT / ".venv" / "bin" / "hosho"), "run", "--host", "127.0.0.1", "--port", str(port)],
            cwd=ROOT, env=env, stdout=log_file, stderr=subprocess.STDOUT, start_new_session=True,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_ready(url, process, log)
        running = Server(url=url, data_dir=data_dir, env=env, mailbox=mailbox)
        running.hosho("create-admin", "--login", ADMIN_LOGIN, "--display-name", "テスト 審査担当", stdin=ADMIN_PASSWORD + "\n")
        running.clerk_token = running.login(ADMIN_LOGIN, ADMIN_PASSWORD)  # the server on this port is ours
        demo = running.hosho("demo")
        found = re.search(r"承認済）: お客様ID (\d+) / (\S+)", demo)
        if found:
            running.demo = {"customer_id": found.group(1), "password": found.group(2)}
        yield running
    finally:
        try:
            os.killpg(process.pid, signal.SIGTERM)
            process.wait(timeout=20)
        except (ProcessLookupError, subprocess.TimeoutExpired):
            try:
                os.killpg(process.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        shutil.rmtree(data_dir, ignore_errors=True)


@pytest.fixture(scope="package")
def browser():
    """One Chromium for the package (the embedded server's tests and test_dsure_separate's own servers)."""
    if not Path(CHROMIUM).exists():
        pytest.skip(f"Chromium not found at {CHROMIUM}")
    from playwright.sync_api import expect, sync_playwright

    expect.set_options(timeout=15_000)  # a busy CI machine; each wait still ends as soon as it can

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


def _context(browser, server: Server, viewport: dict):
    context = browser.new_context(viewport=viewport, locale="ja-JP", timezone_id="Asia/Tokyo", accept_downloads=True,
                                  base_url=server.url)
    context.set_default_timeout(15_000)
    return context


@pytest.fixture
def phone(browser, server):
    context = _context(browser, server, PHONE)
    yield context.new_page()
    context.close()


@pytest.fixture
def desktop(browser, server):
    context = _context(browser, server, DESKTOP)
    yield context.new_page()
    context.close()


@pytest.fixture
def new_page(browser, server):
    """A factory for extra pages (e.g. the admin beside the contractor), each in its own context."""
    contexts = []

    def make(viewport: dict = DESKTOP):
        context = _context(browser, server, viewport)
        contexts.append(context)
        return context.new_page()

    yield make
    for context in contexts:
        context.close()

