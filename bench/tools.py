"""Install what the bench needs when it is missing, from the project's own files only.

nginx and wrk come from Debian's packages (apt-get as root); the Python side (aiohttp for the
candidate, granian for the server comparison) from pyproject's `bench` extra. Nothing is assumed
to have been installed by hand.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
import sys
import tomllib
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SYSTEM_DIRS = ("/usr/sbin", "/usr/bin", "/sbin")
APT_CHOICES = (("nginx-light", "wrk"), ("nginx", "wrk"))
PYTHON_MODULES = {"aiohttp": "aiohttp", "granian": "granian"}


@dataclass(frozen=True)
class Tools:
    nginx: str
    wrk: str
    granian: str | None

    def versions(self) -> dict[str, str]:
        nginx = subprocess.run([self.nginx, "-v"], capture_output=True, text=True).stderr.strip()
        wrk = subprocess.run([self.wrk, "-v"], capture_output=True, text=True).stdout.splitlines()[0:1]
        return {"nginx": nginx.removeprefix("nginx version: "), "wrk": " ".join(wrk[0].split()[:2]) if wrk else "?"}


def which(name: str) -> str | None:
    path = os.pathsep.join([os.environ.get("PATH", ""), *SYSTEM_DIRS])
    return shutil.which(name, path=path)


def _apt_install() -> None:
    if os.geteuid() != 0:
        raise SystemExit("nginx and wrk are missing and this is not root: install them with apt-get, then rerun.")
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    subprocess.run(["apt-get", "update", "-qq"], check=True, env=env)
    was_running = Path("/run/nginx.pid").exists()
    for packages in APT_CHOICES:
        if subprocess.run(["apt-get", "install", "-y", "-qq", *packages], env=env).returncode == 0:
            break
    else:
        raise SystemExit("apt-get could not install nginx and wrk")
    if not was_running and Path("/run/nginx.pid").exists() and (nginx := which("nginx")):
        # The package's post-install may start a system nginx on port 80; the bench runs its own.
        subprocess.run([nginx, "-s", "quit"], check=False)


def _pip_install_extra() -> None:
    extra = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["optional-dependencies"]["bench"]
    subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", *extra], check=True)


def ensure() -> Tools:
    if which("nginx") is None or which("wrk") is None:
        _apt_install()
    if any(importlib.util.find_spec(m) is None for m in PYTHON_MODULES.values()):
        _pip_install_extra()
        importlib.invalidate_caches()
    nginx, wrk = which("nginx"), which("wrk")
    assert nginx is not None and wrk is not None
    granian = shutil.which("granian", path=str(Path(sys.executable).parent)) or which("granian")
    return Tools(nginx=nginx, wrk=wrk, granian=granian)
