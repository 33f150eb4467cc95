"""What a study asks: the validated scenario, its days, fleet levels and office areas.

Everything here is a pure function of its arguments (no network, no solver), so the client
builds the same scenario wherever the tasks later run.

Fleet study
    :class:`FleetScenario` — a horizon of ``days`` working days from ``start``, of which
    ``sample`` are planned (in blocks of ``block`` consecutive working days spread evenly
    over the horizon; each block starts with an empty backlog), province fleet sizes
    (``levels``), the daily volume and the solver budgets. :func:`allocate` spreads a
    province fleet over the post offices in proportion to the people their area serves;
    :func:`office_areas` gives each commune its post office (the former district's).
Siting sweep
    :class:`SitingSweep` — k × cutoff × profile for one location model.
"""

from __future__ import annotations

import datetime as dt
import math
import zlib
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
import pandas as pd

from data.calendar import WorkCalendar, office_day
from data.errors import InputError, Problem
from data.vehicles import DEFAULT_PROFILE, PROFILE_NAMES

#: Normal working time a day (Labour Code 2019, Art. 105: at most 8 hours); a route's
#: working time beyond it counts as overtime.
REGULAR_WORK_S = 8 * 3600
#: Share of dossiers that must be returned on time (the planner's question).
DEFAULT_TARGET = 0.99
#: Reasons a simulated failed visit is given (drawn uniformly; simulated, not observed).
SIMULATED_FAILURES = ("not_home", "wrong_address", "refused")


def derive_seed(*parts: int | str) -> int:
    """Return a seed from ``parts`` (ints and text), the same in every process and run.

    Python's ``hash`` of text changes between processes; this uses CRC-32 for text and
    numpy's ``SeedSequence`` to mix, so a task's seed depends only on what it is.
    """
    ints = [p if isinstance(p, int) else zlib.crc32(str(p).encode()) for p in parts]
    return int(np.random.SeedSequence([abs(int(i)) for i in ints]).generate_state(1)[0]
               % (2**31 - 1))


def parse_levels(text: str, *, flag: str = "--couriers") -> tuple[int, ...]:
    """Parse whole numbers: ``15:40:5`` (start:stop:step, stop included), ``15:40``, ``15,20``.

    Used for fleet sizes (``--couriers``) and numbers of sites (``--k``); ``flag`` names
    the option in the error.

    Raises
    ------
    InputError
        When the text is not one of those forms or a size is below 1.
    """
    raw = str(text).strip()
    try:
        if ":" in raw:
            parts = [int(p) for p in raw.split(":")]
            if len(parts) not in (2, 3) or (len(parts) == 3 and parts[2] < 1):
                raise ValueError
            start, stop = parts[0], parts[1]
            step = parts[2] if len(parts) == 3 else 1
            levels = tuple(range(start, stop + 1, step))
        else:
            levels = tuple(sorted({int(p) for p in raw.split(",") if p.strip()}))
    except ValueError:
        levels = ()
    if not levels or min(levels) < 1:
        raise InputError([Problem(
            f"{flag} {raw!r} is not a list of whole numbers; write start:stop:step "
            "(e.g. 15:40:5), start:stop or 15,20,30, every number at least 1",
            column=flag, value=raw,
            message_vi=f"{flag} {raw!r} không phải danh sách số nguyên; viết đầu:cuối:bước "
                       "(ví dụ 15:40:5), đầu:cuối hoặc 15,20,30, mỗi số từ 1 trở lên")])
    return levels


def allocate(total: int, weights: Sequence[float]) -> tuple[int, ...]:
    """Spread ``total`` couriers over offices in proportion to ``weights``, at least 1 each.

    Largest remainders: each office first gets ``max(1, floor(quota))``; couriers still to
    give go to the largest remainders, couriers over ``total`` come back from the smallest
    remainders among offices with more than one; ties go to the earlier office.

    Raises
    ------
    InputError
        When ``total`` is smaller than the number of offices, or a weight is negative.
    """
    n = len(weights)
    w = np.asarray(weights, dtype=float)
    if n == 0 or total < n or np.any(w < 0) or not np.isfinite(w).all():
        raise InputError([Problem(
            f"{total} couriers cannot be spread over {n} post offices (at least one each, "
            "weights not negative); give a larger fleet or fewer offices",
            column="--couriers", value=str(total),
            message_vi=f"không chia được {total} bưu tá cho {n} bưu cục (mỗi bưu cục ít nhất "
                       "một); hãy tăng số bưu tá hoặc bớt bưu cục")])
    share = w / w.sum() if w.sum() > 0 else np.full(n, 1.0 / n)
    quota = total * share
    out = np.maximum(1, np.floor(quota)).astype(int)
    order = sorted(range(n), key=lambda i: (-(quota[i] - out[i]), i))
    k = 0
    while out.sum() < total:
        out[order[k % n]] += 1
        k += 1
    back = sorted(range(n), key=lambda i: (quota[i] - out[i], i))
    k = 0
    while out.sum() > total:
        i = back[k % n]
        if out[i] > 1:
            out[i] -= 1
        k += 1
    return tuple(int(x) for x in out)


