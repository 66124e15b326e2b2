"""The JSON API under /handouts/api: the library, versions, publishing, QR codes, a Markdown preview."""

from __future__ import annotations

from typing import Any

from ganger.sdk import HTTPException, JSONResponse, Manifest, Request, Response, Route, current_user, read_json, read_query

from . import idempotency, library, publishing, qr, sanitise
from .schemas import HandoutChanges, HandoutFilter, NewHandout, Preview, Publish
from .store import store


def actor(request: Request) -> str:
    user = current_user(request)
    return user.email if user else "unknown"


def found_or_404(document: dict[str, Any] | None) -> dict[str, Any]:
    if document is None:
        raise HTTPException(404)
    return document


def with_links(request: Request, document: dict[str, Any]) -> dict[str, Any]:
    """Where the patient site shows it, for a handout that has been published."""
    if document["status"] != "published":
        return document | {"patientUrl": None, "qrTarget": None}
    base = qr.patient_base(_manifest(), request)
    return document | {"patientUrl": f"{base}/view/{document['id']}", "qrTarget": f"{base}/qr/{document['code']}"}


def _manifest() -> Manifest:
    from .app import app  # the app is built from these routes, so it is looked up when needed

    return app.manifest


async def list_handouts(request: Request) -> Response:
    query = read_query(request, HandoutFilter)
    items, total = await store.run_read(lambda c: library.list_handouts(c, query))
    following = query.offset + query.limit
    return JSONResponse({"items": items, "total": total, "limit": query.limit, "offset": query.offset,
                         "nextOffset": following if following < total else None})


async def create_handout(request: Request) -> Response:
    new = await read_json(request, NewHandout)
    who = actor(request)
    status, created = await idempotency.create_once(request, lambda c: library.create_handout(c, new, who))
    return JSONResponse(with_links(request, created), status_code=status)


async def get_handout(request: Request) -> Response:
    handout = found_or_404(await store.run_read(lambda c: library.get_handout(c, request.path_params["handout_id"])))
    return JSONResponse(with_links(request, handout))


async def change_handout(request: Request) -> Response:
    changes = await read_json(request, HandoutChanges)
    who = actor(request)
    changed = await store.run_write(lambda c: library.change_handout(c, request.path_params["handout_id"], changes, who))
    return JSONResponse(with_links(request, found_or_404(changed)))


async def get_version(request: Request) -> Response:
    handout_id, version = request.path_params["handout_id"], request.path_params["version"]
    body = await store.run_read(lambda c: library.body_of(c, handout_id, version))
    if body is None:
        raise HTTPException(404)
    return JSONResponse({"handoutId": handout_id, "version": version, "body": body, "html": sanitise.render(body)})


async def publish(request: Request) -> Response:
    choice = await read_json(request, Publish) if await request.body() else Publish()
    who = actor(request)
    published = await store.run_write(
        lambda c: publishing.publish(c, request.path_params["handout_id"], choice.version, who))
    return JSONResponse(with_links(request, found_or_404(published)))


async def unpublish(request: Request) -> Response:
    who = actor(request)
    withdrawn = await store.run_write(lambda c: publishing.unpublish(c, request.path_params["handout_id"], who))
    return JSONResponse(with_links(request, found_or_404(withdrawn)))


async def qr_image(request: Request) -> Response:
    handout = found_or_404(await store.run_read(lambda c: library.get_handout(c, request.path_params["handout_id"])))
    if handout["status"] != "published":
        raise HTTPException(404)
    url = qr.target(_manifest(), request, handout["code"])
    kind = request.path_params["format"]
    if kind not in ("svg", "png"):
        raise HTTPException(404)
    if kind == "svg":
        return Response(qr.svg(url), media_type="image/svg+xml")
    return Response(qr.png(url), media_type="image/png")


async def preview(request: Request) -> Response:
    body = await read_json(request, Preview)
    return JSONResponse({"html": sanitise.render(body.body)})


routes = [
    Route("/handouts", list_handouts, methods=["GET"]),
    Route("/handouts", create_handout, methods=["POST"]),
    Route("/handouts/{handout_id:int}", get_handout, methods=["GET"]),
    Route("/handouts/{handout_id:int}", change_handout, methods=["PATCH"]),
    Route("/handouts/{handout_id:int}/versions/{version:int}", get_version, methods=["GET"]),
    Route("/handouts/{handout_id:int}/publish", publish, methods=["POST"]),
    Route("/handouts/{handout_id:int}/unpublish", unpublish, methods=["POST"]),
    Route("/handouts/{handout_id:int}/qr.{format:str}", qr_image, methods=["GET"]),
    Route("/preview", preview, methods=["POST"]),
]
