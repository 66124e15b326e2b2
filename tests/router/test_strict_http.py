"""Strict HTTP at the edge: a corpus of exact requests, what the router answers and what the worker saw.

The corpus lives in `corpus/*.http` (format in corpus/README.md). A refused request must get the
router's own answer, a closed connection and nothing from the worker, not even for a second
request smuggled inside the first. A valid request must reach the echo worker exactly, and the
connection must stay in step: a follow-up request on it is answered as itself.
"""

from __future__ import annotations

import hashlib
import json
import socket
import time
from collections.abc import Iterator
from pathlib import Path

import httptools
import pytest

from ganger.errors import ManifestError
from ganger.manifest import load_manifest
from ganger.router import strict
from tests.router.corpus import HOST, Case, load_corpus, start_tight_platform
from tests.support.platform import ROOT, Response, RunningPlatform, parse_response, read_until_close, replica_pids

SECURITY_HEADERS = {"x-content-type-options": "nosniff", "x-frame-options": "DENY", "cache-control": "no-store"}

CASES = load_corpus()
REFUSED = [c for c in CASES if not c.forwarded]
FORWARDED = [c for c in CASES if c.forwarded]


# -- a raw client ------------------------------------------------------------------------------------------
def send(port: int, raw: bytes, timeout: float = 5.0) -> socket.socket:
    sock = socket.create_connection(("127.0.0.1", port), timeout=timeout)
    try:
        sock.sendall(raw)
    except (BrokenPipeError, ConnectionResetError):
        pass  # the router may refuse and close before the client has finished sending
    return sock


