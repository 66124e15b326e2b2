"""Platform monitoring: cheap counters on the router's hot path, aggregated by the supervisor.

Router processes record into a `RequestRecorder` (plain ints, no locks, no I/O) and send the
deltas to the supervisor once a second; the supervisor's `Aggregate` keeps the platform's
totals and the last hour by minute, and renders Prometheus text with prometheus-client.
"""

from .recorder import BUCKETS, RequestRecorder, RouterDelta, WorkerDelta

__all__ = ["BUCKETS", "RequestRecorder", "RouterDelta", "WorkerDelta"]
