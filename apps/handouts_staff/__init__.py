"""ganger-handouts-staff: Patient Handouts Management (library, versions, publishing, QR codes)."""

from .app import app

__all__ = ["app"]
