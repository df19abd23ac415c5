"""Reliability drills (DESIGN §8): the product as a running process, under faults and load.

Each drill starts its own `hosho api` on a temp data dir (tests/drills/support.py), so it
shares nothing with the in-process app of the rest of the suite.
"""

from __future__ import annotations


def pytest_configure(config) -> None:
    config.addinivalue_line("markers", "drill: reliability drill against a real `hosho api` process")


import logging

logging.getLogger("httpx").setLevel(logging.WARNING)  # a drill sends thousands of requests
logging.getLogger("mail.log").setLevel(logging.WARNING)  # aiosmtpd narrates every SMTP command
