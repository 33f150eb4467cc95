"""Where a job's citizen address is placed: the one rule for observed positions.

A job whose address is placed approximately (at its commune point, ``Visit.approximate``)
takes the position couriers' phones observed there on earlier stops, when there is one
(:func:`data.observations.address_positions`: the median of the reports, with how many and
their spread). The visit then says ``placed_by="observed"``; addresses given with
coordinates keep them. The Dispatch page calls :func:`place_jobs` before it builds the day,
so the next plan drives to where couriers actually found the citizen, and the map shows
which stops are placed by observation, by given coordinates, or approximately.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

import pandas as pd

from routing.model import Job, Visit


@dataclass(frozen=True)
class ObservedPlacement:
    """One job address moved from its commune point to the observed position.

    Parameters
    ----------
    job_id, role
        The job and which of its stops (``pickup`` / ``delivery``).
    address_id
        The address key.
    lon, lat
        The observed position.
    n
        How many stop reports it rests on.
    spread_m
        Their median distance from it.
    moved_m
        How far it is from the commune point it replaces.
    """

    job_id: str
    role: str
    address_id: str
    lon: float
    lat: float
    n: int
    spread_m: float
    moved_m: float


@dataclass(frozen=True)
class Placement:
    """Jobs after :func:`place_jobs`, and what it changed."""

    jobs: tuple[Job, ...]
    moved: tuple[ObservedPlacement, ...] = ()

    def summary(self) -> str:
        """One line: how many addresses took an observed position."""
        return f"{len(self.moved)} job address(es) placed by observed positions"


def _lookup(positions: pd.DataFrame | Mapping[str, Any] | None) -> dict[str, Mapping[str, Any]]:
    if positions is None:
        return {}
    if isinstance(positions, pd.DataFrame):
        if not len(positions):
            return {}
        return {str(r["address_id"]): {str(k): v for k, v in r.items()}
                for r in positions.to_dict("records")}
    return {str(k): v for k, v in positions.items()}


def _distance_m(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    from pyproj import Geod

    return float(Geod(ellps="WGS84").inv(lon1, lat1, lon2, lat2)[2])


def place_jobs(jobs: Sequence[Job],
               positions: pd.DataFrame | Mapping[str, Any] | None) -> Placement:
    """Give every approximately placed address its observed position, when there is one.

    Parameters
    ----------
    jobs
        The day's jobs.
    positions
        Observed positions per address (:data:`data.observations.ADDRESS_POSITION_COLUMNS`,
        or a mapping ``address_id → {"lon", "lat", "n", "spread_m"}``); None or empty
        changes nothing.

    Returns
    -------
    Placement
        The jobs (the same objects when nothing changed) and one
        :class:`ObservedPlacement` per address moved.
    """
    table = _lookup(positions)
    if not table:
        return Placement(jobs=tuple(jobs))
    out: list[Job] = []
    moved: list[ObservedPlacement] = []
    for job in jobs:
        changes: dict[str, Visit] = {}
        for role, visit in job.visits:
            found = table.get(str(visit.address_id)) if visit.address_id else None
            if found is None or visit.placement != "approximate":
                continue
            lon, lat = float(found["lon"]), float(found["lat"])
            changes[role] = replace(visit, lon=lon, lat=lat, approximate=False,
                                    placed_by="observed")
            moved.append(ObservedPlacement(
                job_id=job.job_id, role=role, address_id=str(visit.address_id), lon=lon,
                lat=lat, n=int(found.get("n") or 0), spread_m=float(found.get("spread_m") or 0),
                moved_m=(_distance_m(float(visit.lon), float(visit.lat), lon, lat)
                         if visit.lon is not None and visit.lat is not None else 0.0)))
        out.append(replace(job, **changes) if changes else job)  # type: ignore[arg-type]
    return Placement(jobs=tuple(out), moved=tuple(moved))


__all__ = ["ObservedPlacement", "Placement", "place_jobs"]
