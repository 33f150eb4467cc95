"""Maximal covering (MCLP): open ``k`` new sites so that the most people are within reach.

Demand already covered by the existing sites and demand no new candidate covers drop out;
demand points with the same set of covering candidates are merged (weights summed).
"""

from __future__ import annotations

import highspy
import numpy as np
import scipy.sparse as sp

from geo.siting.highs import covering_groups, run_milp, start_positions
from geo.siting.problem import SitingProblem


def solve_mclp(problem: SitingProblem, k: int, time_limit_s: float,
                mip_rel_gap: float, start: list[int] | None = None
                ) -> tuple[list[int] | None, str, float]:
    """Solve the MCLP MILP; return new site columns (None: no solution), status, gap."""
    groups, w, cols, covered_weight = covering_groups(problem)
    if k == 0 or len(w) == 0:
        return [], "trivial", 0.0
    n_x, n_y = len(cols), len(w)
    # rows 0..n_y-1: y_g - sum_{j covers g} x_j <= 0 ; last row: sum x_j <= k
    cover = sp.csr_matrix(groups.astype(np.float64))
    A = sp.vstack([
        sp.hstack([-cover, sp.identity(n_y, format="csr")]),
        sp.hstack([sp.csr_matrix(np.ones((1, n_x))), sp.csr_matrix((1, n_y))]),
    ]).tocsc()
    x, status, gap = run_milp(
        cost=np.concatenate([np.zeros(n_x), w]),
        lower=np.zeros(n_x + n_y), upper=np.ones(n_x + n_y),
        integer=np.concatenate([np.ones(n_x, bool), np.zeros(n_y, bool)]),
        A=A,
        row_lower=np.full(n_y + 1, -highspy.kHighsInf),
        row_upper=np.concatenate([np.zeros(n_y), [float(k)]]),
        maximise=True, time_limit_s=time_limit_s, mip_rel_gap=mip_rel_gap,
        offset=covered_weight,
        # the model is already reduced (merged rows, dropped columns); HiGHS' presolve took
        # seconds on Kon Tum MCLPs of under 1,000 rows for no gain
        presolve=False, start=start_positions(cols, start or []))
    if x is None:
        return None, status, gap
    return [int(c) for c in cols[x[:n_x] > 0.5]], status, gap


__all__ = ["solve_mclp"]
