"""``postplan field …``: import GPS traces, propose speeds and roads, accept them.

* ``postplan field import TRACES... [--vehicle V] [--skip-bad] [--json]`` — read, clean and
  map-match GPX/GeoJSON files against the current network and store the observations.
* ``postplan field speeds [--accept] [--season S] [--min-n N] [--json]`` — the speeds the
  stored observations propose (with confidence intervals and counts); ``--accept`` makes
  them a new version of the speed table in use.
* ``postplan field roads [--accept] [--road ID ...] [--export roads.osc] [--json]`` — roads
  the traces rode that the network lacks; ``--accept`` adds them to the network,
  ``--export`` writes an OpenStreetMap change file for a mapper.

Nothing changes planning without ``--accept``.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from data.account_commands import acting, add_as_argument
from data.errors import InputError, Problem
from data.settings import Settings


def register(subparsers: Any) -> None:
    """Add the ``field`` command group to the ``postplan`` parser."""
    field = subparsers.add_parser("field", help="learn speeds and missing roads from GPS "
                                  "traces (nothing changes until --accept)")
    sub = field.add_subparsers(dest="field_command", required=True)

    imp = sub.add_parser("import", help="import GPX/GeoJSON traces (map-matched, stored)")
    imp.add_argument("traces", nargs="+", type=Path, metavar="TRACES",
                     help=".gpx, .geojson or .json files (OsmAnd, Organic Maps, any logger)")
    imp.add_argument("--vehicle", default="motorbike", choices=("motorbike", "car", "walk"),
                     help="what the traces were ridden with (default motorbike)")
    imp.add_argument("--skip-bad", action="store_true",
                     help="import the good files and list the rejected ones (default: any "
                     "bad file rejects the whole import)")
    add_as_argument(imp)
    imp.add_argument("--json", action="store_true", help="print one JSON document")
    imp.set_defaults(func=cmd_import)

    sp = sub.add_parser("speeds", help="speeds proposed by the stored observations")
    sp.add_argument("--accept", action="store_true",
                    help="save the proposed table as the new version of the table in use")
    sp.add_argument("--season", default="all", choices=("all", "rainy", "dry"),
                    help="which season's estimates --accept applies (default all)")
    sp.add_argument("--min-n", type=int, default=30,
                    help="fewest observations before a cell may change (default 30)")
    add_as_argument(sp)
    sp.add_argument("--json", action="store_true", help="print one JSON document")
    sp.set_defaults(func=cmd_speeds)

    rd = sub.add_parser("roads", help="roads the traces rode that the network lacks")
    rd.add_argument("--accept", action="store_true", help="add the proposed roads (or those "
                    "named with --road) to the network")
    rd.add_argument("--road", action="append", default=None, metavar="ID",
                    help="only this proposed road (repeatable)")
    rd.add_argument("--export", type=Path, default=None, metavar="FILE.osc",
                    help="write the proposed roads as an OpenStreetMap change file")
    rd.add_argument("--min-traces", type=int, default=3,
                    help="different traces that must ride a road (default 3)")
    add_as_argument(rd)
    rd.add_argument("--json", action="store_true", help="print one JSON document")
    rd.set_defaults(func=cmd_roads)


def _print(args: argparse.Namespace, doc: dict[str, Any], text: str) -> None:
    if args.json:
        print(json.dumps(doc, ensure_ascii=False, default=str, allow_nan=False))
    else:
        print(text)


def _network(settings: Settings, vehicle: str) -> Any:
    from geo.field.speeds import VEHICLES
    from geo.network import cached_network

    return cached_network(settings, profile=VEHICLES[vehicle][1])


def cmd_import(args: argparse.Namespace) -> int:
    """Read, match and store traces."""
    from data.observations import save_batch
    from data.store import Store
    from geo.field.pipeline import import_traces

    missing = [p for p in args.traces if not Path(p).exists()]
    if missing:
        raise InputError([Problem("tệp không tồn tại / the file does not exist",
                                  column="TRACES", value=str(p)) for p in missing])
    settings = Settings.from_env()
    G = _network(settings, args.vehicle)
    result = import_traces(args.traces, G, vehicle=args.vehicle, skip_bad=args.skip_bad)
    with Store.open(settings) as store:
        saved = save_batch(store, result.batch, actor=acting(store, args))
    doc = {"ok": True, "stored": saved.info.id, "name": saved.name, **result.to_dict()}
    _print(args, doc, result.summary() + f"\nstored as #{saved.info.id} {saved.name!r}")
    return 0


def cmd_speeds(args: argparse.Namespace) -> int:
    """Propose (and with --accept, adopt) calibrated speeds."""
    from data.observations import load_observations
    from data.store import Store
    from geo.field.speeds import SpeedParams, propose_speeds, stop_legs
    from geo.field.state import accept_speeds, field_state

    settings = Settings.from_env()
    with Store.open(settings) as store:
        actor = acting(store, args)
        obs = load_observations(store, actor=actor)
        state = field_state(store, actor=actor)
        table = state.speed_table()
        legs = None
        reports = obs.table("stop_reports")
        if len(reports):
            legs = stop_legs(_network(settings, "motorbike"), reports, table)
        proposal = propose_speeds(obs.table("traversals"), table, state.ref, legs=legs,
                                  params=SpeedParams(min_n=args.min_n),
                                  provenance=obs.provenance)
        accepted = None
        if args.accept:
            accepted = accept_speeds(store, proposal, actor=actor, season=args.season)
    doc = {"ok": True, "observations": obs.summary(), **proposal.to_dict(),
           "accepted": accepted.to_dict() if accepted else None}
    text = proposal.summary()
    if accepted:
        text += f"\naccepted: the speed table in use is now {accepted.label()}"
    elif len(proposal.changes):
        text += "\n(nothing changed: run with --accept to adopt these speeds)"
    _print(args, _finite(doc), text)
    return 0


def cmd_roads(args: argparse.Namespace) -> int:
    """Propose (accept, export) roads learnt from traces."""
    from data.observations import load_observations
    from data.store import Store
    from geo.field.match import MatchParams
    from geo.field.osc import write_osc
    from geo.field.pipeline import still_unexplained
    from geo.field.roads import RoadParams, propose_roads
    from geo.field.state import accept_roads

    settings = Settings.from_env()
    G = _network(settings, "motorbike")
    with Store.open(settings) as store:
        actor = acting(store, args)
        obs = load_observations(store, actor=actor)
        off = still_unexplained(obs.table("offroad"), G, offroad_m=MatchParams().offroad_m)
        proposal = propose_roads(off, G, params=RoadParams(min_traces=args.min_traces))
        roads = proposal.roads
        if args.road:
            unknown = sorted(set(args.road) - set(roads["road_id"]))
            if unknown:
                raise InputError([Problem("không có trong đề xuất / not a proposed road",
                                          column="--road", value=r) for r in unknown])
            roads = roads[roads["road_id"].isin(args.road)]
        version = None
        if args.accept:
            version = accept_roads(store, roads, actor=actor)
    exported = None
    if args.export is not None:
        exported = str(write_osc(roads, args.export, network_kind=str(G.graph.get("kind"))))
    doc = {"ok": True, "stretches": proposal.stretches,
           "roads": json.loads(roads.drop(columns="geometry").to_json(orient="records")),
           "km": round(float(roads["length_m"].sum()) / 1000, 3),
           "accepted_version": version, "exported": exported}
    text = proposal.summary()
    if version:
        text += f"\naccepted: {len(roads)} road(s) joined the network (roads v{version})"
    if exported:
        text += f"\nOpenStreetMap change file: {exported} (review in JOSM before uploading)"
    _print(args, doc, text)
    return 0


def _finite(value: Any) -> Any:
    if isinstance(value, float):
        return value if value == value and abs(value) != float("inf") else None
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_finite(v) for v in value]
    return value
