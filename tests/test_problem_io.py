"""A planning problem as JSON (routing.problem_io): round trip, every bad field listed."""

from __future__ import annotations

import json

import pytest

from data.errors import InputError
from routing.model import Courier, Job, Office, PlanningProblem, PlanSettings, hm
from routing.problem_io import problem_from_dict, problem_to_dict


def _problem() -> PlanningProblem:
    p = PlanningProblem(PlanSettings(seconds=3, seed=4, iterations=500,
                                     plan_date="2026-11-25"), provenance="simulated")
    p.add_office(Office("PO", "Bưu điện Kon Tum", 108.0, 14.35,
                        windows=((hm("07:00"), hm("11:30")),)))
    p.add_office(Office("OSS", "Một cửa", 108.02, 14.36, kind="one_stop_shop"))
    p.add_courier(Courier("C1", "PO", shift=(hm("07:30"), hm("16:00")), name="Bưu tá 1",
                          start_lon=108.01, start_lat=14.351, start_s=hm("10:00")))
    p.add_job(Job.dossier_pickup("D1", 108.01, 14.36, "OSS", label="Nhà Đ",
                                 windows=[(hm("08:00"), hm("10:00"))], priority=3))
    p.add_job(Job.plain_delivery("V1", 108.03, 14.35, service_s=120))
    p.add_job(Job("K1", "result_delivery", None, Job.plain_delivery("x", 108.0, 14.3).delivery,
                  carried_by="C1"))
    return p


def test_round_trip_through_json_keeps_everything():
    """Offices, couriers (now positions too), jobs, settings and profile survive JSON text."""
    p = _problem()
    text = json.dumps(problem_to_dict(p, network_profile="motorbike"), ensure_ascii=False)
    back, profile = problem_from_dict(json.loads(text))
    assert profile == "motorbike"
    assert back.fingerprint() == p.fingerprint()
    assert back.settings == p.settings and back.provenance == "simulated"


def test_every_bad_field_is_listed_with_where_it_is():
    """Several damaged fields give one error naming each place and value."""
    d = problem_to_dict(_problem())
    d["offices"][0]["lon"] = "east"
    d["couriers"][0]["capacity"] = "lots"
    d["jobs"][1]["delivery"]["windows"] = "morning"
    d["jobs"].append(dict(d["jobs"][0]))
    with pytest.raises(InputError) as err:
        problem_from_dict(d)
    text = str(err.value)
    assert "offices[0]: 'lon' has an invalid value" in text and "'east'" in text
    assert "couriers[0]: 'capacity' has an invalid value" in text
    assert "jobs[1].delivery: 'windows' has an invalid value" in text
    assert "jobs[3]: job id is used twice" in text


def test_not_a_problem_is_refused():
    """A dictionary without the format tag is not read."""
    with pytest.raises(InputError, match="not a serialised planning problem"):
        problem_from_dict({"offices": []})
