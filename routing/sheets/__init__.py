"""Courier route sheets: one row model, five formats (PDF, XLSX, GPX, GeoJSON, CSV).

A :class:`~routing.result.Plan` is turned once into :class:`RouteSheets` by
:func:`build_sheets` — one :class:`CourierSheet` per courier with one :class:`SheetRow` per
stop — and every format renders those same rows, so the paper sheet, the spreadsheet and
the phone's GPX never disagree. Every export carries the plan's provenance: a plan routed
on the proxy network says "ƯỚC TÍNH / ESTIMATED", one with simulated jobs says
"MÔ PHỎNG / SIMULATED"; simulated work is never presented as real.

Text is Vietnamese first (dd/mm/yyyy, 24-hour times) with English beside it, and is
normalised to Unicode NFC before it reaches any file.

One module per concern; import from here or from the module:

- :mod:`routing.sheets.text` — bilingual labels, NFC text, clock, đồng, map links;
- :mod:`routing.sheets.model` — :class:`RouteSheets`, :class:`CourierSheet`,
  :class:`SheetRow`, the tabular record (:data:`COLUMNS`, :func:`row_record`);
- :mod:`routing.sheets.build` — :func:`build_sheets` (plan → rows), :func:`job_details`;
- one module per format: :mod:`~routing.sheets.pdf` (with :mod:`~routing.sheets.pdf_map`),
  :mod:`~routing.sheets.xlsx`, :mod:`~routing.sheets.gpx`, :mod:`~routing.sheets.geojson`,
  :mod:`~routing.sheets.csvfile`;
- :mod:`routing.sheets.render` — :func:`render`, :func:`write_sheets`, :data:`FORMATS`;
- the ``postplan sheets`` command is :mod:`routing.sheets_commands`.
"""

from routing.sheets.build import (
    DETAIL_COLUMNS,
    JobDetails,
    build_sheets,
    commune_lookup,
    job_details,
)
from routing.sheets.csvfile import to_csv
from routing.sheets.geojson import to_geojson
from routing.sheets.gpx import to_gpx
from routing.sheets.model import (
    COLUMNS,
    CourierSheet,
    RouteSheets,
    SheetRow,
    UnassignedRow,
    column_headers,
    records,
    row_record,
)
from routing.sheets.pdf import to_pdf
from routing.sheets.render import FORMATS, SheetFormat, render, sheet_filename, write_sheets
from routing.sheets.text import (
    ACTION_LABELS,
    ESTIMATED_LABEL,
    JOB_KIND_LABELS,
    SIMULATED_LABEL,
    VEHICLE_LABELS,
    action_label,
    format_clock,
    format_duration,
    format_vnd,
    geo_uri,
    google_maps_url,
    nfc,
)
from routing.sheets.xlsx import to_xlsx

__all__ = [
    "ACTION_LABELS",
    "COLUMNS",
    "DETAIL_COLUMNS",
    "ESTIMATED_LABEL",
    "FORMATS",
    "JOB_KIND_LABELS",
    "SIMULATED_LABEL",
    "VEHICLE_LABELS",
    "CourierSheet",
    "JobDetails",
    "RouteSheets",
    "SheetFormat",
    "SheetRow",
    "UnassignedRow",
    "action_label",
    "build_sheets",
    "column_headers",
    "commune_lookup",
    "format_clock",
    "format_duration",
    "format_vnd",
    "geo_uri",
    "google_maps_url",
    "job_details",
    "nfc",
    "records",
    "render",
    "row_record",
    "sheet_filename",
    "to_csv",
    "to_geojson",
    "to_gpx",
    "to_pdf",
    "to_xlsx",
    "write_sheets",
]
