"""Closed days, said the same way by the app and the CLI (issue 12 §2), and the moped plan.

Tết 2027, 30/4, 1/5, 2/9 and a Sunday: the Dispatch page shows "Bưu cục Kon Tum đóng cửa
ngày …: …" under the date, and ``postplan plan`` refuses the day with the same sentence
(exit code 2) — never a time-window failure; the simulator draws no job those days.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from apptest_utils import make_app, no_exception, open_page

from cli import main
from data.settings import Settings
from routing.simulate import simulate_jobs

DAYS = {
    "Tết 2027": (dt.date(2027, 2, 8), "Mùng ba Tết Nguyên Đán"),
    "30/4": (dt.date(2026, 4, 30), "Ngày Chiến thắng"),
    "1/5": (dt.date(2026, 5, 1), "Ngày Quốc tế Lao động"),
    "2/9": (dt.date(2026, 9, 2), "Quốc khánh"),
    "Sunday": (dt.date(2026, 9, 6), "Chủ nhật"),
}


def _sentence(day: dt.date, reason: str) -> str:
    return f"Bưu cục Kon Tum đóng cửa ngày {day:%d/%m/%Y}: {reason}"


@pytest.mark.parametrize("name", list(DAYS))
def test_cli_refuses_a_closed_day_with_the_plain_sentence(name: str, tmp_path: Path,
                                                          capsys: pytest.CaptureFixture[str]
                                                          ) -> None:
    """`postplan plan` on a closed day: exit 2, the sentence, no time-window failure."""
    day, reason = DAYS[name]
    code = main(["plan", "--simulate", "20", "--date", day.isoformat(), "--seconds", "1",
                 "--out", str(tmp_path / "p.json"), "--json"])
    out = json.loads(capsys.readouterr().out)
    assert code == 2 and out["error"] == "input_error"
    assert any(_sentence(day, reason) in p for p in out["problems"])
    assert "window" not in out["message"]
    assert not (tmp_path / "p.json").exists()


@pytest.mark.parametrize("name", list(DAYS))
def test_app_says_the_same_sentence(name: str, monkeypatch: pytest.MonkeyPatch,
                                    tmp_path: Path) -> None:
    """The Dispatch page shows the CLI's sentence under the date, before any planning."""
    day, reason = DAYS[name]
    at = open_page(make_app(monkeypatch, tmp_path), "dispatch")
    at.date_input(key="dsp_date").set_value(day).run()
    no_exception(at)
    shown = "\n".join(w.value for w in at.warning)
    assert _sentence(day, reason) in shown


def test_simulator_draws_no_job_on_closed_days(settings: Settings) -> None:
    """No dossier comes in on a Sunday or a holiday; an ordinary Wednesday has its 30."""
    for day, _ in DAYS.values():
        assert simulate_jobs(settings, n_jobs=30, plan_date=day.isoformat(), seed=1) == []
    assert len(simulate_jobs(settings, n_jobs=30, plan_date="2026-11-25", seed=1)) == 30


def test_plan_with_moped_profile_end_to_end(tmp_path: Path,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    """`postplan plan --profile moped` plans (one profile list for geo, routing and app)."""
    code = main(["plan", "--simulate", "12", "--date", "2026-11-25", "--seconds", "1",
                 "--couriers", "3", "--profile", "moped", "--out", str(tmp_path / "p.json"),
                 "--json"])
    out = json.loads(capsys.readouterr().out)
    assert code == 0 and out["jobs"] == 12 and out["assigned"] >= 10
    plan = json.loads((tmp_path / "p.json").read_text())
    assert plan["network_kind"] == "proxy"


def test_plan_with_a_roster_uses_the_couriers_on_duty(tmp_path: Path,
                                                       capsys: pytest.CaptureFixture[str]
                                                       ) -> None:
    """`postplan plan --roster` plans with the couriers on duty, names kept, absences noted."""
    roster = tmp_path / "roster.csv"
    roster.write_text("courier_id,name,office_id,days_off,active\n"
                      "BT01,Nguyễn Văn A,po-23293,,\n"
                      "BT02,Y Bình,po-23293,,\n"
                      "BT03,Trần Thị C,po-23293,T4,\n"
                      "BT04,A Nghĩa,po-23293,,không\n", encoding="utf-8")
    code = main(["plan", "--simulate", "10", "--date", "2026-11-25", "--seconds", "1",
                 "--roster", str(roster), "--out", str(tmp_path / "p.json"), "--json"])
    out = json.loads(capsys.readouterr().out)
    assert code == 0
    plan = json.loads((tmp_path / "p.json").read_text())
    assert plan["couriers_total"] == 2
    assert {r["courier_id"] for r in plan["routes"]} <= {"BT01", "BT02"}
    notes = "\n".join(out["notes"])
    assert "Trần Thị C (BT03): ngày nghỉ hằng tuần (Thứ Tư)" in notes
    assert "A Nghĩa (BT04): không còn hoạt động" in notes
