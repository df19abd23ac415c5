"""Test fixtures: the real app against a temp data dir and a real database.

The environment is set before anything from ``backend`` is imported. SQLite by
default; ``HOSHO_TEST_DATABASE_URL=postgres://…`` runs the same suite on PostgreSQL.
Every test starts with empty tables.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import AsyncIterator
from dataclasses import dataclass

import pytest

_DATA_DIR = tempfile.mkdtemp(prefix="hosho-test-")
os.environ["HOSHO_DATA_DIR"] = _DATA_DIR
os.environ["HOSHO_PUBLIC_URL"] = "http://hosho.test"
for _name in ("HOSHO_SMTP_HOST", "HOSHO_REDIS_URL", "HOSHO_DATABASE_URL", "HOSHO_DATABASE_READ_URL"):
    os.environ.pop(_name, None)
if os.environ.get("HOSHO_TEST_DATABASE_URL"):
    from tests.support.database import create_scratch_postgres_database

    # A fresh database per test session: concurrent runs never see each other's tables.
    os.environ["HOSHO_DATABASE_URL"] = create_scratch_postgres_database(os.environ["HOSHO_TEST_DATABASE_URL"])

import httpx  # noqa: E402

from backend.app import app_lifespan, create_app  # noqa: E402
from backend.db import is_sqlite, migrate  # noqa: E402
from backend.lib import clock  # noqa: E402
from tests.support import database  # noqa: E402

ADMIN_LOGIN = "hanako"
ADMIN_PASSWORD = "Staff-Passw0rd-2025"
CONTRACTOR_PASSWORD = "Kensetsu-2025-pass"


def pytest_report_header(config) -> str:
    return f"hosho database: {'sqlite' if is_sqlite() else 'postgres'}; data dir {_DATA_DIR}"


@pytest.fixture(scope="session")
async def _migrated() -> None:
    await migrate()


@pytest.fixture(scope="session")
async def app(_migrated) -> AsyncIterator:
    """The app with its lifespan (database pool, background services) run in the test loop.

    Litestar's own test client runs the lifespan in a separate thread and event loop,
    which an asyncpg pool does not survive; so we drive the lifespan ourselves.
    """
    application = create_app()
    async with app_lifespan(application):
        yield application


@pytest.fixture
async def client(app) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app, client=("127.0.0.1", 51000))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as test_client:
        yield test_client


@pytest.fixture(autouse=True)
async def _clean_state(_migrated) -> AsyncIterator[None]:
    yield
    clock.reset()
    TOTP_SECRETS.clear()
    _LAST_STEP.clear()
    await database.empty_all_tables()


# The TOTP secret of every login that turned two-factor on in this test (login id → secret), and
# the last time step each has used: a code is accepted once, so the next login takes the next step.
TOTP_SECRETS: dict[str, str] = {}
_LAST_STEP: dict[str, int] = {}


def otp_for(login_id: str) -> str:
    """A fresh code of the login's authenticator at the app's clock (RFC 6238, pyotp).

    The server accepts the step before now too, but only while it is still now's neighbour:
    not in the last seconds of the step (the server's clock may read the next one), and
    a third login within one step waits for the next (real time moves the app's clock too)."""
    import time

    import pyotp

    from backend.accounts.totp import DRIFT_STEPS, STEP_SECONDS

    while True:
        moment = clock.now().timestamp()
        now_step = int(moment) // STEP_SECONDS
        left_in_step = (now_step + 1) * STEP_SECONDS - moment
        lowest = now_step - DRIFT_STEPS if left_in_step > 5 else now_step
        step = max(lowest, _LAST_STEP.get(login_id, 0) + 1)
        if step <= now_step + DRIFT_STEPS:
            break
        time.sleep(0.5)
    _LAST_STEP[login_id] = step
    return pyotp.TOTP(TOTP_SECRETS[login_id]).at(step * STEP_SECONDS)


@dataclass
class Login:
    login_id: str
    token: str
    csrf_token: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


async def login_as(client: httpx.AsyncClient, login_id: str, password: str) -> Login:
    """Log in through the API (with a TOTP code when the login has two-factor on)."""
    body = {"login_id": login_id, "password": password}
    if login_id in TOTP_SECRETS:
        body["otp"] = otp_for(login_id)
    response = await client.post("/api/auth/login", json=body)
    assert response.status_code == 200, response.text
    body = response.json()
    client.cookies.clear()  # tests choose explicitly between bearer and cookie auth
    return Login(login_id=login_id, token=body["token"], csrf_token=body["csrf_token"])


def registration(**overrides) -> dict:
    body = {
        "email": "keiri@inaba-kensetsu.example.jp",
        "password": CONTRACTOR_PASSWORD,
        "company_name": "因幡建設株式会社",
        "representative": "代表取締役 因幡 一郎",
        "address": "鳥取県鳥取市東町一丁目220番地",
        "phone": "0857-20-0000",
        "license_number": "鳥取県知事許可（特-5）第1234号",
    }
    body.update(overrides)
    return body


@pytest.fixture
async def admin(client) -> Login:
    from backend.accounts.service import create_admin

    await create_admin(ADMIN_LOGIN, ADMIN_PASSWORD, "保証 花子")
    return await staff_login(client, ADMIN_LOGIN, ADMIN_PASSWORD)


async def enable_totp(client: httpx.AsyncClient, login: Login) -> list[str]:
    """Set up two-factor through the API as a person would (secret → code → confirm); the recovery codes."""
    started = await client.post("/api/auth/totp", headers=login.headers)
    assert started.status_code == 200, started.text
    TOTP_SECRETS[login.login_id] = started.json()["secret"]
    confirmed = await client.post("/api/auth/totp/confirm", json={"otp": otp_for(login.login_id)}, headers=login.headers)
    assert confirmed.status_code == 200, confirmed.text
    return confirmed.json()["recovery_codes"]


async def staff_login(client: httpx.AsyncClient, login_id: str, password: str) -> Login:
    """A full staff session: at the first login staff must set up two-factor, so do it then."""
    login = await login_as(client, login_id, password)
    if login_id not in TOTP_SECRETS:
        await enable_totp(client, login)
    return login


async def new_contractor(client: httpx.AsyncClient, admin: Login, **overrides) -> Login:
    """Register through the API, approve as admin, log in: an active contractor."""
    response = await client.post("/api/auth/register", json=registration(**overrides))
    assert response.status_code == 201, response.text
    customer_id = response.json()["customer_id"]
    approved = await client.post(f"/api/admin/companies/{customer_id}/approve", headers=admin.headers)
    assert approved.status_code == 200, approved.text
    return await login_as(client, customer_id, overrides.get("password", CONTRACTOR_PASSWORD))


@pytest.fixture
async def contractor(client, admin) -> Login:
    return await new_contractor(client, admin)
