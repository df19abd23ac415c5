"""The state every face shares: who is logged in (kept in the browser) and how to call the API.

The login token lives in the browser's localStorage — one for e-Net (contractors) and
one for the admin dashboard, so a clerk's session never mixes with a contractor's.
Event handlers reach the API through :meth:`Session._api`, which forwards the
browser's address so the API's throttles count the right person.

A handler that calls the API is a coroutine decorated with :func:`calls_api`: the
decorator shows the spinner, puts a refusal's message and field errors on the page,
and sends an expired login to the face's login page, so the handler holds only what
it asks and what it shows on success.
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Awaitable, Callable
from typing import Any

import reflex as rx
import segno

from frontend.api import Api, ApiError
from frontend.fmt import normalize_digits

EXPIRED = "ログインの有効期限が切れました。お手数ですが、もう一度ログインしてください。"
LOGGED_OUT = "ログアウトしました。"


@dataclasses.dataclass(frozen=True)
class Face:
    """What tells e-Net and the admin dashboard apart for their pages' state."""

    token: str  # the Session var holding the face's login token
    name: str  # … and the name shown in the header
    role: str  # the role a login must have here
    login_page: str
    home: str  # where a login lands
    login_prompt: str  # the login page's notice when another page needs a login
    wrong_role: str  # the login page's error for a login of the other face
    two_factor_setup: str = ""  # where a login that must set up two-factor first goes (staff)
    two_factor_name: str = "二要素認証"  # what its pages call TOTP (e-Net: the everyday 二段階認証)


ENET = Face(
    token="enet_token", name="enet_name", role="contractor", login_page="/login", home="/applications",
    login_prompt="このページをご覧になるには、ログインしてください。",
    wrong_role="このIDは管理者用です。管理画面（/admin/login）からログインしてください。",
    two_factor_name="二段階認証",
)
ADMIN = Face(
    token="admin_token", name="admin_name", role="admin", login_page="/admin/login", home="/admin",
    login_prompt="管理画面をご利用になるには、ログインしてください。",
    wrong_role="このIDには管理画面の利用権限がありません。建設業者の方はe-Net保証からログインしてください。",
    two_factor_setup="/admin/two-factor",
)
TWO_FACTOR_FIRST = "ログインしました。管理画面をご利用になる前に、二要素認証（認証アプリの確認コード）を設定してください。"


class Session(rx.State):
    """Tokens and display names in the browser; a one-shot notice for the next page."""

    enet_token: str = rx.LocalStorage("", name="hosho_enet_token", sync=True)
    enet_name: str = rx.LocalStorage("", name="hosho_enet_name", sync=True)
    admin_token: str = rx.LocalStorage("", name="hosho_admin_token", sync=True)
    admin_name: str = rx.LocalStorage("", name="hosho_admin_name", sync=True)
    # A message carried to the next page (e.g. "お申込みを受け付けました").
    notice: str = ""

    def _client_ip(self) -> str:
        try:
            return self.router.session.client_ip or ""
        except AttributeError:
            return ""

    def _forwarded_for(self) -> str:
        """The browser request's X-Forwarded-For: the API believes it only from its trusted proxies."""
        try:
            return self.router.headers.raw_headers.get("x-forwarded-for", "")
        except AttributeError:
            return ""

    def _user_agent(self) -> str:
        try:
            return self.router.headers.user_agent or ""
        except AttributeError:
            return ""

    def _api(self, token: str | None = None) -> Api:
        return Api(token=token, client_ip=self._client_ip(), user_agent=self._user_agent(),
                   forwarded_for=self._forwarded_for())

    def _forget(self, face: Face) -> None:
        setattr(self, face.token, "")
        setattr(self, face.name, "")

    async def _logout(self, face: Face):
        if token := getattr(self, face.token):
            try:
                await self._api(token).logout()
            except ApiError:
                pass  # the token is forgotten either way
        self._forget(face)
        self.notice = LOGGED_OUT
        return rx.redirect(face.login_page)

    @rx.event
    async def enet_logout(self):
        return await self._logout(ENET)

    @rx.event
    async def admin_logout(self):
        return await self._logout(ADMIN)


