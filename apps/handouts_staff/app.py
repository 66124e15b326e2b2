from __future__ import annotations

from ganger.sdk import WorkerApp

from . import api, pages
from .store import store

app = WorkerApp(
    "ganger-handouts-staff",
    package=__package__ or "apps.handouts_staff",
    pages=pages.routes,
    api=api.routes,
    stores=[store],
)