def read_one(sock: socket.socket) -> tuple[Response, bytes]:
    """One response framed by its own headers, and whatever followed it."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        assert chunk, f"connection closed mid-head: {data!r}"
        data += chunk
    head, _, rest = data.partition(b"\r\n\r\n")
    response = parse_response(head + b"\r\n\r\n")
    if response.header("transfer-encoding") == "chunked":
        while not rest.endswith(b"0\r\n\r\n"):
            rest += sock.recv(65536)
        response.body = rest
        return parse_response(head + b"\r\n\r\n" + rest), b""
    length = int(response.header("content-length") or 0)
    while len(rest) < length:
        chunk = sock.recv(65536)
        assert chunk, "connection closed mid-body"
        rest += chunk
    response.body = rest[:length]
    return response, rest[length:]


def split_responses(data: bytes) -> list[Response]:
    found = []
    while data:
        head, sep, rest = data.partition(b"\r\n\r\n")
        assert sep, f"trailing bytes that are not a response: {data[:200]!r}"
        response = parse_response(head + sep)
        length = int(response.header("content-length") or 0)
        response.body, data = rest[:length], rest[length:]
        found.append(response)
    return found


def is_echo(response: Response) -> bool:
    return response.header("x-ganger-route-target") is not None or b'"raw_path"' in response.body


# -- the corpus --------------------------------------------------------------------------------------------
@pytest.mark.parametrize("case", REFUSED, ids=[c.name for c in REFUSED])
def test_refused_request_is_answered_by_the_router_and_never_forwarded(echo_platform: RunningPlatform,
                                                                       case: Case) -> None:
    with send(echo_platform.port, case.raw) as sock:
        data = read_until_close(sock)
    responses = split_responses(data)
    assert len(responses) == 1, f"{case.why}: expected one answer, got {[r.status for r in responses]}"
    response = responses[0]
    assert response.status == case.status, f"{case.why}: {response.status} {response.body[:200]!r}"
    assert not is_echo(response), f"{case.why}: the worker answered"
    assert response.header("connection") == "close"
    for name, value in SECURITY_HEADERS.items():
        assert response.header(name) == value
    assert json.loads(response.body)["status"] == case.status


@pytest.mark.parametrize("case", FORWARDED, ids=[c.name for c in FORWARDED])
def test_valid_request_reaches_the_worker_exactly(echo_platform: RunningPlatform, case: Case) -> None:
    with send(echo_platform.port, case.raw) as sock:
        response, rest = read_one(sock)
        assert response.status == case.status, f"{case.why}: {response.status} {response.body[:300]!r}"
        seen = json.loads(response.body)
        assert seen["path"].startswith("/corpus/")
        names = [name for name, _ in seen["headers"]]
        assert names.count("content-length") + names.count("transfer-encoding") <= 1, seen["headers"]
        assert "x-trailer" not in names
        body = case.body or b""
        assert (seen["bytes"], seen["sha256"]) == (len(body), hashlib.sha256(body).hexdigest())
        stated = dict(seen["headers"]).get("content-length")
        assert stated is None or stated == str(len(body)), "the worker is told the length the router parsed"
        if case.keep_open:
            # The router's framing agreed with the client's: the next request is answered as itself.
            assert rest == b""
            sock.sendall(f"GET /corpus/after HTTP/1.1\r\nHost: {HOST}\r\nConnection: close\r\n\r\n".encode())
            after = split_responses(rest + read_until_close(sock))
            assert [r.status for r in after] == [200]
            assert json.loads(after[0].body)["path"] == "/corpus/after"
        else:
            assert read_until_close(sock) == rest == b""


def test_pipelined_requests_are_answered_in_order(echo_platform: RunningPlatform) -> None:
    raw = b"".join(
        f"POST /corpus/pipe-{n} HTTP/1.1\r\nHost: {HOST}\r\nContent-Length: 1\r\n\r\n{n}".encode() for n in range(3)
    ) + f"GET /corpus/pipe-last HTTP/1.1\r\nHost: {HOST}\r\nConnection: close\r\n\r\n".encode()
    with send(echo_platform.port, raw) as sock:
        answers = split_responses(read_until_close(sock))
    assert [json.loads(r.body)["path"] for r in answers] == ["/corpus/pipe-0", "/corpus/pipe-1", "/corpus/pipe-2",
                                                               "/corpus/pipe-last"]


def test_bad_request_after_a_good_one_answers_both_then_closes(echo_platform: RunningPlatform) -> None:
    good = f"GET /corpus/first HTTP/1.1\r\nHost: {HOST}\r\n\r\n".encode()
    with send(echo_platform.port, good) as sock:
        first, _ = read_one(sock)
        sock.sendall(f"GET /corpus/second HTTP/1.1\r\nHost: {HOST}\r\nContent_Length: 0\r\n\r\n".encode())
        rest = split_responses(read_until_close(sock))
    assert first.status == 200
    assert [r.status for r in rest] == [400]


# -- the checks themselves, without a platform --------------------------------------------------------------
def test_check_head_returns_the_framing() -> None:
    assert strict.check_head([(b"Host", b"a")], "1.1") == strict.NO_BODY
    assert strict.check_head([(b"Host", b"a"), (b"Content-Length", b"12")], "1.1") == 12
    assert strict.check_head([(b"Host", b"a"), (b"transfer-encoding", b"chunked")], "1.1") == strict.CHUNKED
    assert strict.check_head([], "1.0") == strict.NO_BODY


@pytest.mark.parametrize(("headers", "version", "status"), [
    ([(b"Host", b"a")], "2.0", 505),
    ([(b"Host", b"a")], "0.9", 505),
    ([(b"Host", b"a"), (b"Host", b"b")], "1.1", 400),
    ([], "1.1", 400),
    ([(b"Host", b"a"), (b"Content-Length", b"1"), (b"Content-Length", b"1")], "1.1", 400),
    ([(b"Host", b"a"), (b"Content-Length", b"1"), (b"Transfer-Encoding", b"chunked")], "1.1", 400),
    ([(b"Host", b"a"), (b"Transfer-Encoding", b"chunked")], "1.0", 400),
    ([(b"Host", b"a"), (b"Transfer-Encoding", b"gzip, chunked")], "1.1", 400),
    ([(b"Host", b"a"), (b"Content-Length", b"1" * 16)], "1.1", 400),
    ([(b"Host", b"a"), (b"Content-Length", b"\xd9\xa3")], "1.1", 400),
    ([(b"Host", b"a"), (b"Content_Length", b"1")], "1.1", 400),
    ([(b"Host", b"a"), (b"TRANSFER_ENCODING", b"chunked")], "1.1", 400),
    ([(b"Host", b"a"), (b"Proxy_Connection", b"close")], "1.1", 400),
    ([(b"Host", b"a")] + [(b"X-Many", b"v" * 100)] * 400, "1.1", 431),
])
def test_check_head_refuses_ambiguous_heads(headers: list[tuple[bytes, bytes]], version: str, status: int) -> None:
    with pytest.raises(strict.Refusal) as refused:
        strict.check_head(headers, version)
    assert refused.value.status == status


def test_request_parser_has_every_leniency_off() -> None:
    """What the corpus relies on llhttp for: it must keep refusing these with the router's parser."""
    for raw in (b"GET / HTTP/1.1\r\nHost: a\r\nX: 1\r\n 2\r\n\r\n", b"GET / HTTP/1.1\nHost: a\n\n",
                b"GET / HTTP/1.1\r\nHost: a\r\nX: 1\rY: 2\r\n\r\n"):
        with pytest.raises(httptools.HttpParserError):
            strict.request_parser(object()).feed_data(raw)