class PageState(Session):
    """What a page shows about its calls to the API; each face's state subclasses it.

    The vars live on this state, so every page of both faces shares one ``busy`` flag
    and one message: a person looks at one page at a time, and each page's ``load``
    clears them.
    """

    error: str = ""  # the summary of a refused call
    message: str = ""  # the outcome of the last action, or the notice carried from the previous page
    field_errors: dict[str, str] = {}  # form field → what to type there
    busy: bool = False
    loaded: bool = False  # the page's data has arrived once (an empty list is then "none yet")
    dialog: str = ""  # the open dialog's name, "" when none

    def _face(self) -> Face | None:
        """The face's login (EnetState, AdminState); None on D-Sure: the number and the key are its credentials."""
        return None

    def _login_face(self) -> Face:
        face = self._face()
        assert face is not None, "a page without a login has no login page"
        return face

    def _token(self) -> str:
        face = self._face()
        return getattr(self, face.token) if face else ""

    def _face_api(self) -> Api:
        return self._api(self._token())

    def _needs_login(self):
        if self._token():
            return None
        self.notice = self._login_face().login_prompt
        return rx.redirect(self._login_face().login_page)

    def _expired(self):
        self._forget(self._login_face())
        self.notice = EXPIRED
        return rx.redirect(self._login_face().login_page)

    def _fresh_form(self) -> None:
        """A form page's ``load`` (no API call): no error from before, the notice shown."""
        self.error = ""
        self.field_errors = {}
        self.busy = False
        self._take_notice()

    def _open_login(self):
        """A login page's ``load``: a fresh form; the logged-in go home."""
        self._fresh_form()
        return rx.redirect(self._login_face().home) if self._token() else None

    async def _log_in(self, login_id: str, password: str, otp: str = ""):
        """A login page's ``submit`` (inside :func:`calls_api`): keep the token of a login of this face.

        ``otp`` is the two-factor code (authenticator or recovery code), once the login has it on.
        Staff who have not set it up yet get a session that may only do that: to the setup page."""
        face = self._login_face()
        result = await self._api().login(login_id, password, otp or None)
        if result.user.role != face.role:
            self.error = face.wrong_role
            return None
        setattr(self, face.token, result.token)
        setattr(self, face.name, result.user.display_name or result.user.login_id)
        if result.totp_setup_required and face.two_factor_setup:
            self.notice = TWO_FACTOR_FIRST
            return rx.redirect(face.two_factor_setup)
        self.notice = ""
        return rx.redirect(face.home)

    def _take_notice(self) -> None:
        self.message = self.notice
        self.notice = ""

    async def _refresh(self) -> None:
        """Fetch the page's data again (each page with a list overrides it)."""

    async def _done(self, message: str) -> None:
        """After an action: the page's data again, the dialog closed, the outcome said."""
        await self._refresh()
        self.dialog = ""
        self.message = message

    def _refused(self, exc: ApiError, fields: dict[str, str], error: str):
        """Show a refused call; an expired login goes to the face's login page."""
        if exc.code == "unauthorized" and self._token():
            return self._expired()
        setattr(self, error, exc.detail)
        self.field_errors = {fields.get(name, name): text for name, text in exc.errors.items()}
        return None

    def _open_dialog(self, kind: str) -> None:
        """Open the dialog ``kind`` with a fresh form (no error from before)."""
        self.dialog = kind
        self.field_errors = {}
        self.error = ""

    @rx.event
    def close_dialog(self, open_: bool = False):
        """``on_open_change`` of every dialog: closing it (Esc, やめる, outside) forgets it."""
        if not open_:
            self.dialog = ""


Handler = Callable[..., Awaitable[Any]]


def calls_api(busy: str = "busy", *, load: bool = False, login: bool = True, fields: dict[str, str] | None = None,
              error: str = "error"):
    """Turn a coroutine that calls the API into an event handler (``rx.event``) that shows its progress and failure.

    Before the call the page's error, field errors and message are cleared and the ``busy``
    var is set, then the state is sent (the spinner shows). A bool var becomes True; a str var
    takes the call's arguments joined by ``:``, so a page tells which of its buttons spins.
    A refused call (:class:`ApiError`) puts ``detail`` in the ``error`` var (``"error"``, or one
    beside the action's button) and ``errors`` in ``field_errors`` (renamed by ``fields``, API field →
    form field); an expired login goes to the login page. The coroutine may return events (a
    redirect, a download) to send on success.

    ``load=True`` makes it a page's ``on_load``: the face's login is checked first, an open
    dialog is closed, the notice from the previous page becomes the message, and ``loaded``
    is set once the call succeeds. ``login=False``: a page anyone may open (the password reset
    forms), whose ``load`` still asks the API for something (the password rule).
    """
    renames = fields or {}

    def decorate(fn: Handler):
        @functools.wraps(fn)
        async def handler(self: PageState, *args: Any, **kwargs: Any):
            if load:
                if login and (redirect := self._needs_login()) is not None:
                    yield redirect
                    return
                self.dialog = ""
            self.error = ""
            setattr(self, error, "")
            self.field_errors = {}
            self.message = ""
            if load:
                self._take_notice()
            idle: Any = "" if isinstance(getattr(self, busy), str) else False
            setattr(self, busy, ":".join(map(str, args)) if idle == "" else True)
            yield
            try:
                outcome = await fn(self, *args, **kwargs)
            except ApiError as exc:
                outcome = self._refused(exc, renames, error)
            else:
                self.loaded = self.loaded or load
            finally:
                setattr(self, busy, idle)
            if outcome is not None:
                yield outcome

        return rx.event(handler)

    return decorate


