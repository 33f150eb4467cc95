"""Tests of the literature instance readers (routing.instances) on the real files."""

from __future__ import annotations

import itertools
import math
from pathlib import Path

import pytest

from data.errors import InputError
from routing.instances import (
    detect_family,
    read_cordeau,
    read_li_lim,
    read_solomon,
    solve_instance,
)

VRP = Path(__file__).resolve().parents[2] / "shared" / "benchmarks" / "vrp"
pytestmark = pytest.mark.skipif(not VRP.exists(), reason="benchmark instances not present")


def truncated_solomon(tmp_path: Path, n: int) -> Path:
    lines = (VRP / "solomon" / "R101.txt").read_text().splitlines()
    head = next(i for i, ln in enumerate(lines) if ln.strip().startswith("0 "))
    out = tmp_path / f"R101_{n}.txt"
    out.write_text("\n".join(lines[:head + 1 + n]) + "\n")
    return out


def truncated_li_lim(tmp_path: Path, pairs: int) -> Path:
    rows = [ln.split() for ln in (VRP / "lilim_100" / "lc101.txt").read_text().splitlines()
            if ln.strip()]
    keep = {0}
    for r in rows[1:]:
        if int(r[3]) > 0 and len(keep) < 1 + 2 * pairs:
            keep |= {int(r[0]), int(r[8])}
    remap = {old: new for new, old in enumerate(sorted(keep))}
    out = [" ".join(rows[0])]
    for r in rows[1:]:
        if int(r[0]) in keep:
            r = list(r)
            r[0] = str(remap[int(r[0])])
            r[7] = str(remap.get(int(r[7]), 0))
            r[8] = str(remap.get(int(r[8]), 0))
            out.append("\t".join(r))
    path = tmp_path / "lc101_small.txt"
    path.write_text("\n".join(out) + "\n")
    return path


def test_solomon_reader_builds_the_model():
    """C101 becomes 1 office, 25 couriers of capacity 200 and 100 required deliveries."""
    inst = read_solomon(VRP / "solomon" / "C101.txt")
    p = inst.problem
    assert len(p.offices) == 1 and len(p.couriers) == 25 and len(p.jobs) == 100
    assert {c.capacity for c in p.couriers.values()} == {200}
    j1 = p.jobs["1"]
    assert j1.kind == "delivery" and j1.required and j1.amount == 10
    # due date is the latest start of service: the window closes at due + service
    assert j1.delivery.windows == ((912, 967 + 90),)
    assert p.couriers["v1"].shift == (0, 1236)
    assert inst.length_m[0, 1] == pytest.approx(math.hypot(45 - 40, 68 - 50))


def test_li_lim_reader_pairs_siblings():
    """lc101 pickups and their delivery siblings become one transfer job each."""
    inst = read_li_lim(VRP / "lilim_100" / "lc101.txt")
    p = inst.problem
    assert all(j.kind == "transfer" and j.is_pair for j in p.jobs.values())
    assert sum(j.amount for j in p.jobs.values()) > 0
    ids = [v.instance_id for j in p.jobs.values() for _, v in j.visits]
    assert len(ids) == len(set(ids)) == len(p.places()) - 1


def test_cordeau_reader_depots_and_durations():
    """p01: 4 depots with 4 vehicles each, capacity 80; p08 has a 310 route duration."""
    inst = read_cordeau(VRP / "cordeau_mdvrp" / "p01")
    p = inst.problem
    assert len(p.offices) == 4 and len(p.couriers) == 16 and len(p.jobs) == 50
    assert {c.capacity for c in p.couriers.values()} == {80}
    assert all(c.max_work_s is None for c in p.couriers.values())
    p08 = read_cordeau(VRP / "cordeau_mdvrp" / "p08").problem
    assert {c.max_work_s for c in p08.couriers.values()} == {310}


def test_detect_family():
    """The family is recognised from the file's first lines."""
    assert detect_family(VRP / "solomon" / "RC201.txt") == "solomon"
    assert detect_family(VRP / "lilim_100" / "lr101.txt") == "li_lim"
    assert detect_family(VRP / "cordeau_mdvrp" / "p03") == "cordeau"


def test_detect_family_rejects_other_text(tmp_path):
    """A file in no known format is an input error."""
    f = tmp_path / "x.txt"
    f.write_text("hello world\n")
    with pytest.raises(InputError, match="not a Solomon"):
        detect_family(f)


def test_small_solomon_solved_optimally(tmp_path):
    """Seven R101 customers: the solution is feasible and as short as the brute-force optimum."""
    path = truncated_solomon(tmp_path, 7)
    rec = solve_instance(path, seconds=1, seed=0)
    assert rec["feasible"] and sorted(x for r in rec["routes"] for x in r) == list(range(1, 8))
    inst = read_solomon(path)
    nodes = {0: (35, 35, 0, 230, 0)}
    for line in path.read_text().splitlines():
        parts = line.split()
        if parts and parts[0].isdigit() and 1 <= int(parts[0]) <= 7:
            v = [float(x) for x in parts]
            nodes[int(v[0])] = (v[1], v[2], v[4], v[5], v[6])

    def route_cost(seq):
        t, cost, prev = 0.0, 0.0, 0
        for c in seq:
            leg = math.dist(nodes[prev][:2], nodes[c][:2])
            cost += leg
            t = max(t + leg, nodes[c][2])
            if t > nodes[c][3] + 1e-9:
                return math.inf
            t += nodes[c][4]
            prev = c
        leg = math.dist(nodes[prev][:2], nodes[0][:2])
        return cost + leg if t + leg <= 230 + 1e-9 else math.inf

    # best partition of the 7 customers into ordered routes (capacity 200 never binds here)
    custs = list(range(1, 8))
    best_single: dict[frozenset, float] = {}
    for r in range(1, 8):
        for subset in itertools.combinations(custs, r):
            best_single[frozenset(subset)] = min(route_cost(p)
                                                 for p in itertools.permutations(subset))
    memo: dict[frozenset, float] = {}

    def best(rest: frozenset) -> float:
        if not rest:
            return 0.0
        if rest not in memo:
            first = min(rest)
            others = sorted(rest - {first})
            memo[rest] = min(
                best_single[frozenset((first, *sub))] + best(rest - {first, *sub})
                for k in range(len(others) + 1) for sub in itertools.combinations(others, k))
        return memo[rest]

    assert rec["cost"] == pytest.approx(best(frozenset(custs)), abs=1e-6)
    assert len(inst.problem.jobs) == 7


def test_small_li_lim_keeps_pairs_together(tmp_path):
    """Four lc101 pairs: each pickup is served before its delivery on the same route."""
    path = truncated_li_lim(tmp_path, 4)
    rec = solve_instance(path, seconds=1, seed=0, family="li_lim")
    assert rec["feasible"]
    rows = [ln.split() for ln in path.read_text().splitlines()[1:]]
    pairs = {int(r[0]): int(r[8]) for r in rows if int(r[3]) > 0}
    assert len(pairs) == 4
    for p, d in pairs.items():
        route = next(r for r in rec["routes"] if p in r)
        assert d in route and route.index(p) < route.index(d)
