"""Who is acting: one value a handler receives by dependency injection (``actor: Actor``).

Services take the actor instead of ``request.user.login_id, client_address(request)`` passed by
hand: its login (``None`` for the anonymous D-Sure caller), role, company, client address and
user agent. Like litestar-fullstack's ``current_user`` provider, registered once on the app.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from litestar import Request

from backend.lib.security import client_address, user_agent


@dataclass(frozen=True, slots=True)
class Actor:
    login_id: str | None  # お客様ID or staff login; None when nobody is logged in
    role: str | None  # "contractor" | "admin" | None
    company_id: int | None  # the contractor's company (None for staff and anonymous callers)
    address: str  # the client address (socket, trusted UI header or trusted proxies)
    user_agent: str
    user: Any = None  # the session's CurrentUser, for account operations (logout, me)

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"

    @property
    def company_scope(self) -> int | None:
        """The only company whose data this actor may see; ``None`` (staff): every company's."""
        return None if self.is_admin else self.company_id

    @property
    def name(self) -> str:
        """What the audit log records as the actor."""
        return self.login_id or "anonymous"


def actor_of(request: Request) -> Actor:
    user = request.scope.get("user")
    return Actor(
        login_id=getattr(user, "login_id", None),
        role=getattr(user, "role", None),
        company_id=getattr(user, "company_id", None),
        address=client_address(request),
        user_agent=user_agent(request),
        user=user,
    )


def system_actor(login_id: str = "system") -> Actor:
    """The actor of commands and background work (``hosho create-admin``, workers)."""
    return Actor(login_id=login_id, role="admin", company_id=None, address="local", user_agent="")
