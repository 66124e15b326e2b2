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
from ..monitoring.aggregate import MinuteDocument
from ..monitoring.incidents import Incident
from ..monitoring.integrations import DatabaseCheck, DiskUsage, SignInSettings
from ..monitoring.percentiles import bucket_quantile, bucket_quantiles, merge_buckets
from ..monitoring.recorder import BUCKETS as LATENCY_BUCKETS
from ._app import WorkerApp
from ._data import InvalidField, read_json, read_query
from ._identity import current_user, require_role
from ._runtime import (
    bundle_report,
    data_disk,
    database_checks,
    runtime_history,
    runtime_incidents,
    runtime_state,
    sign_in_settings,
)

__all__ = [
    "DatabaseCheck",
    "DiskUsage",
    "HTMLResponse",
    "HTTPException",
    "Incident",
    "InvalidField",
    "JSONResponse",
    "LATENCY_BUCKETS",
    "Manifest",
    "MinuteDocument",
    "PlatformState",
    "RedirectResponse",
    "ReplicaState",
    "Request",
    "Response",
    "Route",
    "SignInSettings",
    "Store",
    "User",
    "Worker",
    "WorkerApp",
    "WorkerState",
    "bucket_quantile",
    "bucket_quantiles",
    "bundle_report",
    "current_user",
    "data_disk",
    "database_checks",
    "merge_buckets",
    "read_json",
    "read_query",
    "require_role",
    "run_migrations",
    "runtime_history",
    "runtime_incidents",
    "runtime_state",
    "sign_in_settings",
]
