"""The courier page's data (app.courier_view) and its component's script."""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from courier_fixtures import ADDRESS_J1, HOSTILE, courier_plan
from store_utils import account

from app import courier_view as cv
from app.courier_component import ASSETS
from data.access import Account
from data.outcomes import OUTCOME_REASONS, Outcome, new_outcome_id, outcomes_for
from data.stop_reports import courier_page_reports
from data.store import Store

DAY = dt.date(2026, 11, 25)


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    with Store(f"sqlite:///{tmp_path / 'store.sqlite'}") as s:
        yield s


@pytest.fixture
def people(store: Store) -> dict[str, Account]:
    return {"admin": account(store, "root"),
            "bt01": account(store, "bt01", role="courier", courier_id="BT01"),
            "bt02": account(store, "bt02", role="courier", courier_id="BT02")}


@pytest.fixture
def route(store: Store, people: dict[str, Account]):  # type: ignore[no-untyped-def]
    """BT01's route of DAY as the page gets it (store.courier_route)."""
    store.save_plan(courier_plan(DAY.isoformat()), name="ngày 25", actor=people["admin"])
    found = store.courier_route(actor=people["bt01"], plan_date=DAY.isoformat())
    assert found is not None
    return found


def _tap(route, job_id: str, role: str, status: str = "done", **extra: object) -> dict:  # type: ignore[no-untyped-def]
    tap = {"outcome_id": new_outcome_id(), "plan_id": route.plan_id,
           "plan_version": route.version, "plan_date": DAY.isoformat(), "job_id": job_id,
           "role": role, "status": status, "at": "2026-11-25T09:41:07+07:00",
           "reason": None, "note": "", "receiver_name": "", "fee_vnd": None, "lat": None,
           "lon": None, "accuracy_m": None, "stop": f"{role}:{job_id}", "queued": 1}
    tap.update(extra)
    return tap


def test_tel_links_keep_only_digits_and_refuse_what_is_not_a_number() -> None:
    """A number as people write it becomes a tel: link; anything else gives none."""
    assert cv.tel_uri("0905 123 456") == "tel:0905123456"
    assert cv.tel_uri("+84 (905) 123-456") == "tel:+84905123456"
    assert cv.tel_uri("1234567") is None  # 7 digits: too short
    assert cv.tel_uri("1234567890123456") is None  # 16 digits: too long
    for bad in ("javascript:alert(1)", "0905123456?x=1", "", None, "090 5123 456 <b>"):
        assert cv.tel_uri(bad) is None


def test_stop_cards_hold_plain_text_links_and_the_last_outcome(route) -> None:  # type: ignore[no-untyped-def]
    """One card per stop; job stops can be marked, labels stay as written."""
    stored = Outcome(outcome_id=new_outcome_id(), plan_id=route.plan_id, plan_version=1,
                     plan_date=DAY, courier_id="BT01", job_id="J1", role="delivery",
                     status="done", at=dt.datetime(2026, 11, 25, 2, 41, tzinfo=dt.UTC),
                     receiver_name="Trần Thị Nhận", fee_vnd=25000)
    cards = cv.stop_cards(route.route, {("J1", "delivery"): stored}, lang="vi")
    assert [c["key"] for c in cards] == ["start:0", "delivery:J1", "pickup:J2", "delivery:J3",
                                         "delivery:J4", "end:5"]
    assert [c["markable"] for c in cards] == [False, True, True, True, True, False]
    j1, j2, j3 = cards[1], cards[2], cards[3]
    assert j1["tel"] == "tel:0905123456" and j3["tel"] is None
    assert (j1["geo"], j1["gmaps"]) == (
        "geo:14.380200,108.060100",
        "https://www.google.com/maps/dir/?api=1&destination=14.380200,108.060100"
        "&travelmode=driving")
    assert j1["when"] == "07:50 · khung 07:30–11:30"
    assert "Vị trí gần đúng (điểm xã)" in j1["detail"] and "Mã việc J1" in j1["detail"]
    assert j1["recorded"] == "Đã xong 09:41 · người nhận: Trần Thị Nhận · 25.000 ₫"
    assert j1["recorded_status"] == "done" and j2["recorded"] is None
    assert j2["label"] == HOSTILE  # the component writes it as text, never as HTML
    assert "toạ độ cho sẵn" in j2["detail"]
    assert "theo các lần bưu tá đến trước" in cards[4]["detail"]
    assert cards[0]["kind_label"] == "Bưu cục (xuất phát / kết thúc)"