def study_days(post_offices: pd.DataFrame, start: dt.date, days: int,
               calendar: WorkCalendar | None = None) -> tuple[dt.date, ...]:
    """Return the first ``days`` working days from ``start`` (``data.calendar``).

    A day is a working day when at least one of ``post_offices`` is open (opening hours,
    public holidays with lunar Tết, office exceptions): Sundays and holidays are skipped,
    and with the default hours (Monday–Friday) Saturdays too.

    Raises
    ------
    InputError
        When no office opens for 60 days in a row (opening hours that never open).
    """
    records = [{str(k): v for k, v in r.items()} for r in post_offices.to_dict("records")]
    out: list[dt.date] = []
    day, idle = start, 0
    while len(out) < days:
        if any(not office_day(r, day, calendar).closed for r in records):
            out.append(day)
            idle = 0
        else:
            idle += 1
            if idle > 60:
                raise InputError([Problem(
                    f"no post office opens in the 60 days before {day:%d/%m/%Y}; check the "
                    "offices' opening hours and calendar exceptions",
                    column="opening_hours",
                    message_vi=f"không bưu cục nào mở cửa trong 60 ngày tới {day:%d/%m/%Y}; "
                               "hãy kiểm tra giờ mở cửa và ngày ngoại lệ")])
        day += dt.timedelta(days=1)
    return tuple(out)


def sample_blocks(days: Sequence[dt.date], *, sample: int | None, block: int
                  ) -> tuple[tuple[dt.date, ...], ...]:
    """Choose the planned days: all of them, or ``sample`` days in evenly spread blocks.

    Parameters
    ----------
    days
        The horizon's working days.
    sample
        Working days to plan (None or ≥ ``len(days)``: all, as one block).
    block
        Consecutive working days per block (carry-over runs inside a block).

    Returns
    -------
    tuple of tuple of date
        ``ceil(sample / block)`` blocks of ``block`` days (the last one shorter when
        ``sample`` is not a multiple), starting at evenly spaced positions of ``days``.
    """
    n = len(days)
    if sample is None or sample >= n:
        return (tuple(days),)
    size = max(1, min(block, sample))
    count = math.ceil(sample / size)
    lengths = [size] * (count - 1) + [sample - size * (count - 1)]
    room = n - size
    starts = [0] if count == 1 else [round(i * room / (count - 1)) for i in range(count)]
    return tuple(tuple(days[s:s + ln]) for s, ln in zip(starts, lengths, strict=True))


def office_areas(post_offices: pd.DataFrame, communes: pd.DataFrame,
                 points: pd.DataFrame | None = None) -> dict[str, str]:
    """Give each pre-2025 commune the post office that serves it: its district's.

    Parameters
    ----------
    post_offices
        Registry rows of kind ``post_office`` (``office_id``, ``commune_code``, ``lat``,
        ``lon``).
    communes
        ``data.layers.load_communes`` (``commune_code``, ``district``).
    points
        ``data.commune_points.load_commune_points`` (``commune_code``, ``point_lon``,
        ``point_lat``): a commune whose district has no post office goes to the nearest
        one (straight line, metres on a local plane); None: such communes get none.

    Returns
    -------
    dict
        ``commune_code`` → ``office_id``.
    """
    district = dict(zip(communes["commune_code"].astype(str), communes["district"].astype(str),
                        strict=True))
    by_district: dict[str, str] = {}
    for oid, code in zip(post_offices["office_id"].astype(str),
                         post_offices["commune_code"].astype(str), strict=True):
        d = district.get(code)
        if d is not None:
            by_district.setdefault(d, oid)
    out = {c: by_district[d] for c, d in district.items() if d in by_district}
    if points is not None and len(post_offices):
        lat0 = math.radians(float(np.mean(post_offices["lat"])))
        ox = post_offices["lon"].to_numpy(float) * math.cos(lat0)
        oy = post_offices["lat"].to_numpy(float)
        ids = post_offices["office_id"].astype(str).tolist()
        for c, lon, lat in zip(points["commune_code"].astype(str), points["point_lon"],
                               points["point_lat"], strict=True):
            if c not in out:
                d2 = (ox - float(lon) * math.cos(lat0)) ** 2 + (oy - float(lat)) ** 2
                out[c] = ids[int(np.argmin(d2))]
    return out


