"""The raw-request corpus (format in README.md beside it), and a platform with tight limits to send it to."""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass
from pathlib import Path

from tests.support.platform import ROOT, RunningPlatform, start_platform

CORPUS = Path(__file__).parent
HOST = "echo.localhost"


@dataclass(frozen=True)
class Case:
    name: str
    why: str
    status: int
    forwarded: bool
    keep_open: bool
    body: bytes | None
    raw: bytes


def _expand(text: str) -> bytes:
    text = re.sub(r"\{big:(\d+)\}", lambda m: "a" * int(m.group(1)), text)
    text = re.sub(r"\{headers:(\d+)\}",
                  lambda m: "".join(f"X-Header-{n:05d}: vvvvvvvvvv\\r\\n" for n in range(int(m.group(1)))), text)
    text = text.replace("{host}", HOST)
    return codecs.escape_decode(text.encode("latin-1"))[0]


def load_corpus() -> list[Case]:
    cases: list[Case] = []
    for file in sorted(CORPUS.glob("*.http")):
        for block in file.read_text(encoding="utf-8").split("### ")[1:]:
            heading, expect, *request = block.rstrip("\n").split("\n")
            name, _, why = heading.partition(": ")
            words = expect.split()
            assert words[0] == "expect", f"{file.name}: {name}: second line must start with 'expect'"
            body = next((_expand(w[5:]) for w in words if w.startswith("body=")), None)
            cases.append(Case(name, why, int(words[1]), words[2] == "forwarded", "keep-open" in words, body,
                              _expand("".join(request))))
    names = [c.name for c in cases]
    assert len(names) == len(set(names)), "corpus case names must be unique"
    return cases


TIGHT_ROUTER = """
[router]
header_timeout_s = 0.5
body_idle_timeout_s = 0.5
keep_alive_idle_s = 1.0
"""


def start_tight_platform(data_dir: Path) -> RunningPlatform:
    """The echo platform with deadlines short enough to watch, and a 1 MB body limit on the patient host."""
    support = ROOT / "tests" / "support"
    text = (support / "echo_platform.toml").read_text()
    text = text.replace('host = "echo"\n', 'host = "echo"\nbudgets = { max_body_mb = 1 }\n', 1) + TIGHT_ROUTER
    manifest = data_dir / "tight_platform.toml"
    manifest.write_text(text)
    (data_dir / "echo_app.py").symlink_to(support / "echo_app.py")
    return start_platform(data_dir / "data", manifest=manifest)
