"""The answer of :func:`geo.siting.solve_siting`: the choice, the baseline, the scores."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from geo.siting.score import SiteScore


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
            weighted = (f"weighted {self.objective:,.0f} person-s"
                        if math.isfinite(self.objective) else "no site open")
            lines.append(f"  mean travel time: {_minutes(self.before.mean_time_s)} before "
                         f"-> {_minutes(self.after.mean_time_s)} after ({weighted})")
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


def _minutes(seconds: float) -> str:
    """Minutes with one decimal, or ``unreachable`` when nobody can reach an open site."""
    return f"{seconds / 60:.1f} min" if math.isfinite(seconds) else "unreachable"


def _json_float(x: float) -> float | None:
    return float(x) if math.isfinite(x) else None


__all__ = ["SitingResult"]
