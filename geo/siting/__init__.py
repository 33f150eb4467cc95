"""Choosing sites for new commune posts (laid out like PySAL spopt's ``locate``).

Three classic location models, each solved exactly as a mixed-integer programme with HiGHS
(through ``highspy`` directly, on sparse models) and, beside it, by a greedy heuristic:

``mclp``
    Maximal covering: open ``k`` new sites so that the most people are within
    ``cutoff_s`` of an open site (the existing offices stay open).
``pmedian``
    p-median: open ``k`` new sites so that the population-weighted travel time to the
    nearest open site is smallest (the existing offices stay open).
``lscp``
    Location set covering: the fewest new sites so that everyone whom some candidate can
    reach within ``cutoff_s`` is covered; demand that no candidate can cover is reported.

The problem is a :class:`SitingProblem` (demand × candidate matrix ``cost_s`` in seconds,
``inf`` where unreachable; ``weight`` = people per demand point; ``existing`` = candidates
already open and kept). It exports to and imports from ``.npz`` so anyone can re-solve it.

The adapter door (:func:`site_new_posts`, :func:`siting_problem`) takes GeoDataFrames —
populated cells, candidates (:func:`candidate_sites`: commune points, OSM village halls,
populated cells, or the planner's own points) and the existing offices — builds the cost
matrix on the road network and delegates to :func:`solve_siting`. :func:`evaluate_sites`
scores a hand-edited set of sites at once, without optimising (the what-if).

Formulations
------------
MCLP and LSCP work on coverage sets: demand already covered by the existing sites and
demand that no new candidate covers drop out, and demand points with the same set of
covering candidates are merged (weights summed) before the model is built. p-median uses
the compact radius formulation of Elloumi (2010): one continuous variable per demand point
and distinct candidate distance shorter than the nearest existing site, so the model only
holds what a new site could improve.

Modules
-------
- :mod:`geo.siting.problem` — :class:`SitingProblem` (validated, frozen; ``.npz``);
- :mod:`geo.siting.mclp`, :mod:`geo.siting.pmedian`, :mod:`geo.siting.lscp` — one exact
  model each, on the HiGHS plumbing of :mod:`geo.siting.highs`;
- :mod:`geo.siting.greedy` — the greedy baselines;
- :mod:`geo.siting.solve` — :func:`solve_siting` (model, baseline, pruning, result);
- :mod:`geo.siting.results` — :class:`SitingResult`; :mod:`geo.siting.score` — what-if
  scores (:class:`SiteScore`, :func:`score_sites`);
- :mod:`geo.siting.candidates` — :func:`candidate_sites` from the bundled layers;
- :mod:`geo.siting.adapters` — the GeoDataFrame door (:func:`siting_problem`,
  :func:`cost_matrix`, :func:`site_new_posts`, :class:`SitingPlan`,
  :func:`evaluate_sites`); :mod:`geo.siting.export` — :func:`export_sites`.
"""

from geo.siting.adapters import (
    SitingPlan,
    cost_matrix,
    evaluate_sites,
    site_new_posts,
    siting_problem,
)
from geo.siting.candidates import CANDIDATE_SOURCES, DEFAULT_CELL_MIN_PEOPLE, candidate_sites
from geo.siting.export import export_sites
from geo.siting.problem import DEFAULT_UNREACHABLE_PENALTY_S, MODELS, Model, SitingProblem
from geo.siting.results import SitingResult
from geo.siting.score import SiteScore, score_sites
from geo.siting.solve import solve_siting

__all__ = [
    "CANDIDATE_SOURCES",
    "DEFAULT_CELL_MIN_PEOPLE",
    "DEFAULT_UNREACHABLE_PENALTY_S",
    "MODELS",
    "Model",
    "SiteScore",
    "SitingPlan",
    "SitingProblem",
    "SitingResult",
    "candidate_sites",
    "cost_matrix",
    "evaluate_sites",
    "export_sites",
    "score_sites",
    "site_new_posts",
    "siting_problem",
    "solve_siting",
]
