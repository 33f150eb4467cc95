"""Calibrated speeds: what the field says each cell of the speed table should be.

Observations
------------
* **Traversals** (map-matched GPS, :mod:`geo.field.match`): one edge of one road class and
  surface ridden end to end in ``travel_time_s``.
* **Stop legs** (consecutive stop reports of one courier on one day,
  :func:`stop_legs`): the time from one stop's report to the next, less the next stop's
  service time, over a path that crosses several classes.

Each observation *i* has an expected time per table cell *c*, ``e_ic`` — the time the
current table gives it (with the network's mountain factor) — and an observed time
``o_i``. With ``g_c`` the factor by which cell *c* is slower than the table,
``o_i ≈ Σ_c e_ic g_c``; the factors are the weighted least squares solution with weights
``1 / Σ_c e_ic`` (observed time varies in proportion to its length). For traversals alone
that is exactly ``Σ o / Σ e`` per cell: total time over total expected time, the ratio that
makes the table predict trip times right. The proposed speed of a cell is its table speed
/ ``g_c``; its confidence interval is the percentile interval of a Poisson bootstrap over
observations. A cell changes only with at least ``min_n`` observations and when the
interval excludes the table speed.

Traversals set aside
--------------------
Observations are stored as imported; the estimate leaves some out, counts them per row
(``set_aside_*`` columns) and says why:

* ``short`` — shorter than ``min_length_m`` (its time is mostly GPS error);
* ``off_edge`` — the median distance of its fixes from the matched edge exceeds
  ``max_fit_m`` (the rider was on another road);
* ``implausible`` — its time against the table, divided by the median of that ratio over
  the cell's other traversals (same vehicle), lies outside ``ratio_range``. A traversal
  3× faster than the cell's typical rider is a matching artefact — in the simulated
  benchmark the matcher's detours out along a side road and straight back at 100–550 km/h
  —, one 3× slower holds a stop. The median, not the table, is the reference, so the
  screen does not depend on the table being right.

Kon Tum's seasons: rainy May–October, dry November–April; per-season rows are given
when a season alone has ``min_n`` observations of the cell.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from data.errors import InputError, Problem
from geo.profiles import SPEED_COLUMNS, get_profile, highway_class, surface_class
from geo.speed_tables import SpeedTableRef, table_sha256

#: Months of each season in the Central Highlands.
SEASONS: Mapping[str, tuple[int, ...]] = {"rainy": (5, 6, 7, 8, 9, 10),
                                          "dry": (11, 12, 1, 2, 3, 4)}
#: Vehicle → speed-table column and profile.
VEHICLES: Mapping[str, tuple[str, str]] = {"motorbike": ("motorbike_kph", "motorbike"),
                                           "car": ("car_kph", "car"),
                                           "walk": ("walk_kph", "walk")}
#: Why a traversal is left out of the estimate (see the module docstring).
SET_ASIDE_REASONS = ("short", "off_edge", "implausible")
PROPOSAL_COLUMNS = ("vehicle", "season", "highway", "surface", "n", "n_traversals", "n_legs",
                    *(f"set_aside_{r}" for r in SET_ASIDE_REASONS),
                    "km", "hours", "table_kph", "measured_kph", "proposed_kph", "ci_low_kph",
                    "ci_high_kph", "ratio", "status")
#: Row statuses: enough data and the interval excludes the table; enough data but the
#: table is inside the interval; too few observations.
STATUSES = ("change", "keep", "too_few")


@dataclass(frozen=True)
class SpeedParams:
    """Settings of :func:`propose_speeds`.

    Parameters
    ----------
    min_n
        Fewest observations of a cell before its speed may change.
    confidence
        Level of the confidence interval.
    n_boot
        Bootstrap replicates.
    min_length_m
        Shorter traversals are left out (their timing is mostly GPS error).
    max_fit_m
        Traversals whose fixes lie farther than this (median) from the matched edge are
        left out: the rider was probably on another road.
    ratio_range
        A traversal whose observed / table-expected time, divided by the median of that
        ratio over its cell's traversals (same vehicle), falls outside is left out
        (bounds included).
    leg_ratio_range
        Stop legs whose observed / expected time falls outside are left out (breaks,
        detours, a wrong report).
    seed
        Seed of the bootstrap.
    """

    min_n: int = 30
    confidence: float = 0.95
    n_boot: int = 300
    min_length_m: float = 100.0
    max_fit_m: float = 40.0
    ratio_range: tuple[float, float] = (1 / 3, 3.0)
    leg_ratio_range: tuple[float, float] = (0.33, 3.0)
    seed: int = 0


def season_of(date: Any) -> str:
    """``rainy`` or ``dry`` for a ``yyyy-mm-dd`` date (or anything pandas reads)."""
    month = pd.Timestamp(str(date)).month
    return "rainy" if month in SEASONS["rainy"] else "dry"


def table_cell(table: pd.DataFrame, highway: Any, surface: Any) -> tuple[str, str]:
    """Return the speed-table row a road falls in: its class, else ``*``, with its surface class."""
    hw = highway_class(highway)
    sf = surface_class(surface)
    keys = set(zip(table["highway"], table["surface"], strict=True))
    return ((hw, sf) if (hw, sf) in keys else ("*", sf))


@dataclass(frozen=True)
class SpeedProposal:
    """Speeds the field observations propose for the speed table (never applied by itself).

    ``rows`` has :data:`PROPOSAL_COLUMNS`; ``base`` is the table the proposal was computed
    against (a planner accepts it with :func:`geo.field.state.accept_speeds`).
    """

    rows: pd.DataFrame = field(repr=False)
    base_table: pd.DataFrame = field(repr=False)
    base: SpeedTableRef
    provenance: str
    params: SpeedParams = SpeedParams()

    @property
    def changes(self) -> pd.DataFrame:
        """The rows that would change the table."""
        return self.rows[self.rows["status"] == "change"]

    def proposed_table(self, *, season: str = "all") -> pd.DataFrame:
        """Return the base table with every ``change`` row of ``season`` applied (0.1 km/h)."""
        out = self.base_table.copy()
        rows = self.changes[self.changes["season"] == season]
        for r in rows.to_dict("records"):
            col = VEHICLES[str(r["vehicle"])][0]
            mask = ((out["highway"] == r["highway"]) & (out["surface"] == r["surface"])
                    ).to_numpy()
            values = out[col].to_numpy(dtype=float).copy()
            values[mask] = round(float(r["proposed_kph"]), 1)
            out[col] = values
        return out

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: base table identity, provenance, parameters and every row."""
        rows = self.rows.replace({np.nan: None}).to_dict("records")
        return {"base": self.base.to_dict(), "provenance": self.provenance,
                "proposed_sha256": table_sha256(self.proposed_table()),
                "min_n": self.params.min_n, "confidence": self.params.confidence,
                "set_aside_rules": {"short": {"min_length_m": self.params.min_length_m},
                                    "off_edge": {"max_fit_m": self.params.max_fit_m},
                                    "implausible": {"ratio_to_cell_median":
                                                    list(self.params.ratio_range)}},
                "rows": rows}

    def summary(self) -> str:
        """Return a few lines: one per ``all``-season row with data."""
        sim = "SIMULATED — " if "simulated" in self.provenance else ""
        lines = [f"{sim}speed proposal against {self.base.label()}: "
                 f"{len(self.changes)} change(s), {int((self.rows['status'] == 'keep').sum())}"
                 f" kept, {int((self.rows['status'] == 'too_few').sum())} with too few "
                 f"observations (< {self.params.min_n})"]
        for r in self.rows[self.rows["season"] == "all"].to_dict("records"):
            lo, hi = float(r["ci_low_kph"]), float(r["ci_high_kph"])
            ci = f" [{lo:.1f}–{hi:.1f}]" if math.isfinite(lo) else ""
            kph = float(r["proposed_kph"])
            prop = f"{kph:.1f}" if math.isfinite(kph) else "—"
            aside = ", ".join(f"{int(r[f'set_aside_{k}'])} {k}" for k in SET_ASIDE_REASONS
                              if r[f"set_aside_{k}"])
            aside = f"; set aside {aside}" if aside else ""
            lines.append(f"  {r['vehicle']} {r['highway']}/{r['surface']}: table "
                         f"{float(r['table_kph']):.1f} → {prop}{ci} km/h, n={r['n']}{aside} "
                         f"({r['status']})")
        return "\n".join(lines)


