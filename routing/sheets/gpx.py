"""Route sheets as GPX 1.1 for OsmAnd / Organic Maps: routes and waypoints."""

from __future__ import annotations

from routing.sheets.model import RouteSheets, SheetRow
from routing.sheets.text import SIMULATED_LABEL, format_clock, format_vnd, nfc


def to_gpx(sheets: RouteSheets) -> bytes:
    """GPX 1.1 for OsmAnd / Organic Maps: a route per courier and a waypoint per visit.

    Route points follow the stop order (office → visits → office). Waypoint names start
    with the courier's initials and the sequence (``"A-03 UBND xã …"``); the description
    carries arrival, window, dossier and fee. The provenance is in the metadata
    description and in each route's description.
    """
    import gpxpy.gpx

    gpx = gpxpy.gpx.GPX()
    gpx.creator = "postplan"
    gpx.name = nfc(f"Phiếu lộ trình {sheets.day_text}".strip())
    gpx.description = nfc(sheets.provenance_text)
    for c in sheets.couriers:
        route = gpxpy.gpx.GPXRoute(
            name=nfc(c.courier_name),
            description=nfc(
                f"{c.vehicle} · {c.office_name} · {format_clock(c.start_s)}–"
                f"{format_clock(c.end_s)} · {c.distance_m / 1000.0:.1f} km · "
                f"{sheets.provenance_text}"
            ),
        )
        for r in c.rows:
            route.points.append(
                gpxpy.gpx.GPXRoutePoint(
                    latitude=r.lat, longitude=r.lon,
                    name=nfc(f"{r.sequence:02d} {r.name}"),
                    description=_point_description(r),
                )
            )
        gpx.routes.append(route)
        for r in c.visits:
            wpt = gpxpy.gpx.GPXWaypoint(
                latitude=r.lat, longitude=r.lon,
                name=nfc(f"{_initials(c.courier_name)}-{r.sequence:02d} {r.name}"),
                description=_point_description(r),
                symbol="Flag, Blue" if r.role == "pickup" else "Flag, Green",
                type=r.job_kind or r.kind,
            )
            wpt.comment = nfc(r.address)
            gpx.waypoints.append(wpt)
    return gpx.to_xml(prettyprint=True).encode("utf-8")


def _initials(name: str) -> str:
    parts = [p for p in nfc(name).split() if p]
    return "".join(p[0] for p in parts).upper() or "X"


def _point_description(r: SheetRow) -> str:
    bits = [f"{r.kind_vi} / {r.kind_en}", f"đến {format_clock(r.arrival_s)}"]
    if r.window_text:
        bits.append(f"khung {r.window_text}")
    if r.commune_text:
        bits.append(r.commune_text)
    if r.dossier_code:
        bits.append(f"hồ sơ {r.dossier_code}")
    if r.n_documents is not None:
        bits.append(f"{r.n_documents} giấy tờ")
    if r.fee_vnd:
        bits.append(f"thu {format_vnd(r.fee_vnd)}")
    if r.source == "simulated":
        bits.append(SIMULATED_LABEL)
    return nfc(" · ".join(bits))


__all__ = ["to_gpx"]
