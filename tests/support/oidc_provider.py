"""A local OpenID Connect provider for sign-in tests: discovery, JWKS, authorize, token.

Tokens are signed with joserfc (the JOSE library Authlib itself uses). Each test chooses
who signs in and how the ID token should be wrong through `Provider.next_claims` and
`Provider.sign_with_stranger_key`, so the real client code path meets every failure.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import secrets
import threading
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

import uvicorn
from joserfc import jwt
from joserfc.jwk import RSAKey
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from tests.support.platform import free_port

CLIENT_ID = "ganger-test-client"
CLIENT_SECRET = "ganger-test-secret"


@dataclass
class Grant:
    claims: dict[str, Any]
    redirect_uri: str
    challenge: str
    used: bool = False


@dataclass
class Provider:
    port: int = field(default_factory=free_port)
    key: RSAKey = field(default_factory=lambda: RSAKey.generate_key(2048, parameters={"kid": "good"}))
    stranger: RSAKey = field(default_factory=lambda: RSAKey.generate_key(2048, parameters={"kid": "good"}))
    next_claims: dict[str, Any] = field(default_factory=dict)
    sign_with_stranger_key: bool = False
    grants: dict[str, Grant] = field(default_factory=dict)
    refused_codes: list[str] = field(default_factory=list)

    @property
    def issuer(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def user(self, **overrides: Any) -> None:
        """Who signs in next (Anna of the practice), and any claim to change in the ID token (None removes it)."""
        self.next_claims = {"email": "anna@gangerdermatology.com", "email_verified": True,
                            "hd": "gangerdermatology.com", "name": "Anna Example", **overrides}

    def app(self) -> Starlette:
        return Starlette(routes=[
            Route("/.well-known/openid-configuration", self.discovery),
            Route("/jwks", self.jwks),
            Route("/authorize", self.authorize),
            Route("/token", self.token, methods=["POST"]),
        ])

    async def discovery(self, request: Request) -> Response:
        return JSONResponse({
            "issuer": self.issuer,
            "authorization_endpoint": f"{self.issuer}/authorize",
            "token_endpoint": f"{self.issuer}/token",
            "jwks_uri": f"{self.issuer}/jwks",
            "response_types_supported": ["code"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "code_challenge_methods_supported": ["S256"],
            "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
        })

    async def jwks(self, request: Request) -> Response:
        return JSONResponse({"keys": [self.key.as_dict(private=False)]})

    async def authorize(self, request: Request) -> Response:
        query = request.query_params
        if query.get("client_id") != CLIENT_ID or query.get("code_challenge_method") != "S256":
            return JSONResponse({"error": "invalid_request"}, status_code=400)
        now = int(time.time())
        claims = {"iss": self.issuer, "aud": CLIENT_ID, "sub": secrets.token_hex(8), "iat": now, "exp": now + 600,
                  "nonce": query.get("nonce")}
        claims.update(self.next_claims)
        claims = {k: v for k, v in claims.items() if v is not None}
        code = secrets.token_urlsafe(16)
        self.grants[code] = Grant(claims, query["redirect_uri"], query["code_challenge"])
        return RedirectResponse(f"{query['redirect_uri']}?{urlencode({'code': code, 'state': query.get('state')})}",
                                status_code=302)

    async def token(self, request: Request) -> Response:
        form = await request.form()
        if not self._client_authenticated(request, form):
            return JSONResponse({"error": "invalid_client"}, status_code=401)
        grant = self.grants.get(str(form.get("code")))
        if grant is None or grant.used:
            self.refused_codes.append(str(form.get("code")))
            return JSONResponse({"error": "invalid_grant", "error_description": "code unknown or already used"},
                                status_code=400)
        grant.used = True
        verifier = str(form.get("code_verifier") or "")
        expected = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
        if expected != grant.challenge or form.get("redirect_uri") != grant.redirect_uri:
            return JSONResponse({"error": "invalid_grant", "error_description": "PKCE or redirect_uri mismatch"},
                                status_code=400)
        key = self.stranger if self.sign_with_stranger_key else self.key
        id_token = jwt.encode({"alg": "RS256", "kid": "good"}, grant.claims, key)
        return JSONResponse({"access_token": secrets.token_urlsafe(16), "token_type": "Bearer", "expires_in": 600,
                             "id_token": id_token, "scope": "openid email profile"})

    @staticmethod
    def _client_authenticated(request: Request, form: Any) -> bool:
        header = request.headers.get("authorization", "")
        if header.startswith("Basic "):
            user, _, password = base64.b64decode(header[6:]).decode().partition(":")
            return (user, password) == (CLIENT_ID, CLIENT_SECRET)
        return (form.get("client_id"), form.get("client_secret")) == (CLIENT_ID, CLIENT_SECRET)


class RunningProvider:
    """The provider served by uvicorn on its own thread and event loop."""

    def __init__(self) -> None:
        self.provider = Provider()
        config = uvicorn.Config(self.provider.app(), host="127.0.0.1", port=self.provider.port, log_level="warning",
                                lifespan="off")
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=lambda: asyncio.run(self.server.serve()), daemon=True)

    def __enter__(self) -> Provider:
        self.thread.start()
        deadline = time.monotonic() + 10
        while not self.server.started and time.monotonic() < deadline:
            time.sleep(0.02)
        return self.provider

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(5)