def _expected(table: pd.DataFrame, vehicle: str, highway: np.ndarray, surface: np.ndarray,
              mountain: np.ndarray, length_m: np.ndarray) -> tuple[list[tuple[str, str]],
                                                                    np.ndarray]:
    prof = get_profile(VEHICLES[vehicle][1], speed_table=table)
    memo: dict[tuple[Any, Any, bool], tuple[tuple[str, str], float]] = {}
    cells = []
    kph = np.empty(len(length_m))
    for i, key in enumerate(zip(highway, surface, mountain, strict=True)):
        found = memo.get(key)
        if found is None:
            cell = table_cell(table, key[0], key[1])
            found = memo[key] = (cell, prof.speed_kph(cell[0], cell[1], mountain=bool(key[2])))
        cells.append(found[0])
        kph[i] = found[1]
    with np.errstate(divide="ignore"):
        exp = np.where(kph > 0, length_m / (kph / 3.6), np.nan)
    return cells, exp


def seasons_of(dates: Any) -> np.ndarray:
    """:func:`season_of` for many dates at once."""
    if len(dates) == 0:
        return np.array([], dtype=object)
    months = pd.to_datetime(pd.Series(list(dates)).astype(str)).dt.month.to_numpy()
    return np.where(np.isin(months, SEASONS["rainy"]), "rainy", "dry").astype(object)


