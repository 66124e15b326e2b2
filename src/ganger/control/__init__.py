"""The control channel between the runtime (supervisor) and everything that watches it.

JSON lines over a Unix socket in the data dir: `{"op": "state"}` answers once,
`{"op": "subscribe"}` answers now and after every change.
"""

from .client import fetch_state, request, subscribe
from .state import PlatformState, ReplicaState, WorkerState

__all__ = ["PlatformState", "ReplicaState", "WorkerState", "fetch_state", "request", "subscribe"]
