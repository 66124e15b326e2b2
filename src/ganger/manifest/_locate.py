"""Find the line of a table or key in TOML source, so manifest errors can name it.

tomllib keeps no positions; the manifest is small and hand-written, so scanning its table
headers and `key =` lines is enough to point a person at the right line.
"""

from __future__ import annotations

import re

_HEADER = re.compile(r"^\s*\[\s*([^\[\]]+?)\s*\]\s*(?:#.*)?$")
_KEY = re.compile(r"^\s*([A-Za-z0-9_\-\"'.]+)\s*=")


def _split_dotted(name: str) -> tuple[str, ...]:
    return tuple(part.strip().strip("\"'") for part in name.split("."))


def locate(source: str, table: tuple[str, ...], key: str | None = None) -> int | None:
    """Line number (1-based) of `key` inside `[table]`, or of the table header itself.

    A key may also be written inline in a parent table (`budgets = { cpu_ms = 5 }`), so when the
    exact table has no header the search falls back to the nearest enclosing one.
    """
    current: tuple[str, ...] = ()
    header_line: dict[tuple[str, ...], int] = {}
    key_lines: dict[tuple[tuple[str, ...], str], int] = {}
    inline_hits: list[tuple[tuple[str, ...], int, str]] = []
    for number, text in enumerate(source.splitlines(), start=1):
        header = _HEADER.match(text)
        if header:
            current = _split_dotted(header.group(1))
            header_line.setdefault(current, number)
            continue
        found = _KEY.match(text)
        if found:
            key_lines.setdefault((current, found.group(1).strip("\"'")), number)
            inline_hits.append((current, number, text))
    if key is not None and (table, key) in key_lines:
        return key_lines[(table, key)]
    for depth in range(len(table), -1, -1):
        parent = table[:depth]
        rest = table[depth:]
        if depth == len(table) and key is None and parent in header_line:
            return header_line[parent]
        if rest:
            wanted = [rest[0]] + ([key] if key else [])
            for where, number, text in inline_hits:
                if where == parent and text.lstrip().startswith(rest[0]) and all(w in text for w in wanted):
                    return number
            if (parent, rest[0]) in key_lines:
                return key_lines[(parent, rest[0])]
        if parent in header_line:
            return header_line[parent]
    return None
