"""Solving a siting problem: the exact model of choice, the greedy baseline, the result."""

from __future__ import annotations

import math
import time

import numpy as np

from data.errors import InputError, Problem
from geo.siting.greedy import best_single, greedy_choice
from geo.siting.lscp import solve_lscp
from geo.siting.mclp import solve_mclp
from geo.siting.pmedian import solve_pmedian
from geo.siting.problem import (
    DEFAULT_UNREACHABLE_PENALTY_S,
    MODELS,
    BoolArray,
    SitingProblem,
)
from geo.siting.results import SitingResult
from geo.siting.score import SiteScore, score_mask


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
        greedy_idx = greedy_choice(problem, model, k, unreachable_penalty_s)
    greedy_s = time.perf_counter() - t0

    t0 = time.perf_counter()
    idx: list[int] | None
    if model != "lscp" and k == 1:  # one new site: evaluating every candidate is exact
        idx = best_single(problem, model, unreachable_penalty_s)
        status, gap = ("optimal" if idx else "trivial"), 0.0
        messages.append("k = 1: every candidate was evaluated (exact, no MILP needed).")
    elif model == "mclp":
        idx, status, gap = solve_mclp(problem, k, time_limit_s, mip_rel_gap, greedy_idx)
    elif model == "pmedian":
        idx, status, gap = solve_pmedian(problem, k, unreachable_penalty_s, time_limit_s,
                                          mip_rel_gap, greedy_idx)
    else:
        idx, status, gap = solve_lscp(problem, time_limit_s, mip_rel_gap, greedy_idx)
    if idx is None:  # no feasible solution within the time limit: fall back to greedy
        fallback = greedy_idx or greedy_choice(problem, model, k, unreachable_penalty_s)
        messages.append("HiGHS found no solution within the time limit; the greedy choice "
                        "is shown instead.")
        idx, gap = fallback, math.inf
    if model != "lscp":
        idx = _prune(problem, model, idx, unreachable_penalty_s)
    seconds = time.perf_counter() - t0

    before = score_mask(problem, problem.existing.copy(), unreachable_penalty_s)
    after = score_mask(problem, _mask(problem, idx), unreachable_penalty_s)
    greedy_score = score_mask(problem, _mask(problem, greedy_idx), unreachable_penalty_s)
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
    s = score_mask(problem, mask, penalty_s)
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


__all__ = ["solve_siting"]
