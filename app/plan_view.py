"""How a plan is shown: map layers, per-courier tables, unassigned jobs, violations.

Pure functions from a :class:`routing.result.Plan` to folium layers and DataFrames, all
labels through :func:`app.i18n.t`, times on the 24-hour clock.
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from app.i18n import current_lang, fmt_clock, fmt_number, t
from app.labels import PLACEMENT_KEYS, job_kind_label
from app.map_routes import COURIER_COLOURS, RouteLayer
from app.safe import html_text
from routing.edit import Violation
from routing.result import CourierRoute, Plan, PlannedStop
from routing.sheets import action_label


def courier_colour(index: int) -> str:
    """Colour of the ``index``-th courier (cycles through the palette)."""
    return COURIER_COLOURS[index % len(COURIER_COLOURS)]


def courier_label(route: CourierRoute, names: dict[str, str] | None = None) -> str:
    """Display name of a route's courier."""
    return (names or {}).get(route.courier_id) or route.courier_name or route.courier_id


def stop_type(kind: str, job_kind: str | None) -> str:
    """Word for a stop in the current language, as on the route sheets.

    Depends on the job: at a one-stop shop a courier hands in a dossier or collects a
    result; at a citizen's home it is the reverse (``routing.sheets.action_label``).
    """
    if kind in ("start", "end"):
        return t("dispatch.depot")
    vi, en = action_label(kind, job_kind)
    return vi if current_lang() == "vi" else en


def stop_placement(stop: PlannedStop) -> str:
    """How a stop's address was placed: ``given``, ``observed``, ``approximate``; "" at an office.

    Plans saved before stops carried ``placed_by`` fall back on ``approximate``.
    """
    if stop.office_id is not None:
        return ""
    return stop.placed_by or ("approximate" if stop.approximate else "given")


def route_layers(plan: Plan, names: dict[str, str] | None = None) -> list[RouteLayer]:
    """One :class:`app.map_routes.RouteLayer` per route: road geometry when the plan has it."""
    layers = []
    for i, route in enumerate(plan.routes):
        colour = courier_colour(i)
        label = courier_label(route, names)
        path: list[tuple[float, float]] = []
        if route.geometry and any(route.geometry):
            for leg in route.geometry:
                path.extend((float(lat), float(lon)) for lon, lat in leg)
        else:
            path = [
                (float(s.lat), float(s.lon))
                for s in route.stops
                if s.lat is not None and s.lon is not None
            ]
        stops = []
        placements = []
        for s in route.job_stops:
            if s.lat is None or s.lon is None:
                continue
            tip = (
                f"<b>{html_text(label)} · {s.sequence}</b><br>{html_text(s.label)}"
                f"<br>{html_text(stop_type(s.kind, s.job_kind))} · {fmt_clock(s.arrival_s)}"
            )
            if s.job_id:
                tip += f"<br>{html_text(s.job_id)}"
            placed = stop_placement(s)
            if placed:
                tip += f"<br>{html_text(t(PLACEMENT_KEYS[placed]))}"
            stops.append((float(s.lat), float(s.lon), int(s.sequence), tip))
            placements.append(placed or "given")
        layers.append(
            RouteLayer(label=label, colour=colour, path=path, stops=stops, placements=placements)
        )
    return layers


def depots(plan: Plan) -> list[tuple[float, float, str]]:
    """(lat, lon, label) of each distinct start/end office in the plan."""
    seen: dict[tuple[float, float], str] = {}
    for route in plan.routes:
        for s in (route.stops[0], route.stops[-1]) if route.stops else ():
            if s.lat is not None and s.lon is not None:
                seen.setdefault((float(s.lat), float(s.lon)), s.label)
    return [(lat, lon, label) for (lat, lon), label in seen.items()]


def route_table(route: CourierRoute) -> pd.DataFrame:
    """One row per stop (start and end included) with arrival times and windows."""
    rows = []
    for s in route.stops:
        late_min = None
        if s.window is not None and s.start_s + s.service_s > s.window[1]:
            late_min = round((s.start_s + s.service_s - s.window[1]) / 60)
        rows.append(
            {
                t("dispatch.seq"): s.sequence,
                t("dispatch.type"): stop_type(s.kind, s.job_kind),
                t("dispatch.name"): s.label,
                t("dispatch.arrival"): fmt_clock(s.arrival_s),
                t("dispatch.window"): (
                    f"{fmt_clock(s.window[0])}–{fmt_clock(s.window[1])}" if s.window else "—"
                ),
                t("dispatch.dossier"): s.job_id or "",
                "km": fmt_number(s.leg_length_m / 1000.0, decimals=1),
                t("dispatch.late"): "" if late_min is None else str(late_min),
                t("dispatch.status"): t("dispatch.done") if s.status == "done" else "",
            }
        )
    return pd.DataFrame(rows)


def unassigned_table(plan: Plan) -> pd.DataFrame:
    """Unassigned jobs with their reason in the active language."""
    en = current_lang() == "en"
    return pd.DataFrame(
        [
            {
                t("dispatch.dossier"): u.job_id,
                t("dispatch.type"): job_kind_label(u.job_kind),
                t("dispatch.reason"): u.text_en if en else u.text_vi,
            }
            for u in plan.unassigned
        ],
        columns=[t("dispatch.dossier"), t("dispatch.type"), t("dispatch.reason")],
    )


def violation_text(v: Violation, names: dict[str, str] | None = None) -> str:
    """Return a violation as one sentence in the active language."""
    courier = ", ".join((names or {}).get(c, c) for c in v.courier_id.split(","))
    d = v.detail
    if v.code == "late":
        return t(
            "dispatch.violation_late",
            courier=courier,
            seq=v.sequence,
            name=d.get("label", ""),
            arrival=d.get("arrival", ""),
            window=d.get("windows", ""),
        )
    if v.code in ("shift", "work"):
        return t(
            "dispatch.violation_shift",
            courier=courier,
            end=d.get("end", d.get("work", "")),
            shift_end=d.get("shift_end", d.get("max", "")),
        )
    if v.code == "capacity":
        return t(
            "dispatch.violation_capacity",
            courier=courier,
            load=d.get("load"),
            capacity=d.get("capacity"),
        )
    if v.code in ("order", "split"):
        return t("dispatch.violation_order", courier=courier, job=v.job_id)
    return f"{courier}: {v.code} {v.job_id or ''} {d.get('label', '')}".strip()


def summary_line(plan: Plan) -> str:
    """Routes, stops, km, hours and unassigned count in one line."""
    stops = sum(len(r.job_stops) for r in plan.routes)
    return t(
        "dispatch.summary",
        routes=len(plan.routes),
        stops=stops,
        km=fmt_number(plan.total_length_m / 1000, decimals=1),
        hours=fmt_number(plan.total_duration_s / 3600, decimals=1),
        unassigned=len(plan.unassigned),
    )


def stop_choices(
    plan: Plan, names: dict[str, str] | None = None
) -> list[tuple[str, str, int, str, str]]:
    """(courier_id, job_id, sequence, role, label) of every movable stop."""
    out = []
    for route in plan.routes:
        for s in route.job_stops:
            if s.job_id is None:
                continue
            role = s.kind if s.kind in ("pickup", "delivery") else "visit"
            out.append(
                (
                    route.courier_id,
                    s.job_id,
                    s.sequence,
                    role,
                    f"{courier_label(route, names)} · {s.sequence} · {s.label} ({s.job_id})",
                )
            )
    return out


def flatten_violations(vs: Sequence[Violation], names: dict[str, str] | None = None) -> list[str]:
    """Every violation as a sentence."""
    return [violation_text(v, names) for v in vs]