class LoginForm(rx.State, mixin=True):
    """A login page (mixed into each face's login state with the face's page state).

    ``otp_asked``: the API asked for a two-factor code (the password was right), so a page
    that shows the code field only to those who need it (e-Net) shows it from then on."""

    otp_asked: bool = False

    @rx.event
    def load(self):
        self.otp_asked = False
        return self._open_login()

    @calls_api()
    async def submit(self, form: dict[str, Any]):
        # full-width digits typed on a phone (お客様ID, 確認コード) count as the ASCII ones
        try:
            return await self._log_in(normalize_digits(str(form.get("login_id", ""))), str(form.get("password", "")),
                                      normalize_digits(str(form.get("otp", ""))))
        except ApiError as exc:
            self.otp_asked = self.otp_asked or "otp" in exc.errors
            raise


class ListPage(rx.State, mixin=True):
    """A page whose ``load`` fetches its data with ``_refresh`` (mixed in after the face's page state)."""

    @calls_api(load=True)
    async def load(self):
        await self._refresh()


# --- two-factor setup (staff at their first login; contractors when they choose to) ------


def qr_svg(payload: str) -> str:
    """A QR code of ``payload`` as an SVG data URI (the CSP allows ``img-src data:``)."""
    return segno.make(payload, error="m", micro=False).svg_data_uri(scale=5, border=4)


def grouped(secret: str) -> str:
    """The secret in groups of four, easier to type into an app by hand (apps ignore the spaces)."""
    return " ".join(secret[i:i + 4] for i in range(0, len(secret), 4))


TOTP_CONFIRMED = "{}を設定しました。次回から、ログインのたびに確認コードを入力してください。"


class TwoFactorSetup(rx.State, mixin=True):
    """Setting up TOTP (mixed in after a face's page state): a new secret as a QR code and as
    text, confirmed by a first code, then the recovery codes, shown this once.

    An unconfirmed secret is simply replaced by the next start; the confirmation's refusal
    goes to ``totp_error`` beside the code box (the page's ``error`` is its load's)."""

    totp_enabled: bool = False  # already on (before this visit)
    totp_secret: str = ""  # grouped by four
    totp_qr: str = ""  # an SVG data URI of the otpauth URI
    recovery_codes: list[str] = []
    totp_busy: bool = False
    totp_error: str = ""

    def _forget_totp_setup(self) -> None:
        self.totp_secret = self.totp_qr = ""
        self.recovery_codes = []

    async def _start_totp_setup(self, api: Api) -> None:
        setup = await api.start_totp()
        self.totp_secret = grouped(setup.secret)
        self.totp_qr = qr_svg(setup.otpauth_uri)

    @calls_api("totp_busy", error="totp_error")
    async def start_totp(self):
        await self._start_totp_setup(self._face_api())

    @rx.event
    def cancel_totp(self):
        self._forget_totp_setup()
        self.field_errors = {}
        self.totp_error = ""

    @calls_api("totp_busy", error="totp_error")
    async def confirm_totp(self, form: dict[str, Any]):
        confirmed = await self._face_api().confirm_totp(normalize_digits(str(form.get("otp", ""))))
        self._forget_totp_setup()
        self.recovery_codes = confirmed.recovery_codes
        self.totp_enabled = True
        self.message = TOTP_CONFIRMED.format(self._login_face().two_factor_name)

    @rx.event
    def forget_recovery_codes(self):
        """「控えました」: the codes leave the page (the API never shows them again)."""
        self.recovery_codes = []
        self.message = ""
