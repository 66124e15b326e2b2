"""What an app may ask the runtime: the live state of the platform, its traffic history and
incidents, and checks of what it depends on (read-only, never a secret)."""

from __future__ import annotations

import functools
from typing import Any

import anyio.to_thread
import msgspec

from ..control import PlatformState, fetch_state, request
from ..manifest import Manifest
from ..monitoring.aggregate import MinuteDocument
from ..monitoring.bundle_sizes import BundleSizes
from ..monitoring.incidents import Incident
from ..monitoring.integrations import DatabaseCheck, DiskUsage, SignInSettings, check_databases, disk_usage
from ..monitoring.integrations import sign_in_settings as _sign_in_settings
from ..settings import from_environment


async def runtime_state(timeout: float = 2.0) -> PlatformState:
    """The supervisor's current view of every worker and replica."""
    return await fetch_state(from_environment().control_socket, timeout=timeout)


async def runtime_history(timeout: float = 5.0) -> dict[str, list[MinuteDocument]]:
    """Per worker, the last hour minute by minute (only minutes that saw traffic, memory or starts)."""
    reply = await request(from_environment().control_socket, {"op": "history"}, timeout=timeout)
    return msgspec.convert(reply, dict[str, list[MinuteDocument]])


async def runtime_incidents(timeout: float = 2.0) -> dict[str, list[Incident]]:
    """Per worker, its replicas' recent exits, restarts, failed starts and phase changes, newest first."""
    reply = await request(from_environment().control_socket, {"op": "incidents"}, timeout=timeout)
    return msgspec.convert(reply, dict[str, list[Incident]])


async def database_checks() -> dict[str, DatabaseCheck]:
    """`SELECT 1` against the default database (and each app's SQLite file), timed, on a thread."""
    return await anyio.to_thread.run_sync(check_databases, from_environment().data_dir)


def sign_in_settings(manifest: Manifest) -> SignInSettings:
    """Sign-in mode, issuer and whether the OIDC client id and secret are set (never their values)."""
    return _sign_in_settings(manifest)


def data_disk() -> DiskUsage:
    """Space on the disk that holds the data dir."""
    return disk_usage(from_environment().data_dir)


@functools.cache
def _bundle_sizes() -> BundleSizes:
    return BundleSizes(from_environment().manifest_path)


def bundle_report() -> dict[str, Any] | None:
    """The latest `ganger bundles --json` report; None while the first measurement runs.

    The first call starts the analysis in the background (one probe process per worker), and
    it is repeated at most once an hour, never on a page request's time.
    """
    return _bundle_sizes().get()
