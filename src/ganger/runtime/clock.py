"""The runtime's notion of now, injectable so tests need not wait for 07:30."""

from __future__ import annotations

import os
import time
from datetime import datetime, timezone


class Clock:
    """Wall time, or wall time shifted so that it started at `GANGER_CLOCK_START` (ISO 8601)."""

    def __init__(self, start: str | None = None) -> None:
        start = start if start is not None else os.environ.get("GANGER_CLOCK_START")
        self.offset = 0.0
        if start:
            at = datetime.fromisoformat(start)
            if at.tzinfo is None:
                at = at.replace(tzinfo=timezone.utc)
            self.offset = at.timestamp() - time.time()

    def time(self) -> float:
        return time.time() + self.offset

    def now(self, tz: object | None = None) -> datetime:
        return datetime.fromtimestamp(self.time(), tz=tz)  # type: ignore[arg-type]
