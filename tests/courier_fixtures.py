"""A courier's day for the courier-page tests: a small hand-made plan (not a solve)."""

from __future__ import annotations

from typing import Any

from routing.result import CourierRoute, Plan, PlannedStop

#: A stop name that would run script if it were ever written as HTML.
HOSTILE = "<img src=x onerror=alert(1)>"
OFFICE = "BC-KONTUM"
#: The address keys of the plan's citizen stops (``data.observations.address_key`` form).
ADDRESS_J1 = "addr-0000000000000000aaaa"
ADDRESS_J2 = "addr-0000000000000000bbbb"
ADDRESS_J4 = "addr-0000000000000000cccc"


def _stop(seq: int, kind: str, label: str, lon: float, lat: float, **kw: Any) -> PlannedStop:
    at = 27000 + 1200 * seq
    return PlannedStop(sequence=seq, kind=kind, place_id=kw.pop("place_id", f"P{seq}"),
                       label=label, lon=lon, lat=lat, arrival_s=at, start_s=at,
                       departure_s=at + 300, waiting_s=0, service_s=300, load=0,
                       leg_length_m=1500.0, leg_time_s=600.0, **kw)


def courier_plan(day: str, *, courier_id: str = "BT01", office: str = OFFICE) -> Plan:
    """``courier_id``'s day: four citizens' stops between two visits to ``office``.

    J1 is at a commune point (approximate) with a phone number, J2 is named
    :data:`HOSTILE`, J3 has no address key, J4 was placed by observation.
    """
    at_office = {"office_id": office, "place_id": office}
    stops = (
        _stop(0, "start", "Bưu điện tỉnh Kon Tum", 108.0005, 14.3497, **at_office),
        _stop(1, "delivery", "Thôn 3, xã Đăk Rơ Wa", 108.0601, 14.3802, job_id="J1",
              job_kind="delivery", window=(27000, 41400), approximate=True,
              placed_by="approximate", address_id=ADDRESS_J1, phone="0905 123 456"),
        _stop(2, "pickup", HOSTILE, 108.012, 14.356, job_id="J2", job_kind="pickup",
              placed_by="given", address_id=ADDRESS_J2),
        _stop(3, "delivery", "Số 5 Lê Lợi, phường Quyết Thắng", 108.0043, 14.3521,
              job_id="J3", job_kind="delivery", placed_by="given"),
        _stop(4, "delivery", "Tổ 2, phường Thắng Lợi", 107.995, 14.348, job_id="J4",
              job_kind="delivery", placed_by="observed", address_id=ADDRESS_J4),
        _stop(5, "end", "Bưu điện tỉnh Kon Tum", 108.0005, 14.3497, **at_office),
    )
    route = CourierRoute(courier_id=courier_id, office_id=office, end_office_id=office,
                         profile="motorbike", stops=stops, courier_name="Bưu tá 1")
    return Plan(plan_date=day, routes=(route,), unassigned=(), network_kind="proxy",
                provenance="user", seed=1, seconds=1.0, jobs_total=4, couriers_total=1)
