"""Field learning against a hidden truth — every figure here comes from SIMULATED traces.

No real courier traces exist for Kon Tum. ``geo.field.simulate`` builds a world from the
proxy network (classes given to its links, links that run along another road left out,
lengths = geometry lengths), removes ``--missing`` links from what the planner sees, gives
every class a true speed = table × a known factor, and lets one courier per post office
ride ``--days`` working days (fastest true paths through 5–9 stops from a pool of addresses, GPS
error 10–30 m RMS, correlated, a fix every 1–5 s, a few jumps and repeated time stamps).
The traces go through the real importer (GPX → clean → Leuven map matching → store).

Measured:

1. speed recovered per class against the truth: all data, and 200 stored traversals drawn
   200 times per class (target within ±10 %; the estimator sets aside what it would set
   aside in real use); and from consecutive stop reports only; and what the traversals
   are against the truth (ridden or not, Σ observed / Σ true time, share of true rides
   that gave a traversal and the pace of those lost);
2. missing roads found: precision and recall by length (targets ≥ 0.9 / ≥ 0.8), recall
   over roads ridden by at least ``min_traces`` traces and over all removed roads;
3. stop positions: stops found in the traces and address positions from stop reports
   against where the courier stood (median error);
4. arrival-time prediction on a new simulated day, before and after accepting the
   proposals, against the simulated truth;
5. map-matching speed (traces per second) with the machine's load.

Run: ``.venv/bin/python benchmarks/field.py [--days 40] [--seed 1] [--json out.json]``
(40 working days, 2 Nov – 25 Dec 2026, so that the rarest class, track/unpaved, gets
200 traversals; the arrival-time day is the working day after the last one ridden).
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import shapely
from pyproj import Transformer
from scipy.spatial import cKDTree

from data.accounts import create_first_admin
from data.observations import ObservationBatch, address_positions, save_batch
from data.offices import default_offices
from data.settings import Settings
from data.store import Store
from geo.field.pipeline import import_traces
from geo.field.roads import propose_roads
from geo.field.simulate import (
    build_world,
    courier_days,
    predicted_arrivals,
    true_arrivals,
    world_profile_table,
)
from geo.field.speeds import SET_ASIDE_REASONS, SpeedParams, propose_speeds, stop_legs
from geo.field.state import accept_roads, accept_speeds, apply_field_state, field_state
from geo.network import cached_network

BUFFER_M = 75.0


def _load() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def _working_days(start: str, n: int) -> list[str]:
    days = pd.bdate_range(start, periods=n)
    return [d.strftime("%Y-%m-%d") for d in days]


def _metric(geom: Any, to_m: Transformer) -> Any:
    return shapely.transform(geom, lambda c: np.column_stack(to_m.transform(c[:, 0], c[:, 1])))


def speed_errors(world: Any, traversals: pd.DataFrame, base: Any, table: pd.DataFrame,
                 *, draws: int, per_class: int, seed: int) -> pd.DataFrame:
    """Proposed vs true speed per class, all data and ``per_class`` traversals drawn."""
    truth = world_profile_table(world).set_index(["highway", "surface"])
    full = propose_speeds(traversals, table, base, provenance="simulated",
                          params=SpeedParams(n_boot=200))
    rows = full.rows[full.rows["season"] == "all"].set_index(["highway", "surface"])
    rng = np.random.default_rng(seed)
    out = []
    for cell, t in truth.iterrows():
        if cell not in rows.index:
            continue
        r = rows.loc[cell]
        sub = traversals[(traversals["highway"] == cell[0]) & (traversals["surface"] == cell[1])
                         & (traversals["length_m"] >= 100)]
        errs = []
        if len(sub) >= per_class:
            for _ in range(draws):
                pick = sub.iloc[rng.choice(len(sub), per_class, replace=False)]
                est = propose_speeds(pick, table, base, params=SpeedParams(n_boot=0, min_n=1))
                errs.append(float(est.rows.iloc[0]["proposed_kph"]) / t["true_kph"] - 1)
        out.append({"class": f"{cell[0]}/{cell[1]}", "table_kph": t["table_kph"],
                    "true_kph": round(t["true_kph"], 2), "n": int(r["n"]),
                    "set_aside": int(sum(r[f"set_aside_{k}"] for k in SET_ASIDE_REASONS)),
                    "proposed_kph": round(float(r["proposed_kph"]), 2),
                    "ci": f"{r['ci_low_kph']:.1f}–{r['ci_high_kph']:.1f}",
                    "error_pct": round(100 * (float(r["proposed_kph"]) / t["true_kph"] - 1), 1),
                    f"err{per_class}_median_pct": round(100 * float(np.median(np.abs(errs))), 1)
                    if errs else None,
                    f"err{per_class}_p95_pct": round(100 * float(np.quantile(np.abs(errs), 0.95)),
                                                     1) if errs else None,
                    f"within10_{per_class}": round(float(np.mean(np.abs(errs) <= 0.10)), 2)
                    if errs else None})
    return pd.DataFrame(out)


def road_scores(world: Any, rides: list[Any], roads: pd.DataFrame, *, min_traces: int
                ) -> dict[str, Any]:
    """Precision and recall by length of the proposed roads against the removed ones."""
    to_m = Transformer.from_crs("EPSG:4326", str(world.truth.graph["metric_crs"]),
                                always_xy=True)
    ridden = []
    for r in world.missing.itertuples():
        n = sum(1 for ride in rides if (r.u, r.v) in ride.edges or (r.v, r.u) in ride.edges)
        ridden.append(n)
    missing = world.missing.assign(ridden=ridden)
    miss_geoms = [_metric(g, to_m) for g in missing["geometry"]]
    prop_geoms = [_metric(g, to_m) for g in roads.geometry] if len(roads) else []
    prop_union = shapely.union_all(prop_geoms) if prop_geoms else shapely.GeometryCollection()
    miss_union = shapely.union_all(miss_geoms) if miss_geoms else shapely.GeometryCollection()
    prop_len = sum(g.length for g in prop_geoms)
    good = sum(g.intersection(miss_union.buffer(BUFFER_M)).length for g in prop_geoms)
    found = [g.intersection(prop_union.buffer(BUFFER_M)).length if prop_geoms else 0.0
             for g in miss_geoms]
    lengths = np.array([g.length for g in miss_geoms])
    found_a = np.array(found)
    often = missing["ridden"].to_numpy() >= min_traces
    once = missing["ridden"].to_numpy() >= 1
    return {
        "removed": len(missing), "removed_km": round(lengths.sum() / 1000, 2),
        f"ridden_by_{min_traces}plus": int(often.sum()), "ridden_once_or_more": int(once.sum()),
        "proposed": len(prop_geoms), "proposed_km": round(prop_len / 1000, 2),
        "precision_by_length": round(good / prop_len, 3) if prop_len else None,
        f"recall_by_length_ridden_{min_traces}plus": round(
            found_a[often].sum() / lengths[often].sum(), 3) if often.any() else None,
        "recall_by_length_ridden_once": round(found_a[once].sum() / lengths[once].sum(), 3)
        if once.any() else None,
        "recall_by_length_all_removed": round(found_a.sum() / lengths.sum(), 3)
        if len(lengths) else None,
    }


def stop_scores(world: Any, rides: list[Any], detected: pd.DataFrame) -> dict[str, Any]:
    """Median error of stops found in traces and of address positions from reports."""
    crs = str(world.truth.graph["metric_crs"])
    to_m = Transformer.from_crs("EPSG:4326", crs, always_xy=True)
    errors = []
    found = 0
    total = 0
    for ride in rides:
        det = detected[detected["trace_id"].str.startswith(ride.trace_id + ".gpx")]
        if len(det):
            dx, dy = to_m.transform(det["lon"].to_numpy(float), det["lat"].to_numpy(float))
        for s in ride.stops.itertuples():
            total += 1
            if not len(det):
                continue
            overlap = (det["arrived_at"] <= s.left_at) & (det["left_at"] >= s.arrived_at)
            if overlap.any():
                i = np.flatnonzero(overlap.to_numpy())
                d = np.hypot(dx[i] - s.x_m, dy[i] - s.y_m)
                errors.append(float(d.min()))
                found += 1
    reports = pd.concat([r.reports for r in rides], ignore_index=True)
    pos = address_positions(reports, metric_crs=crs)
    px, py = to_m.transform(pos["lon"].to_numpy(float), pos["lat"].to_numpy(float))
    node = [a.removeprefix("node-") for a in pos["address_id"]]
    truth = {str(n): (world.truth.nodes[n]["x_m"], world.truth.nodes[n]["y_m"])
             for n in world.truth.nodes}
    addr_err = [float(np.hypot(px[i] - truth[n][0], py[i] - truth[n][1]))
                for i, n in enumerate(node) if n in truth]
    single = np.array([r.accuracy_m for r in reports.itertuples()])  # per-fix RMS error
    return {"true_stops": total, "stops_found": found,
            "stop_median_error_m": round(float(np.median(errors)), 1) if errors else None,
            "stop_p90_error_m": round(float(np.quantile(errors, 0.9)), 1) if errors else None,
            "addresses": len(pos), "reports_per_address_median": float(pos["n"].median()),
            "address_median_error_m": round(float(np.median(addr_err)), 1),
            "report_rms_error_m": float(single.mean())}


def traversal_truth(world: Any, rides: list[Any], traversals: pd.DataFrame) -> pd.DataFrame:
    """Per class, what the stored traversals (≥ 100 m) are against what the couriers rode.

    A traversal is *ridden* when its courier rode that edge (u→v) at an overlapping time;
    ``timing_obs_over_true`` is Σ observed / Σ true time over the ridden ones.
    ``rides_matched`` is the share of true rides of the class (≥ 100 m) that gave a
    traversal; ``pace_matched`` / ``pace_lost`` the true / mean time of those that did and
    did not (rides lost for being slow make an estimate fast).
    """
    tv = traversals[traversals["length_m"].astype(float) >= 100]
    by_trace = dict(tuple(tv.groupby(tv["trace_id"].str.split(".gpx").str[0])))
    cls = tv["highway"] + "/" + tv["surface"]
    ridden = pd.Series(False, index=tv.index)
    true_s = pd.Series(np.nan, index=tv.index)
    T = world.truth
    true_rides = []
    for r in rides:
        g = by_trace.get(r.trace_id)
        for (u, v), (a, b) in zip(r.edges, r.edge_times, strict=True):
            d = min(T[u][v].values(), key=lambda e: e["true_time_s"])
            if float(d["length_m"]) < 100:
                continue
            hit = g.index[(g["u"] == u) & (g["v"] == v) & (g["exited_at"] > a)
                          & (g["entered_at"] < b)] if g is not None else []
            ridden[hit] = True
            true_s[hit] = b - a
            true_rides.append((f"{d['highway']}/{d['surface']}", len(hit) > 0,
                               (b - a) / float(d["true_time_s"])))
    tr = pd.DataFrame(true_rides, columns=["class", "matched", "pace"])
    out = []
    for c in sorted(cls.unique()):
        m = cls == c
        ok = m & ridden
        t = tr[tr["class"] == c]
        out.append({"class": c, "traversals": int(m.sum()),
                    "not_ridden": int((m & ~ridden).sum()),
                    "timing_obs_over_true": round(float(
                        tv.loc[ok, "travel_time_s"].sum() / true_s[ok].sum()), 3)
                    if ok.any() else None,
                    "true_rides": len(t), "rides_matched": round(float(t["matched"].mean()), 2)
                    if len(t) else None,
                    "pace_matched": round(float(t.loc[t["matched"], "pace"].mean()), 3)
                    if t["matched"].any() else None,
                    "pace_lost": round(float(t.loc[~t["matched"], "pace"].mean()), 3)
                    if (~t["matched"]).any() else None})
    return pd.DataFrame(out)


def arrival_scores(world: Any, after: Any, offices: list[Any], *, seed: int, day: str
                   ) -> dict[str, Any]:
    """Arrival-time errors on a new simulated day, before and after accepting."""
    rides = courier_days(world, offices, days=[day], seed=seed + 100)
    rng = np.random.default_rng(seed + 7)
    before, after_e, bias_b, bias_a = [], [], [], []
    for i, ride in enumerate(rides):
        office = offices[i % len(offices)]
        stops = [office, *ride.stops["node"], office]
        dwell = [*(ride.stops["left_at"] - ride.stops["arrived_at"]), 0.0]
        truth = true_arrivals(world, stops, dwell, rng=rng)
        b = predicted_arrivals(world.planner, stops, dwell) - truth
        a = predicted_arrivals(after, stops, dwell) - truth
        before += list(np.abs(b))
        after_e += list(np.abs(a))
        bias_b += list(b)
        bias_a += list(a)
    return {"stops": len(before),
            "mae_before_min": round(float(np.mean(before)) / 60, 1),
            "mae_after_min": round(float(np.mean(after_e)) / 60, 1),
            "median_abs_before_min": round(float(np.median(before)) / 60, 1),
            "median_abs_after_min": round(float(np.median(after_e)) / 60, 1),
            "bias_before_min": round(float(np.mean(bias_b)) / 60, 1),
            "bias_after_min": round(float(np.mean(bias_a)) / 60, 1)}


def main() -> None:
    """Run the benchmark and print the results (SIMULATED)."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--days", type=int, default=40)
    ap.add_argument("--missing", type=int, default=30)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--json", type=Path, default=None)
    args = ap.parse_args()
    settings = Settings.from_env()
    out: dict[str, Any] = {"note": "SIMULATED traces on a hidden truth made from the proxy "
                           "network; no real traces exist", "load_start": _load()}
    t0 = time.perf_counter()
    G = cached_network(settings, proxy=True, field=False)
    # the couriers ride the full world; the roads hidden from the planner are drawn among
    # the links they ride at least 3 times (a road nobody rides cannot be learnt)
    full = build_world(G, seed=args.seed, n_missing=0)
    offices = _office_nodes(settings, full.truth)
    days = _working_days("2026-11-02", args.days)
    t0 = time.perf_counter()
    rides = courier_days(full, offices, days=days, seed=args.seed, radius_m=12_000)
    out["simulate_s"] = round(time.perf_counter() - t0, 1)
    usage: Counter[frozenset[Any]] = Counter()
    for ride in rides:
        usage.update({frozenset(e) for e in ride.edges})
    cands = [tuple(pair) for pair, n in usage.items() if n >= 3 and len(pair) == 2
             and _is_link(full.truth, *pair)]
    np.random.default_rng(args.seed).shuffle(cands)
    world = build_world(G, seed=args.seed, n_missing=args.missing, remove=cands)
    out["world_s"] = round(time.perf_counter() - t0, 1)
    load_before = _load()
    result = import_traces([(f"{r.trace_id}.gpx", r.gpx) for r in rides], world.planner)
    batch = ObservationBatch(source="gps_trace", provenance="simulated",
                             tables=result.batch.tables, files=result.batch.files)
    out["import"] = {**result.to_dict(), "load_before": load_before, "load_after": _load(),
                     "skipped": None}
    tv = batch.table("traversals")
    with tempfile.TemporaryDirectory() as tmp, Store(f"sqlite:///{tmp}/bench.sqlite") as store:
        me = create_first_admin(store, "benchmark", password=None)
        save_batch(store, batch, actor=me)
        reports = pd.concat([r.reports for r in rides], ignore_index=True)
        save_batch(store, ObservationBatch(source="stop_report", provenance="simulated",
                                           tables={"stop_reports": reports}),
                   actor=me)
        state = field_state(store, actor=me)
        table = state.speed_table()
        speeds = speed_errors(world, tv, state.ref, table, draws=200, per_class=200,
                              seed=args.seed)
        t1 = time.perf_counter()
        legs = stop_legs(world.planner, reports, table)
        legs_only = propose_speeds(tv.iloc[0:0], table, state.ref, legs=legs,
                                   params=SpeedParams(n_boot=100), provenance="simulated")
        out["legs"] = {"legs": len(legs), "seconds": round(time.perf_counter() - t1, 1)}
        truth = world_profile_table(world).set_index(["highway", "surface"])["true_kph"]
        lrows = legs_only.rows[legs_only.rows["season"] == "all"]
        speeds["legs_only_kph"] = [
            round(float(lrows[(lrows["highway"] + "/" + lrows["surface"]) == c]
                        ["proposed_kph"].iloc[0]), 1)
            if ((lrows["highway"] + "/" + lrows["surface"]) == c).any() else None
            for c in speeds["class"]]
        speeds["legs_only_error_pct"] = [
            None if k is None else round(100 * (k / truth[tuple(c.split("/"))] - 1), 1)
            for k, c in zip(speeds["legs_only_kph"], speeds["class"], strict=True)]
        proposal = propose_speeds(tv, table, state.ref, provenance="simulated")
        roads = propose_roads(batch.table("offroad"), world.planner).roads
        out["roads"] = road_scores(world, rides, roads, min_traces=3)
        accept_speeds(store, proposal, actor=me)
        if len(roads):
            accept_roads(store, roads, actor=me)
        after = apply_field_state(world.planner, field_state(store, actor=me))
    out["speeds"] = speeds.to_dict("records")
    out["stops"] = stop_scores(world, rides, batch.table("trace_stops"))
    next_day = pd.bdate_range(pd.Timestamp(days[-1]) + pd.Timedelta(days=1), periods=1)[0]
    out["arrivals"] = arrival_scores(world, after, offices, seed=args.seed,
                                     day=next_day.strftime("%Y-%m-%d"))
    out["traversal_truth"] = traversal_truth(world, rides, tv).to_dict("records")
    out["load_end"] = _load()
    out["cpus"] = os.cpu_count()
    print(pd.DataFrame(out["speeds"]).to_string(index=False))
    print(pd.DataFrame(out["traversal_truth"]).to_string(index=False))
    for key in ("import", "legs", "roads", "stops", "arrivals"):
        print(key, json.dumps(out[key], ensure_ascii=False, default=str))
    print("load", out["load_start"], "→", out["load_end"])
    if args.json:
        args.json.write_text(json.dumps(out, ensure_ascii=False, indent=1, default=str))


def _is_link(G: Any, u: Any, v: Any) -> bool:
    data = next(iter(G[u][v].values()), {}) if G.has_edge(u, v) else {}
    return bool(data.get("source") == "proxy" and float(data.get("length_m", 0)) >= 800)


def _office_nodes(settings: Settings, G: Any) -> list[Any]:
    offices = default_offices(settings)
    po = offices[offices["kind"] == "post_office"]
    nodes = list(G.nodes)
    tree = cKDTree(np.array([[G.nodes[n]["x"], G.nodes[n]["y"]] for n in nodes]))
    idx = tree.query(np.column_stack([po["lon"].to_numpy(float), po["lat"].to_numpy(float)]))[1]
    return list(dict.fromkeys(nodes[i] for i in idx))


if __name__ == "__main__":
    main()
