from __future__ import annotations

from ganger.sdk import WorkerApp

from . import api, pages
from .store import store

app = WorkerApp(
    "ganger-inventory-staff",
    package=__package__ or "apps.inventory_staff",
    pages=pages.routes,
    api=api.routes,
    camera=True,  # the scanner page reads barcodes with the phone camera
    stores=[store],
)
