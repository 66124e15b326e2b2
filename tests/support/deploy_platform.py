"""A small platform of real SDK workers in a temp folder, whose code tests may change and deploy.

The apps live beside a copied manifest (never the repo's `apps/`), so a test edits them freely.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from tests.support.platform import ROOT, RunningPlatform

WORKERS = {  # name → (package, kind, prefix or host)
    "dep-root": ("dep_root", "staff", "/"),
    "dep-alpha": ("dep_alpha", "staff", "/alpha"),
    "dep-beta": ("dep_beta", "staff", "/beta"),
    "dep-pat": ("dep_pat", "patient", "pat"),
}

APP = '''"""A deploy-test worker: tells which code answers (MARK) and which process."""

import os

from starlette.responses import JSONResponse
from starlette.routing import Route

from ganger.sdk import WorkerApp
{extra}
MARK = {mark!r}


async def version(request):
    return JSONResponse({{"mark": MARK, "pid": os.getpid()}}, status_code={status})


app = WorkerApp({worker!r}, package=__name__, api=[Route("/version", version)])
{wrap}'''

FAILING_HEALTH = '''
_inner = app


async def app(scope, receive, send):  # noqa: F811 - /health fails, everything else works
    if scope["type"] == "http" and scope["path"] == "/health":
        await send({"type": "http.response.start", "status": 500, "headers": [(b"content-length", b"2")]})
        await send({"type": "http.response.body", "body": b"no"})
        return
    await _inner(scope, receive, send)
'''


def write_app(root: Path, worker: str, mark: str, *, broken_import: bool = False, failing_health: bool = False,
              erroring: bool = False) -> None:
    package = root / "apps" / WORKERS[worker][0]
    package.mkdir(parents=True, exist_ok=True)
    extra = "import ganger_no_such_module  # noqa: F401\n" if broken_import else ""
    (package / "__init__.py").write_text(APP.format(extra=extra, mark=mark, worker=worker, status=500 if erroring else 200,
                                                    wrap=FAILING_HEALTH if failing_health else ""))


def write_platform(root: Path) -> Path:
    """The manifest and every app at MARK 'v1'; returns the manifest's path."""
    (root / "apps").mkdir(parents=True, exist_ok=True)
    (root / "apps" / "__init__.py").write_text("")
    lines = ['[platform]', 'environment = "test"', 'staff_hosts = ["localhost", "127.0.0.1"]',
             'patient_domains = ["localhost"]', '']
    for worker, (package, kind, where) in WORKERS.items():
        lines += [f"[workers.{worker}]", f'kind = "{kind}"',
                  f'prefix = "{where}"' if kind == "staff" else f'host = "{where}"',
                  f'description = "Deploy test {worker}"', f'entry = "apps.{package}:app"', ""]
        write_app(root, worker, "v1")
    manifest = root / "platform.toml"
    manifest.write_text("\n".join(lines))
    return manifest


def ganger(platform: RunningPlatform, manifest: Path, *args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    """Run the `ganger` CLI against the running test platform (plain output: not a terminal)."""
    env = dict(os.environ, GANGER_MANIFEST=str(manifest), GANGER_DATA_DIR=str(platform.data_dir),
               GANGER_PORT=str(platform.port), USER="deploy-test")
    return subprocess.run([sys.executable, "-m", "ganger.cli.main", *args], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=timeout)


@dataclass
class Load:
    """Threads sending requests through the router until stopped; every answer that is not 200 is a failure."""

    platform: RunningPlatform
    targets: list[tuple[str, str]]  # (host, path)
    session: str
    threads_per_target: int = 2
    ok: int = 0
    failures: list[str] = field(default_factory=list)
    sequences: dict[tuple[str, int], list[str]] = field(default_factory=dict)  # (path, thread) → versions met
    _stop: threading.Event = field(default_factory=threading.Event)
    _threads: list[threading.Thread] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def versions_met(self, path: str) -> set[tuple[str, ...]]:
        """Each thread's sequence of versions on `path` (a thread's requests follow one another, so an
        old version after a new one would be a real flip, not an overlap of concurrent requests)."""
        return {tuple(seq) for (p, _), seq in self.sequences.items() if p == path}

    def _run(self, host: str, path: str, number: int) -> None:
        import json

        marks = self.sequences.setdefault((path, number), [])
        while not self._stop.is_set():
            try:
                response = self.platform.request("GET", path, host=host, session=self.session, timeout=10)
                if response.status != 200:
                    raise RuntimeError(f"{response.status} {response.body[:120]!r}")
                mark = json.loads(response.body)["mark"]
                if not marks or marks[-1] != mark:
                    marks.append(mark)
                with self._lock:
                    self.ok += 1
            except Exception as exc:  # noqa: BLE001 - every failure counts, whatever its kind
                with self._lock:
                    self.failures.append(f"{host}{path}: {type(exc).__name__}: {exc}")

    def __enter__(self) -> Load:
        for host, path in self.targets:
            for number in range(self.threads_per_target):
                thread = threading.Thread(target=self._run, args=(host, path, number), daemon=True)
                thread.start()
                self._threads.append(thread)
        time.sleep(0.3)
        return self

    def __exit__(self, *exc: object) -> None:
        time.sleep(0.3)
        self._stop.set()
        for thread in self._threads:
            thread.join(15)
