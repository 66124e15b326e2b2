"""ganger-handouts-patient: published handouts for patients (QR access, viewer, landing page)."""

from .app import app

__all__ = ["app"]
