"""One canonical form for every request path, decided before routing and sign-in.

Routing, auth and the worker must all see the same path, or `/x/../inventory` and
`/%2e%2e/inventory` become ways around a route. The rules (RFC 3986 §6.2.2):

- percent-encodings of unreserved characters are decoded, the rest are upper-cased;
- an encoded `/` or `\\`, a raw `\\`, a control character or a broken encoding is refused;
- runs of `/` are merged and dot segments are resolved (never above the root);
- bytes that are not allowed in a path are percent-encoded, so the result is ASCII.
"""

from __future__ import annotations

from ..errors import PathError

_UNRESERVED = frozenset(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")
# Characters allowed raw in a path segment besides unreserved ones (pchar without "%").
_ALLOWED_RAW = _UNRESERVED | frozenset(b"!$&'()*+,;=:@/")
_HEX = frozenset(b"0123456789abcdefABCDEF")
_REFUSED_DECODED = {0x2F: "an encoded '/'", 0x5C: "an encoded '\\'"}


def split_target(target: bytes) -> tuple[bytes, bytes, str | None]:
    """Split a request target into (path, query, authority-from-absolute-form)."""
    authority: str | None = None
    if not target.startswith(b"/"):
        lowered = target[:8].lower()
        if lowered.startswith(b"http://") or lowered.startswith(b"https://"):
            rest = target.split(b"://", 1)[1]
            slash = rest.find(b"/")
            authority = (rest if slash < 0 else rest[:slash]).decode("latin-1")
            target = b"/" if slash < 0 else rest[slash:]
        else:
            raise PathError("the request target must be a path starting with '/'")
    target = target.split(b"#", 1)[0]
    path, _, query = target.partition(b"?")
    return path, query, authority


def canonical_path(raw: bytes) -> str:
    """The canonical form of a raw path (no query), as routed, checked and forwarded."""
    out = bytearray()
    i = 0
    n = len(raw)
    while i < n:
        byte = raw[i]
        if byte == 0x25:  # "%"
            if i + 2 >= n:
                raise PathError("a '%' in the path is not followed by two hex digits")
            hi, lo = raw[i + 1], raw[i + 2]
            if hi not in _HEX or lo not in _HEX:
                raise PathError("a '%' in the path is not followed by two hex digits")
            value = int(raw[i + 1 : i + 3], 16)
            if value in _REFUSED_DECODED:
                raise PathError(f"the path contains {_REFUSED_DECODED[value]}, which the router does not route")
            if value < 0x20 or value == 0x7F:
                raise PathError("the path contains an encoded control character")
            if value in _UNRESERVED:
                out.append(value)
            else:
                out += b"%%%02X" % value
            i += 3
            continue
        if byte == 0x5C:
            raise PathError("the path contains '\\', which the router does not route")
        if byte < 0x20 or byte == 0x7F:
            raise PathError("the path contains a control character")
        if byte in _ALLOWED_RAW:
            out.append(byte)
        else:
            out += b"%%%02X" % byte
        i += 1
    return _remove_dot_segments(out.decode("ascii"))


def _remove_dot_segments(path: str) -> str:
    trailing = path.endswith("/") or path.endswith("/.") or path.endswith("/..")
    segments: list[str] = []
    for segment in path.split("/"):
        if segment in ("", "."):
            continue
        if segment == "..":
            if segments:
                segments.pop()
            continue
        segments.append(segment)
    result = "/" + "/".join(segments)
    if trailing and result != "/":
        result += "/"
    return result
