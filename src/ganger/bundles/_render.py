"""The report as a table for people; `BundleReport.to_dict` is the form for machines."""

from __future__ import annotations

from rich.console import Group
from rich.table import Table
from rich.text import Text

from ._report import KB, BundleReport, UnitReport


def render(report: BundleReport) -> Group:
    """Sizes in KB of 1,024 bytes; "bundle" is own + third-party, compressed, the figure budgets apply to."""
    table = Table(title="Bundles (compressed: zlib -9 per file)", title_justify="left")
    for header in ("unit", "kind"):
        table.add_column(header, no_wrap=True)
    for header in ("own raw", "own", "3rd-party", "bundle", "budget", "used"):
        table.add_column(header, justify="right", no_wrap=True)
    table.add_column("closure", justify="right", no_wrap=True)
    table.add_column("status", no_wrap=True)
    for unit in report.units:
        table.add_row(*_row(unit))
    return Group(table, *_footer(report))


def _row(unit: UnitReport) -> list[str | Text]:
    used = unit.bundle.compressed / (unit.budget_kb * KB) if unit.budget_kb else 0.0
    status = Text("ok", style="green") if not unit.problems else Text(_status(unit), style="bold red")
    return [
        unit.name,
        unit.kind,
        _kb(unit.own.raw),
        _kb(unit.own.compressed),
        _kb(unit.third_party.compressed),
        _kb(unit.bundle.compressed),
        f"{unit.budget_kb:,}",
        f"{used:.0%}",
        f"{unit.closure_modules} mod / {unit.closure_raw / KB / KB:.1f} MB" if unit.closure_modules else "-",
        status,
    ]


def _status(unit: UnitReport) -> str:
    reasons = []
    if unit.error:
        reasons.append("import failed")
    if unit.over_budget:
        reasons.append("over budget")
    if unit.cross_app:
        reasons.append("cross-app import")
    return ", ".join(reasons)


def _footer(report: BundleReport) -> list[Text]:
    scope = "all units" if report.complete else f"{len(report.units)} selected units only"
    lines = [
        Text(f"platform total: {_kb(report.total_compressed)} KB of {report.platform_budget_kb:,} KB ({scope})"),
        Text(f"shared base (not in any bundle): {report.base_modules} modules, "
             f"{report.base_raw / KB / KB:.1f} MB raw"),
    ]
    heavy = [(unit.name, unit.third_party_packages) for unit in report.units if unit.third_party_packages]
    for name, packages in heavy:
        listed = ", ".join(f"{top} {_kb(size.compressed)} KB" for top, size in packages)
        lines.append(Text(f"third-party in {name}: {listed}"))
    return lines


def _kb(size: int) -> str:
    return f"{size / KB:,.1f}"
