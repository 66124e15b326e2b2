"""The inventory pages: scan and overview, one supply, a printable label sheet."""

from __future__ import annotations

from typing import Annotated, Any

import msgspec
from msgspec import Meta
from sqlalchemy.engine import Connection

from ganger.sdk import HTTPException, Request, Response, Route, read_query

from . import catalog, labels, ledger, stock_report
from .api import RECENT_MOVEMENTS
from .schemas import KINDS, SupplyFilter
from .store import store

PAGE_SIZE = 25


class HomeQuery(msgspec.Struct, forbid_unknown_fields=True):
    q: Annotated[str, Meta(max_length=120)] = ""
    category: Annotated[str, Meta(max_length=60)] = ""
    low: bool = False
    page: Annotated[int, Meta(ge=1, le=100_000)] = 1


class LabelQuery(msgspec.Struct, forbid_unknown_fields=True):
    copies: Annotated[int, Meta(ge=1, le=60)] = 1


def _render(request: Request, template: str, **context: Any) -> Response:
    from .app import app  # the app is built from these routes, so it is looked up when a page renders

    return app.render(request, template, **context)


async def home(request: Request) -> Response:
    query = read_query(request, HomeQuery)
    listing = SupplyFilter(q=query.q, category=query.category, low=query.low, limit=PAGE_SIZE,
                           offset=(query.page - 1) * PAGE_SIZE)

    def work(connection: Connection) -> dict[str, Any]:
        items, total = catalog.list_supplies(connection, listing)
        return {"supplies": items, "total": total, "low_stock": catalog.low_stock(connection),
                "categories": catalog.categories(connection), "locations": stock_report.locations(connection)}

    data = await store.run_read(work)
    pages = max(1, -(-data["total"] // PAGE_SIZE))
    return _render(request, "inventory.html", title="Medical Supply Inventory", query=query, pages=pages,
                      kinds=KINDS, **data)


async def supply_page(request: Request) -> Response:
    supply_id = request.path_params["supply_id"]

    def work(connection: Connection) -> dict[str, Any] | None:
        found = ledger.supply_with_history(connection, supply_id, RECENT_MOVEMENTS)
        if found is None:
            return None
        return {"supply": found, "locations": stock_report.locations(connection)}

    data = await store.run_read(work)
    if data is None:
        raise HTTPException(404)
    return _render(request, "supply.html", title=data["supply"]["name"], kinds=KINDS, **data)


async def label_page(request: Request) -> Response:
    query = read_query(request, LabelQuery)
    found = await store.run_read(lambda c: catalog.get_supply(c, request.path_params["supply_id"]))
    if found is None:
        raise HTTPException(404)
    return _render(request, "label.html", title=f"Label: {found['name']}", supply=found,
                      code=labels.label_code(found), copies=query.copies)


routes = [
    Route("/", home, methods=["GET", "HEAD"]),
    Route("/supplies/{supply_id:int}", supply_page, methods=["GET", "HEAD"]),
    Route("/supplies/{supply_id:int}/label", label_page, methods=["GET", "HEAD"]),
]
