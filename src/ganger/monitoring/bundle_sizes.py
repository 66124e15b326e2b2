"""`ganger bundles --json`, run at most once an hour in the background, for the dashboard.

The analysis starts one probe process per worker, so a page request must never run it: the
first call starts it on a thread and answers None ("measuring"); later calls get the cached
report until it is an hour old, when the next call starts a fresh run.
"""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

MAX_AGE_SECONDS = 3600.0
TIMEOUT_SECONDS = 300.0


class BundleSizes:
    def __init__(self, manifest_path: Path) -> None:
        self.manifest_path = manifest_path
        self.report: dict[str, Any] | None = None
        self.measured_at: float | None = None
        self.error: str | None = None
        self._running = False
        self._lock = threading.Lock()

    def get(self) -> dict[str, Any] | None:
        """The latest report (as `ganger bundles --json` prints it), starting a run when due."""
        with self._lock:
            due = self.measured_at is None or time.time() - self.measured_at > MAX_AGE_SECONDS
            if due and not self._running:
                self._running = True
                threading.Thread(target=self._measure, name="bundle-sizes", daemon=True).start()
        return self.report

    @property
    def running(self) -> bool:
        return self._running

    def _measure(self) -> None:
        try:
            done = subprocess.run(
                [sys.executable, "-m", "ganger.cli.main", "bundles", "--json"],
                cwd=self.manifest_path.parent, capture_output=True, timeout=TIMEOUT_SECONDS, check=False,
            )
            # Exit 1 means a budget breach, which is a finding to show, not a failure to measure.
            if done.returncode in (0, 1) and done.stdout:
                self.report = json.loads(done.stdout)
                self.error = None
            else:
                self.error = f"ganger bundles exited with {done.returncode}"
        except (OSError, subprocess.TimeoutExpired, ValueError) as exc:
            self.error = type(exc).__name__
        finally:
            with self._lock:
                self.measured_at = time.time()
                self._running = False
