"""The state every face shares: who is logged in (kept in the browser) and how to call the API.

The login token lives in the browser's localStorage — one for e-Net (contractors) and
one for the admin dashboard, so a clerk's session never mixes with a contractor's.
Event handlers reach the API through :meth:`Session._api`, which forwards the
browser's address so the API's throttles count the right person.
"""

from __future__ import annotations

import reflex as rx

from frontend.api import Api, ApiError

EXPIRED = "ログインの有効期限が切れました。お手数ですが、もう一度ログインしてください。"


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

    def _enet_api(self) -> Api:
        return self._api(self.enet_token)

    def _admin_api(self) -> Api:
        return self._api(self.admin_token)

    def _enet_expired(self):
        self.enet_token = ""
        self.enet_name = ""
        self.notice = EXPIRED
        return rx.redirect("/login")

    def _admin_expired(self):
        self.admin_token = ""
        self.admin_name = ""
        self.notice = EXPIRED
        return rx.redirect("/admin/login")

    @rx.event
    def dismiss_notice(self):
        self.notice = ""

    @rx.event
    async def enet_logout(self):
        if self.enet_token:
            try:
                await self._enet_api().logout()
            except ApiError:
                pass  # the token is forgotten either way
        self.enet_token = ""
        self.enet_name = ""
        self.notice = "ログアウトしました。"
        return rx.redirect("/login")

    @rx.event
    async def admin_logout(self):
        if self.admin_token:
            try:
                await self._admin_api().logout()
            except ApiError:
                pass
        self.admin_token = ""
        self.admin_name = ""
        self.notice = "ログアウトしました。"
        return rx.redirect("/admin/login")
