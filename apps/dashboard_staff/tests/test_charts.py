"""Charts are self-contained SVG: bars and lines for real data, a plain message when there is none."""

from __future__ import annotations

from apps.dashboard_staff.charts import bar_chart, line_chart


def unit(value: float) -> str:
    return f"{value:g}"


def test_bar_chart_draws_one_bar_per_minute_with_data() -> None:
    svg = bar_chart("requests", [0, 3, 0, 5], unit)
    assert svg.count("<rect") == 2


def test_bar_chart_top_of_axis_is_a_round_number_above_the_largest_value() -> None:
    assert ">10</text>" in bar_chart("requests", [0, 7], unit)


def test_chart_without_data_says_so_and_draws_nothing() -> None:
    svg = line_chart("latency", [("q-p50", [None, None])], unit, empty="no requests in the last hour")
    assert "no requests in the last hour" in svg and "<polyline" not in svg


def test_line_chart_breaks_at_minutes_without_data() -> None:
    svg = line_chart("latency", [("q-p50", [1.0, 2.0, None, 3.0, 4.0])], unit)
    assert svg.count("<polyline") == 2


def test_a_lone_point_is_drawn_as_a_dot() -> None:
    assert "<circle" in line_chart("latency", [("q-p50", [None, 2.0, None])], unit)


def test_labels_are_escaped_and_no_script_is_emitted() -> None:
    svg = bar_chart('<script>alert("x")</script>', [1], unit)
    assert "<script" not in svg and "&lt;script&gt;" in svg
