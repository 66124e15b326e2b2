"""One canonical path, as properties: whatever way a path is spelled, it routes like its canonical form.

A generated request path is a known logical path disguised with everything RFC 3986 lets a client
vary (dot segments, repeated slashes, percent-encoded unreserved characters, hex case, prefix case,
a query or fragment). The router must route it exactly as the logical path, canonicalisation must be
idempotent and leave no `..`, `.` or `//`, and the worker must receive the canonical path.
"""

from __future__ import annotations

import json

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from ganger.errors import PathError
from ganger.manifest import load_manifest
from ganger.router.paths import canonical_path, split_target
from ganger.router.routing import RouteTable
from tests.support.platform import ROOT, RunningPlatform, raw_exchange

MANIFEST = load_manifest(ROOT / "tests" / "support" / "echo_platform.toml", check_modules=False)
TABLE = RouteTable(MANIFEST)
PREFIXES = ["/", "/echo", "/other", "/auth"]
UNRESERVED = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~"
RAW_ALLOWED = "!$&'()*+,;=:@"

# A logical segment: unreserved and sub-delim characters, or percent-encoded other bytes (kept encoded).
piece = st.one_of(st.sampled_from(UNRESERVED + RAW_ALLOWED),
                  st.integers(0x80, 0xFF).map(lambda b: f"%{b:02X}"),
                  st.sampled_from(" \"<>[]^`{|}").map(lambda c: f"%{ord(c):02X}"))
segment = st.lists(piece, min_size=1, max_size=6).map("".join).filter(lambda s: s not in (".", ".."))


@st.composite
def logical_paths(draw: st.DrawFn) -> str:
    prefix = draw(st.sampled_from(PREFIXES))
    rest = draw(st.lists(segment, min_size=1, max_size=4))
    trailing = draw(st.booleans())
    return (prefix.rstrip("/") + "/" + "/".join(rest)) + ("/" if trailing else "")


@st.composite
def disguised(draw: st.DrawFn) -> tuple[str, bytes]:
    """A logical path and one of its many spellings."""
    logical = draw(logical_paths())
    segments = logical.split("/")[1:]
    out: list[str] = []
    for index, seg in enumerate(segments):
        spelled = ""
        i = 0
        while i < len(seg):
            char = seg[i]
            if char == "%":
                hexed = seg[i + 1 : i + 3]
                spelled += "%" + (hexed.lower() if draw(st.booleans()) else hexed)
                i += 3
                continue
            if char in UNRESERVED and draw(st.integers(0, 4)) == 0:
                spelled += f"%{ord(char):02x}" if draw(st.booleans()) else f"%{ord(char):02X}"
            elif index == 0 and char.isalpha() and draw(st.booleans()):
                spelled += char.swapcase()  # prefixes match case-insensitively
            else:
                spelled += char
            i += 1
        noise = draw(st.lists(st.sampled_from(["", ".", "./", "/", "x/..", "%2e", "%2E%2e/..", "zz/%2e%2e"]),
                              max_size=2))
        for extra in noise:
            if extra == "/":
                out.append("")  # an empty segment: "//"
            elif extra == ".":
                out.append(".")
            elif extra == "./":
                out += [".", ""]
            elif extra == "x/..":
                out += ["x", ".."]
            elif extra == "%2e":
                out.append("%2e")
            elif extra == "%2E%2e/..":
                out += ["q", "%2E%2e"]
            elif extra == "zz/%2e%2e":
                out += ["zz", "%2e%2e"]
        out.append(spelled)
    if logical.endswith("/") and out[-1] != "":
        out.append("")
    raw = "/" + "/".join(out)
    tail = draw(st.sampled_from(["", "?next=/other/..%2F", "?a=1#frag", "#/echo", "?/../../other"]))
    return logical, (raw + tail).encode("latin-1")


def route_of(path: str) -> tuple[str, str] | None:
    match = TABLE.resolve("localhost", path)
    return None if match is None else (match.route.worker.name, match.matched_prefix.lower())


@settings(max_examples=600, deadline=None)
@given(disguised())
def test_any_spelling_routes_like_its_logical_path(case: tuple[str, bytes]) -> None:
    logical, raw = case
    path, _, _ = split_target(raw)
    canonical = canonical_path(path)
    assert canonical.lower() == logical.lower()
    assert route_of(canonical) == route_of(logical)


@settings(max_examples=1500, deadline=None)
@given(st.binary(max_size=40).map(lambda b: b"/" + b))
def test_canonicalisation_is_idempotent_and_leaves_no_dot_segments(raw: bytes) -> None:
    try:
        canonical = canonical_path(raw)
    except PathError:
        return
    assert canonical.startswith("/") and canonical.isascii()
    assert "//" not in canonical
    segments = canonical.split("/")
    assert ".." not in segments and "." not in segments
    assert "%2F" not in canonical and "%5C" not in canonical and "\\" not in canonical
    assert canonical_path(canonical.encode("ascii")) == canonical
    assert route_of(canonical) == route_of(canonical_path(canonical.encode("ascii")))


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet="/.%2eE5cCfF" + "abc", max_size=30).map(lambda t: ("/" + t).encode()))
def test_dot_and_slash_encodings_never_escape_the_root(raw: bytes) -> None:
    try:
        canonical = canonical_path(raw)
    except PathError:
        return
    assert canonical_path(canonical.encode()) == canonical
    assert not any(s in ("..", ".") for s in canonical.split("/"))


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=20), st.binary(max_size=20))
def test_query_and_fragment_never_change_the_path(query: bytes, fragment: bytes) -> None:
    query = query.replace(b"#", b"")
    path, got_query, _ = split_target(b"/echo/x?" + query + b"#" + fragment)
    assert path == b"/echo/x" and got_query == query


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(disguised())
def test_the_worker_receives_the_canonical_path(echo_platform: RunningPlatform, echo_session: str,
                                                case: tuple[str, bytes]) -> None:
    logical, raw = case
    expected = route_of(logical)
    assume(expected is not None and expected[0] != "ganger-auth")
    canonical = canonical_path(split_target(raw)[0])
    request = (b"GET " + raw.split(b"#", 1)[0] + b" HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n"
               b"Cookie: ganger_session=" + echo_session.encode() + b"\r\n\r\n")
    response = raw_exchange(echo_platform.port, request)
    assert response.status == 200, (raw, response.status, response.body[:200])
    seen = json.loads(response.body)
    assert seen["raw_path"] == canonical
    description = {w.name: w.description for w in MANIFEST.units}[expected[0]]
    assert response.header("x-ganger-route-target") == description
