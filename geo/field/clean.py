"""Cleaning a GPS trace before map matching: duplicate times, jumps, stops and gaps.

Rules, applied in this order to the points in file order (distances in the metric CRS):

1. **Duplicate or backward times** — a point whose time is not after the last kept point's
   is dropped (loggers repeat fixes; merged files go back in time).
2. **Jumps** — a point that would need more than ``max_speed_kph`` from the last kept point
   is dropped. After ``jump_reset_points`` rejections in a row the trace is taken to have
   really moved (a logger restarted far away): the trace is cut there and goes on.
3. **Stops** — where the rider stays within ``stop_radius_m`` of where they arrived for at
   least ``stop_min_s`` (the stay-point rule of Li et al. 2008), the points are taken out
   and recorded as a stop (median position, arrival and departure); a stop never counts as
   slow riding. ``stop_min_s`` is 2 minutes: at 1 minute a rider crawling up a mountain
   track at 5–7 km/h stays within 80 m of a noisy fix long enough to be taken for a stop —
   in the simulated benchmark 111 such false stops in 80 courier-days, 90 of them on
   tracks, cut out precisely the slowest rides and made the track speed look 30 % faster;
   at 2 minutes there were none, and every real stop (3–10 min) was still found.
4. **Gaps** — the trace is cut where two kept points are more than ``max_gap_s`` apart.

What is left is a list of moving *pieces*, each matched separately.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np
import pandas as pd
from pyproj import Transformer

from data.observations import TRACE_STOP_COLUMNS
from data.settings import GEO_CRS
from geo.field.traces import Trace


@dataclass(frozen=True)
class CleanParams:
    """Thresholds of :func:`clean_trace` (defaults suit a motorbike with a phone GPS).

    Parameters
    ----------
    max_speed_kph
        Fastest believable speed between two fixes.
    jump_reset_points
        Rejected fixes in a row after which the trace is cut and restarted.
    stop_radius_m, stop_min_s
        A stay within this radius for at least this long (bound included) is a stop; a
        rider slower than ``stop_radius_m / stop_min_s`` (2.4 km/h) looks stopped.
    max_gap_s
        A longer silence between fixes cuts the trace.
    min_piece_points
        Shorter pieces are left out.
    """

    max_speed_kph: float = 130.0
    jump_reset_points: int = 5
    stop_radius_m: float = 80.0
    stop_min_s: float = 120.0
    max_gap_s: float = 60.0
    min_piece_points: int = 3


@dataclass(frozen=True)
class Piece:
    """A moving stretch of a cleaned trace (metric and WGS84 coordinates, epoch times)."""

    x: np.ndarray = field(repr=False)
    y: np.ndarray = field(repr=False)
    t: np.ndarray = field(repr=False)
    lon: np.ndarray = field(repr=False)
    lat: np.ndarray = field(repr=False)

    def __len__(self) -> int:
        return len(self.t)

    def length_m(self) -> float:
        """Length of the polyline through the fixes."""
        return float(np.hypot(np.diff(self.x), np.diff(self.y)).sum())


@dataclass(frozen=True)
class CleanTrace:
    """A trace after :func:`clean_trace`: moving pieces, stops and what was dropped."""

    trace: Trace
    pieces: tuple[Piece, ...]
    stops: pd.DataFrame = field(repr=False)
    dropped_duplicate: int = 0
    dropped_jump: int = 0
    stop_points: int = 0

    @property
    def points_kept(self) -> int:
        """Fixes left in the moving pieces."""
        return int(sum(len(p) for p in self.pieces))

    def summary(self) -> str:
        """One line of counts."""
        return (f"{self.trace.trace_id}: {len(self.trace)} points, {self.points_kept} kept in "
                f"{len(self.pieces)} piece(s); dropped {self.dropped_duplicate} duplicate/"
                f"backward, {self.dropped_jump} jump(s); {len(self.stops)} stop(s)")


@lru_cache(maxsize=8)
def _transformer(metric_crs: str) -> Transformer:
    return Transformer.from_crs(GEO_CRS, metric_crs, always_xy=True)


def _drop_jumps(x: np.ndarray, y: np.ndarray, t: np.ndarray, params: CleanParams
                ) -> tuple[np.ndarray, np.ndarray, int]:
    """Keep mask and cut-before mask after the jump rule; count of jumps dropped."""
    n = len(t)
    keep = np.zeros(n, dtype=bool)
    cut = np.zeros(n, dtype=bool)
    if n == 0:
        return keep, cut, 0
    vmax = params.max_speed_kph / 3.6
    keep[0] = True
    last = 0
    rejected: list[int] = []
    for i in range(1, n):
        dt = t[i] - t[last]
        d = float(np.hypot(x[i] - x[last], y[i] - y[last]))
        if d <= vmax * dt:
            keep[i] = True
            last = i
            rejected = []
            continue
        rejected.append(i)
        if len(rejected) >= params.jump_reset_points:
            # the trace really is elsewhere now: restart from the first rejected fix
            first = rejected[0]
            keep[first] = True
            cut[first] = True
            last = first
            for j in rejected[1:]:
                dt = t[j] - t[last]
                if float(np.hypot(x[j] - x[last], y[j] - y[last])) <= vmax * dt:
                    keep[j] = True
                    last = j
            rejected = []
    return keep, cut, int(n - keep.sum())


def _joins(prev: tuple[int, int], i: int, x: np.ndarray, y: np.ndarray, t: np.ndarray,
           r2: float, max_gap_s: float) -> bool:
    """Tell whether a stay starting at ``i`` continues the previous stay ``prev``."""
    a, b = prev
    if b == i:
        return True
    cx, cy = np.median(x[a:b]), np.median(y[a:b])
    return bool((cx - x[i]) ** 2 + (cy - y[i]) ** 2 <= r2 and t[i] - t[b - 1] <= max_gap_s)


def _find_stops(x: np.ndarray, y: np.ndarray, t: np.ndarray, params: CleanParams
                ) -> list[tuple[int, int]]:
    """Index ranges ``[i, j)`` of stays (stay-point rule), neighbouring stays merged."""
    n = len(t)
    stays: list[tuple[int, int]] = []
    r2 = params.stop_radius_m ** 2
    i = 0
    while i < n - 1:
        j = i + 1
        while j < n and (x[j] - x[i]) ** 2 + (y[j] - y[i]) ** 2 <= r2:
            j += 1
        if t[j - 1] - t[i] >= params.stop_min_s:
            if stays and _joins(stays[-1], i, x, y, t, r2, params.max_gap_s):
                stays[-1] = (stays[-1][0], j)
            else:
                stays.append((i, j))
            i = j
        else:
            i += 1
    return stays


def clean_trace(trace: Trace, *, metric_crs: str, params: CleanParams | None = None
                ) -> CleanTrace:
    """Clean one trace (see the module docstring for the rules).

    Parameters
    ----------
    trace
        The trace as read.
    metric_crs
        Projected CRS for distances (``Settings.metric_crs``).
    params
        Thresholds; defaults suit motorbikes.
    """
    p = params or CleanParams()
    lon = np.asarray(trace.lon, dtype=float)
    lat = np.asarray(trace.lat, dtype=float)
    t = np.asarray(trace.time_s, dtype=float)
    x, y = _transformer(metric_crs).transform(lon, lat)
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    # 1. duplicate / backward times
    keep = np.zeros(len(t), dtype=bool)
    last_t = -np.inf
    for i, ti in enumerate(t):
        if ti > last_t:
            keep[i] = True
            last_t = ti
    dropped_dup = int(len(t) - keep.sum())
    x, y, t, lon, lat = x[keep], y[keep], t[keep], lon[keep], lat[keep]
    # 2. jumps
    keep, cut, dropped_jump = _drop_jumps(x, y, t, p)
    x, y, t, lon, lat, cut = x[keep], y[keep], t[keep], lon[keep], lat[keep], cut[keep]
    # 3. stops
    moving = np.ones(len(t), dtype=bool)
    stop_rows = []
    for i, j in _find_stops(x, y, t, p):
        moving[i:j] = False
        cut[min(j, len(t) - 1)] = True
        stop_rows.append({"trace_id": trace.trace_id, "lon": float(np.median(lon[i:j])),
                          "lat": float(np.median(lat[i:j])), "arrived_at": float(t[i]),
                          "left_at": float(t[j - 1]), "points": int(j - i)})
    # 4. gaps, then cut into pieces
    gap = np.zeros(len(t), dtype=bool)
    gap[1:] = np.diff(t) > p.max_gap_s
    pieces = []
    start = None
    for i in range(len(t) + 1):
        boundary = i == len(t) or not moving[i] or cut[i] or gap[i]
        if boundary and start is not None:
            if i - start >= p.min_piece_points:
                pieces.append(Piece(x[start:i], y[start:i], t[start:i], lon[start:i],
                                    lat[start:i]))
            start = None
        if i < len(t) and moving[i] and start is None:
            start = i
    stops = pd.DataFrame(stop_rows, columns=list(TRACE_STOP_COLUMNS))
    return CleanTrace(trace=trace, pieces=tuple(pieces), stops=stops,
                      dropped_duplicate=dropped_dup, dropped_jump=dropped_jump,
                      stop_points=int((~moving).sum()))


__all__ = ["CleanParams", "CleanTrace", "Piece", "clean_trace"]
