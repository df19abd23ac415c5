"""Mail fixtures: a real SMTP server (aiosmtpd) on loopback and settings pointing at it."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace

import pytest

from backend.mail import attachments, config
from backend.settings import get_settings
from tests.support.smtp import SmtpServer, free_port

FAKE_KIND = "test-notice"
FAKE_PDF = b"%PDF-1.4\n% test attachment\n"


@pytest.fixture(autouse=True)
async def _app_running(app) -> None:
    """Mail tests use the database like the running app does (PostgreSQL pool included)."""


@pytest.fixture
def smtp_server() -> Iterator[SmtpServer]:
    """A running SMTP server; ``smtp_server.stop()`` / ``.start()`` simulate an outage."""
    server = SmtpServer(free_port())
    server.start()
    yield server
    server.stop()


@pytest.fixture
def smtp_down() -> Iterator[SmtpServer]:
    """An SMTP server that is not running yet (nothing listens on its port)."""
    server = SmtpServer(free_port())
    yield server
    server.stop()


def _point_mail_at(monkeypatch, port: int | None) -> None:
    settings = replace(
        get_settings(),
        smtp_host="127.0.0.1" if port else None,
        smtp_port=port or 25,
        mail_from="電子保証 <e-net@hosho.example.jp>",
        mail_poll_seconds=0.1,
    )
    monkeypatch.setattr(config, "mail_settings", lambda: settings)


@pytest.fixture
def mail_to_server(monkeypatch, smtp_server) -> SmtpServer:
    _point_mail_at(monkeypatch, smtp_server.port)
    return smtp_server


@pytest.fixture
def mail_to_down_server(monkeypatch, smtp_down) -> SmtpServer:
    _point_mail_at(monkeypatch, smtp_down.port)
    return smtp_down


@pytest.fixture
def no_smtp(monkeypatch) -> None:
    _point_mail_at(monkeypatch, None)


@pytest.fixture
def fake_renderer() -> Iterator[list[dict]]:
    """Register a renderer for ``test-notice`` refs; yields the refs it was asked for."""
    calls: list[dict] = []

    async def render(ref: dict) -> tuple[str, str, bytes]:
        calls.append(ref)
        return f"認証キー通知書_{ref['contract_number']}.pdf", "application/pdf", FAKE_PDF

    attachments.register_renderer(FAKE_KIND, render)
    yield calls
    attachments.unregister_renderer(FAKE_KIND)

