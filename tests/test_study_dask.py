"""A study on a real Dask cluster (a `dask scheduler` and two `dask worker` processes) equals
the local one-worker run exactly; daemonic workers are refused with the fix."""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from data.errors import InputError

OFFICES = ("po-23401", "po-23425")  # Đắk Tô, Tu Mơ Rông: small areas, small days
ARGS = ["--days", "3", "--start", "2027-04-29", "--couriers", "2,3", "--jobs-per-day", "60",
        "--iterations", "150", "--seconds", "30", "--fail-rate", "0.2", "--seed", "5",
        *[a for o in OFFICES for a in ("--office", o)]]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_port(port: int, procs: list[subprocess.Popen], timeout_s: float = 60) -> None:
    end = time.monotonic() + timeout_s
    while time.monotonic() < end:
        for p in procs:
            assert p.poll() is None, f"{p.args} exited with {p.returncode}"
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 1):
            return
        time.sleep(0.2)
    raise TimeoutError(f"nothing listens on port {port}")


@contextlib.contextmanager
def dask_cluster(tmp: Path, workers: int, *, daemon: bool) -> Iterator[str]:
    """Start `dask scheduler` and `dask worker` subprocesses; always stop them."""
    port = free_port()
    address = f"tcp://127.0.0.1:{port}"
    env = {k: v for k, v in os.environ.items() if not k.startswith("DASK_")}
    if not daemon:
        env["DASK_DISTRIBUTED__WORKER__DAEMON"] = "False"
    procs: list[subprocess.Popen] = []
    log = (tmp / f"dask-{port}.log").open("w")

    def start(*args: str) -> None:
        procs.append(subprocess.Popen([sys.executable, "-m", "dask", *args], env=env,
                                      stdout=log, stderr=subprocess.STDOUT,
                                      start_new_session=True))
    try:
        start("scheduler", "--host", "127.0.0.1", "--port", str(port), "--no-dashboard")
        wait_port(port, procs)
        for i in range(workers):
            start("worker", address, "--nthreads", "1", "--nworkers", "1", "--no-dashboard",
                  "--name", f"w{i}", "--local-directory", str(tmp / f"w{port}-{i}"))
        from distributed import Client

        with Client(address, timeout="30s") as client:
            client.wait_for_workers(workers, timeout=90)
        yield address
    finally:
        for p in reversed(procs):
            with contextlib.suppress(ProcessLookupError):
                os.killpg(p.pid, signal.SIGTERM)
        for p in procs:
            try:
                p.wait(timeout=20)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(p.pid, signal.SIGKILL)
                p.wait(timeout=10)
        log.close()


def test_cluster_run_through_the_cli_equals_the_local_one_worker_run(settings, tmp_path,
                                                                     capsys):
    """`postplan study fleet --scheduler` on 2 workers gives the 1-worker local result."""
    from cli import main
    from routing.study import FleetScenario, open_client, run_fleet

    scenario = FleetScenario(start=dt.date(2027, 4, 29), days=3, levels=(2, 3),
                             jobs_per_day=60, iterations=150, seconds=30, fail_rate=0.2,
                             seed=5, office_ids=OFFICES)
    with open_client(workers=1) as client:
        local = run_fleet(settings, scenario, client=client)
    assert local.timings["workers"] == 1 and local.not_reproducible == 0
    assert local.blocks == (("2027-04-29", "2027-05-04", "2027-05-05"),)  # 30/4–3/5 off
    assert sum(m.failed for m in local.days) > 0 and sum(m.carried for m in local.days) > 0

    out = tmp_path / "fleet.json"
    with dask_cluster(tmp_path, 2, daemon=False) as address:
        code = main(["study", "fleet", *ARGS, "--scheduler", address, "--json",
                     "--out", str(out)])
        printed = json.loads(capsys.readouterr().out)
        from distributed import Client

        with Client(address) as client:
            executed = client.run(lambda dask_worker: dask_worker.state.executed_count)
    assert code == 0 and printed["ok"] is True
    assert printed["timings"]["workers"] == 2 and printed["timings"]["tasks"] == 9
    assert len(executed) == 2 and all(n > 0 for n in executed.values())  # both worked
    expected = json.loads(json.dumps(local.to_dict(timings=False)))
    got = {k: v for k, v in printed.items() if k not in ("ok", "timings")}
    assert got == expected
    assert json.loads(out.read_text(encoding="utf-8")) == printed


def test_daemonic_workers_are_refused_with_the_fix(tmp_path):
    """Workers started without DASK_DISTRIBUTED__WORKER__DAEMON=False cannot run a solve."""
    from routing.study import open_client

    with dask_cluster(tmp_path, 1, daemon=True) as address, pytest.raises(
            InputError, match="run as daemonic processes") as err, open_client(
            scheduler=address):
        pass
    assert "DASK_DISTRIBUTED__WORKER__DAEMON=False" in str(err.value.problems[0])


def test_unreachable_scheduler_is_said_plainly():
    """A scheduler address nobody listens on is an input error naming it and the fix."""
    from routing.study import open_client

    address = f"tcp://127.0.0.1:{free_port()}"
    with pytest.raises(InputError, match="cannot reach the Dask scheduler"), open_client(
            scheduler=address, wait_s=2):
        pass