def _solve(diag_e: np.ndarray, diag_o: np.ndarray, leg_a: np.ndarray, leg_o: np.ndarray,
           leg_w: np.ndarray) -> np.ndarray:
    """Weighted least squares factors per cell (NaN where a cell has no data)."""
    k = len(diag_e)
    M = np.diag(diag_e.astype(float))
    b = diag_o.astype(float).copy()
    if len(leg_o):
        M += (leg_a * leg_w[:, None]).T @ leg_a
        b += (leg_a * (leg_w * leg_o)[:, None]).sum(axis=0)
    have = np.diag(M) > 0
    g = np.full(k, np.nan)
    if have.any():
        sub = M[np.ix_(have, have)]
        try:
            g[have] = np.linalg.solve(sub, b[have])
        except np.linalg.LinAlgError:
            g[have] = np.linalg.lstsq(sub, b[have], rcond=None)[0]
    g[g <= 0] = np.nan
    return g


def propose_speeds(traversals: pd.DataFrame, base_table: pd.DataFrame, base: SpeedTableRef,
                   *, legs: pd.DataFrame | None = None, params: SpeedParams | None = None,
                   provenance: str = "observed") -> SpeedProposal:
    """Estimate per-cell speeds from traversals (and stop legs) against ``base_table``.

    Parameters
    ----------
    traversals
        :data:`data.observations.TRAVERSAL_COLUMNS` rows.
    base_table
        The speed table now in use (:func:`geo.profiles.load_speed_table` form).
    base
        Its identity.
    legs
        Stop legs from :func:`stop_legs` (``vehicle``, ``date``, ``observed_s`` and one
        ``exp:<highway>|<surface>`` column of expected seconds per cell), or None.
    params
        Thresholds.
    provenance
        ``observed``, ``simulated`` or both joined by ``+`` (kept on the proposal).

    Returns
    -------
    SpeedProposal
        One row per vehicle × season × cell seen.
    """
    p = params or SpeedParams()
    tr = traversals.copy()
    bad = sorted(set(tr["vehicle"]) - set(VEHICLES)) if len(tr) else []
    if bad:
        raise InputError([Problem(f"unknown vehicle; use {', '.join(VEHICLES)}",
                                  column="vehicle", value=str(v)) for v in bad])
    reason = _first_screens(tr, p)
    legs = legs if legs is not None else pd.DataFrame(columns=["vehicle", "date",
                                                               "observed_s"])
    rng = np.random.default_rng(p.seed)
    out: list[dict[str, Any]] = []
    vehicles = sorted(set(tr["vehicle"]) | set(legs["vehicle"]))
    for vehicle in vehicles:
        col = VEHICLES[vehicle][0]
        sel = (tr["vehicle"] == vehicle).to_numpy()
        tv = tr[sel]
        cells, exp = _expected(base_table, vehicle, tv["highway"].to_numpy(),
                               tv["surface"].to_numpy(), tv["mountain"].astype(bool)
                               .to_numpy(), tv["length_m"].to_numpy(float))
        ok = np.isfinite(exp)
        lv = legs[legs["vehicle"] == vehicle]
        leg_cells = [tuple(c[4:].split("|", 1)) for c in lv.columns if c.startswith("exp:")]
        all_cells = sorted(set(c for c, k in zip(cells, ok, strict=True) if k)
                           | {(str(a), str(b)) for a, b in leg_cells})
        index = {c: i for i, c in enumerate(all_cells)}
        t_cell = np.array([index.get(c, -1) for c in cells], dtype=int)
        t_exp = np.where(ok, exp, 0.0)
        t_obs = tv["travel_time_s"].to_numpy(float)
        t_len = tv["length_m"].to_numpy(float)
        t_season = seasons_of(tv["date"])
        t_reason = _implausible(reason[sel], t_cell, t_obs, t_exp, ok, p.ratio_range)
        keep_t = ok & (t_cell >= 0) & (t_reason == "")
        leg_a = np.zeros((len(lv), len(all_cells)))
        for c in lv.columns:
            if c.startswith("exp:"):
                a, b = c[4:].split("|", 1)
                leg_a[:, index[(a, b)]] = lv[c].fillna(0).to_numpy(float)
        leg_o = lv["observed_s"].to_numpy(float) if len(lv) else np.zeros(0)
        leg_e = leg_a.sum(axis=1)
        lo, hi = p.leg_ratio_range
        with np.errstate(divide="ignore", invalid="ignore"):
            keep_l = (leg_e > 0) & (leg_o / leg_e >= lo) & (leg_o / leg_e <= hi)
        leg_season = seasons_of(lv["date"])
        for season in ("all", "rainy", "dry"):
            in_season = (t_season == season) if season != "all" else np.ones(len(tv), bool)
            mt = keep_t & in_season
            ml = keep_l & ((leg_season == season) if season != "all" else True)
            aside = {r: np.bincount(t_cell[in_season & (t_cell >= 0) & (t_reason == r)],
                                    minlength=len(all_cells)) for r in SET_ASIDE_REASONS}
            out.extend(_estimate_rows(
                vehicle, season, col, all_cells, base_table, t_cell[mt], t_exp[mt],
                t_obs[mt], t_len[mt], leg_a[ml], leg_o[ml], p, rng, aside))
    rows = pd.DataFrame(out, columns=list(PROPOSAL_COLUMNS))
    # a season row is only shown when that season alone has enough data
    rows = rows[(rows["season"] == "all") | (rows["n"] >= p.min_n)].reset_index(drop=True)
    return SpeedProposal(rows=rows, base_table=base_table.copy(), base=base,
                         provenance=provenance, params=p)


