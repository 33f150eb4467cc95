"""Job addresses placed by observed positions (routing.placement) and the address key."""

from __future__ import annotations

import pandas as pd
import pytest

from data.observations import address_key
from routing.jobs_io import jobs_to_table, read_jobs
from routing.model import Job, Visit
from routing.placement import place_jobs

OFFICES = ["oss-23281"]


def _jobs(settings) -> list[Job]:  # type: ignore[no-untyped-def]
    text = ("job_id,kind,lat,lon,commune,office_id,label,phone\n"
            "A,result_delivery,,,Đắk Tô,oss-23281,\"Thôn 3, Đăk Rơ Wa\",0905 123 456\n"
            "B,result_delivery,14.66,107.83,Đắk Tô,oss-23281,Số 5 Lê Lợi,\n"
            "C,result_delivery,,,Đắk Tô,oss-23281,,\n")
    return read_jobs(text.encode(), settings=settings, office_ids=OFFICES, filename="j.csv")


def test_address_key_ignores_case_accents_spacing_and_keeps_the_commune() -> None:
    """One address written two ways is one key; the same text in another commune is not."""
    a = address_key("Thôn 3, Đăk Rơ Wa", "23281")
    assert a == address_key("  thon 3 dak ro   wa ", "23281")
    assert a != address_key("Thôn 3, Đăk Rơ Wa", "23401")
    assert a != address_key("Thôn 33, Đăk Rơ Wa", "23281")
    assert a is not None and a.startswith("addr-") and "thon" not in a
    assert address_key("", "23281") is None and address_key(None) is None


def test_jobs_file_gives_address_keys_phones_and_placements(settings) -> None:  # type: ignore[no-untyped-def]
    """Rows with an address text get a key; a commune-only row has none; phones kept."""
    a, b, c = _jobs(settings)
    assert a.delivery.address_id == address_key("Thôn 3, Đăk Rơ Wa", "23401")
    assert a.delivery.phone == "0905 123 456"
    assert (a.delivery.placement, b.delivery.placement) == ("approximate", "given")
    assert c.delivery.address_id is None and c.delivery.placement == "approximate"
    table = jobs_to_table([a, b, c])
    assert list(table["placed_by"]) == ["approximate", "given", "approximate"]
    assert table.loc[0, "phone"] == "0905 123 456"


def test_an_approximate_address_takes_its_observed_position(settings) -> None:  # type: ignore[no-untyped-def]
    """The commune point gives way to the observed position; given coordinates stay."""
    a, b, c = _jobs(settings)
    positions = pd.DataFrame([
        {"address_id": a.delivery.address_id, "lon": 107.8401, "lat": 14.6702, "n": 3,
         "spread_m": 12.5},
        {"address_id": b.delivery.address_id, "lon": 107.9, "lat": 14.7, "n": 9,
         "spread_m": 4.0},
    ])
    placed = place_jobs([a, b, c], positions)
    na, nb, nc = placed.jobs
    assert (na.delivery.lon, na.delivery.lat) == (107.8401, 14.6702)
    assert na.delivery.placement == "observed" and not na.delivery.approximate
    assert nb is b and nc is c  # given coordinates and a commune-only row are left alone
    (moved,) = placed.moved
    assert (moved.job_id, moved.role, moved.n, moved.spread_m) == ("A", "delivery", 3, 12.5)
    assert moved.moved_m == pytest.approx(_distance(a.delivery, 107.8401, 14.6702), rel=1e-6)
    again = read_jobs(jobs_to_table(placed.jobs).to_csv(index=False).encode(),
                      settings=settings, office_ids=OFFICES, filename="again.csv")
    assert again[0].delivery.placement == "observed"  # an export says it was observed


def test_no_positions_changes_nothing(settings) -> None:  # type: ignore[no-untyped-def]
    """Without observed positions the jobs come back as they were."""
    jobs = _jobs(settings)
    for positions in (None, pd.DataFrame(columns=["address_id", "lon", "lat"]), {}):
        placed = place_jobs(jobs, positions)
        assert placed.jobs == tuple(jobs) and placed.moved == ()


def _distance(v: Visit, lon: float, lat: float) -> float:
    from pyproj import Geod

    return float(Geod(ellps="WGS84").inv(v.lon, v.lat, lon, lat)[2])
