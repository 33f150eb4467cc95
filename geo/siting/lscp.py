"""Location set covering (LSCP): the fewest new sites covering everyone a candidate can reach."""

from __future__ import annotations

import highspy
import numpy as np
import scipy.sparse as sp

from geo.siting.highs import covering_groups, run_milp, start_positions
from geo.siting.problem import SitingProblem


def solve_lscp(problem: SitingProblem, time_limit_s: float,
                mip_rel_gap: float, start: list[int] | None = None
                ) -> tuple[list[int] | None, str, float]:
    """Solve the LSCP MILP; return new site columns (None: no solution), status, gap."""
    groups, _, cols, _ = covering_groups(problem)
    if len(groups) == 0:
        return [], "trivial", 0.0
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
