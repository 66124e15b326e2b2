"""Start each thing under test: the worker, our router, nginx, the aiohttp candidate, granian.

Each returns once the process answers a real request, so a measurement never starts against a
half-started server.
"""

from __future__ import annotations

import http.client
import os
import sys
from dataclasses import dataclass, field
from pathlib import Path

from .procs import Launched, Pinning, free_port, launch, wait_until

ROOT = Path(__file__).resolve().parents[1]
PATIENT_HOST = "bench"
PATIENT_DOMAIN = "localhost"


@dataclass
class Endpoint:
    """Where wrk sends load, and which processes' CPU and memory are the proxy's."""

    key: str
    port: int
    host: str = f"{PATIENT_HOST}.{PATIENT_DOMAIN}"
    path: str = "/"
    processes: list[Launched] = field(default_factory=list)
    headers: dict[str, str] = field(default_factory=dict)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}{self.path}"

    @property
    def pids(self) -> list[int]:
        return [p.pid for p in self.processes]


def _environment(**extra: str) -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), str(ROOT / "src"), env.get("PYTHONPATH")]))
    env.update(extra)
    return env


def get(port: int, host: str, path: str = "/", timeout: float = 2.0,
        headers: dict[str, str] | None = None) -> tuple[int, bytes]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        connection.request("GET", path, headers={"Host": host, **(headers or {})})
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


def wait_ready(launched: list[Launched], port: int, host: str, path: str = "/", timeout: float = 20.0) -> None:
    def answers() -> bool:
        for process in launched:
            if not process.alive():
                raise RuntimeError(f"{process.name} exited during start:\n{process.tail()}")
        try:
            return get(port, host, path, timeout=1.0)[0] == 200
        except OSError:
            return False

    wait_until(answers, timeout, f"{launched[0].name} on port {port}")


def start_worker(work: Path, pinning: Pinning, name: str = "worker", app: str = "bench.apps:app",
                 env: dict[str, str] | None = None) -> tuple[Launched, Path, int]:
    """The upstream: uvicorn on `<work>/<name>.sock` (for proxies) and a TCP port (for wrk directly)."""
    uds = work / f"{name}.sock"
    port = free_port()
    worker = launch(name, [*pinning.prefix("load"), sys.executable, "-m", "bench.serve", "--app", app,
                           "--uds", str(uds), "--port", str(port)],
                    work, env=_environment(**(env or {})), cwd=ROOT)
    wait_ready([worker], port, "localhost")
    return worker, uds, port


def write_manifest(work: Path, upstreams: dict[str, Path], max_body_mb: int = 1024) -> Path:
    """Patient workers (no sign-in on their routes), each at a fixed Unix socket.

    The loader insists on a staff catch-all at "/"; it points at the first socket and gets load
    only in the signed-in row. Body limits are raised for the streaming checks where
    the manifest knows them (`budgets.max_body_mb`), and left out where it does not.
    """
    from ganger.errors import ManifestError
    from ganger.manifest import load_manifest

    path = work / "bench-platform.toml"
    for budgets in (f"budgets = {{ max_body_mb = {max_body_mb} }}", ""):
        path.write_text(_manifest_text(upstreams, budgets))
        try:
            load_manifest(path, check_modules=False)
            return path
        except ManifestError:
            continue
    load_manifest(path, check_modules=False)  # raise the loader's own message
    return path


def _manifest_text(upstreams: dict[str, Path], budgets: str) -> str:
    first = next(iter(upstreams.values()))
    lines = ["[platform]", f'patient_domains = ["{PATIENT_DOMAIN}"]', 'staff_hosts = ["127.0.0.1"]', "",
             "[workers.bench-staff]", 'kind = "staff"', 'prefix = "/"', 'description = "Bench staff"',
             'entry = "bench.apps:app"', f'upstream = "unix:{first}"', budgets, ""]
    for host, uds in upstreams.items():
        lines += [f"[workers.bench-{host}]", 'kind = "patient"', f'host = "{host}"',
                  f'description = "Bench {host}"', 'entry = "bench.apps:app"', f'upstream = "unix:{uds}"', budgets, ""]
    return "\n".join(lines)


