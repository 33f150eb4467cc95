"""Route sheets as a GeoJSON FeatureCollection: stops as points, routes as lines."""

from __future__ import annotations

import json
from typing import Any

from routing.sheets.model import RouteSheets, row_record
from routing.sheets.text import SIMULATED_LABEL, format_clock, nfc


def to_geojson(sheets: RouteSheets) -> bytes:
    """Render a GeoJSON FeatureCollection (EPSG:4326): stops as points, routes as lines.

    Point properties are the tabular record (``COLUMNS`` keys) plus ``feature`` = ``stop``;
    line properties are the courier's totals plus ``feature`` = ``route`` and
    ``straight_lines`` (True when drawn stop to stop). The collection's top-level
    ``provenance`` member and every feature's ``network`` / ``job_source`` say what is
    estimated or simulated.
    """
    features: list[dict[str, Any]] = []
    for c in sheets.couriers:
        features.append({
            "type": "Feature",
            "geometry": {
                "type": "LineString",
                "coordinates": [[round(x, 6), round(y, 6)] for x, y in c.path_lonlat],
            },
            "properties": {
                "feature": "route",
                "courier": nfc(c.courier_name),
                "courier_id": nfc(c.courier_id),
                "vehicle": nfc(c.vehicle),
                "office": nfc(c.office_name),
                "start": format_clock(c.start_s),
                "end": format_clock(c.end_s),
                "distance_km": round(c.distance_m / 1000.0, 3),
                "duration_h": round(c.duration_s / 3600.0, 3),
                "n_stops": c.n_stops,
                "straight_lines": c.path_is_straight,
                "network": sheets.network_label,
                "job_source": SIMULATED_LABEL if sheets.is_simulated
                else ", ".join(sheets.job_sources),
            },
        })
        for r in c.rows:
            props = {"feature": "stop", **row_record(sheets, c, r)}
            props.pop("seal")
            props.pop("signature")
            features.append({
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [round(r.lon, 6), round(r.lat, 6)]},
                "properties": props,
            })
    doc = {
        "type": "FeatureCollection",
        "name": nfc(f"route_sheets_{sheets.day.isoformat() if sheets.day else 'plan'}"),
        "date": sheets.day_text,
        "plan_id": sheets.plan_id,
        "provenance": sheets.provenance_text,
        "features": features,
    }
    return json.dumps(doc, ensure_ascii=False, indent=1).encode("utf-8")


__all__ = ["to_geojson"]
