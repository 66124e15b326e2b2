"""Server-rendered pages with the platform's shell: inlined critical CSS, staff navigation, config."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import jinja2
from starlette.requests import Request
from starlette.responses import HTMLResponse

from ..manifest import Manifest, Worker
from ._assets import AssetStore

_SDK_DIR = Path(__file__).parent


class PageRenderer:
    def __init__(self, manifest: Manifest, worker: Worker, app_dir: Path, assets: AssetStore) -> None:
        self.manifest = manifest
        self.worker = worker
        self.assets = assets
        loaders: list[jinja2.BaseLoader] = []
        if (app_dir / "templates").is_dir():
            loaders.append(jinja2.FileSystemLoader(app_dir / "templates"))
        loaders.append(jinja2.FileSystemLoader(_SDK_DIR / "templates"))
        self.env = jinja2.Environment(
            loader=jinja2.ChoiceLoader(loaders),
            autoescape=True,
            trim_blocks=True,
            lstrip_blocks=True,
            undefined=jinja2.StrictUndefined,
        )
        critical = (_SDK_DIR / "static" / "critical.css").read_text()
        if worker.kind == "staff":  # patient pages carry no staff chrome, not even its CSS
            critical += (_SDK_DIR / "static" / "critical-staff.css").read_text()
        own = app_dir / "critical.css"
        if own.is_file():
            critical += own.read_text()
        self.critical_css = critical
        self.navigation = [
            {"name": w.name, "href": "/" if w.prefix == "/" else w.prefix + "/", "label": w.description}
            for w in manifest.staff_workers
        ]
        self.app_script = "app.js" if assets.has("app.js") else None

    def render(self, request: Request, template: str, *, title: str, status_code: int = 200,
               headers: dict[str, str] | None = None, **context: Any) -> HTMLResponse:
        base = request.scope.get("root_path", "")

        def asset(name: str) -> str:
            return f"{base}/static/{self.assets.url(name)}"

        config = {
            "environment": self.manifest.platform.environment,
            "appName": self.worker.name,
            "appKind": self.worker.kind,
            "basePath": base,
            "staffPortalBase": self.manifest.platform.staff_portal_base,
        }
        html = self.env.get_template(template).render(
            title=title,
            worker=self.worker,
            staff=self.worker.kind == "staff",
            navigation=self.navigation if self.worker.kind == "staff" else [],
            critical_css=self.critical_css,
            config=config,
            asset=asset,
            app_script=asset(self.app_script) if self.app_script else None,
            base=base,
            request=request,
            user=request.scope.get("ganger.user"),
            **context,
        )
        return HTMLResponse(html, status_code=status_code, headers=headers)
