"""The deploy library's side of the control socket: ask the running supervisor to switch versions."""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path
from typing import Any

from ..control import PlatformState, fetch_state, request
from ..settings import Settings
from ._releases import ROUTER, Release

DEPLOY_TIMEOUT_SECONDS = 300.0
PREFLIGHT_TIMEOUT_SECONDS = 60.0


async def running_state(settings: Settings) -> PlatformState:
    return await fetch_state(settings.control_socket, timeout=10.0)


async def switch(settings: Settings, release: Release, *, canary: int | None = None,
                 canary_seconds: float | None = None) -> dict[str, Any]:
    """Send the deploy op; the supervisor answers once the new generation serves, or why it does not."""
    op = "deploy-router" if release.worker == ROUTER else "canary" if canary else "deploy"
    message: dict[str, object] = {"op": op, "worker": release.worker, "release_path": release.path,
                                  "version": release.version}
    if op == "canary":
        message.update(percent=canary, seconds=canary_seconds or 30.0)
    reply = await request(settings.control_socket, message, timeout=DEPLOY_TIMEOUT_SECONDS)
    assert isinstance(reply, dict)
    return reply


async def preflight(settings: Settings, release: Release) -> str | None:
    """Import the release's module in a throwaway interpreter: an import error is reported by name
    here (the runtime would only see a replica exit before it was ready). None when it imports."""
    if release.worker == ROUTER:
        code = "import ganger.router.server"
    else:
        code = (f"import sys; sys.path[:0] = [{release.path!r}, {str(settings.manifest_path.parent)!r}]; "
                f"import {release.module}")
    env = dict(os.environ, GANGER_MANIFEST=str(settings.manifest_path), GANGER_DATA_DIR=str(settings.data_dir),
               PYTHONDONTWRITEBYTECODE="1")
    if release.worker == ROUTER:
        env["PYTHONPATH"] = os.pathsep.join(p for p in (release.path, env.get("PYTHONPATH", "")) if p)
    process = await asyncio.create_subprocess_exec(sys.executable, "-c", code, env=env,
                                                   stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE,
                                                   cwd=str(Path(release.path)))
    try:
        async with asyncio.timeout(PREFLIGHT_TIMEOUT_SECONDS):
            _, stderr = await process.communicate()
    except TimeoutError:
        process.kill()
        await process.wait()
        return f"importing {release.module} took longer than {PREFLIGHT_TIMEOUT_SECONDS:.0f} s"
    if process.returncode == 0:
        return None
    lines = [line for line in stderr.decode(errors="replace").splitlines() if line.strip()]
    return f"importing {release.module} failed: {lines[-1] if lines else f'exit code {process.returncode}'}"