def _first_screens(tr: pd.DataFrame, p: SpeedParams) -> np.ndarray:
    """Reason each traversal is set aside before the ratio screen (``""`` = kept so far)."""
    reason = np.full(len(tr), "", dtype=object)
    if not len(tr):
        return reason
    fit = (pd.to_numeric(tr["fit_m"], errors="coerce").to_numpy(float)
           if "fit_m" in tr.columns else np.full(len(tr), np.nan))
    reason[fit > p.max_fit_m] = "off_edge"  # NaN (not measured) passes
    t = tr["travel_time_s"].astype(float).to_numpy()
    reason[~(t > 0)] = "implausible"
    reason[tr["length_m"].astype(float).to_numpy() < p.min_length_m] = "short"
    return reason


def _implausible(reason: np.ndarray, cell: np.ndarray, obs: np.ndarray, exp: np.ndarray,
                 ok: np.ndarray, ratio_range: tuple[float, float]) -> np.ndarray:
    """Mark traversals whose time / table time is far from their cell's median ratio."""
    out = reason.copy()
    live = ok & (cell >= 0) & (out == "")
    if not live.any():
        return out
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(ok, obs / np.where(ok, exp, 1.0), np.nan)
    med = pd.Series(ratio[live]).groupby(cell[live]).median()
    rel = ratio / med.reindex(cell).to_numpy(float)
    lo, hi = ratio_range
    eps = 1e-9  # bounds are included, also after rounding (3 × 120 s / 120 s → 3.0000000000000004)
    out[live & ~((rel >= lo * (1 - eps)) & (rel <= hi * (1 + eps)))] = "implausible"
    return out