def test_limits_are_read_from_the_manifest(tmp_path: Path) -> None:
    text = (ROOT / "tests" / "support" / "echo_platform.toml").read_text()
    text += "\n[router]\nmax_request_line_bytes = 100\nmax_header_bytes = 200\nheader_timeout_s = 1.5\n"
    path = tmp_path / "platform.toml"
    path.write_text(text)
    manifest = load_manifest(path, check_modules=False)
    limits = strict.limits(manifest)
    assert (limits.max_request_line, limits.max_head, limits.header_timeout) == (100, 300, 1.5)
    assert limits.keep_alive_idle == 75.0 and limits.body_idle_timeout == 30.0
    assert manifest.worker("echo-patient").budgets.max_body_mb == 100
    assert manifest.worker("echo-staff").budgets.max_body_mb == 512
    assert limits.max_body == 512 * 1024 * 1024


def test_limits_must_be_positive(tmp_path: Path) -> None:
    text = (ROOT / "tests" / "support" / "echo_platform.toml").read_text() + "\n[router]\nmax_header_bytes = 0\n"
    path = tmp_path / "platform.toml"
    path.write_text(text)
    with pytest.raises(ManifestError, match="max_header_bytes must be greater than 0"):
        load_manifest(path, check_modules=False)


def test_corpus_is_large_enough_to_mean_something() -> None:
    assert len(REFUSED) >= 60 and len(FORWARDED) >= 15


def test_a_refusal_costs_little_time(echo_platform: RunningPlatform) -> None:
    started = time.monotonic()
    for case in REFUSED[:20]:
        with send(echo_platform.port, case.raw) as sock:
            read_until_close(sock)
    assert time.monotonic() - started < 5


# -- slow clients: deadlines from the manifest ([router] in corpus.TIGHT_ROUTER: 0.5 s, 0.5 s, 1 s) ---------
@pytest.fixture(scope="module")
def tight(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningPlatform]:
    running = start_tight_platform(Path(tmp_path_factory.mktemp("tight")))
    yield running
    running.stop()


def closed_after(sock: socket.socket) -> tuple[bytes, float]:
    started = time.monotonic()
    data = read_until_close(sock)
    return data, time.monotonic() - started


def test_a_silent_connection_is_closed_at_the_header_deadline(tight: RunningPlatform) -> None:
    with socket.create_connection(("127.0.0.1", tight.port), timeout=5) as sock:
        data, waited = closed_after(sock)
    assert data == b"" and 0.3 < waited < 2.0


def test_slowloris_head_gets_408_at_the_deadline_however_it_trickles(tight: RunningPlatform) -> None:
    started = time.monotonic()
    with socket.create_connection(("127.0.0.1", tight.port), timeout=5) as sock:
        sock.sendall(f"GET /corpus/slowloris HTTP/1.1\r\nHost: {HOST}\r\n".encode())
        try:
            for n in range(40):  # a header byte every 0.1 s: always busy, never finished
                sock.sendall(b"X-%d: 1\r\n" % n)
                time.sleep(0.1)
        except (BrokenPipeError, ConnectionResetError):
            pass
        data = read_until_close(sock)
    assert data.startswith(b"HTTP/1.1 408 "), data[:100]
    assert b"connection: close" in data
    assert time.monotonic() - started < 2.5


def test_a_stalled_body_gets_408(tight: RunningPlatform) -> None:
    with socket.create_connection(("127.0.0.1", tight.port), timeout=5) as sock:
        sock.sendall(f"POST /corpus/stalled HTTP/1.1\r\nHost: {HOST}\r\nContent-Length: 100\r\n\r\n0123456789".encode())
        data, waited = closed_after(sock)
    assert data.startswith(b"HTTP/1.1 408 "), data[:100]
    assert 0.3 < waited < 2.0