def test_component_data_keys_queue_by_account_and_day(route, people) -> None:  # type: ignore[no-untyped-def]
    """Browser storage is per account and day; reasons come from the one list."""
    data = cv.component_data(route, people["bt01"], day=DAY, outcomes=[],
                             refused={"x": "why"}, health_url="/_stcore/health", lang="en")
    assert data["queue_key"] == "postplan.courier.v1.bt01.2026-11-25"
    assert data["consent_key"] == "postplan.courier.v1.bt01.geo-consent"
    assert data["plan"] == {"id": route.plan_id, "version": route.version}
    assert [code for code, _ in data["reasons"]] == list(OUTCOME_REASONS)
    assert data["reasons"][0][1] == OUTCOME_REASONS["not_home"][1]
    assert data["labels"]["mark_done"] == "✓ Done"
    assert data["refused"] == {"x": "why"} and data["stored"] == []


def test_taps_are_recorded_once_and_refusals_say_why(store, people, route) -> None:  # type: ignore[no-untyped-def]
    """A good tap is stored (its position as a stop report); a resend is stored once; a tap
    for a stop not on the route, or with a failed stop without reason, is refused."""
    good = _tap(route, "J1", "delivery", receiver_name="Trần Thị Nhận", fee_vnd=25000,
                lat=14.3811, lon=108.0612, accuracy_m=9.0)
    wrong_stop = _tap(route, "J9", "delivery")
    no_reason = _tap(route, "J2", "pickup", status="failed")
    result = cv.process_taps(store, {"batch": [good, wrong_stop, no_reason]},
                             actor=people["bt01"], route=route.route, lang="vi")
    assert [o.outcome_id for o in result.stored] == [good["outcome_id"]]
    assert set(result.refused) == {wrong_stop["outcome_id"], no_reason["outcome_id"]}
    assert "J9" in result.refused[wrong_stop["outcome_id"]]
    assert "lý do" in result.refused[no_reason["outcome_id"]]
    assert result.error is None
    again = cv.process_taps(store, {"batch": [good]}, actor=people["bt01"], route=route.route)
    assert [o.outcome_id for o in again.stored] == [good["outcome_id"]]
    (saved,) = outcomes_for(store, actor=people["admin"], plan_date=DAY)
    assert (saved.courier_id, saved.receiver_name, saved.fee_vnd, saved.actor) == (
        "BT01", "Trần Thị Nhận", 25000, "bt01")
    reports = courier_page_reports(store, actor=people["admin"])
    assert list(reports["address_id"]) == [ADDRESS_J1]


def test_the_courier_is_the_account_not_what_the_phone_says(store, people, route) -> None:  # type: ignore[no-untyped-def]
    """A tap naming another courier is stored as the account's own, or refused."""
    tap = {**_tap(route, "J3", "delivery"), "courier_id": "BT02", "actor": "root"}
    result = cv.process_taps(store, {"batch": [tap]}, actor=people["bt02"], route=route.route)
    assert result.stored == () and tap["outcome_id"] in result.refused  # not BT02's route
    result = cv.process_taps(store, {"batch": [tap]}, actor=people["bt01"], route=route.route)
    (saved,) = result.stored
    assert (saved.courier_id, saved.actor) == ("BT01", "bt01")


def test_malformed_messages_store_nothing() -> None:
    """Anything but ``{"batch": [taps]}`` is no tap; unknown fields never reach the outcome."""
    for payload in (None, [], "x", {"batch": "x"}, {"nope": []}):
        assert cv.tap_dicts(payload) == []
    (tap,) = cv.tap_dicts({"batch": [{"outcome_id": "a", "evil": 1, "office_id": "X"}, 3]})
    assert tap == {"outcome_id": "a"}
    assert {f.name for f in dataclasses.fields(Outcome)} >= set(cv.TAP_FIELDS)


def test_the_script_writes_text_never_html_and_uses_only_known_labels() -> None:
    """courier.js has no HTML sink or eval; every ``L.name`` it reads is a label we send."""
    js = (ASSETS / "courier.js").read_text(encoding="utf-8")
    for sink in ("innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval(",
                 "new Function", "http://", "https://"):
        assert sink not in js, sink
    used = set(re.findall(r"\bL\.([a-z_]+)", js))
    assert used and used <= set(cv.labels("vi")) == set(cv.labels("en"))
