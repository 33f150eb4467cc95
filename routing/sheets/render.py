"""One door to every format: render to bytes, name the file, write the files."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Literal

from data.errors import InputError, Problem
from routing.sheets.csvfile import to_csv
from routing.sheets.geojson import to_geojson
from routing.sheets.gpx import to_gpx
from routing.sheets.model import RouteSheets
from routing.sheets.pdf import to_pdf
from routing.sheets.xlsx import to_xlsx

SheetFormat = Literal["pdf", "xlsx", "gpx", "geojson", "csv"]
#: Formats :func:`write_sheets` knows, in the order the CLI lists them.
FORMATS: tuple[SheetFormat, ...] = ("pdf", "xlsx", "gpx", "geojson", "csv")

_RENDERERS = {
    "pdf": to_pdf,
    "xlsx": to_xlsx,
    "gpx": to_gpx,
    "geojson": to_geojson,
    "csv": to_csv,
}


def render(sheets: RouteSheets, fmt: str) -> bytes:
    """Render ``sheets`` in one format and return the file's bytes.

    Parameters
    ----------
    sheets
        Built by :func:`build_sheets`.
    fmt
        One of ``FORMATS``.

    Raises
    ------
    InputError
        When ``fmt`` is not a known format.
    """
    key = str(fmt).lower().lstrip(".")
    if key not in _RENDERERS:
        raise InputError([Problem(
            f"unknown route-sheet format; use one of {', '.join(FORMATS)}.",
            column="format", value=str(fmt),
        )])
    return _RENDERERS[key](sheets)


def sheet_filename(sheets: RouteSheets, fmt: str) -> str:
    """Default file name, e.g. ``route_sheets_2026-11-25.pdf``."""
    stem = f"route_sheets_{sheets.day.isoformat()}" if sheets.day else "route_sheets"
    return f"{stem}.{str(fmt).lower().lstrip('.')}"


def write_sheets(
    sheets: RouteSheets, out_dir: str | Path, *, formats: Iterable[str] = ("pdf",),
) -> list[Path]:
    """Write the sheets in each format into ``out_dir`` (created) and return the paths.

    Parameters
    ----------
    sheets
        Built by :func:`build_sheets`.
    out_dir
        Folder to write into; created when missing.
    formats
        Formats to write (see ``FORMATS``).
    """
    fmts = list(formats)
    blobs = [(fmt, render(sheets, fmt)) for fmt in fmts]  # validate all before writing
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    paths = []
    for fmt, blob in blobs:
        path = out / sheet_filename(sheets, fmt)
        path.write_bytes(blob)
        paths.append(path)
    return paths


__all__ = ["FORMATS", "SheetFormat", "render", "sheet_filename", "write_sheets"]
