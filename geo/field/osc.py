"""Proposed roads as an OpenStreetMap change file (``.osc``, osmChange 0.6) for a mapper.

Every road becomes a new way (negative ids, as the OSM API expects for new objects) with
``highway=track`` and tags that say where it came from and what to check. A road end at a
node of an OpenStreetMap network refers to that OSM node (so the way is joined); on the
proxy network, whose nodes are not OSM nodes, the end is a new node tagged ``fixme`` to
join it to the real road. Roads from simulated traces are marked ``SIMULATED — do not
upload`` on every way and in the file's header.

The file is meant to be opened in JOSM (File → Open, then review against imagery) before
anything is uploaded; it is never uploaded by postplan.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import geopandas as gpd

#: Tag every way gets.
BASE_TAGS = {"highway": "track", "source": "GPS"}


def roads_to_osc(roads: gpd.GeoDataFrame, *, network_kind: str, generator: str = "postplan"
                 ) -> bytes:
    """Return the osmChange XML for ``roads`` (a road proposal's or the accepted roads' table).

    Parameters
    ----------
    roads
        :data:`geo.field.roads.ROAD_COLUMNS` + geometry (EPSG:4326).
    network_kind
        ``osm`` when node ids are OpenStreetMap ids; anything else creates end nodes.
    generator
        The ``generator`` attribute.
    """
    simulated = bool(len(roads)) and bool(roads["provenance"].astype(str)
                                          .str.contains("simulated").any())
    root = ET.Element("osmChange", version="0.6", generator=generator)
    create = ET.SubElement(root, "create")
    next_id = -1
    ways = []
    shared: dict[str, int] = {}
    for r in roads.itertuples():
        coords = list(r.geometry.coords)
        refs: list[int] = []
        for i, (lon, lat) in enumerate(coords):
            end_label = str(r.u) if i == 0 else (str(r.v) if i == len(coords) - 1 else None)
            if end_label is not None and network_kind == "osm" and end_label.isdigit():
                refs.append(int(end_label))
                continue
            if end_label is not None and end_label in shared:
                refs.append(shared[end_label])
                continue
            node = ET.SubElement(create, "node", id=str(next_id), version="0",
                                 lat=f"{lat:.7f}", lon=f"{lon:.7f}")
            if end_label is not None and not end_label.startswith(f"{r.road_id}:"):
                ET.SubElement(node, "tag", k="fixme",
                              v="join this end to the existing road / nối đầu này vào đường "
                              "hiện có")
            if end_label is not None:
                shared[end_label] = next_id
            refs.append(next_id)
            next_id -= 1
        ways.append((r, refs))
    for r, refs in ways:
        way = ET.SubElement(create, "way", id=str(next_id), version="0")
        next_id -= 1
        for ref in refs:
            ET.SubElement(way, "nd", ref=str(ref))
        tags: dict[str, Any] = dict(BASE_TAGS)
        tags["fixme"] = ("SIMULATED — do not upload" if simulated else
                         "check alignment and class against imagery / kiểm tra vị trí và "
                         "loại đường trên ảnh vệ tinh")
        tags["note"] = (f"postplan {r.road_id}: ridden by {int(r.n_traces)} GPS traces "
                        f"({int(r.n_passes)} passes, {r.first_seen} – {r.last_seen}), "
                        f"about {float(r.observed_speed_kph):.0f} km/h by "
                        f"{getattr(r, 'vehicle', 'motorbike')}")
        for k, v in tags.items():
            ET.SubElement(way, "tag", k=k, v=str(v))
    ET.indent(root)
    header = ("<!-- SIMULATED roads from simulated traces: do not upload to OpenStreetMap -->\n"
              if simulated else
              "<!-- Roads proposed from courier GPS traces: review in JOSM before any "
              "upload -->\n")
    body = ET.tostring(root, encoding="unicode")
    return ('<?xml version="1.0" encoding="UTF-8"?>\n' + header + body + "\n").encode()


def write_osc(roads: gpd.GeoDataFrame, path: str | Path, *, network_kind: str) -> Path:
    """Write :func:`roads_to_osc` to ``path``; returns the path."""
    path = Path(path)
    path.write_bytes(roads_to_osc(roads, network_kind=network_kind))
    return path


__all__ = ["BASE_TAGS", "roads_to_osc", "write_osc"]
