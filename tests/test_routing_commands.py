"""Tests of the routing command line (postplan bench vrp, postplan plan)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from cli import main

VRP = Path(__file__).resolve().parents[2] / "shared" / "benchmarks" / "vrp"


@pytest.mark.skipif(not VRP.exists(), reason="benchmark instances not present")
def test_bench_vrp_json(tmp_path, capsys):
    """bench vrp --json prints instance, cost, vehicles, routes, feasible and seconds."""
    lines = (VRP / "cordeau_mdvrp" / "p01").read_text().splitlines()
    head = lines[0].split()
    n_dep = int(head[3])
    small = [f"{head[0]} {head[1]} 8 {head[3]}", *lines[1:1 + n_dep],
             *lines[1 + n_dep:1 + n_dep + 8], *lines[1 + n_dep + 50:1 + n_dep + 50 + n_dep]]
    f = tmp_path / "p01_small"
    f.write_text("\n".join(small) + "\n")
    code = main(["bench", "vrp", str(f), "--seconds", "0.5", "--seed", "1", "--json"])
    out = json.loads(capsys.readouterr().out)
    assert code == 0
    assert {"instance", "cost", "vehicles", "routes", "feasible", "seconds"} <= set(out)
    assert out["instance"] == "p01_small" and out["feasible"] is True
    assert sorted(x for r in out["routes"] for x in r) == list(range(1, 9))
    assert out["vehicles"] == len(out["routes"])


def test_bench_vrp_missing_file_is_input_error(tmp_path, capsys):
    """A missing instance file gives exit code 2 and a JSON error."""
    code = main(["bench", "vrp", str(tmp_path / "nope.txt"), "--json"])
    out = json.loads(capsys.readouterr().out)
    assert code == 2 and out["error"] == "input_error"
