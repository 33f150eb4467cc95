"""The study's scenario (routing.study.scenario, demand): pure pieces with exact answers."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from data.calendar import DayException, WorkCalendar
from data.errors import InputError
from routing.model import Job, Visit
from routing.study import (
    FleetScenario,
    SitingSweep,
    allocate,
    area_weights,
    derive_seed,
    job_office,
    office_areas,
    parse_levels,
    sample_blocks,
    study_days,
)

D = dt.date


def posts(*ids: str, hours: str = "Mo-Fr 07:00-11:30,13:30-17:00") -> pd.DataFrame:
    return pd.DataFrame({"office_id": list(ids), "opening_hours": [hours] * len(ids),
                         "name": list(ids), "kind": ["post_office"] * len(ids)})


def test_parse_levels_forms():
    """start:stop:step includes stop; start:stop steps by one; a list is sorted, deduplicated."""
    assert parse_levels("15:40:5") == (15, 20, 25, 30, 35, 40)
    assert parse_levels("3:5") == (3, 4, 5)
    assert parse_levels("30,15,20,15") == (15, 20, 30)
    assert parse_levels("7") == (7,)


@pytest.mark.parametrize("text", ["", "0:5", "a:b", "5:1", "1:5:0", "1:2:3:4", "x"])
def test_parse_levels_refuses_bad_text(text):
    """Empty ranges, zero, steps below 1 and words are refused, naming the flag."""
    with pytest.raises(InputError, match=r"--k .* is not a list of whole numbers"):
        parse_levels(text, flag="--k")


def test_allocate_largest_remainders_exactly():
    """Quotas 10.5/6.3/3.2 → floors 10/6/3, the one left goes to the largest remainder."""
    assert allocate(20, [105, 63, 32]) == (11, 6, 3)
    assert sum(allocate(37, [5, 1, 1, 1, 9])) == 37


def test_allocate_gives_every_office_one_and_takes_back_from_the_smallest_remainders():
    """A tiny office still gets 1; the extra courier comes back from the smallest remainder."""
    assert allocate(3, [98, 1, 1]) == (1, 1, 1)
    assert allocate(4, [90, 5, 5]) == (2, 1, 1)


def test_allocate_boundary_total_equals_offices_and_below():
    """As many couriers as offices is one each; one fewer is refused with the figures."""
    assert allocate(2, [10, 1]) == (1, 1)
    with pytest.raises(InputError, match="1 couriers cannot be spread over 2 post offices"):
        allocate(1, [10, 1])


def test_study_days_skip_weekends_and_lunar_new_year():
    """From Monday 1/2/2027: Tết closes 4–10/2, so the five days are 1, 2, 3, 11, 12/2."""
    assert study_days(posts("a"), D(2027, 2, 1), 5) == (
        D(2027, 2, 1), D(2027, 2, 2), D(2027, 2, 3), D(2027, 2, 11), D(2027, 2, 12))


def test_study_days_reunification_and_labour_day_with_substitute():
    """30/4 (Fri), 1/5 (Sat) and its substitute Monday 3/5/2027 are skipped."""
    assert study_days(posts("a"), D(2027, 4, 29), 3) == (D(2027, 4, 29), D(2027, 5, 4),
                                                         D(2027, 5, 5))


def test_study_days_count_an_exception_saturday_for_any_open_office():
    """A Saturday opened by exception at one office is a working day of the study."""
    cal = WorkCalendar.from_exceptions([DayException("b", D(2027, 3, 6),
                                                     ((7 * 3600, 11 * 3600),), "trực")])
    assert study_days(posts("a", "b"), D(2027, 3, 5), 3, cal) == (
        D(2027, 3, 5), D(2027, 3, 6), D(2027, 3, 8))


def test_study_days_refuse_offices_that_never_open():
    """Offices closed by exception for months are refused, not looped over forever."""
    shut = WorkCalendar.from_exceptions([DayException("*", D(2027, 3, 1) + dt.timedelta(i), (),
                                                      "sửa chữa") for i in range(90)])
    with pytest.raises(InputError, match="no post office opens in the 60 days"):
        study_days(posts("a"), D(2027, 3, 1), 2, shut)


def test_sample_blocks_spread_evenly_and_all_days_as_one_block():
    """12 of 250 days in blocks of 5: 3 blocks at positions 0, 122, 245, the last of 2 days."""
    days = [D(2027, 1, 1) + dt.timedelta(days=i) for i in range(250)]
    blocks = sample_blocks(days, sample=12, block=5)
    assert [len(b) for b in blocks] == [5, 5, 2]
    assert [days.index(b[0]) for b in blocks] == [0, 122, 245]
    assert sample_blocks(days, sample=None, block=5) == (tuple(days),)
    assert sample_blocks(days, sample=250, block=5) == (tuple(days),)
    assert sample_blocks(days[:3], sample=2, block=5) == ((days[0], days[1]),)


def test_derive_seed_is_stable_and_distinguishes_parts():
    """The same parts give the same seed in every process; another part another seed."""
    assert derive_seed(0, "solve", "po-1", 738000) == derive_seed(0, "solve", "po-1", 738000)
    assert derive_seed(0, "solve", "po-1", 738000) != derive_seed(0, "solve", "po-2", 738000)
    assert derive_seed(1, "x") == 1439551696  # fixed: changes would break reproducibility


def test_office_areas_by_district_on_the_bundle(settings):
    """Each of the 10 former districts has its post office; all 102 communes get one."""
    from data.commune_points import load_commune_points
    from data.layers import load_communes
    from data.offices import default_offices

    offices = default_offices(settings)
    post = offices[offices["kind"] == "post_office"]
    communes = load_communes(settings)
    areas = office_areas(post, communes, load_commune_points(settings))
    assert len(areas) == 102 and len(set(areas.values())) == 10
    assert areas["23293"] == "po-23293"  # a ward of Kon Tum city → Bưu cục Kon Tum
    weights = area_weights(areas, communes, list(post["office_id"]))
    assert sum(weights) == 540_438  # the 2019 census total


def test_office_areas_nearest_office_when_a_district_has_none():
    """A commune of a district without a post office goes to the nearest one."""
    post = pd.DataFrame({"office_id": ["p1", "p2"], "commune_code": ["1", "2"],
                         "lat": [14.0, 15.0], "lon": [108.0, 108.0]})
    communes = pd.DataFrame({"commune_code": ["1", "2", "3"], "district": ["A", "B", "C"]})
    points = pd.DataFrame({"commune_code": ["3"], "point_lon": [108.0], "point_lat": [14.9]})
    assert office_areas(post, communes, points) == {"1": "p1", "2": "p2", "3": "p2"}
    assert office_areas(post, communes) == {"1": "p1", "2": "p2"}


def test_job_office_by_visited_post_office_else_citizen_commune():
    """A counter transfer belongs to the post office it visits; others to the commune's."""
    areas = {"100": "po-a"}
    transfer = Job.counter_transfer("t", "po-b", "oss-1")
    delivery = Job("d", "result_delivery", Visit(office_id="oss-1"),
                   Visit(lon=108.0, lat=14.0, commune_code="100"))
    assert job_office(transfer, areas, ["po-a", "po-b"]) == "po-b"
    assert job_office(delivery, areas, ["po-a", "po-b"]) == "po-a"
    assert job_office(Job.counter_transfer("x", "oss-1", "oss-2"), areas, ["po-a"]) is None


