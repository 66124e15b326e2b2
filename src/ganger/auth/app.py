"""The sign-in service (worker `ganger-auth`, prefix /auth)."""

from __future__ import annotations

import logging
import os

from authlib.integrations.starlette_client import OAuth, OAuthError
from starlette.middleware.sessions import SessionMiddleware
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from ..identity import User
from ..logs import event
from ..sdk import WorkerApp
from ..settings import from_environment
from .config import AuthConfig, auth_config
from .redirects import safe_next

audit = logging.getLogger("ganger.audit")

FLOW_COOKIE = "ganger_oidc"
FLOW_SECONDS = 600


def _redirect_with_session(config: AuthConfig, user: User, next_path: str) -> Response:
    response = RedirectResponse(next_path, status_code=303)
    response.headers.append("Set-Cookie", config.sessions.set_cookie(config.sessions.encode(user)))
    return response


def _callback_url(request: Request, config: AuthConfig, staff_base: str) -> str:
    if config.environment == "production":
        return f"https://{staff_base}/auth/callback"
    host = request.headers.get("x-forwarded-host") or request.headers.get("host", "localhost")
    proto = request.headers.get("x-forwarded-proto", "http")
    return f"{proto}://{host}/auth/callback"


class SignIn:
    """The pages and the OIDC flow. One instance per process, built from the manifest."""

    def __init__(self) -> None:
        self.worker_app = WorkerApp(
            "ganger-auth",
            package="ganger.auth",
            pages=[
                Route("/", self.root, methods=["GET", "HEAD"]),
                Route("/login", self.login, methods=["GET", "HEAD"]),
                Route("/start", self.start, methods=["GET"]),
                Route("/callback", self.callback, methods=["GET"]),
                Route("/dev-login", self.dev_login, methods=["POST"]),
                Route("/logout", self.logout, methods=["GET", "POST"]),
            ],
        )
        manifest = self.worker_app.manifest
        settings = from_environment()
        environment = settings.environment or manifest.platform.environment
        self.config = auth_config(manifest, environment, settings.data_dir)
        self.staff_base = manifest.platform.staff_portal_base
        self.oauth = OAuth()
        if self.config.mode == "oidc":
            if self.config.issuer.startswith("http://") and environment != "production":
                os.environ.setdefault("AUTHLIB_INSECURE_TRANSPORT", "1")  # a local test provider
            self.oauth.register(
                "provider",
                client_id=self.config.client_id,
                client_secret=self.config.client_secret,
                server_metadata_url=f"{self.config.issuer}/.well-known/openid-configuration",
                client_kwargs={"scope": "openid email profile", "code_challenge_method": "S256"},
            )
        self.asgi = SessionMiddleware(
            self.worker_app,
            secret_key=self.config.secret.decode() + ".oidc-flow",
            session_cookie=FLOW_COOKIE,
            max_age=FLOW_SECONDS,
            path="/auth",
            same_site="lax",
            https_only=self.config.sessions.secure,
        )

    async def __call__(self, scope, receive, send):  # type: ignore[no-untyped-def]
        await self.asgi(scope, receive, send)

    def page(self, request: Request, *, status_code: int = 200, error: str | None = None,
             message: str | None = None) -> Response:
        return self.worker_app.render(
            request, "login.html", title="Sign in", status_code=status_code, error=error, message=message,
            dev=self.config.dev, oidc=self.config.mode == "oidc", next=safe_next(request.query_params.get("next")),
            domains=sorted(self.config.allowed_domains),
        )

    async def root(self, request: Request) -> Response:
        return RedirectResponse(f"{request.scope.get('root_path', '')}/login", status_code=303)

    async def login(self, request: Request) -> Response:
        message = "You are signed out." if request.query_params.get("signed_out") else None
        return self.page(request, message=message)

    async def start(self, request: Request) -> Response:
        if self.config.mode != "oidc":
            return self.page(request, status_code=404, error="Single sign-on is not configured on this platform.")
        request.session["next"] = safe_next(request.query_params.get("next"))
        client = self.oauth.create_client("provider")
        try:
            return await client.authorize_redirect(request, _callback_url(request, self.config, self.staff_base))
        except (OSError, OAuthError, ValueError) as exc:
            event(audit, logging.ERROR, "sign-in provider unreachable", error=type(exc).__name__)
            return self.page(request, status_code=503, error="The sign-in provider is not reachable. Try again shortly.")

    async def callback(self, request: Request) -> Response:
        if self.config.mode != "oidc":
            return self.page(request, status_code=404, error="Single sign-on is not configured on this platform.")
        client = self.oauth.create_client("provider")
        try:
            token = await client.authorize_access_token(request, leeway=30)
        except Exception as exc:  # noqa: BLE001 - every failure here is a refused sign-in, never a 500
            reason = getattr(exc, "description", None) or getattr(exc, "error", None) or type(exc).__name__
            return self.refuse(request, f"the sign-in response could not be verified ({reason})", status_code=400)
        claims = token.get("userinfo") or {}
        email = str(claims.get("email") or "")
        if not claims or not email:
            return self.refuse(request, "the provider returned no verified identity", status_code=400)
        if claims.get("email_verified") is not True:
            return self.refuse(request, "the email address is not verified", email=email)
        domain = email.rpartition("@")[2].lower()
        if str(claims.get("hd") or "").lower() != domain or not self.config.domain_allowed(email):
            return self.refuse(request, "this account is not a member of the practice's workspace", email=email)
        groups = claims.get("groups") if isinstance(claims.get("groups"), list) else None
        user = User(email=email.lower(), name=str(claims.get("name") or email),
                    roles=self.config.roles_for(email, groups))
        next_path = safe_next(request.session.pop("next", None))
        event(audit, logging.INFO, "sign-in", email=user.email, method="oidc", roles=sorted(user.roles))
        return _redirect_with_session(self.config, user, next_path)

    async def dev_login(self, request: Request) -> Response:
        if not self.config.dev:
            return self.page(request, status_code=404, error="Dev sign-in is disabled on this platform.")
        async with request.form(max_files=0, max_fields=8) as form:
            email = str(form.get("email") or "").strip().lower()
            admin = str(form.get("admin") or "") in ("1", "on", "true", "yes")
            next_path = safe_next(str(form.get("next") or ""))
        if "@" not in email or not self.config.domain_allowed(email):
            return self.refuse(request, f"dev sign-in accepts addresses in {', '.join(sorted(self.config.allowed_domains))} only",
                               email=email or None, status_code=400)
        roles = set(self.config.roles_for(email))
        if admin:
            roles.add("admin")
        user = User(email=email, name=email.partition("@")[0].replace(".", " ").title(), roles=frozenset(roles))
        event(audit, logging.INFO, "sign-in", email=user.email, method="dev", roles=sorted(user.roles))
        return _redirect_with_session(self.config, user, next_path)

    async def logout(self, request: Request) -> Response:
        session = self.config.sessions.decode(request.cookies.get("ganger_session", ""))
        if session is not None:
            event(audit, logging.INFO, "sign-out", email=session.user.email)
        response = RedirectResponse(f"{request.scope.get('root_path', '')}/login?signed_out=1", status_code=303)
        response.headers.append("Set-Cookie", self.config.sessions.clear_cookie())
        return response

    def refuse(self, request: Request, reason: str, *, email: str | None = None, status_code: int = 403) -> Response:
        domain = email.rpartition("@")[2] if email else None
        event(audit, logging.WARNING, "sign-in refused", reason=reason, email_domain=domain)
        response = self.page(request, status_code=status_code, error=f"Sign-in refused: {reason}.")
        response.headers.append("Set-Cookie", self.config.sessions.clear_cookie())
        return response


app = SignIn()
__all__ = ["app"]
