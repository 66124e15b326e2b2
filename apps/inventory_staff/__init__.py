"""ganger-inventory-staff: Medical Supply Inventory (supplies, stock per location, movements, labels)."""

from .app import app

__all__ = ["app"]