@dataclass(frozen=True)
class FleetScenario:
    """A capacity study: how many couriers each post office needs.

    Parameters
    ----------
    start
        First calendar day of the horizon.
    days
        Working days in the horizon (a year is about 250).
    levels
        Province fleet sizes to try (each spread over the offices by :func:`allocate`).
    sample
        Working days actually planned (None: all), in blocks of ``block``.
    block
        Consecutive working days per block.
    jobs_per_day
        Mean dossiers a working day across the province (Poisson); the 2018 Kon Tum figure
        is about 200.
    seed
        Seed of demand, failures and solver.
    seconds
        Solver time cap per office-day.
    iterations
        Solver iteration budget per office-day (reproducible plans), or None.
    target
        On-time share to reach (0.99).
    regular_work_s
        Normal working time a day; beyond it is overtime.
    fail_rate
        Chance that a visited stop fails (simulated; 0 by default).
    profile, capacity
        Couriers' vehicle and load.
    office_ids
        The post offices studied (None: every post office of the registry).
    """

    start: dt.date
    days: int
    levels: tuple[int, ...]
    sample: int | None = None
    block: int = 5
    jobs_per_day: float = 200.0
    seed: int = 0
    seconds: float = 10.0
    iterations: int | None = None
    target: float = DEFAULT_TARGET
    regular_work_s: int = REGULAR_WORK_S
    fail_rate: float = 0.0
    profile: str = DEFAULT_PROFILE
    capacity: int = 40
    office_ids: tuple[str, ...] | None = None

    def __post_init__(self) -> None:
        problems: list[Problem] = []

        def bad(column: str, value: object, en: str, vi: str) -> None:
            problems.append(Problem(en, column=column, value=str(value), message_vi=vi))

        if self.days < 1:
            bad("--days", self.days, f"--days must be at least 1, got {self.days}",
                f"--days phải từ 1 trở lên (đang là {self.days})")
        if self.sample is not None and self.sample < 1:
            bad("--sample", self.sample, f"--sample must be at least 1, got {self.sample}",
                f"--sample phải từ 1 trở lên (đang là {self.sample})")
        if self.block < 1:
            bad("--block", self.block, f"--block must be at least 1, got {self.block}",
                f"--block phải từ 1 trở lên (đang là {self.block})")
        if not self.levels or min(self.levels) < 1:
            bad("--couriers", self.levels, "give at least one fleet size of 1 or more",
                "hãy cho ít nhất một số bưu tá từ 1 trở lên")
        if not (self.jobs_per_day >= 0 and math.isfinite(self.jobs_per_day)):
            bad("--jobs-per-day", self.jobs_per_day, "--jobs-per-day must be 0 or more",
                "--jobs-per-day phải từ 0 trở lên")
        if not self.seconds > 0:
            bad("--seconds", self.seconds, f"--seconds must be positive, got {self.seconds}",
                f"--seconds phải lớn hơn 0 (đang là {self.seconds})")
        if self.iterations is not None and self.iterations < 1:
            bad("--iterations", self.iterations,
                f"--iterations must be at least 1, got {self.iterations}",
                f"--iterations phải từ 1 trở lên (đang là {self.iterations})")
        if not 0 < self.target <= 1:
            bad("--target", self.target, f"--target is a share in (0, 1], got {self.target}",
                f"--target là tỉ lệ trong (0, 1] (đang là {self.target})")
        if not 0 <= self.fail_rate < 1:
            bad("--fail-rate", self.fail_rate,
                f"--fail-rate is a share in [0, 1), got {self.fail_rate}",
                f"--fail-rate là tỉ lệ trong [0, 1) (đang là {self.fail_rate})")
        if self.profile not in PROFILE_NAMES:
            bad("--profile", self.profile, f"unknown profile {self.profile!r}; use one of "
                f"{', '.join(PROFILE_NAMES)}", f"phương tiện {self.profile!r} không có; dùng "
                f"một trong {', '.join(PROFILE_NAMES)}")
        if self.regular_work_s <= 0 or self.capacity < 1:
            bad("regular_work_s", self.regular_work_s,
                "the regular working time and the capacity must be positive",
                "thời gian làm việc và sức chở phải lớn hơn 0")
        if problems:
            raise InputError(problems, summary="Kịch bản nghiên cứu không hợp lệ. / The study "
                                               "scenario is not valid.")

    def to_dict(self) -> dict[str, Any]:
        """Return the scenario as JSON-ready values (dates ISO)."""
        out = asdict(self)
        out["start"] = self.start.isoformat()
        out["levels"] = list(self.levels)
        out["office_ids"] = None if self.office_ids is None else list(self.office_ids)
        return out


