"""Location set covering (LSCP): the fewest new sites covering everyone a candidate can reach."""

from __future__ import annotations

import highspy
import numpy as np
import scipy.sparse as sp

from geo.siting.highs import group_rows, run_milp, start_positions
from geo.siting.problem import SitingProblem


def solve_lscp(problem: SitingProblem, time_limit_s: float,
                mip_rel_gap: float, start: list[int] | None = None
                ) -> tuple[list[int] | None, str, float]:
    """Solve the LSCP MILP; return new site columns (None: no solution), status, gap."""
    free = np.flatnonzero(~problem.existing)
    cov_all = problem.cost_s <= problem.cutoff_s
    covered = cov_all[:, problem.existing].any(axis=1)
    cov = cov_all[:, free]
    rows = ~covered & cov.any(axis=1) & (problem.weight > 0)
    if not rows.any():
        return [], "trivial", 0.0
    groups, _ = group_rows(cov[rows], problem.weight[rows])
    used = groups.any(axis=0)
    cols = free[used]
    groups = groups[:, used]
    n_x, n_g = len(cols), len(groups)
    A = sp.csc_matrix(groups.astype(np.float64))
    x, status, gap = run_milp(
        cost=np.ones(n_x), lower=np.zeros(n_x), upper=np.ones(n_x),
        integer=np.ones(n_x, bool), A=A,
        row_lower=np.ones(n_g), row_upper=np.full(n_g, highspy.kHighsInf),
        maximise=False, time_limit_s=time_limit_s, mip_rel_gap=mip_rel_gap,
        start=start_positions(cols, start or []))
    if x is None:
        return None, status, gap
    return [int(c) for c in cols[x > 0.5]], status, gap


__all__ = ["solve_lscp"]