def test_fleet_scenario_collects_every_problem():
    """Every bad field is named in one error, in Vietnamese and English."""
    with pytest.raises(InputError) as err:
        FleetScenario(start=D(2027, 1, 1), days=0, levels=(0,), sample=0, block=0,
                      jobs_per_day=-1, seconds=0, iterations=0, target=1.5, fail_rate=1.0,
                      profile="bus")
    cols = [p.column for p in err.value.problems]
    assert cols == ["--days", "--sample", "--block", "--couriers", "--jobs-per-day",
                    "--seconds", "--iterations", "--target", "--fail-rate", "--profile"]
    assert all(p.message_vi for p in err.value.problems)


def test_siting_sweep_cases_in_fixed_order_and_checks():
    """Cases run profile → cutoff → k; a bad model and profile are refused together."""
    sweep = SitingSweep(ks=(1, 2), cutoffs_min=(15.0, 30.0), profiles=("motorbike",))
    assert sweep.cases() == (("motorbike", 15.0, 1), ("motorbike", 15.0, 2),
                             ("motorbike", 30.0, 1), ("motorbike", 30.0, 2))
    with pytest.raises(InputError, match="unknown profile 'bus'") as err:
        SitingSweep(ks=(1,), cutoffs_min=(30.0,), profiles=("bus",), model="x")
    assert len(err.value.problems) == 2
