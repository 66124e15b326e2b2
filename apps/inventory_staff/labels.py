"""Printable Code 128 labels (python-barcode's SVG writer): crisp at any printer resolution."""

from __future__ import annotations

from barcode import Code128
from barcode.writer import SVGWriter

_OPTIONS = {"module_width": 0.3, "module_height": 12.0, "quiet_zone": 4.0, "font_size": 8, "text_distance": 4.0,
            "compress": False}


def code128_svg(code: str) -> bytes:
    """The code as a Code 128 symbol with its text underneath."""
    return Code128(code, writer=SVGWriter()).render(dict(_OPTIONS))


def label_code(supply: dict[str, object]) -> str:
    """What a label carries: the barcode if the supply has one, else its SKU (a scan finds both)."""
    return str(supply["barcode"] or supply["sku"])
