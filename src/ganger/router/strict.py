"""Strict HTTP/1.1 at the edge (RFC 9112): refuse what could be framed two ways.

llhttp, with every leniency off, already refuses most smuggling shapes (Content-Length with
Transfer-Encoding, duplicate or non-decimal Content-Length, obs-fold, bare CR or LF, control
characters, spaces in or after header names, broken chunk sizes). What it lets through and this
module refuses (docs/security.md lists both): Transfer-Encoding other than exactly one `chunked`
(`gzip, chunked`, `,chunked`), Transfer-Encoding on HTTP/1.0, Content-Length with more digits than
any body could need, names such as `Content_Length` that other servers read as framing headers,
repeated or (HTTP/1.1) missing Host, and versions other than 1.0 and 1.1.

The checks are pure functions over the parsed header list, run once per request head.
"""

from __future__ import annotations

from dataclasses import dataclass

import httptools

from ..manifest import Manifest

NO_BODY = 0
CHUNKED = -1
MAX_LENGTH_DIGITS = 15  # 1 PB: more digits can only be padding or an overflow probe

_CONTENT_LENGTH = b"content-length"
_TRANSFER_ENCODING = b"transfer-encoding"
_HOST = b"host"
# Names that CGI-style servers (WSGI, PHP) merge with their "-" spelling: a client sending the "_"
# spelling of a framing or hop-by-hop header wants the router and a server behind it to disagree.
# (Host, Connection, Upgrade, TE, Trailer and Expect have no "-", so no "_" spelling.)
_SPOOFS = frozenset({b"content_length", b"transfer_encoding", b"keep_alive", b"proxy_connection"})
_WATCHED = frozenset({_CONTENT_LENGTH, _TRANSFER_ENCODING, _HOST}) | _SPOOFS
_OWS = b" \t"


class Refusal(Exception):
    """A request the router answers itself with `status` and then closes the connection."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status


@dataclass(frozen=True, slots=True)
class Limits:
    """The manifest's limits in the units the data path compares against."""

    max_request_line: int
    max_header: int
    max_head: int  # request line and headers, counted as raw bytes while they arrive
    max_body: int  # the largest of all workers' limits, for bodies not yet routed
    header_timeout: float
    body_idle_timeout: float
    keep_alive_idle: float
    watch_interval: float  # how often an idle connection's deadline timer looks (see ClientConnection._watch)


_limits: dict[int, Limits] = {}


def limits(manifest: Manifest) -> Limits:
    """One `Limits` per manifest, computed once (every connection asks)."""
    found = _limits.get(id(manifest))
    if found is None:
        router = manifest.router
        found = _limits[id(manifest)] = Limits(
            max_request_line=router.max_request_line_bytes,
            max_header=router.max_header_bytes,
            max_head=router.max_request_line_bytes + router.max_header_bytes,
            max_body=max(body_limit(w.budgets.max_body_mb) for w in manifest.units),
            header_timeout=router.header_timeout_s,
            body_idle_timeout=router.body_idle_timeout_s,
            keep_alive_idle=router.keep_alive_idle_s,
            watch_interval=min(router.header_timeout_s, router.body_idle_timeout_s),
        )
    return found


def body_limit(max_body_mb: int) -> int:
    return max_body_mb * 1024 * 1024


def request_parser(protocol: object) -> httptools.HttpRequestParser:
    """An llhttp request parser with every leniency explicitly off, whatever the library's defaults."""
    parser = httptools.HttpRequestParser(protocol)
    parser.set_dangerous_leniencies(
        lenient_headers=False, lenient_chunked_length=False, lenient_keep_alive=False,
        lenient_transfer_encoding=False, lenient_version=False, lenient_data_after_close=False,
        lenient_optional_lf_after_cr=False, lenient_optional_cr_before_lf=False,
        lenient_optional_crlf_after_chunk=False, lenient_spaces_after_chunk_size=False,
    )
    return parser


def check_head(headers: list[tuple[bytes, bytes]], version: str, max_header_bytes: int = 32 * 1024) -> int:
    """The request's body framing: its Content-Length, `NO_BODY` or `CHUNKED`.

    Raises `Refusal` when the head is ambiguous, larger than `max_header_bytes` (names, values and
    4 bytes of separators per line) or not HTTP/1.0 or 1.1.
    """
    if version != "1.1" and version != "1.0":
        raise Refusal(505, f"HTTP/{version} is not supported; use HTTP/1.1")
    length: bytes | None = None
    coding: bytes | None = None
    hosts = 0
    size = 0
    for name, value in headers:
        size += len(name) + len(value)
        lowered = name.lower()
        if lowered in _WATCHED:
            if lowered == _CONTENT_LENGTH:
                if length is not None:
                    raise Refusal(400, "more than one Content-Length")
                length = value
            elif lowered == _TRANSFER_ENCODING:
                if coding is not None:
                    raise Refusal(400, "more than one Transfer-Encoding")
                coding = value
            elif lowered == _HOST:
                hosts += 1
            else:
                raise Refusal(400, f"header name {name.decode('latin-1')!r} imitates a framing header")
    if size + 4 * len(headers) > max_header_bytes:
        raise Refusal(431, "the request headers are too large")
    if hosts > 1:
        raise Refusal(400, "more than one Host")
    if hosts == 0 and version == "1.1":
        raise Refusal(400, "an HTTP/1.1 request needs a Host header")
    if coding is not None:
        if length is not None:
            raise Refusal(400, "both Content-Length and Transfer-Encoding")
        if version == "1.0":
            raise Refusal(400, "Transfer-Encoding in an HTTP/1.0 request")
        if coding.strip(_OWS).lower() != b"chunked":
            raise Refusal(400, "Transfer-Encoding must be exactly 'chunked'")
        return CHUNKED
    if length is None:
        return NO_BODY
    digits = length.strip(_OWS)
    if not digits.isdigit():
        raise Refusal(400, "Content-Length must be decimal digits")
    if len(digits) > MAX_LENGTH_DIGITS:
        raise Refusal(400, "Content-Length has too many digits")
    return int(digits)
