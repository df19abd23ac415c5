"""The /dsure page against a separate D-Sure: `hosho dsure` as a second real process.

D-Sure alone (its own data dir and SQLite database) and `hosho run` (e-Net + UI) with
HOSHO_DSURE_URL pointing at it: e-Net publishes through its outbox over HTTP, and the UI's
D-Sure page asks that D-Sure, with D-Sure's own forward secret
(HOSHO_DSURE_FORWARD_SECRET_FILE) for the browser's address. The clerk reads a certificate
in Chromium, then a cancelled one; the view is in D-Sure's database, not in e-Net's.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import sqlite3
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import expect

from tests.browser import conftest
from tests.browser.conftest import PHONE, Server
from tests.browser.helpers import ADMIN_LOGIN, ADMIN_PASSWORD, ARTIFACTS, ROOT, open_page, screenshot

pytestmark = [pytest.mark.browser]

HOSHO = ROOT / ".venv" / "bin" / "hosho"
ISSUER = ("207", "西日本建設業保証株式会社")


def _base_env() -> dict[str, str]:
    env = {key: value for key, value in os.environ.items()
           if not key.startswith("HOSHO_") and not key.startswith("PYTEST")}
    env.update(PATH=f"{ROOT / '.tools' / 'node_modules' / '.bin'}{os.pathsep}{os.environ.get('PATH', '')}",
               REFLEX_USE_SYSTEM_BUN="1")
    return env


def _run(args: list[str], env: dict[str, str], stdin: str | None = None) -> str:
    done = subprocess.run([str(HOSHO), *args], cwd=ROOT, env=env, input=stdin, text=True, capture_output=True,
                          timeout=180)
    assert done.returncode == 0, done.stderr + done.stdout
    return done.stdout


def _stop(process: subprocess.Popen) -> None:
    try:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=20)
    except (ProcessLookupError, subprocess.TimeoutExpired):
        try:
            os.killpg(process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass


def _wait_dsure(url: str, process: subprocess.Popen, log: Path, timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"hosho dsure exited early:\n{log.read_text(errors='replace')[-4000:]}")
        try:
            if httpx.get(f"{url}/api/health", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    raise RuntimeError(f"hosho dsure did not answer in {timeout}s:\n{log.read_text(errors='replace')[-4000:]}")


class Separate:
    def __init__(self, dsure_url: str, dsure_dir: Path, ui: Server) -> None:
        self.dsure_url, self.dsure_dir, self.ui = dsure_url, dsure_dir, ui

    def verify(self, number: str, key: str) -> httpx.Response:
        return httpx.post(f"{self.dsure_url}/api/dsure/verify", json={"contract_number": number, "auth_key": key},
                          timeout=30)

    def wait_published(self, number: str, key: str, timeout: float = 60) -> dict:
        """Once e-Net's outbox has delivered everything of ``number``, D-Sure's answer. (Polling
        the verify itself would count a failure per try and lock the pair after five.)"""
        deadline = time.monotonic() + timeout
        while True:
            with sqlite3.connect(self.ui.data_dir / "hosho.sqlite") as connection:
                statuses = [row[0] for row in connection.execute(
                    "SELECT status FROM publication_outbox WHERE contract_number = ?", (number,))]
            if statuses and all(status == "delivered" for status in statuses):
                break
            assert time.monotonic() < deadline, f"{number} not delivered to D-Sure: {statuses}"
            time.sleep(0.5)
        response = self.verify(number, key)
        assert response.status_code == 200, response.text
        return response.json()

    def dsure_rows(self, sql: str) -> list[tuple]:
        with sqlite3.connect(self.dsure_dir / "hosho.sqlite") as connection:
            return connection.execute(sql).fetchall()


@pytest.fixture(scope="module")
def separate() -> Iterator[Separate]:
    if not Path(conftest.CHROMIUM).exists():
        pytest.skip(f"Chromium not found at {conftest.CHROMIUM}")
    ARTIFACTS.mkdir(exist_ok=True)
    root = Path(tempfile.mkdtemp(prefix="hosho-browser-separate-"))
    dsure_dir, enet_dir = root / "dsure", root / "enet"
    dsure_dir.mkdir()
    enet_dir.mkdir()
    processes: list[subprocess.Popen] = []
    try:
        # 1. D-Sure alone: a process of its own, its own data dir and database.
        dsure_port = conftest._free_port()
        dsure_url = f"http://127.0.0.1:{dsure_port}"
        dsure_env = {**_base_env(), "HOSHO_DATA_DIR": str(dsure_dir), "HOSHO_DSURE_ATTEMPTS_PER_MINUTE": "200"}
        dsure_log = ARTIFACTS / "browser-dsure-alone.log"
        with dsure_log.open("wb") as log_file:
            processes.append(subprocess.Popen(
                [str(HOSHO), "dsure", "--data-dir", str(dsure_dir), "--host", "127.0.0.1", "--port", str(dsure_port)],
                cwd=ROOT, env=dsure_env, stdout=log_file, stderr=subprocess.STDOUT, start_new_session=True,
            ))
        _wait_dsure(dsure_url, processes[0], dsure_log)
        assert (dsure_dir / "ui-forward.secret").is_file()  # what the UI proves the browser's address with

        # 2. e-Net with the UI (`hosho run`), publishing to that D-Sure; its /dsure page asks it too.
        port = conftest._free_port()
        enet_env = {
            **_base_env(),
            "HOSHO_DATA_DIR": str(enet_dir),
            "HOSHO_PUBLIC_URL": f"http://127.0.0.1:{port}",
            "HOSHO_DSURE_URL": dsure_url,
            "HOSHO_DSURE_FORWARD_SECRET_FILE": str(dsure_dir / "ui-forward.secret"),
        }
        issuer_key = root / "issuer-207.pem"
        issuer_key.write_text(_run(["issuer-key"], enet_env), encoding="utf-8")
        # Registered while D-Sure runs (no restart).
        _run(["dsure", "--data-dir", str(dsure_dir), "add-issuer", "--code", ISSUER[0], "--name", ISSUER[1],
              "--public-key", str(issuer_key)], dsure_env)
        web_dir = conftest._private_web_dir(enet_dir)
        if web_dir is not None:
            enet_env["REFLEX_WEB_WORKDIR"] = str(web_dir)
        enet_log = ARTIFACTS / "browser-enet-separate.log"
        with enet_log.open("wb") as log_file:
            processes.append(subprocess.Popen(
                [str(HOSHO), "run", "--host", "127.0.0.1", "--port", str(port)],
                cwd=ROOT, env=enet_env, stdout=log_file, stderr=subprocess.STDOUT, start_new_session=True,
            ))
        url = f"http://127.0.0.1:{port}"
        conftest._wait_ready(url, processes[1], enet_log)
        ui = Server(url=url, data_dir=enet_dir, env=enet_env)
        ui.hosho("create-admin", "--login", ADMIN_LOGIN, "--display-name", "テスト 審査担当", stdin=ADMIN_PASSWORD + "\n")
        ui.login(ADMIN_LOGIN, ADMIN_PASSWORD)  # the server on this port is ours
        found = re.search(r"承認済）: お客様ID (\d+) / (\S+)", ui.hosho("demo"))
        assert found, "hosho demo printed no approved contractor"
        ui.demo = {"customer_id": found.group(1), "password": found.group(2)}
        yield Separate(dsure_url, dsure_dir, ui)
    finally:
        for process in reversed(processes):
            _stop(process)
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture(scope="module")
def certificates(separate) -> list[dict]:
    ui = separate.ui
    token = ui.login(ui.demo["customer_id"], ui.demo["password"])
    with ui.api(token) as api:
        items = api.get("/api/certificates", params={"limit": 50}).json()["items"]
        found = []
        for item in items:
            if item["delivery"] == "electronic" and item["status"] == "valid":
                item["auth_key"] = api.get(f"/api/certificates/{item['contract_number']}/auth-key").json()["auth_key"]
                found.append(item)
    assert len(found) >= 2, "hosho demo did not seed two valid electronic certificates"
    for item in found:  # e-Net's outbox delivered them to the separate D-Sure
        separate.wait_published(item["contract_number"], item["auth_key"])
    return found


@pytest.fixture
def phone_page(browser, separate):
    context = browser.new_context(viewport=PHONE, locale="ja-JP", timezone_id="Asia/Tokyo", accept_downloads=True,
                                  base_url=separate.ui.url)
    context.set_default_timeout(15_000)
    yield context.new_page()
    context.close()


def test_the_page_verifies_through_the_separate_dsure(separate, certificates, phone_page):
    page = phone_page
    certificate = certificates[0]
    number, key = certificate["contract_number"], certificate["auth_key"]
    views_before = separate.dsure_rows("SELECT COUNT(*) FROM ds_view")[0][0]

    open_page(page, f"/dsure?no={number}")
    page.get_by_label("認証キー").fill(key)
    page.get_by_role("button", name="閲覧する").click()
    result = page.locator("#result")
    expect(result.get_by_text("有効", exact=True)).to_be_visible()
    expect(result.locator("#issuer")).to_contain_text(ISSUER[1])  # the issuer's name, from D-Sure's answer
    expect(result.get_by_text("電子署名を検証しました", exact=False)).to_be_visible()
    expect(result.get_by_text(certificate["project_name"]).first).to_be_visible()
    screenshot(page, "dsure-separate-01-certificate")

    # The view was written by the separate D-Sure in its own database; e-Net's embedded
    # D-Sure tables never saw the certificate (it was published over HTTP).
    deadline = time.monotonic() + 15
    while separate.dsure_rows("SELECT COUNT(*) FROM ds_view")[0][0] <= views_before:
        assert time.monotonic() < deadline, "the separate D-Sure recorded no view"
        time.sleep(0.3)
    with sqlite3.connect(separate.ui.data_dir / "hosho.sqlite") as connection:
        assert connection.execute("SELECT COUNT(*) FROM ds_certificate").fetchone()[0] == 0
        assert connection.execute("SELECT COUNT(*) FROM ds_view").fetchone()[0] == 0
    assert separate.dsure_rows(
        f"SELECT COUNT(*) FROM ds_certificate WHERE contract_number = '{number}'")[0][0] == 1

    # The receipt (閲覧証明) comes from the separate D-Sure too.
    with page.expect_download() as download_info:
        page.get_by_role("button", name="閲覧証明（PDF）をダウンロード").click()
    assert Path(download_info.value.path()).read_bytes().startswith(b"%PDF")

    # A wrong key: the same friendly refusal as with the embedded D-Sure.
    page.get_by_role("button", name="別の電子証書を確認する").click()
    page.get_by_label("保証契約番号").fill(number)
    page.get_by_label("認証キー").fill(("2" if key[0] != "2" else "3") + key[1:])
    page.get_by_role("button", name="閲覧する").click()
    expect(page.get_by_role("alert").filter(has_text="正しくありません")).to_be_visible()
    expect(page.locator("#result")).to_have_count(0)


def test_a_cancellation_published_to_the_separate_dsure_shows_on_the_page(separate, certificates, phone_page):
    certificate = certificates[1]
    number, key = certificate["contract_number"], certificate["auth_key"]
    token = separate.ui.login(ADMIN_LOGIN, ADMIN_PASSWORD)
    with separate.ui.api(token) as admin:
        cancelled = admin.post(f"/api/admin/certificates/{number}/cancel", json={"reason": "工事契約の解除"})
        assert cancelled.status_code == 200, cancelled.text
    body = separate.wait_published(number, key)
    assert body["status"] == "cancelled"
    assert body["cancel_reason"] == "工事契約の解除" and body["cancelled_on"]

    page = phone_page
    open_page(page, f"/dsure?no={number}")
    page.get_by_label("認証キー").fill(key)
    page.get_by_role("button", name="閲覧する").click()
    result = page.locator("#result")
    expect(result.get_by_text("解約", exact=True)).to_be_visible()
    expect(result.locator("#cancelled")).to_contain_text("工事契約の解除")
    expect(result.locator("#issuer")).to_contain_text(ISSUER[1])
    screenshot(page, "dsure-separate-02-cancelled")
