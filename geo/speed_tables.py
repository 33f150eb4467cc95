"""Which speed table a network was timed with: name, version and content hash.

A network carries ``G.graph["speed_table"]`` (a :class:`SpeedTableRef` as a dict); plans
and coverage reports copy it so every figure says which speeds it rests on. The default
table ``geo/speeds.csv`` is ``default`` version 0; tables accepted from field observations
are versions ≥ 1 of a stored ``speed_table`` (see :mod:`geo.field.state`).
"""

from __future__ import annotations

import hashlib
from dataclasses import asdict, dataclass
from functools import lru_cache
from typing import Any

import networkx as nx
import pandas as pd

from geo.profiles import SPEED_COLUMNS, load_speed_table

#: Name of the shipped table.
DEFAULT_NAME = "default"


@dataclass(frozen=True)
class SpeedTableRef:
    """A speed table's identity.

    Parameters
    ----------
    name
        ``default`` for ``geo/speeds.csv``, else the stored table's name.
    version
        0 for the default table, else the store version.
    sha256
        Hash of the table's classes and speeds (:func:`table_sha256`).
    source
        ``default``, ``accepted`` (from a field proposal) or ``edited`` (in the app).
    """

    name: str
    version: int
    sha256: str
    source: str = "default"

    def label(self) -> str:
        """Short text for reports: ``field-calibrated v2 (sha256 1a2b3c4d5e6f)``."""
        return f"{self.name} v{self.version} (sha256 {self.sha256[:12]})"

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict."""
        return asdict(self)

    @classmethod
    def from_dict(cls, data: Any) -> SpeedTableRef:
        """Rebuild from :meth:`to_dict` (or return the default for anything else)."""
        if isinstance(data, dict) and {"name", "version", "sha256"} <= set(data):
            return cls(str(data["name"]), int(data["version"]), str(data["sha256"]),
                       str(data.get("source", "default")))
        return default_ref()


def table_sha256(table: pd.DataFrame) -> str:
    """Hash of a speed table's classes and speeds (row order and notes ignored)."""
    cols = ["highway", "surface", *SPEED_COLUMNS]
    frame = table[cols].copy().sort_values(["highway", "surface"]).reset_index(drop=True)
    text = "\n".join(",".join([str(r[0]), str(r[1]), *[f"{float(v):.3f}" for v in r[2:]]])
                     for r in frame.itertuples(index=False))
    return hashlib.sha256(text.encode()).hexdigest()


@lru_cache(maxsize=1)
def default_ref() -> SpeedTableRef:
    """Return the identity of ``geo/speeds.csv``."""
    return SpeedTableRef(DEFAULT_NAME, 0, table_sha256(load_speed_table()))


def stamp(G: nx.MultiDiGraph, ref: SpeedTableRef) -> nx.MultiDiGraph:
    """Record on ``G`` (in place) which table timed it; returns ``G``."""
    G.graph["speed_table"] = ref.to_dict()
    return G


def network_speed_table(G: nx.MultiDiGraph) -> SpeedTableRef:
    """Which table timed ``G`` (the default when the graph does not say)."""
    return SpeedTableRef.from_dict(G.graph.get("speed_table"))


__all__ = [
    "DEFAULT_NAME",
    "SpeedTableRef",
    "default_ref",
    "network_speed_table",
    "stamp",
    "table_sha256",
]
