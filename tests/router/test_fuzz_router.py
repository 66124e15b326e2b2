"""A time-bounded fuzz run of the router's request handling, over real sockets.

Inputs are the corpus's requests mutated at random (bytes flipped, inserted, deleted, lines
duplicated, line endings changed, requests spliced), sent to a platform with tight deadlines by
many clients at once. For every input: the router answers only well-formed HTTP responses and
closes the connection within its deadlines (never hangs); the worker answers no more requests
than a strict parse of the input accepts (nothing with ambiguous framing is forwarded), and what
it received has unambiguous framing. After the run the same router process is alive, healthy, and
logged no exception.

`GANGER_FUZZ_SECONDS` bounds the run (default 8 s in `make test`; `make fuzz` runs longer) and
`GANGER_FUZZ_SEED` repeats one.
"""

from __future__ import annotations

import json
import os
import random
import socket
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httptools
import pytest

from ganger.router import strict
from tests.router.corpus import HOST, load_corpus, start_tight_platform
from tests.support.platform import RunningPlatform, replica_pids

FUZZ_SECONDS = float(os.environ.get("GANGER_FUZZ_SECONDS", "8"))
SEED = int(os.environ.get("GANGER_FUZZ_SEED", str(random.randrange(1 << 30))))
CLIENTS = 16
HANG_SECONDS = 10.0  # deadlines are 0.5 s head, 0.5 s body idle, 1 s keep-alive idle; the rest is slack for a busy CI box

TOKENS = [b"\r\n", b"\n", b"\r", b" ", b"\t", b":", b",", b";", b"\x00", b"\x7f", b"\xff", b"0", b"9", b"f",
          b"chunked", b"Chunked", b"gzip, ", b"Content-Length: ", b"Transfer-Encoding: ", b"Content_Length: 5\r\n",
          b"Transfer-Encoding: chunked\r\n", b"Content-Length: 5\r\n", b"Host: x\r\n", b"0\r\n\r\n", b"\r\n\r\n",
          b"5\r\nhello\r\n", b"HTTP/1.0", b"HTTP/1.1", b"GET / HTTP/1.1\r\nHost: " + HOST.encode() + b"\r\n\r\n",
          b"%2e%2e/", b"/../", b"//", b"%2F", b"?", b"#", b"Upgrade: websocket\r\n", b"Expect: 100-continue\r\n",
          b"Connection: close\r\n", b"Connection: keep-alive\r\n", b"X-Ganger-User: forged\r\n"]
SEEDS = [case.raw for case in load_corpus() if len(case.raw) < 20000] + [
    b"GET /echo/ HTTP/1.1\r\nHost: localhost\r\n\r\n",
    b"POST /other/api/x HTTP/1.1\r\nHost: localhost\r\nContent-Length: 3\r\n\r\nabc",
    b"GET /health HTTP/1.1\r\nHost: localhost\r\n\r\n",
    b"HEAD /corpus/head HTTP/1.1\r\nHost: " + HOST.encode() + b"\r\n\r\n",
]


def mutate(rng: random.Random, data: bytes) -> bytes:
    for _ in range(rng.choice((0, 1, 1, 2, 3, 4))):  # some seeds go unmutated: valid traffic in between
        where = rng.randrange(len(data) + 1)
        choice = rng.randrange(8)
        if choice == 0 and data:
            data = data[:where] + bytes([rng.randrange(256)]) + data[where + 1 :]
        elif choice == 1:
            data = data[:where] + rng.choice(TOKENS) + data[where:]
        elif choice == 2:
            data = data[:where] + data[where + rng.randint(1, 8) :]
        elif choice == 3:
            lines = data.split(b"\r\n")
            line = rng.randrange(len(lines))
            lines.insert(line, lines[line])
            data = b"\r\n".join(lines)
        elif choice == 4:
            data = data.replace(b"\r\n", rng.choice([b"\n", b"\r", b"\r\r\n", b"\r\n "]), 1)
        elif choice == 5:
            data = data[:where] + rng.choice(SEEDS)[rng.randrange(40) :]
        elif choice == 6:
            data = data[:where] + data[where:].swapcase()
        else:
            data = data + rng.choice(SEEDS)
    return data


def strictly_accepted(data: bytes) -> int | None:
    """How many request heads a strict parse accepts before its first error (None: upgrade, uncountable)."""

    class Counter:
        heads = 0
        headers: list[tuple[bytes, bytes]] = []

        def on_message_begin(self) -> None:
            self.headers = []

        def on_header(self, name: bytes, value: bytes) -> None:
            self.headers.append((name, value))

        def on_headers_complete(self) -> None:
            strict.check_head(self.headers, parser.get_http_version())
            self.heads += 1

    counter = Counter()
    parser = strict.request_parser(counter)
    try:
        parser.feed_data(data)
    except httptools.HttpParserUpgrade:
        return None
    except httptools.HttpParserError:
        pass
    return counter.heads


