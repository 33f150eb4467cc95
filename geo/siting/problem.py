"""The siting problem: a demand × candidate travel-time matrix, weights, existing sites."""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import numpy as np
import numpy.typing as npt

from data.errors import InputError, Problem

Model = Literal["mclp", "pmedian", "lscp"]
#: The location models :func:`geo.siting.solve_siting` solves.
MODELS: tuple[str, ...] = ("mclp", "pmedian", "lscp")
#: Travel time charged in p-median to a person who cannot reach an open site (one day).
DEFAULT_UNREACHABLE_PENALTY_S = 86_400.0

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]
IntArray = npt.NDArray[np.int64]


def frozen_array(array: npt.NDArray[Any]) -> npt.NDArray[Any]:
    """Return a read-only copy of ``array`` (results never change under the caller)."""
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
        object.__setattr__(self, "cost_s", frozen_array(cost))
        object.__setattr__(self, "weight", frozen_array(weight))
        object.__setattr__(self, "existing", frozen_array(existing.astype(bool)))
        object.__setattr__(self, "site_id", frozen_array(site_id))
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


__all__ = ["DEFAULT_UNREACHABLE_PENALTY_S", "MODELS", "BoolArray", "FloatArray", "IntArray",
           "Model", "SitingProblem", "frozen_array"]
