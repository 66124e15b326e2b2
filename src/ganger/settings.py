"""Where things live on this machine: the few settings that come from the environment, not the manifest.

The manifest says what the platform is; these say where this copy of it runs (ports, folders).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True, slots=True)
class Settings:
    host: str
    port: int
    data_dir: Path
    manifest_path: Path
    environment: str | None
    router_processes: int | None

    @property
    def run_dir(self) -> Path:
        """Unix sockets of every replica and the control socket (owner-only)."""
        return self.data_dir / "run"

    @property
    def log_dir(self) -> Path:
        return self.data_dir / "log"

    @property
    def control_socket(self) -> Path:
        return self.run_dir / "control.sock"

    def replica_socket(self, worker: str, index: int, generation: int = 0) -> Path:
        return self.run_dir / f"{worker}.{generation}.{index}.sock"


def from_environment(environ: dict[str, str] | None = None) -> Settings:
    env = os.environ if environ is None else environ
    processes = env.get("GANGER_ROUTER_PROCESSES")
    return Settings(
        host=env.get("GANGER_HOST", "127.0.0.1"),
        port=int(env.get("GANGER_PORT", "8080")),
        data_dir=Path(env.get("GANGER_DATA_DIR", "var")).resolve(),
        manifest_path=Path(env.get("GANGER_MANIFEST", "platform.toml")).resolve(),
        environment=env.get("GANGER_ENVIRONMENT"),
        router_processes=int(processes) if processes else None,
    )
