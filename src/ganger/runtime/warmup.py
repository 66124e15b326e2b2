"""Predictive warm-up: the manifest's schedule plus each worker's learned demand.

Schedule: each trigger (07:30 morning arrival, 13:00 afternoon peak, 18:00 evening close)
warms its workers from `lead_minutes` before to `hold_minutes` after. A trigger without an
explicit list warms the always-warm workers and every worker whose profile peaks within that
window. Learned: requests per worker by weekday and hour (an exponential moving average, kept
in the data dir); a worker expected to get `forecast_min_requests` in an hour is warmed
`lead_minutes` before that hour starts.
"""

from __future__ import annotations

import contextlib
import json
import os
from dataclasses import dataclass
from datetime import datetime, timedelta, tzinfo
from pathlib import Path
from zoneinfo import ZoneInfo

from ..manifest import Manifest, Worker

SMOOTHING = 0.3  # weight of the newest hour in the moving average


@dataclass(frozen=True, slots=True)
class Window:
    worker: str
    reason: str  # "warm-up: morning-staff-arrival" or "forecast"
    start: datetime
    end: datetime


def _minutes(clock: str) -> int:
    hours, minutes = clock.split(":")
    return int(hours) * 60 + int(minutes)


def _peak_overlaps(worker: Worker, start_minute: int, end_minute: int) -> bool:
    if worker.profile is None or "-" not in worker.profile.peak:
        return False
    first, last = (_minutes(part) for part in worker.profile.peak.split("-", 1))
    return first <= end_minute and start_minute < last  # a peak starting as the window ends still counts


class DemandHistory:
    """Requests per worker per (weekday, hour), smoothed across weeks."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.rates: dict[str, dict[str, float]] = {}
        self._current: dict[str, int] = {}
        self._hour: str | None = None
        with contextlib.suppress(FileNotFoundError, ValueError):
            self.rates = json.loads(path.read_text())

    @staticmethod
    def slot(at: datetime) -> str:
        return f"{at.weekday()}-{at.hour:02d}"

    def record(self, worker: str, requests: int, at: datetime) -> None:
        slot = self.slot(at)
        if self._hour is not None and slot != self._hour:
            self.close_hour()
        self._hour = slot
        self._current[worker] = self._current.get(worker, 0) + requests

    def close_hour(self) -> None:
        """Fold the hour just ended into the averages and save them."""
        if self._hour is None:
            return
        for worker, count in self._current.items():
            rates = self.rates.setdefault(worker, {})
            previous = rates.get(self._hour)
            rates[self._hour] = count if previous is None else (1 - SMOOTHING) * previous + SMOOTHING * count
        self._current = {}
        self.save()

    def save(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        temporary = self.path.with_suffix(".tmp")
        temporary.write_text(json.dumps(self.rates, sort_keys=True))
        os.replace(temporary, self.path)

    def expected(self, worker: str, at: datetime) -> float:
        return self.rates.get(worker, {}).get(self.slot(at), 0.0)


class WarmupPlanner:
    def __init__(self, manifest: Manifest, history: DemandHistory) -> None:
        self.manifest = manifest
        self.zone: tzinfo = ZoneInfo(manifest.warmup.timezone)
        self.history = history

    def windows(self, now: datetime) -> list[Window]:
        """Every warm window that covers `now` or starts within the next day."""
        local = now.astimezone(self.zone)
        warmup = self.manifest.warmup
        lead, hold = timedelta(minutes=warmup.lead_minutes), timedelta(minutes=warmup.hold_minutes)
        found: list[Window] = []
        for day in (local.date() - timedelta(days=1), local.date(), local.date() + timedelta(days=1)):
            for trigger in warmup.triggers:
                at = datetime.combine(day, datetime.strptime(trigger.at, "%H:%M").time(), tzinfo=self.zone)
                start, end = at - lead, at + hold
                if end < local or start > local + timedelta(days=1):
                    continue
                for name in self._trigger_workers(trigger.workers, at, hold):
                    found.append(Window(name, f"warm-up: {trigger.name}", start, end))
        next_hour = local.replace(minute=0, second=0, microsecond=0) + timedelta(hours=1)
        for hour_start in (next_hour - timedelta(hours=1), next_hour):
            for worker in self.manifest.workers:
                if self.history.expected(worker.name, hour_start) >= warmup.forecast_min_requests:
                    found.append(Window(worker.name, "forecast", hour_start - lead, hour_start + timedelta(hours=1)))
        return found

    def _trigger_workers(self, names: list[str] | None, at: datetime, hold: timedelta) -> list[str]:
        if names is not None:
            return names
        start = at.hour * 60 + at.minute
        end = start + int(hold.total_seconds() // 60)
        chosen = set(self.manifest.warmup.always_warm)
        chosen.update(w.name for w in self.manifest.workers if _peak_overlaps(w, start, end))
        return sorted(chosen)

    def forecast(self, now: datetime) -> dict[str, float]:
        """Requests each worker is expected to get in the coming hour, from its learned demand."""
        local = now.astimezone(self.zone)
        next_hour = local.replace(minute=0, second=0, microsecond=0) + timedelta(hours=1)
        expected = {w.name: round(self.history.expected(w.name, next_hour), 1) for w in self.manifest.workers}
        return {name: rate for name, rate in expected.items() if rate > 0}

    def wanted(self, now: datetime) -> dict[str, str]:
        """Workers that should be warm at `now`, with the reason."""
        return {w.worker: w.reason for w in self.windows(now) if w.start <= now <= w.end}
