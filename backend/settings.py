"""All configuration, read once from ``HOSHO_*`` environment variables (DESIGN §6).

Real environment variables win over a ``.env`` file in the working directory.
Secrets (signing key, key-encryption key, HMAC pepper, UI forwarding secret) live
in the data dir, generated on first use with mode 0600.
"""

from __future__ import annotations

import ipaddress
import os
import re
import secrets
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

ENV_PREFIX = "HOSHO_"


def _load_dotenv(path: Path = Path(".env")) -> None:
    """Fill unset variables from a ``.env`` file (KEY=VALUE lines)."""
    if not path.is_file():
        return
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if not line or line.startswith("#") or "=" not in line:
            continue
        key, _, value = line.partition("=")
        os.environ.setdefault(key.strip(), value.strip().strip('"').strip("'"))


def _env(name: str, default: str | None = None) -> str | None:
    value = os.environ.get(ENV_PREFIX + name)
    return value if value not in (None, "") else default


def _env_int(name: str, default: int) -> int:
    value = _env(name)
    return int(value) if value is not None else default


@dataclass(frozen=True)
class Settings:
    data_dir: Path
    database_url: str
    database_read_url: str | None  # a streaming replica (PostgreSQL) for D-Sure's and the lists' reads
    smtp_host: str | None
    smtp_port: int
    smtp_username: str | None
    smtp_password: str | None
    mail_from: str
    public_url: str
    redis_url: str | None
    office_code: str
    dsure_attempts_per_minute: int
    surety_name: str = "西日本建設業保証株式会社"  # HOSHO_ISSUER_NAME: the issuer's name, also on D-Sure
    issuer_code: str = "207"  # HOSHO_ISSUER_CODE: this surety's code at D-Sure
    # HOSHO_DSURE_URL: a separate D-Sure (``hosho dsure``); unset: the embedded one, same process and database.
    dsure_url: str | None = None
    # 代表者 and 所在地 of the surety, printed on every document; 振込先 and 支払期限 of fee notices.
    surety_representative: str = "代表取締役社長　保証　一郎"
    surety_address: str = "大阪府大阪市西区○○一丁目1番1号"
    payment_account: str = "○○銀行　本店営業部　普通預金　1234567　ニシニホンケンセツギョウホショウ（カ"
    payment_due_days: int = 14  # 支払期限 = the fee notice's day + this
    session_days: int = 7
    login_failures_per_pair: int = 5  # per (login id, client address): nobody locks another person out
    login_failures_per_address: int = 20
    login_window_seconds: int = 15 * 60
    # Failures for one login id from all addresses before its attempts are slowed down (never refused).
    login_failures_per_id: int = 20
    login_backoff_seconds: float = 2.0
    login_backoff_max_seconds: float = 8.0
    mail_poll_seconds: float = 2.0
    # Proxies whose X-Forwarded-For is believed (addresses / CIDRs); none by default.
    trusted_proxies: tuple[str, ...] = ()
    # Where alerts for staff go (a D-Sure number locked for everybody); unset: dashboard only.
    staff_alert_email: str | None = None
    # PDF signatures (backend/documents/pades.py): unset = a CA of our own in the data dir.
    pdf_signing_cert: Path | None = None
    pdf_signing_key: Path | None = None
    pdf_signing_chain: Path | None = None
    tsa_url: str | None = None  # RFC 3161 time-stamping authority: PAdES-B-T instead of B-B

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    @property
    def sqlite_path(self) -> Path:
        return Path(self.database_url.removeprefix("sqlite:///"))

    def secret_file(self, name: str, nbytes: int = 32) -> bytes:
        """A random secret kept in the data dir (created 0600 on first use)."""
        return read_or_create_secret(self.data_dir / name, nbytes)


def read_or_create_secret(path: Path, nbytes: int = 32) -> bytes:
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_bytes()
    with os.fdopen(fd, "wb") as handle:
        value = secrets.token_bytes(nbytes)
        handle.write(value)
    return value


def _networks(value: str | None) -> tuple[str, ...]:
    """``HOSHO_TRUSTED_PROXIES``: addresses or CIDRs separated by commas or spaces."""
    networks = []
    for item in re.split(r"[,\s]+", value or ""):
        if not item:
            continue
        try:
            networks.append(str(ipaddress.ip_network(item, strict=False)))
        except ValueError:
            raise ValueError(f"HOSHO_TRUSTED_PROXIES: {item!r} is not an IP address or CIDR") from None
    return tuple(networks)


def _env_path(name: str) -> Path | None:
    value = _env(name)
    return Path(value).expanduser() if value is not None else None


def private_dir(path: Path) -> Path:
    """Create ``path`` as 0700, and take group/other access away from an existing one.

    The data dir holds the database, the signing keys and the session secrets: nobody but
    the service's own user has any business in it."""
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    if path.stat().st_mode & 0o077:
        os.chmod(path, 0o700)
    return path


def load_settings() -> Settings:
    _load_dotenv()
    data_dir = private_dir(Path(_env("DATA_DIR", "./data")).resolve())
    database_url = _env("DATABASE_URL", f"sqlite:///{data_dir / 'hosho.sqlite'}")
    issuer_code = _env("ISSUER_CODE", "207")
    dsure_url = _env("DSURE_URL")
    return Settings(
        data_dir=data_dir,
        database_url=database_url,
        database_read_url=_env("DATABASE_READ_URL"),
        smtp_host=_env("SMTP_HOST"),
        smtp_port=_env_int("SMTP_PORT", 25),
        smtp_username=_env("SMTP_USERNAME"),
        smtp_password=_env("SMTP_PASSWORD"),
        mail_from=_env("MAIL_FROM", "e-net@hosho.example.jp"),
        public_url=_env("PUBLIC_URL", "http://localhost:3000").rstrip("/"),
        redis_url=_env("REDIS_URL"),
        office_code=_env("OFFICE_CODE", issuer_code),
        issuer_code=issuer_code,
        surety_name=_env("ISSUER_NAME", "西日本建設業保証株式会社"),
        dsure_url=dsure_url.rstrip("/") if dsure_url else None,
        dsure_attempts_per_minute=_env_int("DSURE_ATTEMPTS_PER_MINUTE", 20),
        trusted_proxies=_networks(_env("TRUSTED_PROXIES")),
        staff_alert_email=_env("STAFF_ALERT_EMAIL"),
        surety_representative=_env("SURETY_REPRESENTATIVE", Settings.surety_representative),
        surety_address=_env("SURETY_ADDRESS", Settings.surety_address),
        payment_account=_env("PAYMENT_ACCOUNT", Settings.payment_account),
        payment_due_days=_env_int("PAYMENT_DUE_DAYS", Settings.payment_due_days),


        pdf_signing_cert=_env_path("PDF_SIGNING_CERT"),
        pdf_signing_key=_env_path("PDF_SIGNING_KEY"),
        pdf_signing_chain=_env_path("PDF_SIGNING_CHAIN"),
        tsa_url=_env("TSA_URL"),
    )


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return load_settings()
