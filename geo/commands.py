"""``postplan network …`` commands: build the road network and describe it."""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path
from typing import Any

from data.errors import InputError, NetworkError, Problem
from data.settings import Settings
from geo.profiles import DEFAULT_PROFILE, PROFILES


def register(subparsers: Any) -> None:
    """Add the ``network`` command group to the ``postplan`` parser."""
    network = subparsers.add_parser("network", help="build and inspect the road network")
    sub = network.add_subparsers(dest="network_command", required=True)

    build = sub.add_parser("build", help="build (or read from the cache) the road network "
                           "from an OpenStreetMap file or the Kon Tum proxy")
    source = build.add_mutually_exclusive_group(required=True)
    source.add_argument("--osm", type=Path, metavar="FILE",
                        help=".osm.pbf, .osm or .osm.bz2 covering Kon Tum; settlements it "
                        "does not reach are joined by proxy links. Replaces the proxy as "
                        "the network every later command and the app use")
    source.add_argument("--proxy", action="store_true",
                        help="build the estimated proxy network from the data bundle (and "
                        "use it again by default)")
    build.add_argument("--profile", default=DEFAULT_PROFILE, choices=sorted(PROFILES),
                       help=f"vehicle profile (default {DEFAULT_PROFILE})")
    build.add_argument("--rebuild", action="store_true", help="ignore the cache")
    build.add_argument("--json", action="store_true", help="print one JSON document")
    build.set_defaults(func=cmd_build)

    info = sub.add_parser("info", help="describe the most recently built network")
    info.add_argument("--json", action="store_true", help="print one JSON document")
    info.set_defaults(func=cmd_info)


def _print(args: argparse.Namespace, doc: dict[str, Any], lines: list[str]) -> None:
    if args.json:
        print(json.dumps(doc, ensure_ascii=False, default=str))
    else:
        print("\n".join(lines))


def _describe(summary: dict[str, Any], method: str | None) -> list[str]:
    km = ", ".join(f"{k} {v:,.1f} km" for k, v in summary["km_by_source"].items())
    lines = [
        f"{summary['kind']} network, profile {summary['profile']}: {summary['nodes']:,} nodes, "
        f"{summary['edges']:,} edges ({km}; both directions counted)",
        f"dropped nodes (outside the largest strongly connected part): "
        f"{summary['dropped_nodes']:,}",
    ]
    if "proxy" in str(summary["kind"]):
        lines.append("NOTE: proxy links are estimates, not mapped roads"
                     + (f" — {method}" if method else ""))
    return lines


def cmd_build(args: argparse.Namespace) -> int:
    """Build the network, cache it, print its summary."""
    from geo.graph import network_summary
    from geo.network import cached_network, set_network_source

    settings = Settings.from_env()
    osm_file = args.osm
    if osm_file is not None and not Path(osm_file).exists():
        raise InputError([Problem("the OSM file does not exist", column="--osm",
                                  value=str(osm_file))])
    t0 = time.perf_counter()
    G = cached_network(settings, profile=args.profile, osm_file=osm_file, proxy=args.proxy,
                       rebuild=args.rebuild)
    seconds = time.perf_counter() - t0
    # the network just built becomes the default for the app and the other commands
    set_network_source(settings, osm_file)
    summary = network_summary(G)
    doc = {"ok": True, **summary, "seconds": round(seconds, 2),
           "cache_key": G.graph.get("cache_key"), "method": G.graph.get("method")}
    _print(args, doc, [*_describe(summary, G.graph.get("method")),
                       f"ready in {seconds:.1f} s (cache {settings.cache_dir / 'networks'})"])
    return 0


def cmd_info(args: argparse.Namespace) -> int:
    """Describe the most recently built network."""
    from geo.graph import network_summary
    from geo.network import latest_network

    settings = Settings.from_env()
    G = latest_network(settings)
    if G is None:
        raise NetworkError("no network has been built yet; run 'postplan network build "
                           "--proxy' (or --osm FILE)")
    summary = network_summary(G)
    doc = {"ok": True, **summary, "method": G.graph.get("method"),
           "terrain": G.graph.get("terrain"), "cache_key": G.graph.get("cache_key")}
    _print(args, doc, _describe(summary, G.graph.get("method")))
    return 0
