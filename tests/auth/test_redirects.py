"""After sign-in a user is sent back only to a path on this site."""

from __future__ import annotations

import pytest

from ganger.auth.redirects import safe_next


@pytest.mark.parametrize("target", ["/inventory/", "/inventory/items?page=2", "/", "/status/#top"])
def test_same_site_paths_are_kept(target: str) -> None:
    assert safe_next(target) == target


@pytest.mark.parametrize(
    "target",
    ["//evil.example", "https://evil.example/", "http:evil", "/\\evil.example", "\\\\evil", "%2F%2Fevil.example",
     "/%2F/evil.example", "%2f%5cevil", "/%5Cevil", "javascript:alert(1)", "evil.example", "/%0d%0aSet-Cookie:x",
     "/auth/login", "/%252F%252Fevil", ""],
)
def test_anything_else_falls_back_to_the_portal_home(target: str) -> None:
    assert safe_next(target) == "/"
