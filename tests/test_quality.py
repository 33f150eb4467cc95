"""Data-quality report (data.quality): WorldPop against the census, and the commune points."""

from __future__ import annotations

import pytest

from data.quality import QUALITY_COLUMNS, data_quality_table, data_quality_warnings
from data.settings import Settings


def test_data_quality_table_compares_grid_with_census(settings: Settings) -> None:
    """Per-commune grid sums add up to the grid total; flagged communes carry a warning."""
    t = data_quality_table(settings)
    assert len(t) == 102 and list(t.columns) == list(QUALITY_COLUMNS)
    assert t["population_grid"].sum() == pytest.approx(630_382.8, abs=0.5)
    assert int(t["grid_cells"].sum()) == 11_607
    row = t.set_index("commune_code").loc["23551"]
    assert "5.37x" in row["warning"] and "1.0 km outside" in row["warning"]
    assert row["warning_vi"].startswith("WorldPop 2020 cho 7.703 người, gấp 5,37 lần điều tra")
    assert "đã thay điểm xã: " in row["warning_vi"]
    assert (row["point_source"], row["point_method"]) == ("estimated", "worldpop_top_cell")
    fine = t.set_index("commune_code").loc["23281"]
    assert (fine["warning"], fine["warning_vi"], fine["point_source"]) == ("", "", "geocoded")
    assert t["point_source"].value_counts().to_dict() == {"geocoded": 92, "estimated": 10}


def test_warnings_start_with_the_replaced_points(settings: Settings) -> None:
    """The check warnings open with the commune-point replacements, then end with the totals."""
    w = data_quality_warnings(settings)
    assert w[0].startswith("10 of 102 geocoded commune points were replaced")
    assert w[1].startswith("communes given one shared geocoded point")
    assert w[-1].startswith("WorldPop 2020 (UN-adjusted) totals 630,383 people")
