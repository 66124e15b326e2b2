"""ganger-inventory-staff: Medical Supply Inventory.

Not built yet: the worker runs and is routed, and its page says so. Its features arrive in
their own issue.
"""

from ganger.sdk import WorkerApp

app = WorkerApp("ganger-inventory-staff", package=__name__)
