"""Import: read → clean → match → one observation batch (what ``postplan field import`` does)."""

from __future__ import annotations

import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import networkx as nx
import numpy as np
import pandas as pd
import shapely
from shapely.geometry import LineString

from data.errors import Problem
from data.observations import (
    OFFROAD_COLUMNS,
    TRACE_COLUMNS,
    TRACE_STOP_COLUMNS,
    TRAVERSAL_COLUMNS,
    ObservationBatch,
)
from geo.field.clean import CleanParams, clean_trace
from geo.field.match import MatchNetwork, MatchParams, match_trace
from geo.field.traces import Trace, read_traces


@dataclass(frozen=True)
class ImportResult:
    """An import ready to store: the batch, the problems of skipped files, timings."""

    batch: ObservationBatch = field(repr=False)
    skipped: tuple[Problem, ...] = ()
    seconds: float = 0.0
    match_seconds: float = 0.0

    @property
    def traces(self) -> int:
        """Traces read."""
        return len(self.batch.table("traces"))

    def to_dict(self) -> dict[str, object]:
        """JSON-ready counts."""
        tr = self.batch.table("traces")
        return {"provenance": self.batch.provenance, "vehicle": self.batch.vehicle,
                "files": len(self.batch.files), "traces": len(tr),
                "points": int(tr["points"].sum()) if len(tr) else 0,
                "points_kept": int(tr["points_kept"].sum()) if len(tr) else 0,
                "dropped_duplicate": int(tr["dropped_duplicate"].sum()) if len(tr) else 0,
                "dropped_jump": int(tr["dropped_jump"].sum()) if len(tr) else 0,
                "stops": len(self.batch.table("trace_stops")),
                "traversals": len(self.batch.table("traversals")),
                "matched_km": round(float(tr["matched_m"].sum()) / 1000, 3) if len(tr) else 0,
                "offroad_km": round(float(tr["offroad_m"].sum()) / 1000, 3) if len(tr) else 0,
                "offroad_stretches": int(self.batch.table("offroad")["stretch_id"].nunique()),
                "skipped": [str(p) for p in self.skipped],
                "seconds": round(self.seconds, 2),
                "traces_per_s": round(len(tr) / self.match_seconds, 3)
                if self.match_seconds > 0 else None}

    def summary(self) -> str:
        """Return a few lines for the command line."""
        d = self.to_dict()
        sim = "SIMULATED — " if self.batch.provenance == "simulated" else ""
        lines = [f"{sim}{d['traces']} trace(s) from {d['files']} file(s): {d['points']} points, "
                 f"{d['points_kept']} kept ({d['dropped_duplicate']} duplicate/backward, "
                 f"{d['dropped_jump']} jumps dropped; {d['stops']} stops)",
                 f"matched {d['matched_km']} km: {d['traversals']} edge traversals; "
                 f"{d['offroad_stretches']} off-network stretch(es), {d['offroad_km']} km",
                 f"{d['seconds']} s ({d['traces_per_s']} traces/s matching)"]
        lines += [f"skipped: {p}" for p in d["skipped"]]  # type: ignore[attr-defined]
        return "\n".join(lines)


