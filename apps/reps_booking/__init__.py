"""ganger-reps-booking: Pharmaceutical Rep Visit Booking.

Not built yet: the worker runs and is routed, and its page says so. Its features arrive in
their own issue.
"""

from ganger.sdk import WorkerApp

app = WorkerApp("ganger-reps-booking", package=__name__)
