"""What an app may ask the runtime: the live state of the platform (read-only)."""

from __future__ import annotations

from ..control import PlatformState, fetch_state
from ..settings import from_environment


async def runtime_state(timeout: float = 2.0) -> PlatformState:
    """The supervisor's current view of every worker and replica."""
    return await fetch_state(from_environment().control_socket, timeout=timeout)
