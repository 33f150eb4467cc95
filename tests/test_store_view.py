"""app.store_view: times in Vietnam time, conflict messages, scenario documents checked."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import pandas as pd
import pytest

from app.store_view import conflict_text, fmt_when, scenario_document, scenario_from_document


def _scenario() -> dict[str, object]:
    cands = pd.DataFrame({"site_id": ["new-1"], "name": ["Điểm A"], "lat": [14.9],
                          "lon": [107.7], "source": ["user"]})
    return scenario_document(cutoff_min=45, profile="motorbike", office_kinds=["post_office"],
                             model="mclp", k=2, candidates=cands, siting=None,
                             network_kind="proxy")


def test_fmt_when_shows_vietnam_time() -> None:
    """23:30 UTC on 24/11 is 06:30 on 25/11 in Vietnam (UTC+7), naive times read as UTC."""
    assert fmt_when(dt.datetime(2026, 11, 24, 23, 30, tzinfo=dt.UTC)) == "25/11/2026 06:30"
    assert fmt_when(dt.datetime(2026, 11, 24, 23, 30)) == "25/11/2026 06:30"


def test_conflict_text_names_who_when_and_versions_in_vietnamese() -> None:
    """The conflict message is worded from the store's record, names escaped."""
    info = SimpleNamespace(name="Thứ [Hai](x)", version=3, updated_by="Hoa",
                           updated_at=dt.datetime(2026, 11, 25, 1, 5, tzinfo=dt.UTC))
    text = conflict_text(info, opened=2, kind_key="dispatch.save_conflict")
    assert text.startswith(r"Không lưu: kế hoạch «Thứ \[Hai\]\(x\)» đã có phiên bản 3 do Hoa")
    assert r"lúc 25\/11\/2026 08\:05 (giờ Việt Nam)" in text
    assert "mới hơn phiên bản 2 đang mở" in text


def test_scenario_round_trips() -> None:
    """A saved scenario document reads back with its candidates as a table."""
    back = scenario_from_document(_scenario())
    assert back["cutoff_min"] == 45 and back["k"] == 2
    assert back["candidates"]["name"].tolist() == ["Điểm A"]


@pytest.mark.parametrize(
    ("field", "value", "named"),
    [
        ("cutoff_min", "<img src=x>", "cutoff_min"),
        ("k", True, "k"),
        ("office_kinds", "post_office", "office_kinds"),
        ("candidates", [{"name": "x", "lat": "14", "lon": 107.0}], "candidates"),
    ],
)
def test_scenario_with_a_wrong_type_is_refused(field: str, value: object, named: str) -> None:
    """A field of the wrong type is named in a Vietnamese message, not a Python error."""
    doc = {**_scenario(), field: value}
    with pytest.raises(ValueError, match=f"kịch bản có giá trị sai kiểu ở {named}"):
        scenario_from_document(doc)


def test_not_a_scenario_is_refused() -> None:
    """A document of another format says it is not a scenario saved by the app."""
    with pytest.raises(ValueError, match="không phải kịch bản vùng phục vụ"):
        scenario_from_document({"format": "x"})
