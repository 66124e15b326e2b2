"""ganger-batch-staff: Batch Closeout System.

Not built yet: the worker runs and is routed, and its page says so. Its features arrive in
their own issue.
"""

from ganger.sdk import WorkerApp

app = WorkerApp("ganger-batch-staff", package=__name__)
