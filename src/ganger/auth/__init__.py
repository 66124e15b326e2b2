"""Staff sign-in: OpenID Connect (Google by default) or dev sign-in, issuing the session cookie.

The service runs as its own worker process (`ganger-auth`, prefix /auth); the router only checks
the cookie it issues. Importing this package does not import the OIDC client.
"""

from .config import AuthConfig, auth_config

__all__ = ["AuthConfig", "auth_config"]
