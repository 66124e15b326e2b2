"""ganger-staff-management: the staff portal home, an app launcher built from the manifest."""

from .app import app

__all__ = ["app"]
