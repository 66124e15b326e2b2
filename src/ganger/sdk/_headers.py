"""Security headers by kind of worker, exactly the spec's profiles, added to every response."""

from __future__ import annotations

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

# Every asset is served by the worker itself; nothing comes from a third party.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
    "connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; "
    "frame-ancestors 'none'"
)


# No other site's window may hold a reference to ours, nor load our responses into its pages.
ISOLATION_HEADERS = [("Cross-Origin-Opener-Policy", "same-origin"), ("Cross-Origin-Resource-Policy", "same-origin")]


def staff_headers(*, camera: bool) -> list[tuple[str, str]]:
    return [
        ("X-Frame-Options", "DENY"),
        ("X-Content-Type-Options", "nosniff"),
        ("Referrer-Policy", "strict-origin-when-cross-origin"),
        ("Permissions-Policy", f"camera={'(self)' if camera else '()'}, microphone=(), geolocation=()"),
        ("Strict-Transport-Security", "max-age=31536000; includeSubDomains"),
        ("Content-Security-Policy", CONTENT_SECURITY_POLICY),
        *ISOLATION_HEADERS,
    ]


def patient_headers() -> list[tuple[str, str]]:
    return [
        ("X-Content-Type-Options", "nosniff"),
        ("Referrer-Policy", "strict-origin-when-cross-origin"),
        ("Content-Security-Policy", CONTENT_SECURITY_POLICY),
        *ISOLATION_HEADERS,
    ]


class SecurityHeaders:
    """Adds the kind's headers; responses that set no Cache-Control get `no-store`.

    Pages with patient or staff data must never be cached; a page that may be (a public
    handout, an asset) says so itself.
    """

    def __init__(self, app: ASGIApp, headers: list[tuple[str, str]]) -> None:
        self.app = app
        self.headers = headers

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in self.headers:
                    if name not in headers:
                        headers[name] = value
                if "cache-control" not in headers:
                    headers["Cache-Control"] = "no-store"
            await send(message)

        await self.app(scope, receive, send_with_headers)


class ForwardedPrefix:
    """Moves the router's matched prefix into `root_path`, as Starlette's Mount would.

    The router forwards the full path (`/inventory/api/items`) and names the prefix it matched
    (`X-Forwarded-Prefix: /inventory`); the app then routes on `/api/items` and builds its
    links under the prefix.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] in ("http", "websocket"):
            for name, value in scope["headers"]:
                if name == b"x-forwarded-prefix":
                    prefix = value.decode("latin-1")
                    if prefix and scope["path"].startswith(prefix):
                        scope = dict(scope, root_path=prefix)
                    break
        await self.app(scope, receive, send)