def _estimate_rows(vehicle: str, season: str, col: str, cells: list[tuple[str, str]],
                   table: pd.DataFrame, t_cell: np.ndarray, t_exp: np.ndarray,
                   t_obs: np.ndarray, t_len: np.ndarray, leg_a: np.ndarray,
                   leg_o: np.ndarray, p: SpeedParams, rng: np.random.Generator,
                   aside: Mapping[str, np.ndarray]) -> list[dict[str, Any]]:
    k = len(cells)
    if k == 0:
        return []
    leg_e = leg_a.sum(axis=1)
    leg_w = 1.0 / np.where(leg_e > 0, leg_e, 1.0)
    n_t = np.bincount(t_cell, minlength=k)
    n_l = ((leg_a / np.where(leg_e > 0, leg_e, 1.0)[:, None]) >= 0.1).sum(axis=0) \
        if len(leg_o) else np.zeros(k, dtype=int)

    def fit(wt: np.ndarray, wl: np.ndarray) -> np.ndarray:
        return _solve(np.bincount(t_cell, weights=wt * t_exp, minlength=k),
                      np.bincount(t_cell, weights=wt * t_obs, minlength=k),
                      leg_a, leg_o, leg_w * wl)

    g = fit(np.ones(len(t_cell)), np.ones(len(leg_o)))
    boots = np.array([fit(rng.poisson(1.0, len(t_cell)).astype(float),
                          rng.poisson(1.0, len(leg_o)).astype(float))
                      for _ in range(p.n_boot)]) if p.n_boot else np.empty((0, k))
    alpha = (1 - p.confidence) / 2
    rows = []
    for i, (hw, sf) in enumerate(cells):
        mask = (table["highway"] == hw) & (table["surface"] == sf)
        vals = table[col].to_numpy(dtype=float)[mask.to_numpy()]
        table_kph = float(vals[0]) if len(vals) else math.nan
        n = int(n_t[i] + n_l[i])
        sel = t_cell == i
        km = float(t_len[sel].sum() / 1000.0)
        hours = float(t_obs[sel].sum() / 3600.0)
        measured = km / hours if hours > 0 else math.nan
        proposed = table_kph / g[i] if np.isfinite(g[i]) else math.nan
        lo_kph = hi_kph = math.nan
        if len(boots):
            speeds = table_kph / boots[:, i]
            speeds = speeds[np.isfinite(speeds)]
            if len(speeds):
                lo_kph = float(np.quantile(speeds, alpha))
                hi_kph = float(np.quantile(speeds, 1 - alpha))
        if n < p.min_n or not np.isfinite(proposed):
            status = "too_few"
        elif np.isfinite(lo_kph) and lo_kph <= table_kph <= hi_kph:
            status = "keep"
        else:
            status = "change"
        rows.append({"vehicle": vehicle, "season": season, "highway": hw, "surface": sf,
                     "n": n, "n_traversals": int(n_t[i]), "n_legs": int(n_l[i]),
                     **{f"set_aside_{r}": int(aside[r][i]) for r in SET_ASIDE_REASONS},
                     "km": km,
                     "hours": hours, "table_kph": table_kph, "measured_kph": measured,
                     "proposed_kph": proposed, "ci_low_kph": lo_kph, "ci_high_kph": hi_kph,
                     "ratio": proposed / table_kph if table_kph else math.nan,
                     "status": status})
    return rows


