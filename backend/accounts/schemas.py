"""Request and response bodies of the accounts API (DESIGN §5.1)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

import msgspec

from backend.domain.passwords import MIN_LENGTH, password_problem
from backend.lib.schema import Email, Input, MediumText, Output, Phone, ShortText, text

Password = Annotated[str, msgspec.Meta(min_length=1, max_length=128)]
# A new password: the rule is stated in the message before a person breaks it.
NewPassword = Annotated[str, msgspec.Meta(min_length=1, max_length=128, extra={"hint": f"{MIN_LENGTH}文字以上で、英字と数字をそれぞれ1文字以上"})]
LoginId = text(64, hint="お客様ID（8桁）または職員のログイン名")
Role = Literal["contractor", "admin"]


class RegisterInput(Input):
    email: Email
    password: NewPassword
    company_name: ShortText
    representative: ShortText
    address: MediumText
    phone: Phone
    license_number: ShortText

    @classmethod
    def rule_problems(cls, values: dict) -> list[tuple[str, str]]:
        if "password" not in values:
            return []
        problem = password_problem(values["password"], email=values.get("email", ""))
        return [("password", problem)] if problem else []


class RegisterOutput(Output):
    customer_id: str
    status: str


Otp = Annotated[str, msgspec.Meta(max_length=32)]


class LoginInput(Input):
    login_id: LoginId
    password: Password
    otp: Otp | None = None  # the authenticator's 6 digits (or a recovery code) once two-factor is on


class UserOut(Output):
    login_id: str
    role: Role
    display_name: str


class CompanyOut(Output):
    customer_id: str
    company_name: str
    representative: str
    address: str
    phone: str
    email: str
    license_number: str
    status: str
    created_at: datetime
    approved_at: datetime | None = None
    status_reason: str = ""  # why staff rejected or suspended it
    status_changed_at: datetime | None = None


class RejectInput(Input):
    reason: Annotated[str, msgspec.Meta(min_length=1, max_length=1000)]


class SuspendInput(Input):
    reason: Annotated[str, msgspec.Meta(max_length=1000)] = ""


class LoginOutput(Output):
    token: str
    user: UserOut
    csrf_token: str
    expires_at: datetime
    totp_setup_required: bool = False  # staff: set up two-factor now (the session may do nothing else)


class MeOutput(Output):
    login_id: str
    role: Role
    display_name: str
    company: CompanyOut | None = None
    totp_enabled: bool = False
    totp_setup_required: bool = False


class PasswordChangeInput(Input):
    current_password: Password
    new_password: NewPassword


class EmailInput(Input):
    """Where to mail a reset link or the お客様ID reminder."""

    email: Email


class PasswordResetConfirmInput(Input):
    token: Annotated[str, msgspec.Meta(min_length=1, max_length=200)]
    new_password: NewPassword


class AcceptedOut(Output):
    """202: the request was taken; what happens next (the same whether the address is known or not)."""

    detail: str


class PasswordPolicyOut(Output):
    """The password rule, for forms to show before anything is typed."""

    rule: str
    min_length: int
    max_length: int


class TotpSetupOut(Output):
    """A new TOTP secret: type it, or scan the URI as a QR code, into an authenticator app."""

    secret: str
    otpauth_uri: str


class TotpConfirmInput(Input):
    otp: Otp


class TotpConfirmOut(Output):
    """Two-factor is on. The recovery codes are shown this once (each good for one login)."""

    recovery_codes: list[str]
