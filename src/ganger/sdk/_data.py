"""What the SDK adds for apps that keep data: their stores' lifecycle and validated JSON input.

Input is decoded straight into an app's msgspec type. Anything that does not fit is answered
with a 4xx naming the field (`{"error", "status", "field"}`) before a single write happens.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import AsyncIterator, Callable, Sequence
from typing import Any, TypeVar

import msgspec
from starlette.exceptions import HTTPException
from starlette.requests import Request

from ..data import Store

T = TypeVar("T")

MAX_BODY_BYTES = 1_000_000
_AT = re.compile(r" - at `\$(?P<path>[^`]*)`$")
_REGEX = re.compile(r" matching regex '.*'")
_NAMED = re.compile(r"(?:missing required field|unknown field) `(?P<name>[^`]+)`")


class InvalidField(HTTPException):
    """A request the app will not act on, and which input field is to blame (None: the whole body)."""

    def __init__(self, status_code: int, field: str | None, detail: str) -> None:
        super().__init__(status_code, detail)
        self.field = field


def stores_lifespan(stores: Sequence[Store]) -> Callable[[Any], contextlib.AbstractAsyncContextManager[None]]:
    """Opens (and, for owners, migrates) each store before the worker serves; closes them after."""

    @contextlib.asynccontextmanager
    async def lifespan(_app: Any) -> AsyncIterator[None]:
        opened: list[Store] = []
        try:
            for store in stores:
                store.open()
                opened.append(store)
            yield
        finally:
            for store in reversed(opened):
                store.close()

    return lifespan


async def read_json(request: Request, schema: type[T]) -> T:
    """The body as `schema`, or InvalidField (415 not JSON, 413 too large, 400 malformed, 422 invalid)."""
    content_type = request.headers.get("content-type", "").partition(";")[0].strip().lower()
    if content_type != "application/json":
        raise InvalidField(415, None, "send the body as application/json")
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > MAX_BODY_BYTES:
        raise InvalidField(413, None, f"the body is larger than {MAX_BODY_BYTES} bytes")
    body = await request.body()
    if len(body) > MAX_BODY_BYTES:
        raise InvalidField(413, None, f"the body is larger than {MAX_BODY_BYTES} bytes")
    try:
        return msgspec.json.decode(body, type=schema)
    except msgspec.ValidationError as exc:
        raise _invalid(exc) from None
    except msgspec.DecodeError:
        raise InvalidField(400, None, "the body is not valid JSON") from None


def read_query(request: Request, schema: type[T]) -> T:
    """The query string as `schema` (strings converted to the declared types), or a 422 naming the parameter."""
    params: dict[str, str] = {}
    for name, value in request.query_params.multi_items():
        if name in params:
            raise InvalidField(422, name, f"{name}: give this parameter once")
        params[name] = value
    try:
        return msgspec.convert(params, schema, strict=False)
    except msgspec.ValidationError as exc:
        raise _invalid(exc) from None


def _invalid(exc: msgspec.ValidationError) -> InvalidField:
    message = str(exc)
    at = _AT.search(message)
    path = at.group("path") if at else ""
    base = _REGEX.sub(" in the allowed format", message[: at.start()] if at else message)
    named = _NAMED.search(base)
    parts = [p for p in re.split(r"[.\[\]]", path) if p]
    if named:
        parts.append(named.group("name"))
    field = ".".join(parts) or None
    return InvalidField(422, field, f"{field}: {base}" if field else base)
