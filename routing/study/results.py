"""A study's results: curves per office and per province fleet, and the recommended roster.

Every figure is simulated (``provenance = "simulated"``) and says so in the JSON, the
tables and the summary. Wall times sit in ``timings``, outside what two runs compare: the
same scenario gives an equal :class:`FleetResult` (``==``) on one worker, two or a cluster.

On-time share of an office (or a fleet): dossiers with an appointment date done on time,
over those done plus those still open at the end of a block and already past their date.
Dossiers still open and not yet due when a block ends are left out (censored) and counted
in ``open_end``.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from routing.study.tasks import DayMetrics, DayResult, SitingCase

#: Keys of a fleet study's task: (office_id, couriers, block, index).
TaskKey = tuple[str, int, int, int]


@dataclass(frozen=True)
class Totals:
    """Sums over office-days (every figure simulated)."""

    office_days: int = 0
    courier_days: int = 0
    new: int = 0
    done: int = 0
    on_time: int = 0
    late: int = 0
    late_open: int = 0
    open_end: int = 0
    failed: int = 0
    length_m: float = 0.0
    work_s: int = 0
    overtime_s: int = 0
    max_backlog: int = 0
    not_reproducible: int = 0

    def __add__(self, other: Totals) -> Totals:
        values = {f.name: getattr(self, f.name) + getattr(other, f.name)
                  for f in dataclasses.fields(self)}
        values["max_backlog"] = max(self.max_backlog, other.max_backlog)
        return Totals(**values)

    @property
    def on_time_share(self) -> float | None:
        """On time over (done with a date + open past their date); None with no dossier."""
        judged = self.on_time + self.late + self.late_open
        return self.on_time / judged if judged else None

    @property
    def km_per_dossier(self) -> float | None:
        """Kilometres driven per dossier done."""
        return self.length_m / 1000.0 / self.done if self.done else None

    @property
    def overtime_h_per_courier_day(self) -> float | None:
        """Overtime hours per courier and working day."""
        return self.overtime_s / 3600.0 / self.courier_days if self.courier_days else None

    def to_dict(self) -> dict[str, Any]:
        """Return the sums and the derived figures as JSON-ready values."""
        out: dict[str, Any] = dataclasses.asdict(self)
        out["length_km"] = round(out.pop("length_m") / 1000.0, 3)
        out["work_h"] = round(out.pop("work_s") / 3600.0, 3)
        out["overtime_h"] = round(out.pop("overtime_s") / 3600.0, 3)
        for name in ("on_time_share", "km_per_dossier", "overtime_h_per_courier_day"):
            v = getattr(self, name)
            out[name] = None if v is None else round(v, 6)
        return out


def _day_totals(m: DayMetrics, *, last: bool) -> Totals:
    return Totals(office_days=1, courier_days=m.couriers, new=m.new, done=m.done,
                  on_time=m.on_time, late=m.late,
                  late_open=m.late_left if last else 0,
                  open_end=(m.left - m.late_left) if last else 0, failed=m.failed,
                  length_m=m.length_m, work_s=m.work_s, overtime_s=m.overtime_s,
                  max_backlog=m.carried,
                  not_reproducible=int(m.stopped_by not in ("", "iterations")))


@dataclass(frozen=True)
class CurvePoint:
    """One office with a number of couriers, over every planned day."""

    office_id: str
    name: str
    couriers: int
    totals: Totals

    def to_dict(self) -> dict[str, Any]:
        """Return the point as a flat JSON-ready row."""
        return {"office_id": self.office_id, "name": self.name, "couriers": self.couriers,
                **self.totals.to_dict(), "source": "simulated"}


@dataclass(frozen=True)
class LevelPoint:
    """A province fleet size: how it is spread and what it gives."""

    couriers: int
    allocation: tuple[tuple[str, int], ...]
    totals: Totals

    def to_dict(self) -> dict[str, Any]:
        """Return the point as a flat JSON-ready row (allocation as ``id:n;…``)."""
        return {"couriers": self.couriers,
                "allocation": ";".join(f"{o}:{n}" for o, n in self.allocation),
                **self.totals.to_dict(), "source": "simulated"}


@dataclass(frozen=True)
class Recommendation:
    """The smallest number of couriers tried at an office that reaches the target."""

    office_id: str
    name: str
    couriers: int | None
    on_time_share: float | None
    tried_max: int

    def to_dict(self) -> dict[str, Any]:
        """Return the recommendation as JSON-ready values."""
        return dataclasses.asdict(self)


@dataclass(frozen=True)
class FleetResult:
    """What a capacity study found (simulated).

    Parameters
    ----------
    scenario
        The scenario (``FleetScenario.to_dict()``).
    blocks
        The planned days (ISO), block by block.
    curves
        Per office and number of couriers.
    levels
        Per province fleet size.
    roster
        Per office, the recommended number of couriers.
    days
        Every office-day's metrics.
    network_kind
        The road network the days were planned on (``proxy`` = estimated).
    timings
        Wall times and the engine's size (not compared between runs).
    """

    scenario: dict[str, Any]
    blocks: tuple[tuple[str, ...], ...]
    curves: tuple[CurvePoint, ...]
    levels: tuple[LevelPoint, ...]
    roster: tuple[Recommendation, ...]
    days: tuple[DayMetrics, ...]
    network_kind: str
    provenance: str = "simulated"
    timings: Mapping[str, Any] = field(default_factory=dict, compare=False)

    @property
    def target(self) -> float:
        """The on-time share to reach."""
        return float(self.scenario["target"])

    @property
    def roster_total(self) -> int | None:
        """Couriers recommended in all, or None when an office never reached the target."""
        counts = [r.couriers for r in self.roster]
        return None if any(c is None for c in counts) else sum(c for c in counts if c)

    @property
    def not_reproducible(self) -> int:
        """Office-days whose solver stopped on time, not on its iteration budget."""
        return sum(c.totals.not_reproducible for c in self.curves)

    def to_dict(self, *, timings: bool = True) -> dict[str, Any]:
        """Return everything as one JSON-ready document."""
        out: dict[str, Any] = {
            "provenance": self.provenance, "network_kind": self.network_kind,
            "scenario": self.scenario, "blocks": [list(b) for b in self.blocks],
            "roster": [r.to_dict() for r in self.roster], "roster_total": self.roster_total,
            "levels": [p.to_dict() for p in self.levels],
            "curves": [p.to_dict() for p in self.curves],
            "days": [m.to_dict() for m in self.days],
            "not_reproducible": self.not_reproducible,
        }
        if timings:
            out["timings"] = dict(self.timings)
        return out

    def frames(self) -> dict[str, pd.DataFrame]:
        """Return ``roster``, ``levels``, ``curves`` and ``days`` tables (for CSV/XLSX)."""
        return {
            "roster": pd.DataFrame([{**r.to_dict(), "target": self.target,
                                     "source": "simulated"} for r in self.roster]),
            "levels": pd.DataFrame([p.to_dict() for p in self.levels]),
            "curves": pd.DataFrame([p.to_dict() for p in self.curves]),
            "days": pd.DataFrame([{**m.to_dict(), "source": "simulated"} for m in self.days]),
        }

    def summary(self) -> str:
        """Describe the study in Vietnamese and English (the figures are simulated)."""
        s = self.scenario
        planned = sum(len(b) for b in self.blocks)
        lines = [
            f"MÔ PHỎNG / SIMULATED — nghiên cứu số bưu tá / fleet study: {planned} of "
            f"{s['days']} working days from {s['start']} planned ({len(self.blocks)} "
            f"block(s)), ~{s['jobs_per_day']:g} dossiers/day, network {self.network_kind}.",
            f"Mục tiêu / target: ≥ {self.target:.1%} on time.",
        ]
        for r in self.roster:
            if r.couriers is None:
                lines.append(f"  {r.name} ({r.office_id}): chưa đạt với {r.tried_max} bưu tá / "
                             f"not reached with {r.tried_max} couriers "
                             f"(best {_pct(r.on_time_share)})")
            else:
                lines.append(f"  {r.name} ({r.office_id}): {r.couriers} bưu tá / couriers "
                             f"({_pct(r.on_time_share)} on time)")
        total = self.roster_total
        lines.append(f"Tổng đề xuất / recommended roster: "
                     f"{total if total is not None else 'chưa đạt / not reached'}")
        lines.append("fleet  on-time  km/dossier  overtime h/courier-day  open past due")
        for p in self.levels:
            t = p.totals
            lines.append(f"{p.couriers:5d}  {_pct(t.on_time_share):>7}  "
                         f"{_num(t.km_per_dossier):>10}  {_num(t.overtime_h_per_courier_day):>22}"
                         f"  {t.late_open:>13}")
        if self.not_reproducible:
            lines.append(f"{self.not_reproducible} office-day(s) stopped on time, not on "
                         "--iterations: raise --seconds for a reproducible study.")
        return "\n".join(lines)


def _pct(v: float | None) -> str:
    return "–" if v is None else f"{v:.1%}"


def _num(v: float | None) -> str:
    return "–" if v is None else f"{v:.2f}"


def fleet_result(scenario: dict[str, Any], blocks: Sequence[Sequence[Any]],
                 results: Mapping[TaskKey, DayResult], *,
                 allocations: Mapping[int, tuple[tuple[str, int], ...]],
                 names: Mapping[str, str], network_kind: str,
                 timings: Mapping[str, Any] | None = None) -> FleetResult:
    """Gather the task results into curves, fleet levels and the recommended roster.

    Parameters
    ----------
    scenario
        ``FleetScenario.to_dict()``.
    blocks
        The planned days, block by block.
    results
        ``(office_id, couriers, block, index)`` → :class:`DayResult`.
    allocations
        Province fleet size → ``((office_id, couriers), …)``.
    names
        ``office_id`` → office name.
    network_kind
        The road network's kind.
    timings
        Wall times (kept beside the result, not compared).
    """
    last = {b: len(days) - 1 for b, days in enumerate(blocks)}
    per_pair: dict[tuple[str, int], Totals] = {}
    for key in sorted(results):
        office, count, block, index = key
        t = _day_totals(results[key].metrics, last=index == last[block])
        per_pair[(office, count)] = per_pair.get((office, count), Totals()) + t
    curves = tuple(CurvePoint(o, names.get(o, o), n, per_pair[(o, n)])
                   for o, n in sorted(per_pair))
    levels = []
    for level in sorted(allocations):
        total = Totals()
        for pair in allocations[level]:
            total = total + per_pair[pair]
        levels.append(LevelPoint(level, tuple(allocations[level]), total))
    target = float(scenario["target"])
    roster = []
    for office in dict.fromkeys(o for o, _ in sorted(per_pair)):
        points = [c for c in curves if c.office_id == office]
        ok = [c for c in points if c.totals.on_time_share is None
              or c.totals.on_time_share >= target]
        best = ok[0] if ok else max(points, key=lambda c: (c.totals.on_time_share or 0.0,
                                                           -c.couriers))
        roster.append(Recommendation(office, names.get(office, office),
                                     ok[0].couriers if ok else None,
                                     best.totals.on_time_share,
                                     max(c.couriers for c in points)))
    days = tuple(results[k].metrics for k in sorted(results))
    return FleetResult(scenario=dict(scenario),
                       blocks=tuple(tuple(str(d) for d in b) for b in blocks),
                       curves=curves, levels=tuple(levels), roster=tuple(roster), days=days,
                       network_kind=network_kind, timings=dict(timings or {}))


@dataclass(frozen=True)
class SitingSweepResult:
    """What a siting sweep found: one row per (profile, cutoff, k)."""

    sweep: dict[str, Any]
    cases: tuple[SitingCase, ...]
    network_kinds: Mapping[str, str]
    timings: Mapping[str, Any] = field(default_factory=dict, compare=False)

    def to_dict(self, *, timings: bool = True) -> dict[str, Any]:
        """Return the sweep as one JSON-ready document."""
        out: dict[str, Any] = {"sweep": self.sweep, "network_kinds": dict(self.network_kinds),
                               "cases": [c.to_dict() for c in self.cases]}
        if timings:
            out["timings"] = dict(self.timings)
        return out

    def frame(self) -> pd.DataFrame:
        """Return the cases as a table (chosen sites ``;``-joined)."""
        rows = []
        for c in self.cases:
            row = c.to_dict()
            row["chosen"] = ";".join(c.chosen)
            row["network_kind"] = self.network_kinds.get(c.profile, "")
            rows.append(row)
        return pd.DataFrame(rows)

    def summary(self) -> str:
        """Describe the sweep (Vietnamese and English headings)."""
        lines = [f"Quét chọn điểm / siting sweep ({self.sweep['model']}): "
                 f"{len(self.cases)} case(s)", "profile     cutoff  k  covered before → after"
                 "  optimal  chosen"]
        for c in self.cases:
            lines.append(f"{c.profile:10s} {c.cutoff_min:6g} {c.k:2d}  {c.share_before:6.1%} → "
                         f"{c.share_after:6.1%}  {'yes' if c.optimal else 'NO':7s}  "
                         f"{', '.join(c.chosen)}")
        return "\n".join(lines)


__all__ = [
    "CurvePoint",
    "FleetResult",
    "LevelPoint",
    "Recommendation",
    "SitingSweepResult",
    "TaskKey",
    "Totals",
    "fleet_result",
]
