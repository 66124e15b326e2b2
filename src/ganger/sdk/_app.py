"""WorkerApp: what every application worker is built on (Layer 2)."""

from __future__ import annotations

import importlib.util
import logging
import os
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.types import ASGIApp, Receive, Scope, Send

from ..data import Store
from ..identity import load_secret
from ..manifest import Manifest, Worker, load_manifest
from ..settings import from_environment
from ..versioning import tree_version
from ._assets import IMMUTABLE, AssetStore
from ._data import stores_lifespan
from ._headers import ForwardedPrefix, SecurityHeaders, patient_headers, staff_headers
from ._identity import VerifiedIdentity
from ._limits import MEMORY_MESSAGE, RequestBudgets, limit_response
from ._metrics import MetricsEndpoint, RequestCounts, RequestMetrics, install_trace_logging
from ._page import PageRenderer

_SDK_STATIC = Path(__file__).parent / "static"
log = logging.getLogger("ganger.worker")


def _manifest() -> Manifest:
    return load_manifest(os.environ.get("GANGER_MANIFEST", "platform.toml"), check_modules=False)


def _is_api(request: Request) -> bool:
    path = request.scope.get("path", "")
    # Inside the /api Mount, root_path already ends in /api; app_root_path is the worker's own.
    root = request.scope.get("app_root_path", request.scope.get("root_path", ""))
    rest = path[len(root):] if path.startswith(root) else path
    return rest == "/api" or rest.startswith("/api/")


class WorkerApp:
    """One application's ASGI app, with the platform's pages, assets, API routing and headers.

    An app passes its own page routes (`pages`) and JSON API routes (`api`, served under
    `/api`); everything else — `/health`, `/static/…`, the in-app 404, the security headers
    for its kind, the page shell — comes from here. An app with no pages yet gets a home page
    that says plainly that it is not built.
    """

    def __init__(
        self,
        worker: str,
        *,
        package: str,
        pages: Sequence[BaseRoute] = (),
        api: Sequence[BaseRoute] = (),
        camera: bool = False,
        stores: Sequence[Store] = (),
    ) -> None:
        self.manifest = _manifest()
        self.stores = tuple(stores)
        self.worker: Worker = self.manifest.worker(worker)
        spec = importlib.util.find_spec(package)
        if spec is None or not spec.submodule_search_locations:
            raise ValueError(f"{package!r} is not a package")
        self.directory = Path(next(iter(spec.submodule_search_locations)))
        self.version = tree_version(self.directory)
        self.started = time.time()
        self.assets = AssetStore({"": self.directory / "static", "_ganger/": _SDK_STATIC})
        self.pages = PageRenderer(self.manifest, self.worker, self.directory, self.assets)
        routes: list[BaseRoute] = [
            Route("/health", self._health, methods=["GET", "HEAD"]),
            Route("/static/{name:path}", self._static, methods=["GET", "HEAD"]),
        ]
        if api:
            routes.append(Mount("/api", routes=list(api)))
        routes += list(pages)
        if not any(getattr(r, "path", None) == "/" for r in pages):
            routes.append(Route("/", self._not_built, methods=["GET", "HEAD"]))
        self.starlette = Starlette(
            routes=routes,
            exception_handlers={HTTPException: self._http_error, Exception: self._server_error},
            lifespan=stores_lifespan(self.stores) if self.stores else None,
        )
        kind_headers = staff_headers(camera=camera) if self.worker.is_staff else patient_headers()
        inner: ASGIApp = self.starlette
        if self.worker.auth_required:
            inner = VerifiedIdentity(inner, load_secret(from_environment().data_dir), self.worker.roles)
        self.request_counts = RequestCounts()
        inner = RequestBudgets(inner, self.worker.name, self.worker.budgets.cpu_ms)
        counted = RequestMetrics(SecurityHeaders(inner, kind_headers), self.request_counts)
        secret = lambda: load_secret(from_environment().data_dir)  # noqa: E731
        self._asgi = MetricsEndpoint(ForwardedPrefix(counted), self.request_counts, secret)
        install_trace_logging()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await self._asgi(scope, receive, send)

    def render(self, request: Request, template: str, *, title: str, status_code: int = 200,
               headers: dict[str, str] | None = None, **context: Any) -> Response:
        """A page in the platform shell (navigation for staff apps, config, critical CSS)."""
        return self.pages.render(request, template, title=title, status_code=status_code, headers=headers, **context)

    # -- built-in routes -----------------------------------------------------------------------------
    async def _health(self, request: Request) -> Response:
        return JSONResponse(
            {"status": "ok", "worker": self.worker.name, "kind": self.worker.kind, "version": self.version,
             "pid": os.getpid(), "uptimeSeconds": round(time.time() - self.started, 1)}
        )

    async def _static(self, request: Request) -> Response:
        found = self.assets.find(request.path_params["name"])
        if found is None:
            raise HTTPException(404, "No such asset.")
        asset, immutable = found
        if request.headers.get("if-none-match") == asset.etag:
            return Response(status_code=304, headers={"ETag": asset.etag})
        cache = IMMUTABLE if immutable else "no-cache"
        return Response(asset.content, media_type=asset.media_type, headers={"Cache-Control": cache, "ETag": asset.etag})

    async def _not_built(self, request: Request) -> Response:
        return self.render(request, "not_built.html", title=self.worker.description)

    # -- errors stay inside the app ------------------------------------------------------------------
    async def _http_error(self, request: Request, exc: Exception) -> Response:
        assert isinstance(exc, HTTPException)
        headers = dict(exc.headers or {})
        if exc.status_code in (204, 304):
            return Response(status_code=exc.status_code, headers=headers)
        message = exc.detail if exc.status_code != 404 else "There is no such page in this application."
        if _is_api(request):
            document = {"error": message, "status": exc.status_code}
            if getattr(exc, "field", None):
                document["field"] = exc.field  # type: ignore[attr-defined]
            return JSONResponse(document, status_code=exc.status_code, headers=headers)
        heading = "Not found" if exc.status_code == 404 else "Request not accepted"
        return self.render(request, "error.html", title=heading, status_code=exc.status_code, headers=headers,
                           heading=heading, message=message, status=exc.status_code)

    async def _server_error(self, request: Request, exc: Exception) -> Response:
        if isinstance(exc, MemoryError):
            headers, body = limit_response(MEMORY_MESSAGE, "memory")
            return Response(body, status_code=503, headers={k.decode(): v.decode() for k, v in headers})
        # The route template, not the path: a path may carry identifiers of patients.
        route = getattr(request.scope.get("route"), "path", None)
        log.error("unhandled error", exc_info=exc, extra={"fields": {"worker": self.worker.name, "route": route}})
        message = "Something went wrong in this application. The error has been logged."
        if _is_api(request):
            return JSONResponse({"error": message, "status": 500}, status_code=500)
        return self.render(request, "error.html", title="Error", status_code=500,
                           heading="Something went wrong", message=message, status=500)
