"""Passwords: change (logged in), reset by a single-use mailed link, お客様ID reminder.

Reset and reminder answer the same whether the address is known or not, and never
tell which; a reset link is 256 random bits handed out once by mail, stored only as
its SHA-256, valid 30 minutes and for one use, and superseded by a newer request.
"""

from __future__ import annotations

import secrets
from datetime import timedelta

from backend import db
from backend.accounts import service
from backend.accounts.passwords import hash_password, verify_password
from backend.accounts.service import CurrentUser
from backend.accounts.sessions import end_sessions
from backend.accounts.tables import Account, Company, PasswordResetToken
from backend.audit import service as audit
from backend.documents.formatting import jst_datetime
from backend.domain.glossary import COMPANY_STATUS_LABELS
from backend.domain.passwords import password_problem
from backend.lib import clock
from backend.lib.errors import FieldError
from backend.lib.security import sha256_hex
from backend.mail import templates as mail_templates
from backend.settings import get_settings
from backend.throttle import service as throttle

RESET_VALID = timedelta(minutes=30)
# Mails one address and one client may cause per hour (reset links and ID reminders alike);
# beyond that the answer is the same 202 but nothing is sent, so nobody can mail-bomb a company.
MAILS_PER_EMAIL_HOUR = 5
MAILS_PER_CLIENT_HOUR = 20
INVALID_LINK = (
    "この再設定用リンクは無効か、有効期限（30分）が切れています。"
    "お手数ですが、もう一度パスワードの再設定をお申し込みください。"
)


def _checked(new_password: str, login_id: str, email: str = "") -> None:
    problem = password_problem(new_password, login_id=login_id, email=email)
    if problem:
        raise FieldError("new_password", problem)


async def _set_password(account: Account, new_password: str) -> None:
    await Account.update(
        {Account.password_hash: hash_password(new_password), Account.password_changed_at: clock.now()}
    ).where(Account.id == account.id)


async def _company_of(account: Account) -> Company | None:
    if account.company is None:
        return None
    return await Company.objects().where(Company.id == account.company).first()


async def _mail_changed(account: Account, company: Company | None) -> None:
    if company is not None:  # staff logins have no address of their own
        await mail_templates.send(
            "password-changed", to=company.email, related=f"company:{company.customer_id}",
            customer_id=company.customer_id, company_name=company.name, changed_at=jst_datetime(clock.now()),
        )


async def change_password(user: CurrentUser, current_password: str, new_password: str, address: str) -> None:
    """Change one's own password; every other session of the login ends."""
    await service.check_login_throttle(user.login_id, address)
    account = await Account.objects().where(Account.id == user.account_id).first()
    if not verify_password(account.password_hash, current_password):
        await service.record_login_failure(user.login_id, address, "bad_current_password")
        raise FieldError("current_password", "現在のパスワードが正しくありません。")
    company = await _company_of(account)
    _checked(new_password, user.login_id, company.email if company else "")
    if new_password == current_password:
        raise FieldError("new_password", "新しいパスワードには、現在と異なるものを入力してください。")
    async with db.transaction():
        await _set_password(account, new_password)
        await end_sessions(Account.id == account.id, keep_token_hash=user.token_hash)
        await audit.record("password.changed", actor=user.login_id, target=user.login_id, address=address)
        await _mail_changed(account, company)


async def _may_mail(email: str, address: str) -> bool:
    """Under the hourly limits for this address and this client (the attempt counts either way)."""
    counters = throttle.get_counters()
    hour = timedelta(hours=1)
    # The address is counted by its hash: throttle keys are bounded (an address may be 254 long)
    # and the counter rows need not hold who asked.
    by_email = await counters.hit(f"mail:email:{sha256_hex(email)}", hour, limit=MAILS_PER_EMAIL_HOUR)
    by_client = await counters.hit(f"mail:client:{throttle.address_bucket(address)}", hour, limit=MAILS_PER_CLIENT_HOUR)
    return by_email <= MAILS_PER_EMAIL_HOUR and by_client <= MAILS_PER_CLIENT_HOUR


async def _companies_for(email: str) -> list[Company]:
    """The companies registered with this address that may still use it (not rejected)."""
    return await Company.objects().where((Company.email == email) & (Company.status != "rejected")).order_by(Company.id)


def reset_url(token: str) -> str:
    return f"{get_settings().public_url}/password-reset?token={token}"


async def request_reset(raw_email: str, address: str) -> None:
    """Mail a reset link to each contractor login registered with ``raw_email`` (if any)."""
    email = raw_email.strip().lower()
    if not await _may_mail(email, address):
        await audit.record("password.reset_refused", address=address, details={"reason": "rate"})
        return
    async with db.transaction():
        for company in await _companies_for(email):
            account = await Account.objects().where(Account.company == company.id).first()
            if account is None:
                continue
            now = clock.now()
            # A newer link supersedes the older ones still open.
            await PasswordResetToken.update({PasswordResetToken.used_at: now}).where(
                (PasswordResetToken.account == account.id) & PasswordResetToken.used_at.is_null()
            )
            token = secrets.token_urlsafe(32)
            await PasswordResetToken.insert(
                PasswordResetToken(token_hash=sha256_hex(token), account=account.id, created_at=now,
                                   expires_at=now + RESET_VALID)
            )
            await audit.record("password.reset_requested", target=company.customer_id, address=address)
            await mail_templates.send(
                "password-reset", to=company.email, related=f"company:{company.customer_id}",
                customer_id=company.customer_id, company_name=company.name, reset_url=reset_url(token),
                expires_at=jst_datetime(now + RESET_VALID),
            )


async def confirm_reset(token: str, new_password: str, address: str) -> str:
    """Set the password from a reset link (once); every session of the login ends. Returns the login id."""
    async with db.transaction():
        row = await PasswordResetToken.objects().where(PasswordResetToken.token_hash == sha256_hex(token.strip())).first()
        if row is None or row.used_at is not None or row.expires_at <= clock.now():
            raise FieldError("token", INVALID_LINK)
        account = await Account.objects().where(Account.id == row.account).first()
        company = await _company_of(account)
        _checked(new_password, account.login_id, company.email if company else "")
        used = (
            await PasswordResetToken.update({PasswordResetToken.used_at: clock.now()})
            .where((PasswordResetToken.id == row.id) & PasswordResetToken.used_at.is_null())
            .returning(PasswordResetToken.id)
        )
        if not used:  # the same link, twice at once
            raise FieldError("token", INVALID_LINK)
        await _set_password(account, new_password)
        await end_sessions(Account.id == account.id)
        await audit.record("password.reset", actor=account.login_id, target=account.login_id, address=address)
        await _mail_changed(account, company)
    return account.login_id


async def remind_customer_id(raw_email: str, address: str) -> None:
    """Mail the お客様ID registered with ``raw_email`` (if any)."""
    email = raw_email.strip().lower()
    if not await _may_mail(email, address):
        await audit.record("customer_id.reminder_refused", address=address, details={"reason": "rate"})
        return
    companies = await _companies_for(email)
    if not companies:
        return
    async with db.transaction():
        await audit.record("customer_id.reminded", target=",".join(c.customer_id for c in companies)[:64], address=address)
        await mail_templates.send(
            "forgot-id", to=email, related=f"company:{companies[0].customer_id}",
            companies=[
                {"customer_id": c.customer_id, "company_name": c.name,
                 "status_label": COMPANY_STATUS_LABELS.get(c.status, c.status)}
                for c in companies
            ],
        )