class Responses:
    """httptools' response parser as a strict reader of what the router sent back."""

    def __init__(self) -> None:
        self.parser = httptools.HttpResponseParser(self)
        self.complete: list[tuple[int, list[tuple[bytes, bytes]], bytes]] = []
        self.headers: list[tuple[bytes, bytes]] = []
        self.body = b""
        self.in_message = False

    def on_message_begin(self) -> None:
        self.headers, self.body, self.in_message = [], b"", True

    def on_header(self, name: bytes, value: bytes) -> None:
        self.headers.append((name.lower(), value))

    def on_body(self, body: bytes) -> None:
        self.body += body

    def on_message_complete(self) -> None:
        self.complete.append((self.parser.get_status_code(), self.headers, self.body))
        self.in_message = False


def exchange(port: int, data: bytes, cuts: list[int] | None = None) -> tuple[bytes, float]:
    """Send `data` (in pieces at `cuts`, so heads and bodies span reads) and read until the router closes."""
    started = time.monotonic()
    with socket.create_connection(("127.0.0.1", port), timeout=HANG_SECONDS) as sock:
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        try:
            last = 0
            for cut in [*(cuts or []), len(data)]:
                sock.sendall(data[last:cut])
                last = cut
                if cut < len(data):
                    time.sleep(0.005)
        except (BrokenPipeError, ConnectionResetError):
            pass
        chunks = []
        while True:
            try:
                chunk = sock.recv(65536)
            except ConnectionResetError:
                break
            except TimeoutError:
                waited = time.monotonic() - started
                raise AssertionError(f"the router neither answered nor closed in {waited:.1f} s: {data!r}") from None
            if not chunk:
                break
            chunks.append(chunk)
    return b"".join(chunks), time.monotonic() - started


def check_one(port: int, index: int) -> str:
    rng = random.Random(SEED * 1_000_003 + index)
    data = mutate(rng, rng.choice(SEEDS))
    cuts = sorted(rng.sample(range(1, len(data)), min(len(data) - 1, rng.randint(0, 2)))) if len(data) > 1 else []
    received, _ = exchange(port, data, cuts)
    if b"HEAD " in data or b"Upgrade" in data or b"upgrade" in data.lower():
        return "skipped"  # bodiless answers and piped upgrades cannot be framed without the request
    reader = Responses()
    try:
        reader.parser.feed_data(received)
    except httptools.HttpParserError as exc:
        raise AssertionError(f"malformed answer {received[:300]!r} to {data!r}: {exc}") from None
    assert not reader.in_message or received == b"", f"cut-off answer {received[-200:]!r} to {data!r}"
    forwarded = [r for r in reader.complete if any(n == b"x-ganger-route-target" for n, _ in r[1])]
    accepted = strictly_accepted(data)
    if accepted is not None:
        assert len(forwarded) <= accepted, f"{len(forwarded)} forwarded, {accepted} acceptable: {data!r}"
    for status, _, body in forwarded:
        if status == 200 and body.startswith(b"{"):
            names = [n.lower() for n, _ in json.loads(body).get("headers", [])]
            assert names.count("content-length") + names.count("transfer-encoding") <= 1, (data, names)
            assert not any("_" in n and n.replace("_", "-") in ("content-length", "transfer-encoding") for n in names)
    return "forwarded" if forwarded else "refused" if reader.complete else "closed"


@pytest.fixture(scope="module")
def tight(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningPlatform]:
    running = start_tight_platform(Path(tmp_path_factory.mktemp("fuzz")))
    yield running
    running.stop()


def test_fuzzed_requests_never_crash_hang_or_smuggle(tight: RunningPlatform) -> None:
    router_before = replica_pids(tight)
    log_before = len(tight.output)
    outcomes: dict[str, int] = {}
    deadline = time.monotonic() + FUZZ_SECONDS
    index = 0
    with ThreadPoolExecutor(CLIENTS) as pool:
        while time.monotonic() < deadline:
            batch = [pool.submit(check_one, tight.port, index + n) for n in range(CLIENTS * 4)]
            index += len(batch)
            for future in batch:
                try:
                    outcome = future.result()
                except AssertionError as exc:
                    raise AssertionError(f"seed {SEED}: {exc}") from None
                outcomes[outcome] = outcomes.get(outcome, 0) + 1
    print(f"fuzz seed {SEED}: {index} inputs in {FUZZ_SECONDS:.0f} s: {outcomes}")
    assert replica_pids(tight) == router_before, "the router process was replaced during the run"
    logged = "\n".join(tight.output[log_before:])
    for sign in ("Traceback", "Exception in callback", "Fatal error", "Unhandled"):
        assert sign not in logged, f"seed {SEED}: the router logged {sign!r}:\n{logged[-3000:]}"
    health, _ = exchange(tight.port, b"GET /health HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
    assert health.startswith(b"HTTP/1.1 200 ")
    assert index >= 200 and outcomes.get("forwarded", 0) > 0 and outcomes.get("refused", 0) > 0
