"""Two-factor login with TOTP (RFC 6238, pyotp): setup, confirmation, recovery codes.

Staff must use it: a staff login without a confirmed TOTP gets a session that may only
set it up (``Session.totp_setup_only``; the admin guard refuses everything else with
``auth.totp_setup_required``), so existing staff set it up at their first login after this
change. Contractors may turn it on for themselves. Once confirmed, every login needs a
code (or a recovery code). Codes are checked against :mod:`backend.lib.clock`, one step
either side for clock drift, and a step once accepted is never accepted again (replay).

The secret is kept AES-GCM encrypted with a data-dir key (bound to the login id); the
ten recovery codes are shown once and stored as SHA-256, each good for one login.
"""

from __future__ import annotations

import hmac
import secrets
from functools import lru_cache
from typing import TYPE_CHECKING

import pyotp

from backend import db
from backend.accounts.sessions import end_sessions
from backend.accounts.tables import Account, RecoveryCode, Session
from backend.audit import service as audit
from backend.domain.keys import decrypt_key, encrypt_key
from backend.lib import clock
from backend.lib.errors import Conflict, FieldError
from backend.lib.security import sha256_hex
from backend.settings import get_settings

if TYPE_CHECKING:
    from backend.accounts.service import CurrentUser

STEP_SECONDS = 30
DRIFT_STEPS = 1
RECOVERY_CODES = 10
ISSUER = "電子保証"
BAD_CODE = "確認コードが正しくありません。認証アプリに表示されている6桁の数字を入力してください。"


@lru_cache(maxsize=1)
def _secret_key() -> bytes:
    return get_settings().secret_file("totp-aes.secret")


def _seal(login_id: str, secret: str) -> str:
    return encrypt_key(_secret_key(), f"totp:{login_id}", secret)


def _open(login_id: str, sealed: str) -> str:
    return decrypt_key(_secret_key(), f"totp:{login_id}", sealed)


def otpauth_uri(login_id: str, secret: str) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=login_id, issuer_name=ISSUER)


def matching_step(secret: str, otp: str, after_step: int) -> int | None:
    """The time step whose code is ``otp`` (now ± drift), if later than ``after_step``."""
    code = "".join(otp.split())
    if len(code) != 6 or not code.isdigit():
        return None
    totp = pyotp.TOTP(secret)
    now_step = int(clock.now().timestamp()) // STEP_SECONDS
    for step in range(now_step - DRIFT_STEPS, now_step + DRIFT_STEPS + 1):
        if step > after_step and hmac.compare_digest(totp.at(step * STEP_SECONDS), code):
            return step
    return None


def _normal_recovery(code: str) -> str:
    return "".join(ch for ch in code.lower() if ch.isalnum())


def _new_recovery_codes() -> list[str]:
    alphabet = "abcdefghjkmnpqrstuvwxyz23456789"  # no look-alikes (0/o, 1/l/i)
    raw = ["".join(secrets.choice(alphabet) for _ in range(10)) for _ in range(RECOVERY_CODES)]
    return [f"{code[:5]}-{code[5:]}" for code in raw]


async def enabled(account_id: int) -> bool:
    return await Account.exists().where((Account.id == account_id) & Account.totp_confirmed_at.is_not_null())


async def start_setup(user: CurrentUser) -> tuple[str, str]:
    """A new secret (not active until confirmed): (secret, otpauth URI)."""
    account = await Account.objects().where(Account.id == user.account_id).first()
    if account.totp_confirmed_at is not None:
        raise Conflict("二要素認証はすでに設定済みです。設定し直す場合は管理者にリセットを依頼してください。")
    secret = pyotp.random_base32()
    await Account.update({Account.totp_secret: _seal(account.login_id, secret), Account.totp_last_step: 0}).where(
        Account.id == account.id
    )
    return secret, otpauth_uri(account.login_id, secret)


async def confirm_setup(user: CurrentUser, otp: str, address: str) -> list[str]:
    """Turn TOTP on with a first code; returns the recovery codes (shown once).

    The current session becomes a full one; every other session of the login ends (they
    were opened with the password alone)."""
    async with db.transaction():
        account = await Account.objects().where(Account.id == user.account_id).first()
        if account.totp_confirmed_at is not None:
            raise Conflict("二要素認証はすでに設定済みです。")
        if not account.totp_secret:
            raise Conflict("先に二要素認証の設定を開始してください（QRコードの表示）。")
        step = matching_step(_open(account.login_id, account.totp_secret), otp, 0)
        if step is None:
            raise FieldError("otp", BAD_CODE)
        await Account.update({Account.totp_confirmed_at: clock.now(), Account.totp_last_step: step}).where(
            Account.id == account.id
        )
        codes = _new_recovery_codes()
        await RecoveryCode.delete().where(RecoveryCode.account == account.id)
        await RecoveryCode.insert(
            *[RecoveryCode(account=account.id, code_hash=sha256_hex(_normal_recovery(code))) for code in codes]
        )
        await Session.update({Session.totp_setup_only: False}).where(Session.token_hash == user.token_hash)
        await end_sessions(Account.id == account.id, keep_token_hash=user.token_hash)
        await audit.record("totp.enabled", actor=account.login_id, target=account.login_id, address=address)
    return codes


async def check_login_code(account: Account, otp: str) -> str | None:
    """At login: "totp" or "recovery" when ``otp`` is a valid code (and spend it), else None."""
    step = matching_step(_open(account.login_id, account.totp_secret), otp, account.totp_last_step)
    if step is not None:
        # Guarded by the last step read, so two logins with one code cannot both pass.
        spent = await Account.update({Account.totp_last_step: step}).where(
            (Account.id == account.id) & (Account.totp_last_step == account.totp_last_step)
        ).returning(Account.id)
        return "totp" if spent else None
    used = await RecoveryCode.update({RecoveryCode.used_at: clock.now()}).where(
        (RecoveryCode.account == account.id)
        & (RecoveryCode.code_hash == sha256_hex(_normal_recovery(otp)))
        & RecoveryCode.used_at.is_null()
    ).returning(RecoveryCode.id)
    return "recovery" if used else None


async def reset(login_id: str) -> None:
    """Turn TOTP off (``hosho create-admin --reset-totp``, a lost phone): set up again at next login."""
    async with db.transaction():
        account = await Account.objects().where(Account.login_id == login_id).first()
        if account is None:
            raise ValueError(f"{login_id} does not exist")
        await Account.update(
            {Account.totp_secret: "", Account.totp_confirmed_at: None, Account.totp_last_step: 0}
        ).where(Account.id == account.id)
        await RecoveryCode.delete().where(RecoveryCode.account == account.id)
        await end_sessions(Account.id == account.id)
        await audit.record("totp.reset", actor="system", target=login_id)
