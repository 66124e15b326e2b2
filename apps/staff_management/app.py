from __future__ import annotations

from ganger.sdk import JSONResponse, Request, Response, Route, WorkerApp


def _launcher_entries(app: WorkerApp) -> list[dict[str, str]]:
    return [
        {"worker": w.name, "title": w.description, "href": "/" if w.prefix == "/" else f"{w.prefix}/"}
        for w in app.manifest.staff_workers
        if w.name != app.worker.name
    ]


def _patient_sites(app: WorkerApp, request: Request) -> list[dict[str, str]]:
    host = request.headers.get("x-forwarded-host") or request.headers.get("host", "localhost")
    port = host.rpartition(":")[2] if ":" in host else ""
    local = "localhost" in host or host.startswith("127.")
    domain = "localhost" if local else app.manifest.platform.patient_domains[0]
    suffix = f":{port}" if port else ""
    scheme = "http" if local else "https"
    return [
        {"worker": w.name, "title": w.description, "href": f"{scheme}://{w.host}.{domain}{suffix}/"}
        for w in app.manifest.patient_workers
    ]


async def home(request: Request) -> Response:
    return app.render(
        request,
        "home.html",
        title="Staff Portal",
        applications=_launcher_entries(app),
        patient_sites=_patient_sites(app, request),
    )


async def list_applications(request: Request) -> Response:
    return JSONResponse({"applications": _launcher_entries(app), "patientSites": _patient_sites(app, request)})


app = WorkerApp(
    "ganger-staff-management",
    package=__package__ or "apps.staff_management",
    pages=[Route("/", home, methods=["GET", "HEAD"])],
    api=[Route("/applications", list_applications)],
)