@dataclass(frozen=True)
class SitingSweep:
    """A siting sweep: every ``k`` × cutoff × profile for one location model.

    Parameters
    ----------
    ks
        New sites to open.
    cutoffs_min
        Coverage thresholds (minutes).
    profiles
        Vehicle profiles (one road network each).
    model
        ``mclp``, ``pmedian`` or ``lscp`` (``geo.siting.MODELS``).
    candidates
        Candidate source for ``geo.siting.candidate_sites``.
    time_limit_s
        HiGHS time limit per case; a case not proven optimal in time is marked so (and
        may differ between runs).
    """

    ks: tuple[int, ...]
    cutoffs_min: tuple[float, ...]
    profiles: tuple[str, ...]
    model: str = "mclp"
    candidates: str = "communes"
    time_limit_s: float = 60.0

    def __post_init__(self) -> None:
        from geo.siting import MODELS

        problems: list[Problem] = []
        if not self.ks or min(self.ks) < 0:
            problems.append(Problem("--k needs one or more numbers of new sites, 0 or more",
                                    column="--k", value=str(self.ks),
                                    message_vi="--k cần một hay nhiều số điểm mới, từ 0 trở lên"))
        if not self.cutoffs_min or not all(math.isfinite(c) and c > 0
                                           for c in self.cutoffs_min):
            problems.append(Problem("--cutoff needs positive minutes, e.g. 15,30,45",
                                    column="--cutoff", value=str(self.cutoffs_min),
                                    message_vi="--cutoff cần số phút dương, ví dụ 15,30,45"))
        for p in self.profiles or ("",):
            if p not in PROFILE_NAMES:
                problems.append(Problem(f"unknown profile {p!r}; use {', '.join(PROFILE_NAMES)}",
                                        column="--profile", value=p,
                                        message_vi=f"phương tiện {p!r} không có; dùng "
                                                   f"{', '.join(PROFILE_NAMES)}"))
        if self.model not in MODELS:
            problems.append(Problem(f"unknown model {self.model!r}; use {', '.join(MODELS)}",
                                    column="--model", value=self.model,
                                    message_vi=f"mô hình {self.model!r} không có; dùng "
                                               f"{', '.join(MODELS)}"))
        if not self.time_limit_s > 0:
            problems.append(Problem("--time-limit must be positive", column="--time-limit",
                                    value=str(self.time_limit_s),
                                    message_vi="--time-limit phải lớn hơn 0"))
        if problems:
            raise InputError(problems, summary="Kịch bản chọn điểm không hợp lệ. / The siting "
                                               "sweep is not valid.")

    def cases(self) -> tuple[tuple[str, float, int], ...]:
        """Every ``(profile, cutoff_min, k)`` in a fixed order."""
        return tuple((p, float(c), int(k)) for p in self.profiles for c in self.cutoffs_min
                     for k in self.ks)

    def to_dict(self) -> dict[str, Any]:
        """Return the sweep as JSON-ready values."""
        return {k: (list(v) if isinstance(v, tuple) else v) for k, v in asdict(self).items()}


def area_weights(areas: Mapping[str, str], communes: pd.DataFrame,
                 office_ids: Sequence[str]) -> tuple[float, ...]:
    """Return the 2019 census people each office's area holds, in ``office_ids`` order."""
    people = dict(zip(communes["commune_code"].astype(str),
                      communes["population"].astype(float), strict=True))
    total = dict.fromkeys(office_ids, 0.0)
    for c, o in areas.items():
        if o in total:
            total[o] += people.get(c, 0.0)
    return tuple(total[o] for o in office_ids)


__all__ = [
    "DEFAULT_TARGET",
    "REGULAR_WORK_S",
    "SIMULATED_FAILURES",
    "FleetScenario",
    "SitingSweep",
    "allocate",
    "area_weights",
    "derive_seed",
    "office_areas",
    "parse_levels",
    "sample_blocks",
    "study_days",
]
