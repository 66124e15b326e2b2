"""Host + longest segment-boundary prefix matching, built once from the manifest.

Like aiohttp's UrlDispatcher, prefixes are indexed in a dict and a path is resolved by walking
it back one segment at a time, so lookup cost grows with path depth, not with the number of
routes. Matching is case-insensitive; the caller forwards the path in its original case.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..manifest import Manifest, Worker


@dataclass(frozen=True, slots=True)
class Route:
    worker: Worker
    prefix: str  # as declared (lower case); "/" for a catch-all


@dataclass(frozen=True, slots=True)
class Match:
    route: Route
    matched_prefix: str  # the prefix as it appears in this request's path ("" for "/")
    bare_prefix: bool  # the path is exactly the prefix, without the trailing "/"


class RouteTable:
    def __init__(self, manifest: Manifest) -> None:
        staff_index: dict[str, Route] = {}
        self._hosts: dict[str, dict[str, Route]] = {}
        for worker in manifest.units:
            route = Route(worker=worker, prefix=worker.prefix)
            if worker.kind == "staff":
                staff_index[worker.prefix] = route
            else:
                for domain in manifest.platform.patient_domains:
                    self._hosts.setdefault(f"{worker.host}.{domain}", {})[worker.prefix] = route
        for host in manifest.platform.staff_hosts:
            self._hosts[host.lower()] = staff_index
        self.staff_hosts = frozenset(h.lower() for h in manifest.platform.staff_hosts)
        self.total_routes = len(manifest.workers)

    def resolve(self, host: str, path: str) -> Match | None:
        """The route for `host` (already without port, lower case) and a canonical `path`."""
        index = self._hosts.get(host)
        if index is None:
            return None
        candidate = path.lower()
        while True:
            route = index.get(candidate)
            if route is not None:
                if route.prefix == "/":
                    return Match(route, "", False)
                return Match(route, path[: len(route.prefix)], len(path) == len(route.prefix))
            if candidate == "/":
                return None
            cut = candidate.rfind("/")
            candidate = candidate[:cut] if cut > 0 else "/"


def host_name(header: bytes | None) -> str:
    """The Host header without port or trailing dot, lower case ("" when absent or malformed)."""
    if not header:
        return ""
    host = header.decode("latin-1").strip().lower()
    if host.startswith("["):
        end = host.find("]")
        return host[: end + 1] if end > 0 else ""
    host = host.rpartition(":")[0] if ":" in host else host
    return host.rstrip(".")
