"""Data page, field panel (AppTest): simulated observations are labelled; accepting saves."""

from __future__ import annotations

from pathlib import Path

import pytest
from apptest_utils import make_app, no_exception, open_page
from store_utils import account
from streamlit.testing.v1 import AppTest
from test_field_speeds import _traversals

from data.observations import ObservationBatch, save_batch
from data.store import Store


@pytest.fixture
def app(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> AppTest:
    """The app with a store holding 40 simulated rides on tertiary/paved at 30 km/h."""
    at = make_app(monkeypatch, tmp_path)
    (tmp_path / "user").mkdir(exist_ok=True)
    with Store(f"sqlite:///{tmp_path / 'user' / 'postplan.sqlite'}") as store:
        save_batch(store, ObservationBatch(source="gps_trace", provenance="simulated",
                                           tables={"traversals": _traversals(40)}),
                   actor=account(store, "sim", role="planner"))
    return at


def test_field_panel_shows_simulated_speeds_and_accepts_them(app: AppTest) -> None:
    """The table shows 35 → 30 km/h with n=40, says SIMULATED; accept saves version 1."""
    at = open_page(app, "data")
    no_exception(at)
    assert any("MÔ PHỎNG" in w.value for w in at.warning)
    table = next(d.value for d in at.dataframe if "Loại đường / mặt" in d.value.columns)
    row = table[table["Loại đường / mặt"] == "Đường cấp ba (nhựa, bê tông)"].iloc[0]
    assert (row["n"], row["Bảng (km/h)"], row["Quan sát (km/h)"], row["Đề xuất"]) == (
        40, 35.0, 30.0, "đổi")
    assert any("Không có đường đề xuất" in i.value for i in at.info)
    at.button(key="field_accept_speeds").click().run()
    no_exception(at)
    assert any("field-calibrated v1" in s.value.replace("\\", "") for s in at.success)


def test_field_panel_without_observations_says_so(monkeypatch: pytest.MonkeyPatch,
                                                   tmp_path: Path) -> None:
    """An empty store: a hint to import traces, no table."""
    at = open_page(make_app(monkeypatch, tmp_path), "data")
    no_exception(at)
    assert any("Chưa có vết GPS" in i.value for i in at.info)
    assert not [d for d in at.dataframe if "Loại đường / mặt" in d.value.columns]


def test_field_panel_says_how_many_traversals_were_set_aside(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """40 rides at 30 km/h and 3 at 360 km/h (matcher detours): n 40, 3 set aside, and why."""
    import pandas as pd

    at = make_app(monkeypatch, tmp_path)
    (tmp_path / "user").mkdir(exist_ok=True)
    rides = pd.concat([_traversals(40), _traversals(3, time_s=10.0).assign(
        trace_id=["d0", "d1", "d2"])], ignore_index=True)
    with Store(f"sqlite:///{tmp_path / 'user' / 'postplan.sqlite'}") as store:
        save_batch(store, ObservationBatch(source="gps_trace", provenance="simulated",
                                           tables={"traversals": rides}),
                   actor=account(store, "sim", role="planner"))
    at = open_page(at, "data")
    no_exception(at)
    table = next(d.value for d in at.dataframe if "Loại đường / mặt" in d.value.columns)
    row = table[table["Loại đường / mặt"] == "Đường cấp ba (nhựa, bê tông)"].iloc[0]
    assert (row["n"], row["Đã loại"], row["Quan sát (km/h)"]) == (40, 3, 30.0)
    assert any("3 lượt có thời gian nhanh hoặc chậm hơn 3 lần" in c.value for c in at.caption)
