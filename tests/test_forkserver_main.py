"""The solver's forkserver runs the caller's main script once, not once per solve."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

SCRIPT = textwrap.dedent('''
    import os
    with open(os.environ["RUNS_FILE"], "a") as f:   # top level: runs once per import
        f.write(f"{os.getpid()}\\n")

    import numpy as np
    from routing.model import Courier, Job, Office, PlanningProblem, PlanSettings
    from routing.pyvrp_model import ModelBuilder
    from routing.runner import run_pyvrp

    if __name__ == "__main__":
        p = PlanningProblem(PlanSettings(seconds=5, iterations=50))
        p.add_offices([Office("o", "O", 0.0, 0.0)])
        p.add_courier(Courier("c", "o"))
        p.add_jobs([Job.plain_delivery(f"j{i}", float(i), 0.0) for i in range(1, 4)])
        n = len(p.places())
        t = np.full((n, n), 60.0)
        np.fill_diagonal(t, 0.0)
        b = ModelBuilder(p, t, t, list(p.jobs.values()), {})
        data = b.build()
        for _ in range(3):
            out = run_pyvrp(data, seconds=5, seed=0, iterations=50, max_penalty=b.max_penalty)
            assert out.stopped_by == "iterations", out
''')


def test_three_solves_run_the_main_script_twice_in_all(tmp_path: Path):
    """Main runs in the parent and once in the forkserver; the three solve children skip it."""
    script = tmp_path / "main_script.py"
    script.write_text(SCRIPT, encoding="utf-8")
    runs = tmp_path / "runs.txt"
    done = subprocess.run([sys.executable, str(script)], env={"RUNS_FILE": str(runs),
                                                             "PATH": "/usr/bin:/bin"},
                          capture_output=True, text=True, timeout=120, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    pids = runs.read_text().split()
    assert len(pids) == 2 and len(set(pids)) == 2
