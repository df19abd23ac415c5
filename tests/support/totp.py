"""The authenticator app of the tests that run a real server (browser tests, drills): real time, real TOTP.

The server accepts a code once (a replayed step is refused) and one step of drift either
way, so a second login within the same 30 s takes the next step's code, and a third waits
until the clock lets that one be accepted. The API suite, whose app runs on the movable
clock, has its own (``tests.conftest.otp_for``).
"""

from __future__ import annotations

import time

import pyotp

STEP_SECONDS = 30  # backend.accounts.totp.STEP_SECONDS (a server in a subprocess: not imported from it)
DRIFT_STEPS = 1


class Authenticator:
    """The codes of one enrolled secret, each time step handed out once."""

    def __init__(self, secret: str) -> None:
        self.secret = secret
        self._last_step = 0

    def code(self) -> str:
        step = max(int(time.time()) // STEP_SECONDS, self._last_step + 1)
        while step > int(time.time()) // STEP_SECONDS + DRIFT_STEPS:
            time.sleep(0.5)
        self._last_step = step
        return pyotp.TOTP(self.secret).at(step * STEP_SECONDS)
