"""The handouts pages: the library, one handout's editor, a printable QR sheet."""

from __future__ import annotations

from typing import Any

from sqlalchemy.engine import Connection

from ganger.sdk import HTTPException, Request, Response, Route, read_query

from . import library, qr
from .api import with_links
from .schemas import HandoutFilter
from .store import store

LANGUAGES = {"en": "English", "es": "Spanish", "ar": "Arabic", "zh": "Chinese", "fr": "French", "pl": "Polish"}


def _app():  # type: ignore[no-untyped-def]
    from .app import app  # the app is built from these routes, so it is looked up when a page renders

    return app


async def home(request: Request) -> Response:
    query = read_query(request, HandoutFilter)

    def work(connection: Connection) -> dict[str, Any]:
        items, total = library.list_handouts(connection, query)
        return {"handouts": items, "total": total, "categories": library.categories(connection)}

    data = await store.run_read(work)
    return _app().render(request, "library.html", title="Patient Handouts", query=query, languages=LANGUAGES, **data)


async def editor(request: Request) -> Response:
    handout = await store.run_read(lambda c: library.get_handout(c, request.path_params["handout_id"]))
    if handout is None:
        raise HTTPException(404)
    return _app().render(request, "editor.html", title=handout["title"], handout=with_links(request, handout),
                         languages=LANGUAGES)


async def qr_sheet(request: Request) -> Response:
    handout = await store.run_read(lambda c: library.get_handout(c, request.path_params["handout_id"]))
    if handout is None or handout["status"] != "published":
        raise HTTPException(404)
    return _app().render(request, "qr.html", title=f"QR: {handout['title']}", handout=handout,
                         target=qr.target(_app().manifest, request, handout["code"]))


routes = [
    Route("/", home, methods=["GET", "HEAD"]),
    Route("/{handout_id:int}", editor, methods=["GET", "HEAD"]),
    Route("/{handout_id:int}/qr", qr_sheet, methods=["GET", "HEAD"]),
]
