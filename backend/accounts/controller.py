"""/api/auth: register, login, logout, me."""

from __future__ import annotations

from litestar import Controller, Response, get, post
from litestar.datastructures import Cookie

from backend.accounts import recovery, service, totp
from backend.accounts.auth import CSRF_COOKIE, SESSION_COOKIE
from backend.lib.guards import requires_login
from backend.accounts.schemas import (
    AcceptedOut,
    EmailInput,
    LoginInput,
    LoginOutput,
    MeOutput,
    PasswordChangeInput,
    PasswordPolicyOut,
    PasswordResetConfirmInput,
    RegisterInput,
    RegisterOutput,
    TotpConfirmInput,
    TotpConfirmOut,
    TotpSetupOut,
    UserOut,
)
from backend.domain import passwords
from backend.lib.actor import Actor
from backend.lib.openapi import error_answers
from backend.lib.security import NO_STORE
from backend.settings import get_settings


class AuthController(Controller):
    path = "/auth"
    tags = ["認証"]

    @post("/register", operation_id="register", status_code=201, summary="建設業者の新規登録（承認待ち）")
    async def register(self, actor: Actor, data: RegisterInput) -> RegisterOutput:
        company = await service.register(data, actor)
        return RegisterOutput(customer_id=company.customer_id, status=company.status)

    @post("/login", operation_id="login", status_code=200, summary="ログイン（トークン発行とCookie設定）",
          responses=error_answers({
              401: "パスワードは正しく、二要素認証の確認コードが必要（code: auth.otp_required、errors に otp）",
              403: "お客様ID・パスワードの誤り、承認待ち・停止中・不承認（code: auth.bad_credentials ほか）",
              429: "失敗が続いたため、このIDとアドレスの組で一時停止中（code: auth.locked。Retry-After）",
          }))
    async def login(self, actor: Actor, data: LoginInput) -> Response[LoginOutput]:
        token, account, session = await service.login(data, actor)
        csrf = service.csrf_token_for(session.token_hash)
        secure = get_settings().public_url.startswith("https://")
        max_age = get_settings().session_days * 86400
        body = LoginOutput(
            token=token,
            user=UserOut(login_id=account.login_id, role=account.role, display_name=account.display_name),
            csrf_token=csrf,
            expires_at=session.expires_at,
            totp_setup_required=session.totp_setup_only,
        )
        return Response(
            body,
            cookies=[
                Cookie(key=SESSION_COOKIE, value=token, httponly=True, samesite="lax", secure=secure,
                       max_age=max_age, path="/"),
                Cookie(key=CSRF_COOKIE, value=csrf, httponly=False, samesite="strict", secure=secure,
                       max_age=max_age, path="/"),
            ],
        )

    @post("/logout", operation_id="logout", status_code=204, guards=[requires_login], summary="ログアウト")
    async def logout(self, actor: Actor) -> Response[None]:
        await service.logout(actor)
        return Response(
            None,
            status_code=204,
            cookies=[
                Cookie(key=SESSION_COOKIE, value="", max_age=0, path="/", httponly=True),
                Cookie(key=CSRF_COOKIE, value="", max_age=0, path="/"),
            ],
        )

    @get("/me", operation_id="me", guards=[requires_login], summary="ログイン中の利用者")
    async def me(self, actor: Actor) -> MeOutput:
        company = await service.company_of(actor)
        return MeOutput(
            login_id=actor.login_id,
            role=actor.role,
            display_name=actor.user.display_name,
            company=service.company_out(company) if company else None,
            totp_enabled=await totp.enabled(actor.user.account_id),
            totp_setup_required=actor.user.totp_setup_only,
        )

    @post("/totp", operation_id="startTotp", status_code=200, guards=[requires_login],
          summary="二要素認証の設定開始（秘密鍵とotpauth URI。確認コードの入力で有効になります）")
    async def start_totp(self, actor: Actor) -> Response[TotpSetupOut]:
        secret, uri = await totp.start_setup(actor.user)
        return Response(TotpSetupOut(secret=secret, otpauth_uri=uri), headers=NO_STORE)

    @post("/totp/confirm", operation_id="confirmTotp", status_code=200, guards=[requires_login],
          summary="二要素認証の有効化（確認コード。回復コードを一度だけ返します）")
    async def confirm_totp(self, actor: Actor, data: TotpConfirmInput) -> Response[TotpConfirmOut]:
        codes = await service.confirm_totp(actor.user, data.otp, actor.address)
        return Response(TotpConfirmOut(recovery_codes=codes), headers=NO_STORE)

    @get("/password-policy", operation_id="passwordPolicy", summary="パスワードの条件（入力欄の説明に表示）")
    async def password_policy(self) -> PasswordPolicyOut:
        return PasswordPolicyOut(rule=passwords.RULE, min_length=passwords.MIN_LENGTH, max_length=passwords.MAX_LENGTH)

    @post("/password", operation_id="changePassword", status_code=204, guards=[requires_login],
          summary="パスワードの変更（ほかの端末のセッションは終了）")
    async def change_password(self, actor: Actor, data: PasswordChangeInput) -> None:
        await recovery.change_password(actor.user, data.current_password, data.new_password, actor.address)

    @post("/password-reset", operation_id="requestPasswordReset", status_code=202,
          summary="パスワード再設定の申込み（登録メールアドレスへ30分有効のリンクを送信）")
    async def request_password_reset(self, actor: Actor, data: EmailInput) -> AcceptedOut:
        await recovery.request_reset(data.email, actor.address)
        return AcceptedOut(detail=(
            "ご入力のメールアドレスがご登録のものであれば、パスワード再設定のご案内をお送りしました。"
            "メールに記載のリンク（30分間有効）から新しいパスワードを設定してください。"
        ))

    @post("/password-reset/confirm", operation_id="confirmPasswordReset", status_code=204,
          summary="新しいパスワードの設定（再設定用リンクのトークン）")
    async def confirm_password_reset(self, actor: Actor, data: PasswordResetConfirmInput) -> None:
        await recovery.confirm_reset(data.token, data.new_password, actor.address)

    @post("/forgot-id", operation_id="forgotCustomerId", status_code=202,
          summary="お客様IDの問い合わせ（登録メールアドレスへ送信）")
    async def forgot_id(self, actor: Actor, data: EmailInput) -> AcceptedOut:
        await recovery.remind_customer_id(data.email, actor.address)
        return AcceptedOut(detail=(
            "ご入力のメールアドレスがご登録のものであれば、お客様IDをお知らせするメールをお送りしました。"
        ))
