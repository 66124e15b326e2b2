"""Who is asking: the user the router signed for this request, as a plain object."""

from __future__ import annotations

from starlette.requests import Request

from ..identity import User

SCOPE_KEY = "ganger.user"


def current_user(request: Request) -> User | None:
    """The signed-in member of staff, or None on patient workers (nobody signs in there)."""
    return request.scope.get(SCOPE_KEY)
