"""Pages for patients: no sign-in, no staff navigation, nothing about the visitor stored or logged.

Public pages are cacheable for five minutes (`public, max-age=300`); a view served from a cache
is not counted.
"""

from __future__ import annotations

from ganger.sdk import RedirectResponse, Request, Response, Route, WorkerApp

from . import reading
from .store import store

PUBLIC = {"Cache-Control": "public, max-age=300"}


async def home(request: Request) -> Response:
    categories = await store.run_read(reading.by_category)
    return app.render(request, "list.html", title="Patient Handouts", categories=categories, headers=PUBLIC)


async def qr(request: Request) -> Response:
    code = request.path_params["code"]
    handout_id = await store.run_read(lambda c: reading.handout_for_code(c, code))
    if handout_id is None:
        return missing(request)
    return RedirectResponse(f"{request.scope.get('root_path', '')}/view/{handout_id}", status_code=303, headers=PUBLIC)


async def view(request: Request) -> Response:
    handout_id = request.path_params["handout_id"]
    handout = await store.run_read(lambda c: reading.published(c, handout_id))
    if handout is None:
        return missing(request)
    if request.method == "GET":
        await store.run_write(lambda c: reading.count_view(c, handout_id))
    return app.render(request, "handout.html", title=handout["title"], handout=handout,
                      headers=PUBLIC | {"Content-Language": handout["language"]})


def missing(request: Request) -> Response:
    return app.render(request, "missing.html", title="Handout not available", status_code=404)


app = WorkerApp(
    "ganger-handouts-patient",
    package=__package__ or "apps.handouts_patient",
    pages=[
        Route("/", home, methods=["GET", "HEAD"]),
        Route("/qr/{code}", qr, methods=["GET", "HEAD"]),
        Route("/view/{handout_id:int}", view, methods=["GET", "HEAD"]),
    ],
    stores=[store],
)
