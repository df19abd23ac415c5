"""Accounts: registration, approval, login sessions, throttling.

Tokens are 256-bit random strings handed to the client once; only their SHA-256
is stored, so a database leak yields no usable session.
"""

from __future__ import annotations

import asyncio
import hmac
import secrets
from dataclasses import dataclass
from datetime import timedelta


from backend import db
from backend.accounts import totp
from backend.accounts.passwords import hash_password, needs_rehash, verify_password
from backend.accounts.schemas import CompanyOut, LoginInput, RegisterInput
from backend.accounts.sessions import end_sessions
from backend.accounts.tables import Account, Company, Session
from backend.audit import service as audit
from backend.documents.formatting import jst_datetime
from backend.domain.glossary import COMPANY_STATUS_LABELS
from backend.domain.passwords import password_problem
from backend.lib import clock
from backend.lib.actor import Actor
from backend.lib.errors import Conflict, FieldError, FieldMessage, Forbidden, NotFound, Throttled, Unauthorized
from backend.lib.security import sha256_hex
from backend.mail import templates as mail_templates
from backend.settings import get_settings
from backend.stats import counters
from backend.throttle import service as throttle

CSRF_SECRET_FILE = "csrf.secret"


class TooManyAttempts(Throttled):
    """Login failures locked this (login id, address) pair: 429 with Retry-After."""

    def __init__(self, retry_after: int) -> None:
        minutes = max(1, round(retry_after / 60))
        super().__init__(
            f"ログインの失敗が続いたため、一時的にログインを停止しています。約{minutes}分後に再度お試しください。",
            retry_after=retry_after,
            code="auth.locked",
        )


@dataclass(frozen=True)
class CurrentUser:
    account_id: int
    login_id: str
    role: str
    display_name: str
    company_id: int | None
    token_hash: str
    totp_setup_only: bool = False  # staff who must set up two-factor before anything else

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"


def csrf_token_for(token_hash: str) -> str:
    """The CSRF token bound to a session (HMAC of its hash; nothing extra to store)."""
    key = get_settings().secret_file(CSRF_SECRET_FILE)
    return hmac.new(key, b"csrf:" + token_hash.encode(), "sha256").hexdigest()


def company_out(row: dict) -> CompanyOut:
    return CompanyOut(
        customer_id=row["customer_id"],
        company_name=row["name"],
        representative=row["representative"],
        address=row["address"],
        phone=row["phone"],
        email=row["email"],
        license_number=row["license_number"],
        status=row["status"],
        created_at=row["created_at"],
        approved_at=row["approved_at"],
        status_reason=row["status_reason"],
        status_changed_at=row["status_changed_at"],
    )


async def _new_customer_id() -> str:
    """8 random digits (not sequential, so IDs cannot be enumerated)."""
    while True:
        candidate = str(secrets.randbelow(90_000_000) + 10_000_000)
        if not await Company.exists().where(Company.customer_id == candidate):
            return candidate


async def register(data: RegisterInput, actor: Actor) -> Company:
    problem = password_problem(data.password, email=data.email)
    if problem:
        raise FieldError("password", problem)
    password_hash = hash_password(data.password)
    async with db.transaction():
        customer_id = await _new_customer_id()
        company = Company(
            customer_id=customer_id,
            name=data.company_name.strip(),
            representative=data.representative.strip(),
            address=data.address.strip(),
            phone=data.phone.strip(),
            email=data.email.strip().lower(),
            license_number=data.license_number.strip(),
            status="pending",
            created_at=clock.now(),
        )
        await company.save()
        await counters.bump(counters.moved(counters.COMPANY_STATUS, None, "pending"))
        await Account.insert(
            Account(
                login_id=customer_id,
                role="contractor",
                password_hash=password_hash,
                display_name=company.name,
                company=company.id,
            )
        )
        await audit.record(
            "company.registered", actor=customer_id, target=customer_id, address=actor.address,
            details={"company_name": company.name},
        )
        await mail_templates.send(
            "registration-received", to=company.email, related=f"company:{customer_id}",
            customer_id=customer_id, company_name=company.name, representative=company.representative,
            registered_at=jst_datetime(clock.now()),
        )
    return company


