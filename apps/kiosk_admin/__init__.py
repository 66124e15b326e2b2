"""ganger-kiosk-admin: Check-in Kiosk Administration.

Not built yet: the worker runs and is routed, and its page says so. Its features arrive in
their own issue.
"""

from ganger.sdk import WorkerApp

app = WorkerApp("ganger-kiosk-admin", package=__name__)