def test_a_slow_but_steady_body_is_accepted(tight: RunningPlatform) -> None:
    """The body deadline is for idleness, not a total: 8 pieces 0.2 s apart take longer than 0.5 s."""
    with socket.create_connection(("127.0.0.1", tight.port), timeout=5) as sock:
        sock.sendall(f"POST /corpus/steady HTTP/1.1\r\nHost: {HOST}\r\nContent-Length: 8\r\n"
                     "Connection: close\r\n\r\n".encode())
        for n in range(8):
            time.sleep(0.2)
            sock.sendall(b"%d" % n)
        response = split_responses(read_until_close(sock))[0]
    assert response.status == 200
    assert json.loads(response.body)["bytes"] == 8


def test_an_idle_keep_alive_connection_is_closed(tight: RunningPlatform) -> None:
    with socket.create_connection(("127.0.0.1", tight.port), timeout=5) as sock:
        sock.sendall(f"GET /corpus/keep HTTP/1.1\r\nHost: {HOST}\r\n\r\n".encode())
        response, rest = read_one(sock)
        data, waited = closed_after(sock)
    assert response.status == 200 and rest == data == b""
    assert 0.7 < waited < 3.0


def test_stray_empty_lines_do_not_keep_a_connection_open(tight: RunningPlatform) -> None:
    """Empty lines before a request begin no message, so they must not reset the keep-alive clock either."""
    with socket.create_connection(("127.0.0.1", tight.port), timeout=5) as sock:
        sock.sendall(f"GET /corpus/stray HTTP/1.1\r\nHost: {HOST}\r\n\r\n".encode())
        response, _ = read_one(sock)
        started = time.monotonic()
        try:
            for _ in range(30):
                sock.sendall(b"\r\n")
                time.sleep(0.1)
        except (BrokenPipeError, ConnectionResetError):
            pass
        data = read_until_close(sock)
    assert response.status == 200
    assert data in (b"", ) or data.startswith(b"HTTP/1.1 408 ")
    assert time.monotonic() - started < 2.0


def test_an_endless_chunk_extension_is_cut_by_the_body_deadline(tight: RunningPlatform) -> None:
    """llhttp discards extension bytes without reporting them, so they are not body progress."""
    with socket.create_connection(("127.0.0.1", tight.port), timeout=5) as sock:
        sock.sendall(f"POST /corpus/extension HTTP/1.1\r\nHost: {HOST}\r\nTransfer-Encoding: chunked\r\n\r\n"
                     "5;x=".encode())
        started = time.monotonic()
        try:
            for _ in range(40):
                sock.sendall(b"a" * 100)
                time.sleep(0.05)
        except (BrokenPipeError, ConnectionResetError):
            pass
        data = read_until_close(sock)
    assert data.startswith(b"HTTP/1.1 408 "), data[:100]
    assert time.monotonic() - started < 2.0


def test_many_slow_connections_are_all_closed_and_descriptors_come_back(tight: RunningPlatform) -> None:
    import psutil

    router = psutil.Process(replica_pids(tight)[0])
    before = router.num_fds()
    socks = []
    for n in range(300):
        sock = socket.create_connection(("127.0.0.1", tight.port), timeout=5)
        sock.sendall(f"GET /corpus/many-{n} HTTP/1.1\r\nHost: {HOST}\r\nX-Slow: ".encode())
        socks.append(sock)
    peak = max(router.num_fds() for _ in range(20))  # accepts may still be catching up
    assert peak >= before + 200
    for sock in socks:
        assert read_until_close(sock).startswith(b"HTTP/1.1 408 ")
        sock.close()
    deadline = time.monotonic() + 3
    while router.num_fds() > before + 5 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert router.num_fds() <= before + 5


def test_the_body_limit_is_per_worker(tight: RunningPlatform) -> None:
    """echo-patient allows 1 MB here; a chunked body has no length up front, so it is counted as it comes."""
    head = f"POST /corpus/two-mb HTTP/1.1\r\nHost: {HOST}\r\nTransfer-Encoding: chunked\r\n\r\n".encode()
    chunk = b"%x\r\n%b\r\n" % (256 * 1024, b"z" * 256 * 1024)
    with socket.create_connection(("127.0.0.1", tight.port), timeout=5) as sock:
        sock.sendall(head)
        try:
            for _ in range(8):
                sock.sendall(chunk)
        except (BrokenPipeError, ConnectionResetError):
            pass
        data = read_until_close(sock)
    assert data.startswith(b"HTTP/1.1 413 "), data[:100]
    declared = f"POST /corpus/declared HTTP/1.1\r\nHost: {HOST}\r\nContent-Length: {2 << 20}\r\n\r\n".encode()
    with send(tight.port, declared) as sock:
        assert read_until_close(sock).startswith(b"HTTP/1.1 413 ")