# Which status each staff decision moves a company from, and to.
_DECISIONS = {
    "approve": ("pending", "active"),
    "reject": ("pending", "rejected"),
    "suspend": ("active", "suspended"),
    "resume": ("suspended", "active"),
}
_DECISION_CONFLICTS = {
    "approve": "承認できるのは承認待ちの登録だけです（このお客様IDは現在「{status}」です）。",
    "reject": "不承認にできるのは承認待ちの登録だけです（このお客様IDは現在「{status}」です）。",
    "suspend": "利用停止できるのは利用中のお客様IDだけです（このお客様IDは現在「{status}」です）。",
    "resume": "利用再開できるのは利用停止中のお客様IDだけです（このお客様IDは現在「{status}」です）。",
}
_DECISION_EVENTS = {"approve": "approved", "reject": "rejected", "suspend": "suspended", "resume": "resumed"}
_DECISION_MAILS = {
    "approve": "company-approved", "reject": "company-rejected",
    "suspend": "company-suspended", "resume": "company-resumed",
}


async def decide_company(decision: str, customer_id: str, actor: Actor, reason: str = "") -> Company:
    """Approve, reject, suspend or resume a company; its mail commits with the change.

    Suspending ends the company's sessions in the same transaction, so a logged-in
    contractor's next request is already refused."""
    before, after = _DECISIONS[decision]
    if decision == "reject" and not reason:
        raise FieldError("reason", "不承認の理由を入力してください（お客様へのメールに記載されます）。")
    async with db.transaction():
        company = await Company.objects().where(Company.customer_id == customer_id).first()
        if company is None:
            raise NotFound("お客様IDが見つかりません。")
        if company.status != before:
            label = COMPANY_STATUS_LABELS.get(company.status, company.status)
            raise Conflict(_DECISION_CONFLICTS[decision].format(status=label))
        now = clock.now()
        values = {Company.status: after, Company.status_reason: reason, Company.status_changed_at: now}
        if decision == "approve":
            values[Company.approved_at] = now
        moved = (
            await Company.update(values)
            .where((Company.id == company.id) & (Company.status == before))
            .returning(Company.id)
        )
        if not moved:
            raise Conflict("このお客様IDは他の操作で更新されました。画面を読み込み直してください。")
        await counters.bump(counters.moved(counters.COMPANY_STATUS, before, after))
        for column, value in values.items():
            setattr(company, column._meta.name, value)
        if decision == "suspend":
            await end_sessions(Account.company == company.id)
        await audit.record(
            f"company.{_DECISION_EVENTS[decision]}", by=actor, target=customer_id,
            details={"reason": reason} if reason else None,
        )
        await mail_templates.send(
            _DECISION_MAILS[decision], to=company.email, related=f"company:{customer_id}",
            customer_id=customer_id, company_name=company.name, representative=company.representative,
            reason=reason,
        )
    return company


async def approve_company(customer_id: str, actor: Actor) -> Company:
    return await decide_company("approve", customer_id, actor)


async def create_admin(login_id: str, password: str, display_name: str | None = None) -> None:
    problem = password_problem(password, login_id=login_id)
    if problem:
        raise ValueError(problem)
    async with db.transaction():
        existing = await Account.objects().where(Account.login_id == login_id).first()
        if existing is not None:
            if existing.role != "admin":
                raise ValueError(f"{login_id} is not a staff login")
            existing.password_hash = hash_password(password)
            await existing.save()
        else:
            await Account.insert(
                Account(
                    login_id=login_id,
                    role="admin",
                    password_hash=hash_password(password),
                    display_name=display_name or login_id,
                )
            )
        await audit.record("admin.password_set", actor="system", target=login_id)


def _login_lockouts(login_id: str, address: str) -> list[tuple[str, throttle.Lockout]]:
    """What failed logins count under, each key with its policy (429 + Retry-After once locked)."""
    settings = get_settings()
    window = timedelta(seconds=settings.login_window_seconds)
    bucket = throttle.address_bucket(address)
    return [
        # (login id, address): wrong passwords lock this pair only, so nobody can lock another
        # person out from elsewhere.
        (f"login:pair:{login_id.lower()}:{bucket}", throttle.Lockout(settings.login_failures_per_pair, window, window)),
        # One address trying many login ids.
        (f"login:addr:{bucket}", throttle.Lockout(settings.login_failures_per_address, window, window)),
    ]


