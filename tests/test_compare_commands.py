"""``postplan plans compare`` on two plan versions says what a dispatcher thinks in."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from store_utils import account
from test_compare import A, _plan, _route

from cli import main
from data.settings import Settings
from data.store import Store


def test_plans_compare_names_the_moved_job_and_km_per_courier(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """v1→v2 moved J2 from C1 to C2: JSON and text say so, with km and minutes per courier."""
    monkeypatch.delenv("POSTPLAN_DB_URL", raising=False)
    monkeypatch.setenv("POSTPLAN_USER_DIR", str(tmp_path / "user"))
    with Store.open(Settings.from_env()) as store:  # the account the CLI acts as
        account(store, "lan")
    monkeypatch.setenv("POSTPLAN_AS", "lan")
    b = _plan([
        _route("C1", [("J1", 28000, 2000.0)], 28500, 2000.0, "Lan"),
        _route("C2", [("J3", 28500, 5000.0), ("J2", 29400, 1500.0)], 31700, 6000.0, "Minh"),
    ], unassigned=("J5",))
    (tmp_path / "v1.json").write_text(A.to_json(), encoding="utf-8")
    (tmp_path / "v2.json").write_text(b.to_json(), encoding="utf-8")
    assert main(["plans", "save", str(tmp_path / "v1.json"), "--name", "P"]) == 0
    assert main(["plans", "save", str(tmp_path / "v2.json"), "--name", "P",
                 "--expected-version", "1"]) == 0
    capsys.readouterr()

    assert main(["plans", "compare", "P@1", "P@2", "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["plan"]["moved"] == [{"job_id": "J2", "label": "Nhà J2", "from_courier": "C1",
                                     "to_courier": "C2"}]
    per_courier = {c["courier_id"]: (c["delta_length_m"], c["delta_duration_s"])
                   for c in doc["plan"]["couriers"]}
    assert per_courier == {"C1": (-5000.0, -1500), "C2": (2500.0, 1200)}
    assert doc["changes"], "the JSON paths are still listed"

    assert main(["plans", "compare", "P@1", "P@2"]) == 0
    text = capsys.readouterr().out
    assert "J2 (Nhà J2) moved from C1 to C2" in text
    assert "total: -2.5 km, -5 min of work" in text
