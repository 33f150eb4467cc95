"""The exact-solver plumbing shared by the models: sparse MILPs passed to HiGHS (highspy)."""

from __future__ import annotations

import math
from typing import Any

import highspy
import numpy as np
import numpy.typing as npt
import scipy.sparse as sp

from geo.siting.problem import BoolArray, FloatArray, IntArray, SitingProblem


def group_rows(cov: BoolArray, weight: FloatArray) -> tuple[BoolArray, FloatArray]:
    """Merge demand rows with the same set of covering candidates (weights summed)."""
    if cov.shape[0] == 0:
        return cov, weight
    packed = np.packbits(cov, axis=1)
    uniq, inverse = np.unique(packed, axis=0, return_inverse=True)
    sums = np.bincount(inverse.reshape(-1), weights=weight, minlength=len(uniq))
    rows = np.unpackbits(uniq, axis=1, count=cov.shape[1]).astype(bool)
    return rows, np.asarray(sums, dtype=np.float64)


def covering_groups(problem: SitingProblem) -> tuple[BoolArray, FloatArray, IntArray, float]:
    """Return the coverage sets a new site can still change, merged (MCLP and LSCP).

    Demand already covered by an existing site and demand no free candidate covers drop
    out; demand points with the same set of covering candidates become one group
    (:func:`group_rows`), and candidates covering no group are left out.

    Returns
    -------
    groups, weight, columns, covered_weight
        ``groups[g, c]``: candidate ``columns[c]`` (a problem column) covers group ``g``;
        people per group; people already covered by the existing sites.
    """
    free = np.flatnonzero(~problem.existing)
    cov_all = problem.cost_s <= problem.cutoff_s
    covered = cov_all[:, problem.existing].any(axis=1)
    cov = cov_all[:, free]
    rows = ~covered & cov.any(axis=1) & (problem.weight > 0)
    groups, weight = group_rows(cov[rows], problem.weight[rows])
    used = groups.any(axis=0)
    columns = free[used].astype(np.int64)
    return groups[:, used], weight, columns, float(problem.weight[covered].sum())


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


def run_milp(
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


def start_positions(cols: npt.NDArray[np.int64], start: list[int]) -> npt.NDArray[np.int64]:
    """Positions in ``cols`` (model binaries) of the problem columns in ``start``."""
    where = {int(c): i for i, c in enumerate(cols)}
    return np.asarray([where[c] for c in start if c in where], dtype=np.int64)


__all__ = ["covering_groups", "group_rows", "run_milp", "start_positions"]
