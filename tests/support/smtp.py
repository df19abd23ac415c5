"""A real SMTP server (aiosmtpd) on loopback for the tests, and reading what it received.

The API suite points the outbox at it in process (``tests/mail/conftest.py``); the browser
suite starts ``hosho run`` with ``HOSHO_SMTP_HOST`` / ``HOSHO_SMTP_PORT`` at it.
"""

from __future__ import annotations

import email
import email.policy
import re
import socket
import threading
import time
from email.message import EmailMessage

from aiosmtpd.controller import Controller


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class SmtpServer:
    """aiosmtpd on a fixed loopback port that can be stopped and started again (an outage)."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.received: list[bytes] = []
        self._lock = threading.Lock()
        self._controller: Controller | None = None

    async def handle_DATA(self, server, session, envelope) -> str:  # aiosmtpd handler hook
        with self._lock:
            self.received.append(bytes(envelope.content))
        return "250 Message accepted for delivery"

    def start(self) -> None:
        if self._controller is None:
            self._controller = Controller(self, hostname="127.0.0.1", port=self.port)
            self._controller.start()

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    @property
    def messages(self) -> list[EmailMessage]:
        with self._lock:
            raw = list(self.received)
        return [email.message_from_bytes(data, policy=email.policy.default) for data in raw]

    def message_ids(self) -> list[str]:
        return [message["Message-ID"] for message in self.messages]

    def wait_for(self, to: str, subject: str, *, after: int = 0, timeout: float = 30.0) -> EmailMessage:
        """The first mail to ``to`` whose subject contains ``subject``, among those received after the
        first ``after`` of them (a server in another process sends when its worker wakes)."""
        deadline = time.monotonic() + timeout
        while True:
            found = [m for m in self.messages[after:] if m["To"] == to and subject in str(m["Subject"])]
            if found:
                return found[0]
            if time.monotonic() > deadline:
                seen = [(str(m["To"]), str(m["Subject"])) for m in self.messages[after:]]
                raise AssertionError(f"no mail to {to} with 「{subject}」 within {timeout}s; received: {seen}")
            time.sleep(0.2)


def text_of(message: EmailMessage) -> str:
    return message.get_body(("plain",)).get_content()


def link_in(message: EmailMessage, path: str) -> str:
    """The first URL in the mail's text whose path starts with ``path``."""
    found = re.search(r"https?://[^\s/]+" + re.escape(path) + r"[^\s]*", text_of(message))
    assert found, f"no link to {path} in:\n{text_of(message)}"
    return found.group(0)
