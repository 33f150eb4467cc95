"""Choosing sites for new commune posts: the core door, on a travel-time matrix.

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
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import geopandas as gpd
import highspy
import networkx as nx
import numpy as np
import numpy.typing as npt
import pandas as pd
import scipy.sparse as sp

from data.errors import InputError, Problem
from data.settings import GEO_CRS, Settings
from data.tables import csv_bytes
from geo.coverage.access import (
    DEMAND_MAX_SNAP_M,
    AccessNetwork,
    check_snapped,
    nearest_destination,
    point_times,
    snap_to_network,
)
from geo.matrix import ends_matrix

Model = Literal["mclp", "pmedian", "lscp"]
#: The location models this module solves.
MODELS: tuple[str, ...] = ("mclp", "pmedian", "lscp")
#: Travel time charged in p-median to a person who cannot reach an open site (one day).
DEFAULT_UNREACHABLE_PENALTY_S = 86_400.0

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]
IntArray = npt.NDArray[np.int64]


def _frozen(array: npt.NDArray[Any]) -> npt.NDArray[Any]:
    out = np.array(array, copy=True)
    out.flags.writeable = False
    return out


@dataclass(frozen=True, eq=False)
class SitingProblem:
    """A siting problem on a demand × candidate travel-time matrix.

    Parameters
    ----------
    cost_s
        Travel time in seconds from each demand point (row) to each candidate site
        (column); ``inf`` where unreachable. Shape ``(n_demand, n_candidates)``.
    weight
        People at each demand point, shape ``(n_demand,)``.
    existing
        True for candidates that are already open and stay open, shape ``(n_candidates,)``.
    site_id
        Identifier of each candidate (text), shape ``(n_candidates,)``, unique.
    cutoff_s
        Coverage threshold in seconds (MCLP, LSCP; also reported for p-median).
    k
        Number of new sites to open (MCLP, p-median; ignored by LSCP).

    Raises
    ------
    InputError
        With every problem found: shapes that do not match, negative or NaN times,
        negative weights, duplicate site ids, no candidate at all, a non-positive cutoff.
    """

    cost_s: FloatArray
    weight: FloatArray
    existing: BoolArray
    site_id: npt.NDArray[np.str_]
    cutoff_s: float
    k: int

    def __post_init__(self) -> None:
        problems: list[Problem] = []
        cost = np.asarray(self.cost_s, dtype=np.float64)
        weight = np.asarray(self.weight, dtype=np.float64).reshape(-1)
        existing = np.asarray(self.existing).reshape(-1)
        site_id = np.asarray(self.site_id).reshape(-1).astype(str)
        if cost.ndim != 2:
            problems.append(Problem(
                f"cost_s must be a 2-D demand × candidate matrix; got {cost.ndim} dimensions.",
                column="cost_s", value=str(cost.shape)))
            cost = cost.reshape(len(weight), -1) if cost.size == len(weight) else np.zeros((0, 0))
        n_demand, n_cand = cost.shape
        if n_cand == 0 or len(site_id) == 0:
            problems.append(Problem(
                "There are no candidate sites: give at least one candidate (commune points, "
                "village halls, populated cells or your own points).", column="site_id"))
        if len(weight) != n_demand:
            problems.append(Problem(
                f"weight has {len(weight)} entries but cost_s has {n_demand} demand rows; "
                "give one weight per row.", column="weight", value=str(len(weight))))
        if len(existing) != n_cand:
            problems.append(Problem(
                f"existing has {len(existing)} entries but cost_s has {n_cand} candidate "
                "columns; give one flag per column.", column="existing",
                value=str(len(existing))))
        if len(site_id) != n_cand:
            problems.append(Problem(
                f"site_id has {len(site_id)} entries but cost_s has {n_cand} candidate "
                "columns; give one id per column.", column="site_id", value=str(len(site_id))))
        if existing.dtype != np.bool_:
            if existing.size and not np.isin(existing, (0, 1)).all():
                problems.append(Problem(
                    "existing must be boolean (True = already open).", column="existing"))
            existing = existing.astype(bool)
        if np.isnan(cost).any():
            r, c = np.argwhere(np.isnan(cost))[0]
            problems.append(Problem(
                f"cost_s has {int(np.isnan(cost).sum())} NaN entries (first at demand row "
                f"{r}, candidate {c}); use inf for unreachable pairs.", column="cost_s",
                value="nan"))
        if (cost < 0).any():
            r, c = np.argwhere(cost < 0)[0]
            problems.append(Problem(
                f"cost_s has negative travel times (first at demand row {r}, candidate {c}).",
                column="cost_s", value=str(cost[r, c])))
        bad_w = ~np.isfinite(weight) | (weight < 0)
        if bad_w.any():
            i = int(np.argmax(bad_w))
            problems.append(Problem(
                f"weight must be finite and not negative; {int(bad_w.sum())} entries are not "
                f"(first at demand row {i}).", column="weight", value=str(weight[i])))
        if len(set(site_id.tolist())) != len(site_id):
            seen: set[str] = set()
            dup = next(s for s in site_id.tolist() if s in seen or seen.add(s))  # type: ignore[func-returns-value]
            problems.append(Problem(
                "site_id values must be unique.", column="site_id", value=dup))
        cutoff = float(self.cutoff_s)
        if not math.isfinite(cutoff) or cutoff <= 0:
            problems.append(Problem(
                "cutoff_s must be a positive number of seconds, e.g. 1800 for 30 minutes.",
                column="cutoff_s", value=str(self.cutoff_s)))
        k = self.k
        if isinstance(k, bool) or int(k) != k or int(k) < 0:
            problems.append(Problem(
                "k must be a whole number of new sites, 0 or more.", column="k", value=str(k)))
        if problems:
            raise InputError(problems, summary="The siting problem was rejected")
        object.__setattr__(self, "cost_s", _frozen(cost))
        object.__setattr__(self, "weight", _frozen(weight))
        object.__setattr__(self, "existing", _frozen(existing.astype(bool)))
        object.__setattr__(self, "site_id", _frozen(site_id))
        object.__setattr__(self, "cutoff_s", cutoff)
        object.__setattr__(self, "k", int(k))

    @property
    def n_demand(self) -> int:
        """Number of demand points (rows)."""
        return int(self.cost_s.shape[0])

    @property
    def n_candidates(self) -> int:
        """Number of candidate sites (columns), existing ones included."""
        return int(self.cost_s.shape[1])

    def with_k(self, k: int) -> SitingProblem:
        """Return the same problem with another number of new sites."""
        return SitingProblem(self.cost_s, self.weight, self.existing, self.site_id,
                             self.cutoff_s, k)

    def to_npz(self, path: str | Path) -> Path:
        """Write the problem as ``.npz`` (arrays cost_s, weight, existing, site_id, cutoff_s, k).

        Parameters
        ----------
        path
            Target file; ``.npz`` is appended by numpy when missing.

        Returns
        -------
        Path
            The file written.
        """
        target = Path(path)
        if target.suffix != ".npz":
            target = target.with_name(target.name + ".npz")
        np.savez_compressed(
            target, cost_s=self.cost_s, weight=self.weight, existing=self.existing,
            site_id=self.site_id.astype(str), cutoff_s=np.float64(self.cutoff_s),
            k=np.int64(self.k))
        return target

    @classmethod
    def from_npz(cls, path: str | Path) -> SitingProblem:
        """Read a problem written by :meth:`to_npz` (or by anyone, with the same arrays).

        Parameters
        ----------
        path
            The ``.npz`` file.

        Raises
        ------
        InputError
            When an array is missing or the arrays do not fit together.
        """
        with np.load(Path(path), allow_pickle=False) as data:
            missing = [n for n in ("cost_s", "weight", "existing", "site_id", "cutoff_s", "k")
                       if n not in data.files]
            if missing:
                raise InputError(
                    [Problem(f"array {m!r} is missing from the file.", column=m,
                             source=str(path)) for m in missing],
                    summary=f"{path} is not a siting problem")
            return cls(cost_s=data["cost_s"], weight=data["weight"], existing=data["existing"],
                       site_id=data["site_id"], cutoff_s=float(data["cutoff_s"]),
                       k=int(data["k"]))


@dataclass(frozen=True, eq=False)
class SiteScore:
    """How well a set of open sites serves the demand (the what-if door's answer).

    Parameters
    ----------
    open_ids
        Site ids counted as open.
    population_total
        People at all demand points.
    population_covered
        People within ``cutoff_s`` of an open site.
    share_covered
        ``population_covered / population_total`` (0 when there are no people).
    mean_time_s
        Population-weighted mean travel time to the nearest open site, over the people who
        can reach one (NaN when nobody can).
    weighted_time_s
        Sum over demand of people × travel time to the nearest open site, with
        ``unreachable_penalty_s`` for people who cannot reach any (the p-median objective).
    population_unreached
        People who cannot reach any open site at all.
    time_s
        Per demand point: travel time to the nearest open site (``inf`` if none).
    nearest
        Per demand point: column index of the nearest open site (-1 if none).
    """

    open_ids: tuple[str, ...]
    population_total: float
    population_covered: float
    share_covered: float
    mean_time_s: float
    weighted_time_s: float
    population_unreached: float
    time_s: FloatArray = field(repr=False)
    nearest: IntArray = field(repr=False)


def score_sites(
    problem: SitingProblem,
    open_sites: npt.ArrayLike | None = None,
    *,
    unreachable_penalty_s: float = DEFAULT_UNREACHABLE_PENALTY_S,
) -> SiteScore:
    """Score a set of open sites without optimising (fast what-if).

    Parameters
    ----------
    problem
        The siting problem.
    open_sites
        Boolean mask over candidates, or a list of site ids, or ``None`` for the existing
        sites only.
    unreachable_penalty_s
        Travel time charged in ``weighted_time_s`` per person who cannot reach an open site.

    Returns
    -------
    SiteScore
        Coverage within ``problem.cutoff_s``, mean and weighted travel time.

    Raises
    ------
    InputError
        When a site id is unknown or the mask has the wrong length.
    """
    mask = _open_mask(problem, open_sites)
    return _score(problem, mask, unreachable_penalty_s)


def _open_mask(problem: SitingProblem, open_sites: npt.ArrayLike | None) -> BoolArray:
    if open_sites is None:
        return problem.existing.copy()
    arr = np.asarray(open_sites)
    if arr.dtype == np.bool_:
        if arr.shape != (problem.n_candidates,):
            raise InputError(
                f"The open-site mask has {arr.size} entries; the problem has "
                f"{problem.n_candidates} candidates.")
        return arr.copy()
    ids = [str(s) for s in arr.reshape(-1).tolist()]
    index = {s: i for i, s in enumerate(problem.site_id.tolist())}
    unknown = [s for s in ids if s not in index]
    if unknown:
        raise InputError(
            [Problem(f"site id {s!r} is not a candidate of this problem; use one of its "
                     "site_id values.", column="site_id", value=s) for s in unknown],
            summary="Unknown sites")
    mask = np.zeros(problem.n_candidates, dtype=bool)
    mask[[index[s] for s in ids]] = True
    return mask


def _score(problem: SitingProblem, mask: BoolArray, penalty_s: float) -> SiteScore:
    w = problem.weight
    total = float(w.sum())
    if mask.any():
        sub = problem.cost_s[:, mask]
        j = np.argmin(sub, axis=1)
        t = sub[np.arange(problem.n_demand), j]
        nearest = np.flatnonzero(mask)[j].astype(np.int64)
    else:
        t = np.full(problem.n_demand, np.inf)
        nearest = np.full(problem.n_demand, -1, dtype=np.int64)
    reach = np.isfinite(t)
    nearest[~reach] = -1
    covered = float(w[t <= problem.cutoff_s].sum())
    reached_w = float(w[reach].sum())
    weighted = float((w[reach] * t[reach]).sum()) + penalty_s * (total - reached_w)
    mean = float((w[reach] * t[reach]).sum() / reached_w) if reached_w > 0 else math.nan
    return SiteScore(
        open_ids=tuple(problem.site_id[mask].tolist()),
        population_total=total,
        population_covered=covered,
        share_covered=covered / total if total > 0 else 0.0,
        mean_time_s=mean,
        weighted_time_s=weighted,
        population_unreached=total - reached_w,
        time_s=_frozen(t),
        nearest=_frozen(nearest),
    )


@dataclass(frozen=True, eq=False)
class SitingResult:
    """The answer of :func:`solve_siting`: exact MILP choice, greedy baseline, scores.

    Parameters
    ----------
    model
        ``"mclp"``, ``"pmedian"`` or ``"lscp"``.
    chosen
        Site ids of the new sites chosen by the MILP.
    chosen_index
        Their column indices in the problem.
    kept
        Site ids of the existing sites (kept open).
    k
        New sites asked for (MCLP, p-median) or needed (LSCP).
    cutoff_s
        Coverage threshold in seconds.
    objective
        MCLP: people within ``cutoff_s`` of kept + chosen sites; p-median: population-
        weighted travel time in person-seconds (kept + chosen); LSCP: number of new sites.
    objective_before
        The same measure with the kept sites alone (LSCP: 0 new sites; NaN when nothing is
        open before, for p-median).
    gap
        Relative MIP optimality gap reported by HiGHS (0 = proven optimal).
    status
        ``"optimal"``, ``"time_limit"``, ``"trivial"`` (nothing left to decide) or HiGHS' word.
    seconds
        Wall time to build and solve the MILP.
    greedy_chosen
        Site ids picked by the greedy baseline.
    greedy_objective
        Objective of the greedy choice, same measure as ``objective``.
    greedy_seconds
        Wall time of the greedy baseline.
    before
        Score with the kept sites alone.
    after
        Score with the kept and the chosen sites.
    population_uncoverable
        People whom no candidate (kept or new) reaches within ``cutoff_s``.
    n_demand, n_candidates
        Problem size.
    messages
        Plain-language notes (e.g. fewer sites than asked add coverage).
    """

    model: str
    chosen: tuple[str, ...]
    chosen_index: tuple[int, ...]
    kept: tuple[str, ...]
    k: int
    cutoff_s: float
    objective: float
    objective_before: float
    gap: float
    status: str
    seconds: float
    greedy_chosen: tuple[str, ...]
    greedy_objective: float
    greedy_seconds: float
    before: SiteScore = field(repr=False)
    after: SiteScore = field(repr=False)
    population_uncoverable: float
    n_demand: int
    n_candidates: int
    messages: tuple[str, ...] = ()

    @property
    def optimal(self) -> bool:
        """True when HiGHS proved the choice optimal (or nothing was left to decide)."""
        return self.status in ("optimal", "trivial")

    def to_dict(self) -> dict[str, Any]:
        """Plain, JSON-ready dictionary of the scalar results (non-finite numbers → None)."""
        return {
            "model": self.model,
            "chosen": list(self.chosen),
            "kept": list(self.kept),
            "k": self.k,
            "cutoff_s": self.cutoff_s,
            "objective": _json_float(self.objective),
            "objective_before": _json_float(self.objective_before),
            "gap": _json_float(self.gap),
            "status": self.status,
            "optimal": self.optimal,
            "seconds": round(self.seconds, 4),
            "greedy_chosen": list(self.greedy_chosen),
            "greedy_objective": _json_float(self.greedy_objective),
            "greedy_seconds": round(self.greedy_seconds, 4),
            "population_total": self.after.population_total,
            "population_covered_before": self.before.population_covered,
            "population_covered_after": self.after.population_covered,
            "mean_time_before_s": _json_float(self.before.mean_time_s),
            "mean_time_after_s": _json_float(self.after.mean_time_s),
            "population_uncoverable": self.population_uncoverable,
            "n_demand": self.n_demand,
            "n_candidates": self.n_candidates,
            "messages": list(self.messages),
        }

    def summary(self) -> str:
        """Human-readable multi-line summary."""
        minutes = self.cutoff_s / 60
        lines = [f"Siting ({self.model}, {minutes:g} min, {self.n_demand} demand points, "
                 f"{self.n_candidates} candidates, {len(self.kept)} kept open)"]
        lines.append(f"  chosen ({len(self.chosen)}): {', '.join(self.chosen) or '-'}")
        if self.model == "mclp":
            lines.append(f"  people within {minutes:g} min: {self.objective_before:,.0f} before "
                         f"-> {self.objective:,.0f} after "
                         f"(+{self.objective - self.objective_before:,.0f})")
            lines.append(f"  greedy: {self.greedy_objective:,.0f} "
                         f"({', '.join(self.greedy_chosen) or '-'})")
        elif self.model == "pmedian":
            lines.append(f"  mean travel time: {self.before.mean_time_s / 60:.1f} min before "
                         f"-> {self.after.mean_time_s / 60:.1f} min after "
                         f"(weighted {self.objective:,.0f} person-s)")
            lines.append(f"  greedy: {self.greedy_objective:,.0f} person-s "
                         f"({', '.join(self.greedy_chosen) or '-'})")
        else:
            lines.append(f"  new sites needed: {int(self.objective)}; greedy needs "
                         f"{int(self.greedy_objective)}")
            lines.append(f"  people no candidate covers within {minutes:g} min: "
                         f"{self.population_uncoverable:,.0f}")
        lines.append(f"  covered within {minutes:g} min: {self.before.share_covered:.1%} -> "
                     f"{self.after.share_covered:.1%}")
        lines.append(f"  status {self.status}, gap {self.gap:.2%}, {self.seconds:.2f} s "
                     f"(greedy {self.greedy_seconds:.3f} s)")
        lines += [f"  note: {m}" for m in self.messages]
        return "\n".join(lines)


def _json_float(x: float) -> float | None:
    return float(x) if math.isfinite(x) else None


# --------------------------------------------------------------------------- solving


def solve_siting(
    problem: SitingProblem,
    model: str = "mclp",
    *,
    time_limit_s: float = 60.0,
    mip_rel_gap: float = 0.0,
    unreachable_penalty_s: float = DEFAULT_UNREACHABLE_PENALTY_S,
    greedy: bool = True,
) -> SitingResult:
    """Solve a siting problem exactly (MILP, HiGHS) with a greedy baseline beside it.

    Parameters
    ----------
    problem
        The problem (matrix, weights, existing sites, cutoff, k).
    model
        ``"mclp"``, ``"pmedian"`` or ``"lscp"``.
    time_limit_s
        HiGHS time limit; when reached, the best solution found is returned with its gap
        and ``status="time_limit"``.
    mip_rel_gap
        Relative optimality gap at which HiGHS may stop (0 = prove optimality).
    unreachable_penalty_s
        p-median only: travel time charged per person who cannot reach any open site.
    greedy
        Also run the greedy baseline (cheap; on by default).

    Returns
    -------
    SitingResult
        Chosen sites, objective before and after, gap, status, timings, greedy baseline.

    Raises
    ------
    InputError
        For an unknown model or a non-positive time limit.
    """
    if model not in MODELS:
        raise InputError([Problem(f"Unknown siting model {model!r}; use one of "
                                  f"{', '.join(MODELS)}.", column="model", value=str(model))])
    if not time_limit_s > 0:
        raise InputError([Problem("time_limit_s must be positive.", column="time_limit_s",
                                  value=str(time_limit_s))])
    messages: list[str] = []
    n_free = int((~problem.existing).sum())
    k = problem.k
    if model != "lscp" and k > n_free:
        messages.append(f"k={k} but only {n_free} candidates are not already open; "
                        f"at most {n_free} can be chosen.")
        k = n_free

    t0 = time.perf_counter()
    greedy_idx: list[int] = []
    if greedy:
        greedy_idx = _greedy(problem, model, k, unreachable_penalty_s)
    greedy_s = time.perf_counter() - t0

    t0 = time.perf_counter()
    idx: list[int] | None
    if model != "lscp" and k == 1:  # one new site: evaluating every candidate is exact
        idx = _best_single(problem, model, unreachable_penalty_s)
        status, gap = ("optimal" if idx else "trivial"), 0.0
        messages.append("k = 1: every candidate was evaluated (exact, no MILP needed).")
    elif model == "mclp":
        idx, status, gap = _solve_mclp(problem, k, time_limit_s, mip_rel_gap, greedy_idx)
    elif model == "pmedian":
        idx, status, gap = _solve_pmedian(problem, k, unreachable_penalty_s, time_limit_s,
                                          mip_rel_gap, greedy_idx)
    else:
        idx, status, gap = _solve_lscp(problem, time_limit_s, mip_rel_gap, greedy_idx)
    if idx is None:  # no feasible solution within the time limit: fall back to greedy
        fallback = greedy_idx or _greedy(problem, model, k, unreachable_penalty_s)
        messages.append("HiGHS found no solution within the time limit; the greedy choice "
                        "is shown instead.")
        idx, gap = fallback, math.inf
    if model != "lscp":
        idx = _prune(problem, model, idx, unreachable_penalty_s)
    seconds = time.perf_counter() - t0

    before = _score(problem, problem.existing.copy(), unreachable_penalty_s)
    after = _score(problem, _mask(problem, idx), unreachable_penalty_s)
    greedy_score = _score(problem, _mask(problem, greedy_idx), unreachable_penalty_s)
    coverable = (problem.cost_s <= problem.cutoff_s).any(axis=1)
    uncoverable = float(problem.weight[~coverable].sum())

    def objective_of(score: SiteScore, n_new: int) -> float:
        if model == "mclp":
            return score.population_covered
        if model == "pmedian":
            return score.weighted_time_s if score.open_ids else math.nan
        return float(n_new)

    if model != "lscp" and len(idx) < k:
        messages.append(f"Only {len(idx)} of the {k} new sites asked for improve the "
                        "objective; the others would add nothing and are left out.")
    if model == "lscp" and uncoverable > 0:
        messages.append(f"{uncoverable:,.0f} people live where no candidate is within "
                        f"{problem.cutoff_s / 60:g} min; no choice of sites covers them.")
    ids = problem.site_id
    return SitingResult(
        model=model,
        chosen=tuple(ids[idx].tolist()),
        chosen_index=tuple(int(i) for i in idx),
        kept=tuple(ids[problem.existing].tolist()),
        k=len(idx) if model == "lscp" else problem.k,
        cutoff_s=problem.cutoff_s,
        objective=objective_of(after, len(idx)),
        objective_before=objective_of(before, 0),
        gap=gap,
        status=status,
        seconds=seconds,
        greedy_chosen=tuple(ids[greedy_idx].tolist()),
        greedy_objective=objective_of(greedy_score, len(greedy_idx)) if greedy else math.nan,
        greedy_seconds=greedy_s,
        before=before,
        after=after,
        population_uncoverable=uncoverable,
        n_demand=problem.n_demand,
        n_candidates=problem.n_candidates,
        messages=tuple(messages),
    )


def _mask(problem: SitingProblem, idx: list[int]) -> BoolArray:
    mask = problem.existing.copy()
    mask[np.asarray(idx, dtype=np.int64)] = True
    return mask


def _objective_value(problem: SitingProblem, model: str, mask: BoolArray,
                     penalty_s: float) -> float:
    s = _score(problem, mask, penalty_s)
    return s.population_covered if model == "mclp" else -s.weighted_time_s


def _prune(problem: SitingProblem, model: str, idx: list[int], penalty_s: float) -> list[int]:
    """Drop chosen sites whose removal does not worsen the objective (keeps optimality)."""
    keep = sorted(int(i) for i in idx)
    if not keep:
        return keep
    best = _objective_value(problem, model, _mask(problem, keep), penalty_s)
    tol = 1e-9 * max(1.0, abs(best))
    for i in list(keep):
        trial = [j for j in keep if j != i]
        if model == "pmedian" and not trial and not problem.existing.any():
            continue
        if _objective_value(problem, model, _mask(problem, trial), penalty_s) >= best - tol:
            keep = trial
    return keep


# --------------------------------------------------------------------------- greedy


def _best_single(problem: SitingProblem, model: str, penalty_s: float) -> list[int]:
    """Return the exact best single new site (MCLP or p-median) by evaluating all."""
    free = np.flatnonzero(~problem.existing)
    if free.size == 0:
        return []
    w = problem.weight
    if model == "mclp":
        covered = (problem.cost_s[:, problem.existing] <= problem.cutoff_s).any(axis=1)
        gain = (w * ~covered) @ (problem.cost_s[:, free] <= problem.cutoff_s)
        j = int(np.argmax(gain))
        return [int(free[j])] if gain[j] > 0 else []
    cost = np.where(np.isfinite(problem.cost_s), problem.cost_s, penalty_s)
    sub = cost[:, free]
    if problem.existing.any():
        bound = cost[:, problem.existing].min(axis=1)
        total = w @ np.minimum(sub, bound[:, None])
    else:
        total = w @ sub
    return [int(free[int(np.argmin(total))])]



def _greedy(problem: SitingProblem, model: str, k: int, penalty_s: float) -> list[int]:
    free = np.flatnonzero(~problem.existing)
    chosen: list[int] = []
    w = problem.weight
    if free.size == 0:
        return chosen
    if model == "mclp":
        cov = problem.cost_s[:, free] <= problem.cutoff_s
        covered = (problem.cost_s[:, problem.existing] <= problem.cutoff_s).any(axis=1)
        for _ in range(k):
            gain = (w * ~covered) @ cov
            gain[[int(np.searchsorted(free, c)) for c in chosen]] = -1.0
            j = int(np.argmax(gain))
            if gain[j] <= 0:
                break
            chosen.append(int(free[j]))
            covered |= cov[:, j]
        return chosen
    if model == "pmedian":
        cost = np.where(np.isfinite(problem.cost_s), problem.cost_s, penalty_s)
        if problem.existing.any():
            d = cost[:, problem.existing].min(axis=1)
        else:
            d = np.full(problem.n_demand, np.inf)
        sub = cost[:, free]
        for _ in range(k):
            # nothing open yet: the first pick is the best single site
            gain = -(w @ sub) if np.isinf(d).any() else w @ np.maximum(d[:, None] - sub, 0.0)
            gain[[int(np.searchsorted(free, c)) for c in chosen]] = -np.inf
            j = int(np.argmax(gain))
            if np.isfinite(d).all() and gain[j] <= 0:
                break
            chosen.append(int(free[j]))
            d = np.minimum(d, sub[:, j])
        return chosen
    # lscp: classic greedy set cover on the demand points that need a new site
    cov = problem.cost_s[:, free] <= problem.cutoff_s
    covered = (problem.cost_s[:, problem.existing] <= problem.cutoff_s).any(axis=1)
    need = ~covered & cov.any(axis=1) & (w > 0)
    while need.any():
        counts = need @ cov
        j = int(np.argmax(counts))
        chosen.append(int(free[j]))
        need &= ~cov[:, j]
    return chosen


# --------------------------------------------------------------------------- exact MILPs


def _group_rows(cov: BoolArray, weight: FloatArray) -> tuple[BoolArray, FloatArray]:
    """Merge demand rows with the same set of covering candidates (weights summed)."""
    if cov.shape[0] == 0:
        return cov, weight
    packed = np.packbits(cov, axis=1)
    uniq, inverse = np.unique(packed, axis=0, return_inverse=True)
    sums = np.bincount(inverse.reshape(-1), weights=weight, minlength=len(uniq))
    rows = np.unpackbits(uniq, axis=1, count=cov.shape[1]).astype(bool)
    return rows, np.asarray(sums, dtype=np.float64)


def _new_highs(time_limit_s: float, mip_rel_gap: float, *, presolve: bool = True) -> Any:
    # highspy.Highs() prints a banner on standard output when it is built; the bare core
    # class does not, provided output is switched off before anything else. Standard
    # output must stay clean for ``--json`` commands.
    make = getattr(highspy, "_Highs", highspy.Highs)
    h = make()
    h.setOptionValue("output_flag", False)
    h.setOptionValue("time_limit", float(time_limit_s))
    h.setOptionValue("mip_rel_gap", float(mip_rel_gap))
    h.setOptionValue("random_seed", 0)
    if not presolve:
        h.setOptionValue("presolve", "off")
    return h


def _run_milp(
    cost: FloatArray,
    lower: FloatArray,
    upper: FloatArray,
    integer: BoolArray,
    A: sp.csc_matrix,
    row_lower: FloatArray,
    row_upper: FloatArray,
    *,
    maximise: bool,
    time_limit_s: float,
    mip_rel_gap: float,
    offset: float = 0.0,
    presolve: bool = True,
    start: npt.NDArray[np.int64] | None = None,
) -> tuple[FloatArray | None, str, float]:
    """Solve ``opt offset + cost·x s.t. row_lower <= A x <= row_upper, lower <= x <= upper``."""
    lp = highspy.HighsLp()
    lp.offset_ = float(offset)
    lp.num_col_ = int(A.shape[1])
    lp.num_row_ = int(A.shape[0])
    lp.col_cost_ = np.asarray(cost, dtype=np.float64)
    lp.col_lower_ = np.asarray(lower, dtype=np.float64)
    lp.col_upper_ = np.asarray(upper, dtype=np.float64)
    lp.row_lower_ = np.asarray(row_lower, dtype=np.float64)
    lp.row_upper_ = np.asarray(row_upper, dtype=np.float64)
    A = A.tocsc()
    A.sort_indices()
    lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    lp.a_matrix_.start_ = A.indptr.astype(np.int32)
    lp.a_matrix_.index_ = A.indices.astype(np.int32)
    lp.a_matrix_.value_ = A.data.astype(np.float64)
    lp.a_matrix_.num_col_ = lp.num_col_
    lp.a_matrix_.num_row_ = lp.num_row_
    lp.integrality_ = [highspy.HighsVarType.kInteger if b else highspy.HighsVarType.kContinuous
                       for b in integer]
    lp.sense_ = highspy.ObjSense.kMaximize if maximise else highspy.ObjSense.kMinimize
    h = _new_highs(time_limit_s, mip_rel_gap, presolve=presolve)
    h.passModel(lp)
    if start is not None and len(start):
        # a MIP start (the greedy choice): binaries set to 1, HiGHS completes the rest, so a
        # time limit still returns at least the greedy answer with a finite gap
        n_bin = int(np.count_nonzero(integer))
        idx = np.arange(n_bin, dtype=np.int32)
        vals = np.zeros(n_bin)
        vals[np.asarray(start, dtype=np.int64)] = 1.0
        h.setSolution(n_bin, idx, vals)
    h.run()
    model_status = h.getModelStatus()
    info = h.getInfo()
    gap = float(info.mip_gap)
    if model_status == highspy.HighsModelStatus.kOptimal:
        status = "optimal"
        gap = max(gap, 0.0) if math.isfinite(gap) else 0.0
    elif model_status == highspy.HighsModelStatus.kTimeLimit:
        status = "time_limit"
    else:
        status = h.modelStatusToString(model_status).lower().replace(" ", "_")
    has_solution = info.primal_solution_status == highspy.kSolutionStatusFeasible
    x = np.asarray(h.getSolution().col_value, dtype=np.float64) if has_solution else None
    return x, status, gap


def _start_positions(cols: npt.NDArray[np.int64], start: list[int]) -> npt.NDArray[np.int64]:
    """Positions in ``cols`` (model binaries) of the problem columns in ``start``."""
    where = {int(c): i for i, c in enumerate(cols)}
    return np.asarray([where[c] for c in start if c in where], dtype=np.int64)


def _solve_mclp(problem: SitingProblem, k: int, time_limit_s: float,
                mip_rel_gap: float, start: list[int] | None = None
                ) -> tuple[list[int] | None, str, float]:
    free = np.flatnonzero(~problem.existing)
    cov_all = problem.cost_s <= problem.cutoff_s
    covered = cov_all[:, problem.existing].any(axis=1)
    cov = cov_all[:, free]
    rows = ~covered & cov.any(axis=1) & (problem.weight > 0)
    if k == 0 or not rows.any():
        return [], "trivial", 0.0
    groups, w = _group_rows(cov[rows], problem.weight[rows])
    used = groups.any(axis=0)
    cols = free[used]
    groups = groups[:, used]
    n_x, n_y = len(cols), len(w)
    # rows 0..n_y-1: y_g - sum_{j covers g} x_j <= 0 ; last row: sum x_j <= k
    cover = sp.csr_matrix(groups.astype(np.float64))
    A = sp.vstack([
        sp.hstack([-cover, sp.identity(n_y, format="csr")]),
        sp.hstack([sp.csr_matrix(np.ones((1, n_x))), sp.csr_matrix((1, n_y))]),
    ]).tocsc()
    x, status, gap = _run_milp(
        cost=np.concatenate([np.zeros(n_x), w]),
        lower=np.zeros(n_x + n_y), upper=np.ones(n_x + n_y),
        integer=np.concatenate([np.ones(n_x, bool), np.zeros(n_y, bool)]),
        A=A,
        row_lower=np.full(n_y + 1, -highspy.kHighsInf),
        row_upper=np.concatenate([np.zeros(n_y), [float(k)]]),
        maximise=True, time_limit_s=time_limit_s, mip_rel_gap=mip_rel_gap,
        offset=float(problem.weight[covered].sum()),
        # the model is already reduced (merged rows, dropped columns); HiGHS' presolve took
        # seconds on Kon Tum MCLPs of under 1,000 rows for no gain
        presolve=False, start=_start_positions(cols, start or []))
    if x is None:
        return None, status, gap
    return [int(c) for c in cols[x[:n_x] > 0.5]], status, gap


def _solve_lscp(problem: SitingProblem, time_limit_s: float,
                mip_rel_gap: float, start: list[int] | None = None
                ) -> tuple[list[int] | None, str, float]:
    free = np.flatnonzero(~problem.existing)
    cov_all = problem.cost_s <= problem.cutoff_s
    covered = cov_all[:, problem.existing].any(axis=1)
    cov = cov_all[:, free]
    rows = ~covered & cov.any(axis=1) & (problem.weight > 0)
    if not rows.any():
        return [], "trivial", 0.0
    groups, _ = _group_rows(cov[rows], problem.weight[rows])
    used = groups.any(axis=0)
    cols = free[used]
    groups = groups[:, used]
    n_x, n_g = len(cols), len(groups)
    A = sp.csc_matrix(groups.astype(np.float64))
    x, status, gap = _run_milp(
        cost=np.ones(n_x), lower=np.zeros(n_x), upper=np.ones(n_x),
        integer=np.ones(n_x, bool), A=A,
        row_lower=np.ones(n_g), row_upper=np.full(n_g, highspy.kHighsInf),
        maximise=False, time_limit_s=time_limit_s, mip_rel_gap=mip_rel_gap,
        start=_start_positions(cols, start or []))
    if x is None:
        return None, status, gap
    return [int(c) for c in cols[x > 0.5]], status, gap


def _solve_pmedian(problem: SitingProblem, k: int, penalty_s: float, time_limit_s: float,
                   mip_rel_gap: float, start: list[int] | None = None
                   ) -> tuple[list[int] | None, str, float]:
    free = np.flatnonzero(~problem.existing)
    if k == 0 or free.size == 0:
        return [], "trivial", 0.0
    cost = np.where(np.isfinite(problem.cost_s), problem.cost_s, penalty_s)
    w = problem.weight
    if problem.existing.any():
        bound = cost[:, problem.existing].min(axis=1)
    else:
        bound = np.full(problem.n_demand, np.inf)
    sub = cost[:, free]
    constant = 0.0
    if problem.existing.any():
        # Only times below the nearest kept office matter: cost_i = b_i + min(0, min_j r_ij)
        # with r_ij = c_ij - b_i. Demand with identical r rows (exactly equal floats) is
        # merged, weights summed; the b_i part is a constant.
        keep = w > 0
        rel = np.where(sub[keep] < bound[keep, None], sub[keep] - bound[keep, None], 0.0)
        constant = float((w[keep] * bound[keep]).sum())
        rel_u, inv = np.unique(rel, axis=0, return_inverse=True)
        w = np.asarray(np.bincount(inv.reshape(-1), weights=w[keep], minlength=len(rel_u)),
                       dtype=np.float64)
        sub = rel_u
        bound = np.zeros(len(rel_u))
    # Radius formulation (Elloumi 2010): for demand i with distinct candidate times
    # D1 < D2 < ... < DH (only those below the nearest existing site, which caps DH),
    # cost_i = D1 + sum_h (D{h+1} - Dh) z_ih, z_i1 >= 1 - sum_{c_ij = D1} x_j,
    # z_ih >= z_i,h-1 - sum_{c_ij = Dh} x_j, z >= 0. Built with array operations.
    n_x = len(free)
    mask = (sub < bound[:, None]) & (w > 0)[:, None]
    ii, jj = np.nonzero(mask)
    cc = sub[ii, jj]
    order = np.lexsort((cc, ii))
    ii, jj, cc = ii[order], jj[order], cc[order]
    if len(ii) == 0:
        return [], "trivial", 0.0
    new_level = np.ones(len(ii), dtype=bool)
    new_level[1:] = (ii[1:] != ii[:-1]) | (cc[1:] != cc[:-1])
    level_of = np.cumsum(new_level) - 1  # level of each (demand, candidate) entry
    lv_i, lv_c = ii[new_level], cc[new_level]
    same_next = np.zeros(len(lv_i), dtype=bool)
    same_next[:-1] = lv_i[1:] == lv_i[:-1]
    next_c = bound[lv_i].copy()
    next_c[:-1] = np.where(same_next[:-1], lv_c[1:], next_c[:-1])
    first = np.ones(len(lv_i), dtype=bool)
    first[1:] = lv_i[1:] != lv_i[:-1]
    has_z = np.isfinite(next_c)  # the top level of a demand with nothing open has none
    if not has_z.any():
        return [], "trivial", 0.0
    z_of_level = np.full(len(lv_i), -1, dtype=np.int64)
    z_of_level[has_z] = np.arange(int(has_z.sum()))
    n_z = int(has_z.sum())
    z_cost = (w[lv_i] * (next_c - lv_c))[has_z]
    # x entries: entry (row = z of its level, col = x_j)
    e_ok = has_z[level_of]
    x_rows = z_of_level[level_of[e_ok]]
    x_cols = jj[e_ok]
    # z entries: +1 on its own row, -1 for the previous level of the same demand
    z_rows = np.arange(n_z)
    link = has_z & ~first
    link_rows = z_of_level[link]
    link_cols = z_of_level[np.flatnonzero(link) - 1]
    card_row = n_z
    rows_i = np.concatenate([x_rows, z_rows, link_rows, np.full(n_x, card_row)])
    cols_i = np.concatenate([x_cols, n_x + z_rows, n_x + link_cols, np.arange(n_x)])
    vals = np.concatenate([np.ones(len(x_rows)), np.ones(n_z), -np.ones(len(link_rows)),
                           np.ones(n_x)])
    n_rows = n_z + 1
    row_lower = np.concatenate([np.where(first[has_z], 1.0, 0.0),
                                [0.0 if problem.existing.any() else 1.0]])
    row_upper = np.full(n_rows, highspy.kHighsInf)
    row_upper[-1] = float(k)  # sum x <= k (and >= 1 when nothing is open yet)
    A = sp.csc_matrix((vals, (rows_i, cols_i)), shape=(n_rows, n_x + n_z))
    x, status, gap = _run_milp(
        cost=np.concatenate([np.zeros(n_x), z_cost]),
        lower=np.zeros(n_x + n_z),
        upper=np.concatenate([np.ones(n_x), np.full(n_z, highspy.kHighsInf)]),
        integer=np.concatenate([np.ones(n_x, bool), np.zeros(n_z, bool)]),
        A=A, row_lower=row_lower, row_upper=row_upper,
        maximise=False, time_limit_s=time_limit_s, mip_rel_gap=mip_rel_gap,
        offset=constant + float((w * np.minimum(sub.min(axis=1), bound)).sum()),
        start=_start_positions(free, start or []))
    if x is None:
        return None, status, gap
    return [int(c) for c in free[x[:n_x] > 0.5]], status, gap



# --------------------------------------------------------------------------- adapter door

#: Candidate sources for new commune posts.
CANDIDATE_SOURCES: tuple[str, ...] = ("communes", "halls", "cells")
#: Smallest cell population for a populated cell to be a candidate.
DEFAULT_CELL_MIN_PEOPLE = 300.0


def candidate_sites(
    settings: Settings,
    source: str = "communes",
    *,
    cell_min_people: float = DEFAULT_CELL_MIN_PEOPLE,
) -> gpd.GeoDataFrame:
    """Candidate places for a new commune post, from the bundled layers.

    Parameters
    ----------
    settings
        Where the data lives.
    source
        ``communes`` (the 102 commune points of :mod:`data.commune_points`: geocoded,
        or estimated inside the commune where the geocoded one was wrong), ``halls`` (OSM
        ``amenity=community_centre`` village halls) or ``cells`` (WorldPop 1 km cells
        with at least ``cell_min_people`` people, at the cell centre).
    cell_min_people
        Population threshold for ``cells``.

    Returns
    -------
    GeoDataFrame
        ``site_id``, ``name``, ``source`` (``geocoded``, ``estimated``, ``osm``,
        ``worldpop``),
        ``commune_code`` where known; Point geometry (EPSG:4326).

    Raises
    ------
    InputError
        For an unknown source.
    """
    from data import layers

    if source == "communes":
        from data.commune_points import load_commune_points

        pts = load_commune_points(settings)
        out = pd.DataFrame({"site_id": "commune-" + pts["commune_code"].astype(str),
                            "name": pts["name"], "source": pts["source"],
                            "commune_code": pts["commune_code"].astype(str)})
        geom = pts.geometry
    elif source == "halls":
        pois = layers.load_pois(settings)
        halls = pois[pois["category"] == "village_hall"]
        out = pd.DataFrame({"site_id": "hall-" + halls["poi_id"].astype(str),
                            "name": halls["name"].fillna("Nhà văn hóa"), "source": "osm",
                            "commune_code": None})
        geom = halls.geometry
    elif source == "cells":
        grid = layers.load_population_grid(settings)
        cells = grid[grid["population"] >= cell_min_people]
        names = layers.load_communes(settings).set_index("commune_code")["name"]
        out = pd.DataFrame({
            "site_id": "cell-" + cells["cell_id"].astype(str),
            "name": [f"{names.get(c, c)}, 1 km cell {i} ({p:.0f} people)" for c, i, p in
                     zip(cells["commune_code"], cells["cell_id"], cells["population"],
                         strict=True)],
            "source": "worldpop", "commune_code": cells["commune_code"].astype(str)})
        geom = cells.geometry
    else:
        raise InputError([Problem(f"Unknown candidate source {source!r}; use one of "
                                  f"{', '.join(CANDIDATE_SOURCES)} or pass your own points.",
                                  column="candidates", value=str(source))])
    return gpd.GeoDataFrame(out.reset_index(drop=True),
                            geometry=gpd.GeoSeries(geom.to_numpy(), crs=GEO_CRS))


def siting_problem(
    network: AccessNetwork | nx.MultiDiGraph,
    cells: gpd.GeoDataFrame,
    candidates: gpd.GeoDataFrame,
    existing: gpd.GeoDataFrame,
    *,
    minutes: float,
    k: int,
    max_snap_m: float | None = None,
    demand_snap_m: float = DEMAND_MAX_SNAP_M,
) -> tuple[SitingProblem, gpd.GeoDataFrame]:
    """Build the cost matrix populated cells × (existing offices + candidates).

    Times run from each cell to each site (the citizen's direction), off-network legs at
    both ends included, through one many-to-many query of the travel engine between the
    distinct network nodes the cells and sites join the network at.

    Parameters
    ----------
    network
        An :class:`geo.coverage.AccessNetwork` or a graph.
    cells
        Demand: ``population`` per point (e.g. :func:`data.layers.load_population_grid`).
    candidates
        New-site candidates with ``site_id`` (unique), optional ``name``; Point geometry.
    existing
        Offices kept open, with ``office_id`` (their site id), optional ``name``.
    minutes
        Coverage threshold.
    k
        New sites to open.
    max_snap_m
        Snapping limit for sites (existing offices beyond it are an error; candidates
        beyond it get ``inf`` columns).
    demand_snap_m
        Snapping limit for the cells (see :data:`geo.coverage.DEMAND_MAX_SNAP_M`).

    Returns
    -------
    problem, sites
        The :class:`SitingProblem` (existing sites first) and a GeoDataFrame of its
        columns: ``site_id``, ``name``, ``existing``, ``source``; Point geometry.

    Raises
    ------
    InputError
        When a layer lacks columns or a CRS, or site ids are duplicated.
    """
    net = network if isinstance(network, AccessNetwork) else AccessNetwork.build(network)
    problems = []
    if "population" not in cells.columns:
        problems.append(Problem("cells need a 'population' column.", column="population"))
    if "site_id" not in candidates.columns:
        problems.append(Problem("candidates need a 'site_id' column.", column="site_id"))
    if "office_id" not in existing.columns:
        problems.append(Problem("existing offices need an 'office_id' column.",
                                column="office_id"))
    for label, frame in (("cells", cells), ("candidates", candidates),
                         ("existing offices", existing)):
        if frame.crs is None:
            problems.append(Problem(f"{label} have no CRS; set EPSG:4326 first.",
                                    column="geometry"))
    if problems:
        raise InputError(problems, summary="The siting problem cannot be built")
    sites = pd.concat([
        pd.DataFrame({"site_id": existing["office_id"].astype(str),
                      "name": existing.get("name", existing["office_id"]).astype(str),
                      "existing": True,
                      "source": existing.get("source", "user"),
                      "geometry": existing.to_crs(GEO_CRS).geometry.to_numpy()}),
        pd.DataFrame({"site_id": candidates["site_id"].astype(str),
                      "name": candidates.get("name", candidates["site_id"]).astype(str),
                      "existing": False,
                      "source": candidates.get("source", "user"),
                      "geometry": candidates.to_crs(GEO_CRS).geometry.to_numpy()}),
    ], ignore_index=True)
    # a candidate at the same id as an existing office is the office itself
    sites = sites.drop_duplicates("site_id", keep="first").reset_index(drop=True)
    site_gdf = gpd.GeoDataFrame(sites, geometry="geometry", crs=GEO_CRS)
    check_snapped(snap_to_network(net, existing, max_snap_m=max_snap_m, what="office"),
                  existing, id_column="office_id", what="office")
    cost = cost_matrix(net, cells, site_gdf, origin_snap_m=demand_snap_m,
                       destination_snap_m=max_snap_m)
    problem = SitingProblem(cost_s=cost, weight=cells["population"].to_numpy(dtype=float),
                            existing=site_gdf["existing"].to_numpy(dtype=bool),
                            site_id=site_gdf["site_id"].to_numpy(dtype=str),
                            cutoff_s=float(minutes) * 60.0, k=k)
    return problem, site_gdf


def cost_matrix(
    network: AccessNetwork,
    origins: gpd.GeoDataFrame,
    destinations: gpd.GeoDataFrame,
    *,
    origin_snap_m: float | None = DEMAND_MAX_SNAP_M,
    destination_snap_m: float | None = None,
) -> FloatArray:
    """Door-to-door travel times (s) from every origin point to every destination point.

    Parameters
    ----------
    network
        The prepared network.
    origins, destinations
        Point GeoDataFrames with a CRS.
    origin_snap_m, destination_snap_m
        Snapping limits (None: :func:`geo.snap.snap_points`' default); points beyond them
        get ``inf`` rows or columns.

    Returns
    -------
    numpy.ndarray
        ``(len(origins), len(destinations))``, ``inf`` where unreachable.
    """
    o = snap_to_network(network, origins, max_snap_m=origin_snap_m, what="origin")
    d = snap_to_network(network, destinations, max_snap_m=destination_snap_m,
                        what="destination")
    return ends_matrix(network.engine, o, d)[0]


@dataclass(frozen=True, eq=False)
class SitingPlan:
    """A siting answer on the map: the result, the sites and the problem it solved.

    Parameters
    ----------
    result
        The :class:`SitingResult`.
    sites
        Every site column (existing and candidates): ``site_id``, ``name``, ``existing``,
        ``chosen``, ``greedy_chosen``, ``source``; Point geometry.
    problem
        The :class:`SitingProblem` (export it with ``problem.to_npz``).
    network_kind
        ``proxy``, ``osm`` or ``osm+proxy``.
    """

    result: SitingResult
    sites: gpd.GeoDataFrame = field(repr=False)
    problem: SitingProblem = field(repr=False)
    network_kind: str

    @property
    def chosen_sites(self) -> gpd.GeoDataFrame:
        """The chosen new sites with their names."""
        return self.sites[self.sites["chosen"]].reset_index(drop=True)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready result with the chosen sites' names and coordinates."""
        out = self.result.to_dict()
        out["network_kind"] = self.network_kind
        out["chosen_sites"] = [
            {"site_id": str(r["site_id"]), "name": str(r["name"]),
             "source": str(r["source"]), "lon": round(float(r["geometry"].x), 5),
             "lat": round(float(r["geometry"].y), 5)}
            for r in self.chosen_sites.to_dict("records")]
        return out

    def summary(self) -> str:
        """Summarise the result, with chosen site names and the network kind."""
        names = "; ".join(f"{r['site_id']} {r['name']}"
                          for r in self.chosen_sites.to_dict("records"))
        net = ("PROXY network (estimated)" if self.network_kind == "proxy"
               else f"{self.network_kind} network")
        return f"{self.result.summary()}\n  sites: {names or '-'}\n  times on the {net}"


def site_new_posts(
    network: AccessNetwork | nx.MultiDiGraph,
    cells: gpd.GeoDataFrame,
    candidates: gpd.GeoDataFrame,
    existing: gpd.GeoDataFrame,
    *,
    k: int,
    minutes: float,
    model: str = "mclp",
    time_limit_s: float = 60.0,
    max_snap_m: float | None = None,
    demand_snap_m: float = DEMAND_MAX_SNAP_M,
) -> SitingPlan:
    """Choose ``k`` new commune-post sites among candidates, existing offices kept.

    Parameters
    ----------
    network
        An :class:`geo.coverage.AccessNetwork` or a graph.
    cells
        Demand points with ``population``.
    candidates
        Candidate sites with ``site_id`` (see :func:`candidate_sites`).
    existing
        Offices kept open (``office_id``).
    k
        New sites to open.
    minutes
        Coverage threshold.
    model
        ``mclp``, ``pmedian`` or ``lscp``.
    time_limit_s
        HiGHS time limit.
    max_snap_m, demand_snap_m
        Snapping limits for sites and for cells (see :func:`siting_problem`).

    Returns
    -------
    SitingPlan
    """
    net = network if isinstance(network, AccessNetwork) else AccessNetwork.build(network)
    problem, sites = siting_problem(net, cells, candidates, existing, minutes=minutes, k=k,
                                    max_snap_m=max_snap_m, demand_snap_m=demand_snap_m)
    result = solve_siting(problem, model, time_limit_s=time_limit_s)
    sites = sites.copy()
    sites["chosen"] = sites["site_id"].isin(result.chosen)
    sites["greedy_chosen"] = sites["site_id"].isin(result.greedy_chosen)
    return SitingPlan(result=result, sites=sites, problem=problem, network_kind=net.kind)


def export_sites(plan: SitingPlan, path: str | Path) -> Path:
    """Write a siting plan's sites as GeoPackage, GeoJSON or CSV (chosen by the suffix).

    Every row carries ``model``, ``minutes``, ``network_kind`` and whether the site is
    ``existing``, ``chosen`` (exact) or ``greedy_chosen``; CSV adds ``lon``/``lat`` and is
    UTF-8 with BOM for Excel.

    Parameters
    ----------
    plan
        The plan (:func:`site_new_posts`).
    path
        Target file (``.gpkg``, ``.geojson`` or ``.csv``).

    Returns
    -------
    Path
        The file written.

    Raises
    ------
    InputError
        For another suffix.
    """
    target = Path(path)
    out = plan.sites.copy()
    out["source"] = out["source"].astype(str)
    out["model"] = plan.result.model
    out["minutes"] = plan.result.cutoff_s / 60.0
    out["network_kind"] = plan.network_kind
    suffix = target.suffix.lower()
    if suffix == ".gpkg":
        if target.exists():
            target.unlink()
        out.to_file(target, layer="sites", driver="GPKG")
    elif suffix in (".geojson", ".json"):
        out.to_file(target, driver="GeoJSON")
    elif suffix == ".csv":
        table = pd.DataFrame(out.drop(columns="geometry"))
        table["lon"] = out.geometry.x.round(6)
        table["lat"] = out.geometry.y.round(6)
        target.write_bytes(csv_bytes(table))
    else:
        raise InputError([Problem("Unsupported export format; use .gpkg, .geojson or .csv.",
                                  value=suffix or str(path))])
    return target


def evaluate_sites(
    network: AccessNetwork | nx.MultiDiGraph,
    cells: gpd.GeoDataFrame,
    sites: gpd.GeoDataFrame,
    *,
    minutes: float,
    max_snap_m: float | None = None,
    demand_snap_m: float = DEMAND_MAX_SNAP_M,
) -> SiteScore:
    """Score a hand-edited set of open sites at once (one multi-source search, no MILP).

    Parameters
    ----------
    network
        An :class:`geo.coverage.AccessNetwork` or a graph.
    cells
        Demand points with ``population``.
    sites
        The open sites, with ``site_id`` (or ``office_id``); any points the planner picks.
    minutes
        Coverage threshold.
    max_snap_m, demand_snap_m
        Snapping limits for sites (beyond it: an error) and for cells.

    Returns
    -------
    SiteScore
        Coverage, mean and weighted time; ``nearest`` indexes rows of ``sites``.
    """
    net = network if isinstance(network, AccessNetwork) else AccessNetwork.build(network)
    id_col = "site_id" if "site_id" in sites.columns else "office_id"
    if id_col not in sites.columns:
        raise InputError([Problem("sites need a 'site_id' (or 'office_id') column.",
                                  column="site_id")])
    if not (math.isfinite(minutes) and minutes > 0):
        raise InputError([Problem("minutes must be a positive number.", column="minutes",
                                  value=str(minutes))])
    dest = snap_to_network(net, sites, max_snap_m=max_snap_m, what="site")
    check_snapped(dest, sites, id_column=id_col, what="site")
    node_t, owner = nearest_destination(net, dest)
    snapped = snap_to_network(net, cells, max_snap_m=demand_snap_m, what="cell")
    t, nearest = point_times(snapped, node_t, owner)
    w = cells["population"].to_numpy(dtype=float)
    reach = np.isfinite(t)
    total = float(w.sum())
    covered = float(w[t <= minutes * 60.0].sum())
    wr = float(w[reach].sum())
    return SiteScore(
        open_ids=tuple(sites[id_col].astype(str).tolist()),
        population_total=total,
        population_covered=covered,
        share_covered=covered / total if total > 0 else 0.0,
        mean_time_s=float((w[reach] * t[reach]).sum() / wr) if wr > 0 else math.nan,
        weighted_time_s=float((w[reach] * t[reach]).sum())
        + DEFAULT_UNREACHABLE_PENALTY_S * (total - wr),
        population_unreached=total - wr,
        time_s=_frozen(t),
        nearest=_frozen(nearest.astype(np.int64)),
    )
