"""The worker template: everything an application imports from the platform.

Apps import from here only (never from another app, never from ganger's internals).
"""

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from ..control import PlatformState, ReplicaState, WorkerState
from ..data import Store
from ..data import run_environment as run_migrations
from ..identity import User
from ..manifest import Manifest, Worker
from ._app import WorkerApp
from ._data import InvalidField, read_json, read_query
from ._identity import current_user, require_role
from ._runtime import runtime_state

__all__ = [
    "HTMLResponse",
    "HTTPException",
    "InvalidField",
    "JSONResponse",
    "Manifest",
    "PlatformState",
    "RedirectResponse",
    "ReplicaState",
    "Request",
    "Response",
    "Route",
    "Store",
    "User",
    "Worker",
    "WorkerApp",
    "WorkerState",
    "current_user",
    "read_json",
    "read_query",
    "require_role",
    "run_migrations",
    "runtime_state",
]
