"""The platform's exceptions, one tree so callers can catch at the depth they care about.

    GangerError
    ├── ManifestError        the manifest cannot be read or is invalid (names file and line)
    ├── PathError            a request target that cannot be routed safely (answered 400)
    └── RuntimeStartError    a replica failed to start or become ready
"""

from __future__ import annotations


class GangerError(Exception):
    """Base of every error the platform raises on purpose."""


class ManifestError(GangerError):
    def __init__(self, message: str, *, path: str = "", line: int | None = None) -> None:
        self.path = path
        self.line = line
        where = f"{path}:{line}: " if path and line else (f"{path}: " if path else "")
        super().__init__(f"{where}{message}")


class PathError(GangerError):
    """The request target is not a path the router will route (e.g. an encoded slash)."""


class RuntimeStartError(GangerError):
    pass
