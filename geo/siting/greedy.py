"""Greedy baselines, and the exact best single site by evaluating every candidate."""

from __future__ import annotations

import numpy as np

from geo.siting.problem import SitingProblem


def best_single(problem: SitingProblem, model: str, penalty_s: float) -> list[int]:
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



def greedy_choice(problem: SitingProblem, model: str, k: int, penalty_s: float) -> list[int]:
    """Pick up to ``k`` new sites greedily (MCLP, p-median) or cover greedily (LSCP)."""
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


__all__ = ["best_single", "greedy_choice"]
