"""Scoring a set of open sites on the matrix: coverage, mean and weighted time (the what-if)."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from data.errors import InputError, Problem
from geo.siting.problem import (
    DEFAULT_UNREACHABLE_PENALTY_S,
    BoolArray,
    FloatArray,
    IntArray,
    SitingProblem,
    frozen_array,
)


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
    mask = open_mask(problem, open_sites)
    return score_mask(problem, mask, unreachable_penalty_s)


def open_mask(problem: SitingProblem, open_sites: npt.ArrayLike | None) -> BoolArray:
    """Boolean mask of open candidates from a mask, a list of site ids, or None (existing)."""
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


def score_mask(problem: SitingProblem, mask: BoolArray, penalty_s: float) -> SiteScore:
    """Score the sites open in ``mask`` (see :class:`SiteScore`)."""
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
        time_s=frozen_array(t),
        nearest=frozen_array(nearest),
    )


__all__ = ["SiteScore", "open_mask", "score_mask", "score_sites"]
