"""ganger-status-staff: live state of every worker, read from the runtime."""

from .app import app

__all__ = ["app"]