def process_traces(traces: Sequence[Trace], net: MatchNetwork, *,
                   clean: CleanParams | None = None, match: MatchParams | None = None
                   ) -> tuple[dict[str, pd.DataFrame], float]:
    """Clean and match traces; return the batch tables and the seconds spent matching."""
    rows, trav, off, stops = [], [], [], []
    spent = 0.0
    for tr in traces:
        ct = clean_trace(tr, metric_crs=net.metric_crs, params=clean)
        t0 = time.perf_counter()
        m = match_trace(net, ct, params=match)
        spent += time.perf_counter() - t0
        trav.append(m.traversals)
        off.append(m.offroad)
        stops.append(ct.stops)
        rows.append({"trace_id": tr.trace_id, "file": tr.file, "track": tr.track,
                     "vehicle": tr.vehicle, "points": len(tr),
                     "points_kept": ct.points_kept, "dropped_duplicate": ct.dropped_duplicate,
                     "dropped_jump": ct.dropped_jump, "stops": len(ct.stops),
                     "started_at": float(np.min(tr.time_s)), "ended_at": float(np.max(tr.time_s)),
                     "matched_m": m.matched_m, "offroad_m": m.offroad_m})

    def cat(parts: list[pd.DataFrame], cols: tuple[str, ...]) -> pd.DataFrame:
        parts = [p for p in parts if len(p)]
        return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(
            columns=list(cols))
    tables = {"traces": pd.DataFrame(rows, columns=list(TRACE_COLUMNS)),
              "traversals": cat(trav, TRAVERSAL_COLUMNS), "offroad": cat(off, OFFROAD_COLUMNS),
              "trace_stops": cat(stops, TRACE_STOP_COLUMNS)}
    return tables, spent


def import_traces(files: Iterable[str | Path | tuple[str, bytes]], G: nx.MultiDiGraph, *,
                  vehicle: str = "motorbike", skip_bad: bool = False,
                  net: MatchNetwork | None = None, clean: CleanParams | None = None,
                  match: MatchParams | None = None) -> ImportResult:
    """Read, clean and match trace files against ``G``; nothing is stored here.

    Raises
    ------
    InputError
        Every problem of every file (unless ``skip_bad``), before any matching.
    """
    t0 = time.perf_counter()
    read, skipped = read_traces(files, vehicle=vehicle, skip_bad=skip_bad)
    traces = [t for f in read for t in f.traces]
    net = net or MatchNetwork.build(G)
    tables, spent = process_traces(traces, net, clean=clean, match=match)
    batch = ObservationBatch(
        source="gps_trace", provenance="observed", tables=tables,
        files=tuple(f.info() for f in read), vehicle=vehicle,
        notes=(f"matched on a {G.graph.get('kind', '?')} network "
               f"({G.graph.get('cache_key', '')}) with leuvenmapmatching",))
    return ImportResult(batch=batch, skipped=tuple(skipped), seconds=time.perf_counter() - t0,
                        match_seconds=spent)


def still_unexplained(offroad: pd.DataFrame, G: nx.MultiDiGraph, *, offroad_m: float
                      ) -> pd.DataFrame:
    """Drop stretches the network now explains (e.g. after roads were accepted).

    A stretch is explained when the median distance of its own fixes (not the bracketing
    ones) to the network is within ``offroad_m``.
    """
    if not len(offroad):
        return offroad
    from pyproj import Transformer

    crs = str(G.graph["metric_crs"])
    to_m = Transformer.from_crs("EPSG:4326", crs, always_xy=True)
    lines = []
    for u, v, d in G.edges(data=True):
        geom = d.get("geometry")
        coords = (np.asarray(geom.coords) if geom is not None else
                  np.array([[G.nodes[u]["x"], G.nodes[u]["y"]],
                            [G.nodes[v]["x"], G.nodes[v]["y"]]]))
        x, y = to_m.transform(coords[:, 0], coords[:, 1])
        lines.append(LineString(np.column_stack([x, y])))
    tree = shapely.STRtree(lines)
    own = offroad[~offroad["attach"].astype(bool)]
    x, y = to_m.transform(own["lon"].to_numpy(float), own["lat"].to_numpy(float))
    _, dist = tree.query_nearest(shapely.points(np.column_stack([x, y])), return_distance=True,
                                 all_matches=False)
    med = pd.Series(np.asarray(dist), index=own.index).groupby(own["stretch_id"]).median()
    keep = set(med[med > offroad_m].index)
    return offroad[offroad["stretch_id"].isin(keep)]


__all__ = ["ImportResult", "import_traces", "process_traces", "still_unexplained"]
