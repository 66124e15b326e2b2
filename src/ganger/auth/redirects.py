"""Where a user may be sent after sign-in: only a path on this site."""

from __future__ import annotations

from urllib.parse import unquote

DEFAULT = "/"


def safe_next(candidate: str | None) -> str:
    """`candidate` if it is a same-site relative path, else "/".

    Refused: anything not starting with a single "/" (so no scheme or `//host`), backslashes
    (browsers read `/\\evil` as `//evil`), control characters — checked on the raw value and
    again after percent-decoding, so encoded forms cannot slip through.
    """
    if not candidate:
        return DEFAULT
    for form in (candidate, unquote(candidate), unquote(unquote(candidate))):
        if not form.startswith("/") or form.startswith("//") or "\\" in form:
            return DEFAULT
        if any(ord(c) < 0x20 or ord(c) == 0x7F for c in form):
            return DEFAULT
        if form.startswith("/auth/"):  # never bounce back into the sign-in flow
            return DEFAULT
    return candidate
