"""Small SVG charts drawn on the server: no chart library, no script, nothing from elsewhere.

A chart is one minute per slot over the last hour; a value of None is a gap (no data that
minute), never a zero the page would invent.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from html import escape

WIDTH, HEIGHT = 320, 110
LEFT, RIGHT, TOP, BOTTOM = 34, 6, 8, 18
Values = Sequence[float | None]


def _frame(label: str, top: float, unit: Callable[[float], str], body: str) -> str:
    plot_bottom = HEIGHT - BOTTOM
    return (
        f'<svg class="chart" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" aria-label="{escape(label)}">'
        f"<title>{escape(label)}</title>"
        f'<line class="axis" x1="{LEFT}" y1="{plot_bottom}" x2="{WIDTH - RIGHT}" y2="{plot_bottom}"/>'
        f'<line class="grid" x1="{LEFT}" y1="{TOP}" x2="{WIDTH - RIGHT}" y2="{TOP}"/>'
        f'<text class="tick" x="{LEFT - 3}" y="{TOP + 4}" text-anchor="end">{escape(unit(top))}</text>'
        f'<text class="tick" x="{LEFT - 3}" y="{plot_bottom}" text-anchor="end">0</text>'
        f'<text class="tick" x="{LEFT}" y="{HEIGHT - 4}">−60 min</text>'
        f'<text class="tick" x="{WIDTH - RIGHT}" y="{HEIGHT - 4}" text-anchor="end">now</text>'
        f"{body}</svg>"
    )


def _empty(label: str, message: str) -> str:
    return (f'<svg class="chart" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" aria-label="{escape(label)}: {escape(message)}">'
            f"<title>{escape(label)}</title>"
            f'<text class="empty" x="{WIDTH / 2}" y="{HEIGHT / 2}" text-anchor="middle">{escape(message)}</text></svg>')


def _scale(values: Sequence[Values]) -> float:
    """A round top for the y axis, at or above the largest value."""
    largest = max((v for series in values for v in series if v is not None), default=0.0)
    if largest <= 0:
        return 1.0
    step = 1.0
    while step * 10 < largest:
        step *= 10
    while step > largest * 10:
        step /= 10
    for factor in (1, 2, 5, 10):
        if step * factor >= largest:
            return step * factor
    return step * 10


def _x(index: int, slots: int) -> float:
    span = WIDTH - LEFT - RIGHT
    return LEFT + span * (index + 0.5) / slots


def _y(value: float, top: float) -> float:
    return HEIGHT - BOTTOM - (HEIGHT - BOTTOM - TOP) * min(value, top) / top


def line_chart(label: str, series: Sequence[tuple[str, Values]], unit: Callable[[float], str],
               empty: str = "no data in the last hour") -> str:
    """One polyline per (css class, values); gaps where a value is None."""
    if not any(v is not None for _, values in series for v in values):
        return _empty(label, empty)
    top = _scale([values for _, values in series])
    parts = []
    for css, values in series:
        segments: list[list[str]] = [[]]
        for index, value in enumerate(values):
            if value is None:
                segments.append([])
                continue
            segments[-1].append(f"{_x(index, len(values)):.1f},{_y(value, top):.1f}")
        for points in segments:
            if len(points) == 1:
                x, y = points[0].split(",")
                parts.append(f'<circle class="{css}" cx="{x}" cy="{y}" r="1.8"/>')
            elif points:
                parts.append(f'<polyline class="{css}" points="{" ".join(points)}"/>')
    return _frame(label, top, unit, "".join(parts))


def bar_chart(label: str, values: Values, unit: Callable[[float], str], css: str = "bar",
              empty: str = "no data in the last hour") -> str:
    """One bar per minute; minutes without data have no bar."""
    if not any(v for v in values):
        return _empty(label, empty)
    top = _scale([values])
    slot = (WIDTH - LEFT - RIGHT) / len(values)
    bars = []
    for index, value in enumerate(values):
        if not value:
            continue
        y = _y(value, top)
        bars.append(f'<rect class="{css}" x="{LEFT + index * slot + 0.5:.1f}" y="{y:.1f}" '
                    f'width="{max(slot - 1, 1):.1f}" height="{HEIGHT - BOTTOM - y:.1f}"/>')
    return _frame(label, top, unit, "".join(bars))
