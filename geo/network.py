"""Where networks come from: the builder a call needs, its on-disk cache, the chosen source.

:func:`cached_network` returns the network for a profile — read from
``Settings.cache_dir`` or built once and cached — from the OSM file chosen with
``postplan network build --osm`` (:mod:`geo.osm`, gaps filled with proxy links) or else the
estimated proxy network (:mod:`geo.proxy`). The graph form itself, saving, loading and
summaries live in :mod:`geo.graph`.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import networkx as nx
import pandas as pd

from data.errors import NetworkError
from data.settings import Settings
from geo.graph import load_network, save_network
from geo.osm import osm_network_for_province
from geo.profiles import DEFAULT_PROFILE, Profile, get_profile
from geo.proxy import build_proxy_network

#: Bump when a builder changes what it produces, so old cache entries are not reused.
BUILD_VERSION = "6-commune-points"


def _file_digest(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def network_cache_key(settings: Settings, *, profile: str | Profile,
                      osm_file: str | Path | None = None,
                      speed_table: pd.DataFrame | None = None) -> str:
    """Hash of everything a built network depends on (inputs, profile, speeds, code version)."""
    from data.catalogue import get_entry

    h = hashlib.sha256()
    h.update(BUILD_VERSION.encode())
    prof = get_profile(profile) if speed_table is None else get_profile(
        profile if isinstance(profile, str) else profile.name, speed_table=speed_table)
    h.update(repr((prof.name, sorted(prof.speeds_kph.items()), prof.mountain_factor,
                   prof.respects_oneway, prof.max_speed_kph)).encode())
    h.update(settings.metric_crs.encode())
    for name in ("commune_points", "pois", "national_roads", "worldpop", "communes"):
        h.update(get_entry(name).sha256.encode())
    if osm_file is not None:
        h.update(_file_digest(Path(osm_file)).encode())
    return h.hexdigest()[:24]


def network_source(settings: Settings) -> Path | None:
    """Return the OSM file chosen with ``postplan network build --osm`` (None: the proxy).

    A chosen file that no longer exists counts as no choice.
    """
    path = Path(settings.cache_dir) / "networks" / "source.json"
    if not path.exists():
        return None
    try:
        osm = json.loads(path.read_text(encoding="utf-8")).get("osm_file")
    except (OSError, ValueError):
        return None
    return Path(osm) if osm and Path(osm).exists() else None


def set_network_source(settings: Settings, osm_file: str | Path | None) -> None:
    """Record which network later calls use by default: an OSM file, or None for the proxy."""
    folder = Path(settings.cache_dir) / "networks"
    folder.mkdir(parents=True, exist_ok=True)
    value = str(Path(osm_file).resolve()) if osm_file is not None else None
    (folder / "source.json").write_text(json.dumps({"osm_file": value}), encoding="utf-8")


def cached_network(settings: Settings, *, profile: str | Profile = DEFAULT_PROFILE,
                   osm_file: str | Path | None = None, proxy: bool = False,
                   rebuild: bool = False, field: bool = True) -> nx.MultiDiGraph:
    """Return the network for ``profile``, read from ``settings.cache_dir`` or built and cached.

    Without ``osm_file`` this is the network chosen last with ``postplan network build``
    (:func:`network_source`): the OSM file given with ``--osm`` — it replaces the proxy —
    or else the proxy network. With an OSM file the network is clipped to the province and
    settlements it misses are joined by proxy links (``kind="osm+proxy"`` when any were
    needed).

    Parameters
    ----------
    settings
        Where the data and the cache live.
    profile
        Profile name or object.
    osm_file
        An ``.osm.pbf``, ``.osm`` or ``.osm.bz2`` file covering Kon Tum.
    proxy
        Use the proxy network even when an OSM file was chosen.
    rebuild
        Ignore an existing cache entry.
    field
        Add the roads and apply the speed table a planner accepted from field observations
        (:mod:`geo.field.state`); ``G.graph["speed_table"]`` says which table timed the
        network. False returns the network as built (timed with the default table).
    """
    if osm_file is None and not proxy:
        osm_file = network_source(settings)
    key = network_cache_key(settings, profile=profile, osm_file=osm_file)
    name = get_profile(profile).name
    kind = "osm" if osm_file else "proxy"
    folder = Path(settings.cache_dir) / "networks" / f"{kind}-{name}-{key}"
    G: nx.MultiDiGraph | None = None
    if folder.exists() and not rebuild:
        try:
            G = load_network(folder)
        except (NetworkError, OSError, ValueError):
            G = None  # a damaged cache entry is rebuilt below
    if G is None:
        if osm_file is None:
            G = build_proxy_network(settings, profile=profile)
        else:
            G = osm_network_for_province(settings, osm_file, profile=profile)
        G.graph["cache_key"] = key
        save_network(G, folder)
    latest = Path(settings.cache_dir) / "networks" / "latest.json"
    latest.write_text(json.dumps({"folder": folder.name, "profile": name,
                                  "osm_file": str(osm_file) if osm_file else None}),
                      encoding="utf-8")
    if field:
        from geo.field.state import apply_field_state, field_state_for

        return apply_field_state(G, field_state_for(settings), profile=name)
    return G


def latest_network(settings: Settings) -> nx.MultiDiGraph | None:
    """Return the network most recently built with :func:`cached_network`, or None."""
    latest = Path(settings.cache_dir) / "networks" / "latest.json"
    if not latest.exists():
        return None
    info = json.loads(latest.read_text(encoding="utf-8"))
    folder = latest.parent / str(info.get("folder", ""))
    return load_network(folder) if (folder / "graph.json").exists() else None


__all__ = [
    "BUILD_VERSION",
    "cached_network",
    "latest_network",
    "network_cache_key",
    "network_source",
    "set_network_source",
]
