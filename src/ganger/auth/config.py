"""Sign-in settings: the manifest's [auth] table plus the environment (which alone holds secrets)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from ..errors import GangerError
from ..identity import load_secret
from ..manifest import Manifest
from ..sessions import SessionCodec

LOCAL_ENVIRONMENTS = frozenset({"development", "test"})


class AuthConfigError(GangerError):
    pass


@dataclass(frozen=True)
class AuthConfig:
    mode: str
    environment: str
    issuer: str
    client_id: str | None
    client_secret: str | None
    allowed_domains: frozenset[str]
    allowed_emails: frozenset[str]
    roles: dict[str, frozenset[str]]
    sessions: SessionCodec
    secret: bytes

    @property
    def dev(self) -> bool:
        return self.mode == "dev"

    def domain_allowed(self, email: str) -> bool:
        domain = email.rpartition("@")[2].lower()
        if domain not in self.allowed_domains:
            return False
        return not self.allowed_emails or email.lower() in self.allowed_emails

    def roles_for(self, email: str, groups: list[str] | None = None) -> frozenset[str]:
        """Everyone signed in is staff; other roles are granted by email or by group in the manifest."""
        keys = {email.lower(), *(f"group:{g.lower()}" for g in groups or [])}
        return frozenset({"staff", *(role for role, members in self.roles.items() if keys & members)})


def auth_config(manifest: Manifest, environment: str, data_dir: Path, environ: dict[str, str] | None = None) -> AuthConfig:
    env = os.environ if environ is None else environ
    mode = env.get("GANGER_AUTH", manifest.auth.mode)
    if mode not in ("dev", "oidc"):
        raise AuthConfigError(f"GANGER_AUTH must be 'dev' or 'oidc', not {mode!r}")
    if mode == "dev" and environment == "production":
        raise AuthConfigError("dev sign-in is refused in production: set GANGER_AUTH=oidc and the OIDC client")
    client_id = env.get("GANGER_OIDC_CLIENT_ID") or None
    client_secret = env.get("GANGER_OIDC_CLIENT_SECRET") or None
    if mode == "oidc" and not (client_id and client_secret):
        raise AuthConfigError("OIDC sign-in needs GANGER_OIDC_CLIENT_ID and GANGER_OIDC_CLIENT_SECRET")
    secret = load_secret(data_dir)
    return AuthConfig(
        mode=mode,
        environment=environment,
        issuer=env.get("GANGER_OIDC_ISSUER", manifest.auth.issuer).rstrip("/"),
        client_id=client_id,
        client_secret=client_secret,
        allowed_domains=frozenset(d.lower() for d in manifest.auth.allowed_domains),
        allowed_emails=frozenset(e.lower() for e in manifest.auth.allowed_emails),
        roles={role: frozenset(m.lower() for m in members) for role, members in manifest.auth.roles.items()},
        sessions=SessionCodec(
            secret,
            idle_seconds=manifest.auth.session_idle_minutes * 60,
            absolute_seconds=manifest.auth.session_absolute_hours * 3600,
            secure=environment not in LOCAL_ENVIRONMENTS,
        ),
        secret=secret,
    )