def _id_failures_key(login_id: str) -> str:
    return f"login:id:{login_id.lower()}"


def _known_address_key(login_id: str, address: str) -> str:
    return f"login:known:{login_id.lower()}:{throttle.address_bucket(address)}"


KNOWN_ADDRESS_DAYS = 30


async def check_login_throttle(login_id: str, address: str) -> None:
    for key, _ in _login_lockouts(login_id, address):
        until = await throttle.get_counters().locked_until(key)
        if until is not None:
            raise TooManyAttempts(throttle.retry_after_seconds(until))


def backoff_delay(id_failures: int) -> float:
    """Seconds an attempt on a login id waits while it is under a distributed attack.

    Nothing below ``login_failures_per_id`` failures (all addresses, one window); then the
    base delay, doubled for every further ``login_failures_per_id`` failures, capped."""
    settings = get_settings()
    if id_failures < settings.login_failures_per_id:
        return 0.0
    doublings = id_failures // settings.login_failures_per_id - 1
    return min(settings.login_backoff_seconds * 2 ** min(doublings, 16), settings.login_backoff_max_seconds)


async def _slow_down_attack_on(login_id: str, address: str) -> None:
    """The slower, global back-off for one login id: it delays, it never refuses.

    Pair locks stop one address; many addresses guessing at one login id (a botnet) each stay
    under them, so once the login id's failures from everywhere pass a threshold every attempt
    on it waits before its password is checked (right and wrong ones alike, so the wait tells
    nothing). Addresses that logged in to it successfully in the last 30 days do not wait: the
    owner at the office is not slowed by an attack from elsewhere."""
    counters = throttle.get_counters()
    window = timedelta(seconds=get_settings().login_window_seconds)
    delay = backoff_delay(await counters.count(_id_failures_key(login_id), window))
    if delay and not await counters.count(_known_address_key(login_id, address), timedelta(days=KNOWN_ADDRESS_DAYS)):
        await asyncio.sleep(delay)


async def record_login_failure(login_id: str, address: str, reason: str) -> None:
    for key, policy in _login_lockouts(login_id, address):
        await throttle.record_failure(key, policy, reason="login")
    await throttle.get_counters().hit(_id_failures_key(login_id), timedelta(seconds=get_settings().login_window_seconds))
    await audit.record("login.failed", actor=login_id[:64], address=address, details={"reason": reason})


async def _remember_success(login_id: str, address: str) -> None:
    counters = throttle.get_counters()
    await counters.clear(_login_lockouts(login_id, address)[0][0])  # a success forgives the pair's failures
    known = _known_address_key(login_id, address)
    await counters.clear(known)  # one event per address: the latest success
    await counters.hit(known, timedelta(days=KNOWN_ADDRESS_DAYS))


_REFUSED_STATUS = {
    "pending": "ご登録は現在承認待ちです。承認のお知らせ（メール）をお待ちください。",
    "rejected": "このお客様IDのご登録は承認されませんでした。お送りしたメールをご確認のうえ、改めてご登録ください。",
    "suspended": "このお客様IDは現在ご利用を停止しています。お取引のある営業所へお問い合わせください。",
}


OTP_REQUIRED = "二要素認証の確認コード（認証アプリの6桁の数字、または回復コード）を入力してください。"


class SecondFactorRequired(Unauthorized):
    """The password was right; the login needs a TOTP code (or a recovery code) as well.

    A 401 naming the field, so the form shows the code box."""

    code = "auth.otp_required"

    def __init__(self) -> None:
        super().__init__(OTP_REQUIRED, errors=[FieldMessage("otp", OTP_REQUIRED)])


async def _second_factor(account: Account, otp: str | None, address: str) -> str | None:
    """Check the code of an account with TOTP on: "totp" / "recovery", None when it has none."""
    if account.totp_confirmed_at is None:
        return None
    if not otp or not otp.strip():
        raise SecondFactorRequired
    used = await totp.check_login_code(account, otp)
    if used is None:
        await record_login_failure(account.login_id, address, "bad_otp")
        raise FieldError("otp", totp.BAD_CODE)
    return used