def stop_legs(G: Any, reports: pd.DataFrame, table: pd.DataFrame, *, vehicle: str =
              "motorbike") -> pd.DataFrame:
    """Legs between consecutive stop reports of one courier on one day, with expected times.

    A leg runs from one report (the courier leaves that stop) to the next, whose service
    time (``service_s``, 0 when unknown) is taken off. Its expected time per table cell is
    that of the fastest path on ``G`` between the nodes nearest the two positions (the
    off-road remainder is left out of both sides).

    Parameters
    ----------
    G
        The network in the project's graph form.
    reports
        :data:`data.observations.STOP_REPORT_COLUMNS` rows.
    table
        The speed table the expected times are computed with.
    vehicle
        The couriers' vehicle.

    Returns
    -------
    pandas.DataFrame
        ``courier_id``, ``date``, ``vehicle``, ``observed_s`` and ``exp:<class>|<surface>``
        columns.
    """
    import networkx as nx
    from scipy.spatial import cKDTree

    from data.observations import local_date_time

    if reports is None or len(reports) < 2:
        return pd.DataFrame(columns=["courier_id", "date", "vehicle", "observed_s"])
    from pyproj import Transformer

    nodes = list(G.nodes)
    xy = np.array([[G.nodes[n]["x_m"], G.nodes[n]["y_m"]] for n in nodes])
    tree = cKDTree(xy)
    to_m = Transformer.from_crs("EPSG:4326", G.graph["metric_crs"], always_xy=True)
    rep = reports.dropna(subset=["lon", "lat", "time_s"]).copy()
    rep["date"] = local_date_time(rep["time_s"].to_numpy(float))[0]
    x, y = to_m.transform(rep["lon"].to_numpy(float), rep["lat"].to_numpy(float))
    rep["node"] = [nodes[i] for i in tree.query(np.column_stack([x, y]))[1]]
    prof = get_profile(VEHICLES[vehicle][1], speed_table=table)
    mountain_net = G.graph.get("terrain") == "mountain"
    rows = []
    for (courier, date), g in rep.sort_values("time_s").groupby(["courier_id", "date"]):
        recs = g.to_dict("records")
        for a, b in itertools.pairwise(recs):
            service = float(b.get("service_s") or 0.0)
            observed = float(b["time_s"]) - float(a["time_s"]) - service
            if observed <= 0 or a["node"] == b["node"]:
                continue
            try:
                path = nx.shortest_path(G, a["node"], b["node"], weight="travel_time_s")
            except nx.NetworkXNoPath:
                continue
            exp: dict[str, float] = {}
            for u, v in itertools.pairwise(path):
                d = min(G[u][v].values(), key=lambda e: e["travel_time_s"])
                cell = table_cell(table, d.get("highway"), d.get("surface"))
                kph = prof.speed_kph(cell[0], cell[1],
                                     mountain=bool(d.get("mountain", mountain_net)))
                if kph > 0:
                    key = f"exp:{cell[0]}|{cell[1]}"
                    exp[key] = exp.get(key, 0.0) + float(d["length_m"]) / (kph / 3.6)
            rows.append({"courier_id": courier, "date": date, "vehicle": vehicle,
                         "observed_s": observed, **exp})
    return pd.DataFrame(rows).fillna(0.0) if rows else pd.DataFrame(
        columns=["courier_id", "date", "vehicle", "observed_s"])


__all__ = [
    "PROPOSAL_COLUMNS",
    "SEASONS",
    "SET_ASIDE_REASONS",
    "SPEED_COLUMNS",
    "STATUSES",
    "VEHICLES",
    "SpeedParams",
    "SpeedProposal",
    "propose_speeds",
    "season_of",
    "seasons_of",
    "stop_legs",
    "table_cell",
]
