"""ganger-showcase-staff: Component Showcase.

Not built yet: the worker runs and is routed, and its page says so. Its features arrive in
their own issue.
"""

from ganger.sdk import WorkerApp

app = WorkerApp("ganger-showcase-staff", package=__name__)
