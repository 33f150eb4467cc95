"""Data page (Dữ liệu) under Streamlit's AppTest: figures, offices upload/edit/download, toggle."""

from __future__ import annotations

import io
from pathlib import Path

import pandas as pd
import pytest
from apptest_utils import download, make_app, no_exception, open_page
from streamlit.testing.v1 import AppTest


@pytest.fixture
def app(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> AppTest:
    return make_app(monkeypatch, tmp_path)


BAD_OFFICES = (
    "office_id,name,kind,lat,lon\n"
    "X1,Bưu cục thử,post_office,14.35,108.0\n"
    "X1,Trùng mã,post_office,14.36,108.01\n"
    "X3,Sai loại,bakery,14.37,108.02\n"
    "X4,Ngoài tỉnh,post_office,10.77,106.70\n"
).encode()


def _metrics(at: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def test_data_page_shows_real_bundle_figures(app: AppTest) -> None:
    """The page loads and shows 102 old communes, 40 new ones and the 540.438 census total."""
    at = open_page(app, "data")
    no_exception(at)
    m = _metrics(at)
    assert m["Xã (trước 2025)"] == "102"
    assert m["Xã mới (2025)"] == "40"
    assert m["Dân số 2019"] == "540.438"
    assert int(m["Bưu cục / điểm"]) > 100
    # the panel on what is estimated names the estimated offices
    assert any("ước tính" in md.value for md in at.markdown)
    # and the population data-quality table puts the census beside the WorldPop grid
    quality = next(d.value for d in at.dataframe if "Điều tra 2019" in d.value.columns)
    assert len(quality) == 102
    assert int(quality["Điều tra 2019"].sum()) == 540_438


def test_data_page_warns_about_replaced_commune_points(app: AppTest) -> None:
    """The page says 10 commune points were wrong and replaced; the table names each one."""
    at = open_page(app, "data")
    no_exception(at)
    warning = next(w.value for w in at.warning if "điểm xã" in w.value)
    assert warning.startswith("10 trên 102 điểm xã trong gói dữ liệu bị sai")
    assert "3 xã (Xã Ia Đal, Xã Ia Dom, Xã Ia Tơi) dùng chung một điểm" in warning
    quality = next(d.value for d in at.dataframe if "Điểm xã" in d.value.columns)
    assert quality["Điểm xã"].value_counts().to_dict() == {"mã hóa địa lý": 92, "ước tính": 10}
    ia_dom = quality[quality["Xã"] == "Xã Ia Dom"].iloc[0]
    assert "nằm ngoài ranh giới xã 34,6 km" in ia_dom["Cảnh báo"]
    at.toggle(key="lang_toggle").set_value(True).run()
    assert any(w.value.startswith("10 of 102 commune points in the bundle were wrong")
               for w in at.warning)
    quality = next(d.value for d in at.dataframe if "Commune point" in d.value.columns)
    ia_dom = quality[quality["Commune"] == "Xã Ia Dom"].iloc[0]
    assert "34.6 km outside" in ia_dom["Warning"]


def test_english_toggle_translates_labels(app: AppTest) -> None:
    """Switching the sidebar toggle turns the labels into English and formats 540,438."""
    at = open_page(app, "data")
    at.toggle(key="lang_toggle").set_value(True).run()
    no_exception(at)
    m = _metrics(at)
    assert m["Population 2019"] == "540,438"
    assert at.title[0].value == "Data"
    # choices survive the switch (widgets with translated options are redrawn per language)
    at.toggle(key="lang_toggle").set_value(False).run()
    at.radio(key="data_units").set_value("new").run()
    at.toggle(key="lang_toggle").set_value(True).run()
    no_exception(at)
    assert at.radio(key="data_units__en").value == "new"  # still the 2025 communes
    assert at.title[0].value == "Data"


def test_malformed_offices_upload_lists_every_problem_and_keeps_data(app: AppTest) -> None:
    """A bad offices file shows each problem (duplicate id, kind, outside) and changes nothing."""
    at = open_page(app, "data")
    before = _metrics(at)["Bưu cục / điểm"]
    at.get("file_uploader")[0].upload("offices_bad.csv", BAD_OFFICES, "text/csv").run()
    no_exception(at)
    errors = "\n".join(e.value for e in at.error)
    assert "X1" in errors
    assert "bakery" in errors
    assert "10\\.77" in errors or "outside" in errors.lower()
    assert _metrics(at)["Bưu cục / điểm"] == before
    assert "offices" not in at.session_state


def test_offices_downloads_parse(app: AppTest) -> None:
    """The CSV and XLSX downloads parse back to the same number of offices."""
    at = open_page(app, "data")
    n = int(_metrics(at)["Bưu cục / điểm"])
    name, csv = download(at, "offices_csv")
    assert name.endswith(".csv")
    table = pd.read_csv(io.BytesIO(csv), encoding="utf-8-sig")
    assert len(table) == n
    assert {"office_id", "kind", "source", "location_note"} <= set(table.columns)
    name, xlsx = download(at, "offices_xlsx")
    assert len(pd.read_excel(io.BytesIO(xlsx))) == n


def test_valid_upload_replaces_offices(app: AppTest) -> None:
    """A valid file replaces the registry (2 offices, source user) until reset."""
    at = open_page(app, "data")
    good = (
        "office_id,name,kind,lat,lon\n"
        "A1,Bưu cục A,post_office,14.3500,108.0000\n"
        "A2,Một cửa B,one_stop_shop,14.6600,107.9000\n"
    ).encode()
    at.get("file_uploader")[0].upload("offices.csv", good, "text/csv").run()
    no_exception(at)
    assert _metrics(at)["Bưu cục / điểm"] == "2"
    assert list(at.session_state["offices"]["source"]) == ["user", "user"]
    at.button(key="offices_reset").click().run()
    assert int(_metrics(at)["Bưu cục / điểm"]) > 100


def test_closure_upload_closes_roads_and_bad_rows_are_listed(app: AppTest) -> None:
    """A circle closure around Kon Tum city closes edges today; a bad table lists each row."""
    import datetime as dt

    at = open_page(app, "data")
    today = dt.date.today()
    good = (
        "closure_id,lat,lon,radius_m,valid_from,valid_to,reason\n"
        f"sl-1,14.35,108.00,3000,{today:%d/%m/%Y},,Sạt lở thử nghiệm\n"
    ).encode()
    uploaders = at.get("file_uploader")
    uploaders[1].upload("closures.csv", good, "text/csv").run()
    no_exception(at)
    assert "closures" in at.session_state
    assert any("bị chặn" in w.value for w in at.warning)
    bad = (
        "closure_id,lat,lon,radius_m,valid_from,valid_to,reason\n"
        "x1,14.35,108.00,3000,2026-13-40,,Sạt lở\n"
        "x2,14.35,108.00,3000,2026-11-20,2026-11-01,\n"
    ).encode()
    at.get("file_uploader")[1].upload("closures_bad.csv", bad, "text/csv").run()
    no_exception(at)
    errors = "\n".join(e.value for e in at.error)
    assert "dòng 2" in errors and "dòng 3" in errors
    assert "sl-1" in set(at.session_state["closures"]["closure_id"])  # the good table stays


def test_uploaded_circle_closure_is_shown_as_lat_lon_radius(app: AppTest) -> None:
    """An uploaded circle closure shows the lat, lon and radius it was given, not a polygon."""
    at = open_page(app, "data")
    good = (
        "closure_id,lat,lon,radius_m,valid_from,valid_to,reason\n"
        "sl-1,14.35,108.00,3000,25/11/2026,30/11/2026,Sạt lở\n"
        "sl-2,14.6123,107.7456,250,2026-11-25,,Ngập tràn\n"
    ).encode()
    at.get("file_uploader")[1].upload("closures.csv", good, "text/csv").run()
    no_exception(at)
    table = next(d.value for d in at.dataframe if d.key == "closures_editor")
    assert "wkt" not in table.columns
    assert table[["closure_id", "lat", "lon", "radius_m", "reason"]].values.tolist() == [
        ["sl-1", 14.35, 108.0, 3000.0, "Sạt lở"],
        ["sl-2", 14.6123, 107.7456, 250.0, "Ngập tràn"],
    ]


def test_network_status_names_its_source_and_keeps_words_out_of_metrics(app: AppTest) -> None:
    """The proxy network says where it comes from (never an empty file name); metrics hold
    numbers only and the km by source are a table."""
    at = open_page(app, "data")
    no_exception(at)
    captions = [c.value for c in at.caption if c.value.startswith("Tệp nguồn")]
    assert captions == [
        "Tệp nguồn: không có — mạng thay thế dựng từ quốc lộ, điểm xã và lưới dân số "
        "của gói dữ liệu."
    ]
    for label in ("Nút", "Cạnh", "Tổng km đường"):
        assert _metrics(at)[label].replace(".", "").isdigit()
    assert "Loại mạng" not in _metrics(at)
    km = next(d.value for d in at.dataframe if list(d.value.columns) == ["Nguồn", "km"])
    assert set(km["Nguồn"]) == {"quốc lộ", "mạng thay thế (ước tính)"}
    assert any("**Loại mạng:** mạng thay thế \\(ước tính\\)" in m.value for m in at.markdown)
