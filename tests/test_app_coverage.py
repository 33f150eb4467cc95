"""Coverage page (Vùng phục vụ) under AppTest: figures, gap list, candidates, siting."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from apptest_utils import make_app, no_exception, open_page
from streamlit.testing.v1 import AppTest


@pytest.fixture
def app(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> AppTest:
    return make_app(monkeypatch, tmp_path)


def _metrics(at: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def test_coverage_page_shows_share_and_gap_list(app: AppTest) -> None:
    """The page shows the share covered (Vietnamese decimal comma) and the worst communes."""
    at = open_page(app, "coverage")
    no_exception(at)
    share = _metrics(at)["Dân được phục vụ"]
    assert re.fullmatch(r"\d{1,3},\d%", share), share  # Babel/CLDR: 72,8%
    covered = int(_metrics(at)["Số dân được phục vụ"].replace(".", ""))
    assert 0 < covered < 630_383  # WorldPop 2020 total of the province's cells
    gaps = next(d.value for d in at.dataframe if "Dân chưa phục vụ" in d.value.columns)
    assert len(gaps) == 15
    # worst first: people beyond the cutoff never increase down the list
    beyond = gaps["Dân chưa phục vụ"].tolist()
    assert beyond == sorted(beyond, reverse=True)
    assert any("THAY THẾ" in w.value for w in at.warning)


def test_longer_cutoff_covers_more_people(app: AppTest) -> None:
    """Raising the cutoff from 30 to 90 minutes raises the number of people covered."""
    at = open_page(app, "coverage")

    def covered() -> int:
        return int(_metrics(at)["Số dân được phục vụ"].replace(".", ""))

    before = covered()
    at.slider(key="cov_cutoff").set_value(90).run()
    no_exception(at)
    assert covered() > before


def test_clicked_point_becomes_a_candidate_and_siting_reports_before_after(
    app: AppTest,
) -> None:
    """A map click (injected: AppTest cannot click st_folium) adds a site; siting compares."""
    at = open_page(app, "coverage")
    at.session_state["cov_clicked"] = {"lat": 14.95, "lng": 107.75}
    at.run()
    at.button(key="cov_add_clicked").click().run()
    no_exception(at)
    cands = at.session_state["candidates"]
    assert list(cands["site_id"]) == ["new-1"]
    assert list(cands["source"]) == ["user"]
    at.number_input(key="cov_k").set_value(1)
    at.button(key="cov_run").click().run()
    no_exception(at)
    siting = at.session_state["siting"]
    assert siting.result.chosen == ("new-1",)
    assert siting.result.after.population_covered >= siting.result.before.population_covered
    labels = [m.label for m in at.metric]
    assert any(label.startswith("Dân được phục vụ ≤") for label in labels)


def test_commune_from_the_list_is_placed_inside_it(app: AppTest) -> None:
    """"Thêm xã này" on Ia Dom adds the commune's estimated point, inside Ia Dom."""
    import shapely

    from data.layers import load_communes
    from data.settings import Settings

    at = open_page(app, "coverage")
    at.selectbox(key="cov_pick").set_value("23537").run()
    at.button(key="cov_add_commune").click().run()
    no_exception(at)
    shown = next(d.value for d in at.dataframe if "Vĩ độ" in d.value.columns)
    (row,) = shown.to_dict("records")
    assert (row["Tên"], row["Nguồn"]) == ("Xã Ia Dom", "ước tính")
    poly = load_communes(Settings.from_env()).set_index("commune_code").loc["23537"].geometry
    assert shapely.contains_xy(poly, row["Kinh độ"], row["Vĩ độ"])
    assert (row["Vĩ độ"], row["Kinh độ"]) != (14.517883, 107.858387)
