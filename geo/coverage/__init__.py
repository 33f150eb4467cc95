"""Access to offices and coverage reports: who lives how far from a post office.

Two doors, as everywhere in ``geo``:

- :func:`access_surface` (adapter) snaps the populated WorldPop cells, the commune points
  and the offices of the chosen kinds to the road network and computes, in **one
  multi-source search** towards the offices, the travel time from every cell and commune
  point to its nearest office, off-network legs included. It returns an
  :class:`AccessSurface`.
- :func:`coverage_report` (core) turns an access surface into a :class:`CoverageReport`:
  people within ``T`` minutes overall, per old commune (102) and per new 2025 commune (40),
  mean and 90th-percentile travel time, the worst-served communes and settlements, and the
  coverage curve. :func:`export_coverage` writes it as GeoPackage, GeoJSON or CSV.

:class:`AccessNetwork` prepares a graph once (travel engine, edge arrays, edge index) for
these searches, for :mod:`geo.isochrones` and for :mod:`geo.siting`.
:func:`census_scaled_cells` rescales the cells to the 2019 census per commune, and
:func:`named_villages` picks named OSM villages to label the worst-served places.

One module per concern; import from here or from the module:

- :mod:`geo.coverage.access` — the prepared network, snapping, the multi-source search;
- :mod:`geo.coverage.surface` — :func:`access_surface` and :class:`AccessSurface`;
- :mod:`geo.coverage.population` — WorldPop or census people counts;
- :mod:`geo.coverage.report` — :func:`coverage_report` and :class:`CoverageReport`;
- :mod:`geo.coverage.export` — :func:`export_coverage`.

Every result carries ``network_kind`` (``proxy``, ``osm`` or ``osm+proxy``) and says in its
summary and exports when the times come from the estimated proxy network.
"""


from geo.coverage.access import (
    DEMAND_MAX_SNAP_M,
    AccessNetwork,
    EdgeTable,
    FloatArray,
    SnappedPoints,
    check_snapped,
    nearest_destination,
    network_label,
    point_times,
    snap_to_network,
)
from geo.coverage.export import export_coverage
from geo.coverage.population import (
    CENSUS_CELL_SOURCE,
    CENSUS_SOURCE,
    POPULATION_SOURCE,
    census_scaled_cells,
)
from geo.coverage.report import (
    CURVE_MINUTES,
    CoverageReport,
    coverage_report,
    named_villages,
    weighted_quantile,
)
from geo.coverage.surface import FAR_FROM_ROAD_M, AccessSurface, access_surface, select_offices

__all__ = [
    "CENSUS_CELL_SOURCE",
    "CENSUS_SOURCE",
    "CURVE_MINUTES",
    "DEMAND_MAX_SNAP_M",
    "FAR_FROM_ROAD_M",
    "POPULATION_SOURCE",
    "AccessNetwork",
    "AccessSurface",
    "CoverageReport",
    "EdgeTable",
    "FloatArray",
    "SnappedPoints",
    "access_surface",
    "census_scaled_cells",
    "check_snapped",
    "coverage_report",
    "export_coverage",
    "named_villages",
    "nearest_destination",
    "network_label",
    "point_times",
    "select_offices",
    "snap_to_network",
    "weighted_quantile",
]
