"""p-median: open ``k`` new sites so that the population-weighted travel time is smallest.

The compact radius formulation of Elloumi (2010): one continuous variable per demand point
and distinct candidate distance shorter than the nearest existing site, so the model only
holds what a new site could improve.
"""

from __future__ import annotations

import highspy
import numpy as np
import scipy.sparse as sp

from geo.siting.highs import run_milp, start_positions
from geo.siting.problem import SitingProblem


def solve_pmedian(problem: SitingProblem, k: int, penalty_s: float, time_limit_s: float,
                   mip_rel_gap: float, start: list[int] | None = None
                   ) -> tuple[list[int] | None, str, float]:
    """Solve the p-median MILP; return new site columns (None: no solution), status, gap."""
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
    x, status, gap = run_milp(
        cost=np.concatenate([np.zeros(n_x), z_cost]),
        lower=np.zeros(n_x + n_z),
        upper=np.concatenate([np.ones(n_x), np.full(n_z, highspy.kHighsInf)]),
        integer=np.concatenate([np.ones(n_x, bool), np.zeros(n_z, bool)]),
        A=A, row_lower=row_lower, row_upper=row_upper,
        maximise=False, time_limit_s=time_limit_s, mip_rel_gap=mip_rel_gap,
        offset=constant + float((w * np.minimum(sub.min(axis=1), bound)).sum()),
        start=start_positions(free, start or []))
    if x is None:
        return None, status, gap
    return [int(c) for c in free[x[:n_x] > 0.5]], status, gap


__all__ = ["solve_pmedian"]
