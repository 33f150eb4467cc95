"""Tests of the one conversion to the planning model (routing.workday)."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from data.errors import InputError
from data.offices import default_offices
from data.settings import Settings
from routing.adapter import _office_windows
from routing.model import Job
from routing.workday import (
    CLOSED,
    couriers_by_count,
    couriers_from_roster,
    model_offices,
    working_day,
)

SETTINGS = Settings.from_env()


@pytest.fixture(scope="module")
def offices() -> pd.DataFrame:
    reg = default_offices(SETTINGS)
    reg.loc[reg["office_id"] == "po-23293", "opening_hours"] = \
        "Mo-Fr 07:00-11:30,13:30-17:00; Sa 07:00-11:00"
    return reg


@pytest.mark.parametrize("day", [dt.date(2026, 11, 25), dt.date(2026, 11, 28),
                                 dt.date(2026, 11, 29), dt.date(2026, 9, 2)])
def test_cli_and_app_give_the_same_windows(offices: pd.DataFrame, day: dt.date) -> None:
    """plan_day's windows (CLI) and the app's model offices agree office by office."""
    import app.dispatch_logic as dl

    built, _ = model_offices(offices, day)
    by_solve = [_office_windows(r, day.isoformat()) for r in offices.itertuples()]
    assert [o.windows for o in built] == by_solve
    posts = offices.loc[offices["kind"] == "post_office", "office_id"].tolist()
    try:
        app_day = dl.build_day(offices, [], posts, len(posts), day=day, profile="motorbike",
                               seconds=1, seed=0, provenance="simulated")
    except InputError:
        assert all(w == CLOSED for o, w in zip(built, by_solve, strict=True)
                   if o.office_id in posts)
    else:
        assert [o.windows for o in app_day.problem.offices.values()] == by_solve


def test_a_closed_office_is_closed_not_default_hours(offices: pd.DataFrame) -> None:
    """On a Sunday an office gets CLOSED windows, never () (which means default hours)."""
    built, _ = model_offices(offices, dt.date(2026, 11, 29))
    assert all(o.windows == CLOSED for o in built)
    sat, _ = model_offices(offices, dt.date(2026, 11, 28))
    kt = next(o for o in sat if o.office_id == "po-23293")
    assert kt.windows == ((7 * 3600, 11 * 3600),)
    assert all(o.windows == CLOSED for o in sat if o.office_id != "po-23293")


def test_working_day_on_a_holiday_says_why(offices: pd.DataFrame) -> None:
    """No courier can start on 2/9: one plain sentence per closed start office."""
    couriers = couriers_by_count(["po-23293"], 2)
    with pytest.raises(InputError) as err:
        working_day(offices, [], couriers, dt.date(2026, 9, 2))
    assert [(p.message_vi, p.message) for p in err.value.problems] == [
        ("Bưu cục Kon Tum đóng cửa ngày 02/09/2026: Quốc khánh",
         "Bưu cục Kon Tum is closed on 02/09/2026: National Day")]


def test_jobs_at_a_closed_office_are_left_out_with_the_reason(offices: pd.DataFrame) -> None:
    """On a Saturday only Kon Tum works: jobs at closed shops are left out, said plainly."""
    day = dt.date(2026, 11, 28)
    shop = "oss-23281"
    jobs = [Job.result_delivery("R1", shop, 108.0, 14.35),
            Job.counter_transfer("T1", "po-23293", "po-23293")]
    other = next(o for o in offices.loc[offices["kind"] == "post_office", "office_id"]
                 if o != "po-23293")
    wd = working_day(offices, jobs, couriers_by_count(["po-23293", other], 2), day)
    assert list(wd.problem.couriers) == ["BT01"]
    assert list(wd.problem.jobs) == ["T1"]
    (left,) = wd.left_out
    assert left.code == "office_closed" and left.job_id == "R1"
    name = offices.set_index("office_id").loc[shop, "name"]
    assert left.text_vi == f"{name} đóng cửa ngày 28/11/2026: Thứ Bảy; để lại cho ngày làm " \
        "việc tiếp theo."


def test_couriers_from_roster_keep_shift_vehicle_and_capacity() -> None:
    """Roster rows become model couriers (one conversion for CLI, app and simulator)."""
    roster = pd.DataFrame({"courier_id": ["BT07"], "name": ["Y Bình"], "office_id": ["po-1"],
                           "profile": ["moped"], "shift": ["06:30-15:00"], "capacity": [25]})
    (c,) = couriers_from_roster(roster)
    assert (c.courier_id, c.name, c.office_id, c.profile, c.shift, c.capacity) == (
        "BT07", "Y Bình", "po-1", "moped", (6 * 3600 + 1800, 15 * 3600), 25)
    assert couriers_from_roster(roster, profile="car")[0].profile == "car"
    assert [c.name for c in couriers_by_count(["a", "b"], 3, lang="en")] == [
        "Courier 1", "Courier 2", "Courier 3"]
