"""JSON-lines logging for every process of the platform.

One line per event on stderr: {"ts", "level", "component", "event", ...fields}. Callers pass
fields, never free text with data in it, so what reaches a log is always a chosen field:
no query strings, bodies, cookies or tokens.
"""

from __future__ import annotations

import logging
import sys
import time
from typing import Any

import msgspec

_encode = msgspec.json.Encoder().encode


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        document: dict[str, Any] = {
            "ts": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created)) + f".{int(record.msecs):03d}Z",
            "level": record.levelname.lower(),
            "component": record.name.removeprefix("ganger."),
            "event": record.getMessage(),
        }
        fields = getattr(record, "fields", None)
        if fields:
            document.update(fields)
        if record.exc_info and record.exc_info[0] is not None:
            document["error"] = f"{record.exc_info[0].__name__}: {record.exc_info[1]}"
        return _encode(document).decode()


def configure(level: int = logging.INFO) -> None:
    root = logging.getLogger("ganger")
    if any(isinstance(h.formatter, JsonFormatter) for h in root.handlers):
        return
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter())
    root.addHandler(handler)
    root.setLevel(level)
    root.propagate = False


def event(logger: logging.Logger, level: int, name: str, **fields: Any) -> None:
    """Log `name` with structured fields."""
    if logger.isEnabledFor(level):
        logger.log(level, name, extra={"fields": fields})
