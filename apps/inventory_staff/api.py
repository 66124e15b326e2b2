"""The JSON API under /inventory/api: supplies, scanned-code lookup, movements, stock, CSV export."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError
from starlette.concurrency import run_in_threadpool

from ganger.sdk import (
    HTTPException, InvalidField, JSONResponse, Request, Response, Route, current_user, read_json, read_query,
)

from . import catalog, idempotency, labels, ledger, stock_report
from .schemas import MovementFilter, NewMovement, NewSupply, Page, StockFilter, SupplyChanges, SupplyFilter
from .store import store

T = TypeVar("T")
P = TypeVar("P", bound=Page)
RECENT_MOVEMENTS = 20


def _writing(work: Callable[[Connection], T]) -> T:
    """One write transaction; a unique-key race that a check could not see becomes a 409 naming the field."""
    for attempt in (1, 2):
        try:
            with store.write() as connection:
                return work(connection)
        except IntegrityError as exc:
            text = str(exc.orig)
            if idempotency.is_key_race(exc) and attempt == 1:
                continue  # a concurrent request with the same key committed first: replay its answer
            for field in ("barcode", "sku"):
                if field in text:
                    raise InvalidField(409, field, f"{field}: already used by another supply") from None
            raise InvalidField(409, None, "the change conflicts with the data as it is now") from None
    raise AssertionError("unreachable")


def actor(request: Request) -> str:
    user = current_user(request)
    return user.email if user else "unknown"


def paged(items: list[dict[str, Any]], total: int, query: Page) -> dict[str, Any]:
    following = query.offset + query.limit
    return {"items": items, "total": total, "limit": query.limit, "offset": query.offset,
            "nextOffset": following if following < total else None}


async def list_supplies(request: Request) -> Response:
    return await _paged_listing(request, SupplyFilter, catalog.list_supplies)


async def _paged_listing(request: Request, schema: type[P],
                         fetch: Callable[[Connection, P], tuple[list[dict[str, Any]], int]]) -> Response:
    query = read_query(request, schema)
    items, total = await store.run_read(lambda connection: fetch(connection, query))
    return JSONResponse(paged(items, total, query))


async def create_supply(request: Request) -> Response:
    new = await read_json(request, NewSupply)
    return await _create(request, lambda connection: catalog.create_supply(connection, new))


async def get_supply(request: Request) -> Response:
    supply_id = request.path_params["supply_id"]
    found = await store.run_read(lambda c: ledger.supply_with_history(c, supply_id, RECENT_MOVEMENTS))
    if found is None:
        raise HTTPException(404)
    return JSONResponse(found)


async def change_supply(request: Request) -> Response:
    changes = await read_json(request, SupplyChanges)
    changed = await run_in_threadpool(_writing, lambda c: catalog.change_supply(c, request.path_params["supply_id"], changes))
    if changed is None:
        raise HTTPException(404)
    return JSONResponse(changed)


async def supply_label(request: Request) -> Response:
    found = await store.run_read(lambda c: catalog.get_supply(c, request.path_params["supply_id"]))
    if found is None:
        raise HTTPException(404)
    svg = labels.code128_svg(labels.label_code(found))
    return Response(svg, media_type="image/svg+xml", headers={"Cache-Control": "private, no-cache"})


async def lookup(request: Request) -> Response:
    code = request.query_params.get("code", "")
    if not code or len(code) > 64:
        raise InvalidField(422, "code", "code: give the scanned code (1 to 64 characters)")
    found = await store.run_read(lambda c: catalog.find_by_code(c, code))
    if found is None:
        return JSONResponse({"error": f"no supply has the code {code!r}", "status": 404, "field": "code"}, status_code=404)
    return JSONResponse(found)


async def low_stock(request: Request) -> Response:
    items = await store.run_read(catalog.low_stock)
    return JSONResponse({"items": items, "total": len(items)})


async def list_movements(request: Request) -> Response:
    return await _paged_listing(request, MovementFilter, ledger.list_movements)


async def create_movement(request: Request) -> Response:
    new = await read_json(request, NewMovement)
    who = actor(request)
    return await _create(request, lambda connection: ledger.record_movement(connection, new, who))


async def _create(request: Request, produce: Callable[[Connection], dict[str, Any]]) -> Response:
    """A 201 from `produce`, written once per Idempotency-Key (a repeat gets the first answer)."""
    key = idempotency.key_of(request)
    print_ = idempotency.fingerprint(request, await request.body())

    def work(connection: Connection) -> tuple[int, Any]:
        replay = idempotency.claim(connection, key, print_)
        if replay is not None:
            return replay
        created = produce(connection)
        idempotency.remember(connection, key, 201, created)
        return 201, created

    status, document = await run_in_threadpool(_writing, work)
    return JSONResponse(document, status_code=status)


async def list_stock(request: Request) -> Response:
    return await _paged_listing(request, StockFilter, stock_report.list_stock)


async def export_stock(request: Request) -> Response:
    query = read_query(request, StockFilter)
    text = await store.run_read(lambda c: stock_report.stock_csv(c, query))
    return Response(text, media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": 'attachment; filename="stock.csv"'})


routes = [
    Route("/supplies", list_supplies, methods=["GET"]),
    Route("/supplies", create_supply, methods=["POST"]),
    Route("/supplies/{supply_id:int}", get_supply, methods=["GET"]),
    Route("/supplies/{supply_id:int}", change_supply, methods=["PATCH"]),
    Route("/supplies/{supply_id:int}/label.svg", supply_label, methods=["GET"]),
    Route("/lookup", lookup, methods=["GET"]),
    Route("/low-stock", low_stock, methods=["GET"]),
    Route("/movements", list_movements, methods=["GET"]),
    Route("/movements", create_movement, methods=["POST"]),
    Route("/stock", list_stock, methods=["GET"]),
    Route("/stock.csv", export_stock, methods=["GET"]),
]
