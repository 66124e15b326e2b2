"""ganger-dashboard-staff: Platform Dashboard (requests, latency, errors, memory, cold starts, success metrics)."""

from .app import app

__all__ = ["app"]