def start_routers(work: Path, pinning: Pinning, manifest: Path, count: int = 1, role: str | None = "proxy",
                  name: str = "router") -> Endpoint:
    """`count` router processes sharing one port through SO_REUSEPORT."""
    port = free_port()
    data = work / f"{name}-data"
    data.mkdir(exist_ok=True)
    env = _environment(GANGER_MANIFEST=str(manifest), GANGER_PORT=str(port), GANGER_HOST="127.0.0.1",
                       GANGER_DATA_DIR=str(data))
    processes = [launch(f"{name}{i}", [*pinning.prefix(role), sys.executable, "-m", "ganger.router.server"],
                        work, env=env, cwd=ROOT) for i in range(count)]
    endpoint = Endpoint(name, port, processes=processes)
    wait_ready(processes, port, endpoint.host)
    return endpoint


def staff_cookie(manifest: Path, router: Endpoint, work: Path) -> str:
    """A signed-in staff session for the router's own secret, minted the way the sign-in service does.

    Uses the platform's auth internals, which are still moving; the caller treats a failure as
    "row skipped", not as a failed bench.
    """
    from ganger.auth.config import auth_config
    from ganger.identity import User
    from ganger.manifest import load_manifest
    from ganger.sessions import COOKIE_NAME

    loaded = load_manifest(manifest, check_modules=False)
    data = work / f"{router.key}-data"
    codec = auth_config(loaded, loaded.platform.environment, data).sessions
    user = User(email="bench@gangerdermatology.com", name="Bench", roles=frozenset({"staff"}))
    return f"{COOKIE_NAME}={codec.encode(user)}"


NGINX_CONF = """\
worker_processes 1;
pid {work}/nginx.pid;
error_log {work}/nginx-error.log warn;
events {{ worker_connections 4096; }}
http {{
    access_log off;
    client_body_temp_path {work}/nginx-body;
    proxy_temp_path {work}/nginx-proxy;
    fastcgi_temp_path {work}/nginx-fastcgi;
    uwsgi_temp_path {work}/nginx-uwsgi;
    scgi_temp_path {work}/nginx-scgi;
    upstream worker {{
        server unix:{uds};
        keepalive 64;
    }}
    server {{
        listen 127.0.0.1:{port};
        location / {{
            proxy_pass http://worker;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_set_header Host $http_host;
        }}
    }}
}}
"""


def start_nginx(work: Path, pinning: Pinning, nginx: str, uds: Path) -> Endpoint:
    port = free_port()
    conf = work / "nginx.conf"
    conf.write_text(NGINX_CONF.format(work=work, uds=uds, port=port))
    process = launch("nginx", [*pinning.prefix("proxy"), nginx, "-p", str(work), "-e", str(work / "nginx-error.log"),
                               "-c", str(conf), "-g", "daemon off;"], work)
    endpoint = Endpoint("nginx", port, processes=[process])
    wait_ready([process], port, endpoint.host)
    return endpoint


def start_aiohttp(work: Path, pinning: Pinning, uds: Path) -> Endpoint:
    port = free_port()
    process = launch("aiohttp", [*pinning.prefix("proxy"), sys.executable, "-m", "bench.candidates.aiohttp_proxy",
                                 "--port", str(port), "--uds", str(uds)], work, env=_environment(), cwd=ROOT)
    endpoint = Endpoint("aiohttp", port, processes=[process])
    wait_ready([process], port, endpoint.host)
    return endpoint


def start_granian(work: Path, pinning: Pinning, granian: str) -> Endpoint:
    """granian serving the same hello app on TCP, on the worker's core: a server choice, not a proxy."""
    port = free_port()
    process = launch("granian", [*pinning.prefix("load"), granian, "--interface", "asgi", "--host", "127.0.0.1",
                                 "--port", str(port), "--workers", "1", "--runtime-threads", "1", "--loop", "uvloop",
                                 "--no-ws", "--log-level", "warning", "bench.apps:app"],
                     work, env=_environment(), cwd=ROOT)
    endpoint = Endpoint("granian", port, processes=[process])
    wait_ready([process], port, endpoint.host)
    return endpoint
