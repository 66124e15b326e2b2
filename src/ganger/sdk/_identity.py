"""Who is asking: the user the router signed for this request, as a plain object."""

from __future__ import annotations

import msgspec
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.types import ASGIApp, Receive, Scope, Send

from ..identity import User, verify

SCOPE_KEY = "ganger.user"
_REFUSAL = msgspec.json.encode(
    {"error": "Unauthorized", "status": 401,
     "message": "This worker answers only requests signed by the platform router. Sign in at /auth/login."}
)


def current_user(request: Request) -> User | None:
    """The signed-in member of staff, or None on patient workers (nobody signs in there)."""
    return request.scope.get(SCOPE_KEY)


def require_role(request: Request, role: str) -> User:
    """The current user if they hold `role`; otherwise the request ends with 403."""
    user = current_user(request)
    if user is None or not user.has_role(role):
        raise HTTPException(403, f"This needs the {role!r} role.")
    return user


class VerifiedIdentity:
    """Refuses (401) any request without the router's fresh signature: a staff worker's socket
    reached directly gives nothing away. `roles`, when set, are also checked here (defence in depth)."""

    def __init__(self, app: ASGIApp, secret: bytes, roles: tuple[str, ...]) -> None:
        self.app = app
        self.secret = secret
        self.roles = frozenset(roles)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        method = scope.get("method", "GET").encode()
        path = scope.get("raw_path") or scope["path"].encode()
        user = verify(self.secret, scope["headers"], method, path)
        if user is None or (self.roles and not self.roles & user.roles):
            status = 401 if user is None else 403
            if scope["type"] == "websocket":
                await send({"type": "websocket.close", "code": 4401 if status == 401 else 4403})
                return
            body = _REFUSAL if status == 401 else msgspec.json.encode(
                {"error": "Forbidden", "status": 403, "message": "Your account lacks the role this application requires."})
            await send({"type": "http.response.start", "status": status,
                        "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()),
                                    (b"cache-control", b"no-store")]})
            await send({"type": "http.response.body", "body": body})
            return
        scope[SCOPE_KEY] = user
        await self.app(scope, receive, send)