async def confirm_totp(user: CurrentUser, otp: str, address: str) -> list[str]:
    """Turn two-factor on with a first code (:func:`totp.confirm_setup`); wrong codes count as failed logins."""
    await check_login_throttle(user.login_id, address)
    try:
        return await totp.confirm_setup(user, otp, address)
    except FieldError:
        await record_login_failure(user.login_id, address, "bad_otp_setup")
        raise


async def login(data: LoginInput, actor: Actor) -> tuple[str, Account, Session]:
    """Check the password and open a session; returns the raw token (shown once)."""
    address, user_agent = actor.address, actor.user_agent
    login_id = data.login_id.strip()
    await check_login_throttle(login_id, address)
    await _slow_down_attack_on(login_id, address)
    account = await Account.objects().where(Account.login_id == login_id).first()
    if not verify_password(account.password_hash if account else None, data.password):
        await record_login_failure(login_id, address, "bad_credentials")
        raise Forbidden("お客様ID（ログインID）またはパスワードが正しくありません。", code="auth.bad_credentials")
    if account.role == "contractor":
        company = await Company.objects().where(Company.id == account.company).first()
        if company.status != "active":
            await audit.record("login.refused", actor=login_id, address=address, details={"status": company.status})
            raise Forbidden(
                _REFUSED_STATUS.get(company.status, _REFUSED_STATUS["suspended"]),
                code=f"auth.{company.status}" if company.status in _REFUSED_STATUS else "auth.suspended",
            )
    second_factor = await _second_factor(account, data.otp, address)
    token = secrets.token_urlsafe(32)
    now = clock.now()
    session = Session(
        token_hash=sha256_hex(token),
        account=account.id,
        created_at=now,
        expires_at=now + timedelta(days=get_settings().session_days),
        address=address[:64],
        user_agent=user_agent[:300],
        # Staff without two-factor yet: a session that may only set it up (backend.accounts.totp).
        totp_setup_only=account.role == "admin" and account.totp_confirmed_at is None,
    )
    async with db.transaction():
        await session.save()
        values = {Account.last_login_at: now}
        if needs_rehash(account.password_hash):
            values[Account.password_hash] = hash_password(data.password)
        await Account.update(values).where(Account.id == account.id)
        await audit.record("login.succeeded", actor=login_id, address=address,
                           details={"second_factor": second_factor} if second_factor else None)
    await _remember_success(login_id, address)
    return token, account, session


async def logout(actor: Actor) -> None:
    async with db.transaction():
        await Session.delete().where(Session.token_hash == actor.user.token_hash)
        await audit.record("logout", by=actor)


# Every authenticated request runs this. As a Piccolo select with join columns it cost ~0.7 ms
# of CPU per request (each ``Session.account.x`` deep-copies columns, then the join compiles);
# as one fixed statement it compiles in ~15 us (bench/RESULTS.md).
_SESSION_USER = (
    'SELECT s.expires_at, s.totp_setup_only, a.id AS account_id, a.login_id, a.role, a.display_name, a.company AS company_id '
    'FROM "session" s JOIN account a ON a.id = s.account WHERE s.token_hash = {}'
)


async def user_for_token(token: str) -> CurrentUser | None:
    token_hash = sha256_hex(token)
    rows = await Session.raw(_SESSION_USER, token_hash)
    row = rows[0] if rows else None
    if row is None or row["expires_at"] <= clock.now():
        return None
    return CurrentUser(
        account_id=row["account_id"],
        login_id=row["login_id"],
        role=row["role"],
        display_name=row["display_name"],
        company_id=row["company_id"],
        token_hash=token_hash,
        totp_setup_only=bool(row["totp_setup_only"]),
    )


async def company_of(actor: Actor) -> dict | None:
    if actor.company_id is None:
        return None
    return await Company.select().where(Company.id == actor.company_id).first()


async def list_companies(status: str | None = None) -> list[dict]:
    query = Company.select().order_by(Company.created_at, ascending=False)
    if status:
        query = query.where(Company.status == status)
    return await query
