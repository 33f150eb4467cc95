import unicodedata
from pathlib import Path

import pytest
import shapely
from hypothesis import HealthCheck, given
from hypothesis import settings as hyp_settings
from hypothesis import strategies as st

from data.bilingual import part
from data.commune_points import load_commune_points
from data.errors import InputError
from data.layers import load_communes
from data.offices import (
    DEFAULT_OPENING_HOURS,
    OFFICE_COLUMNS,
    default_offices,
    office_counts,
    offices_to_bytes,
    parse_opening_hours,
    read_offices,
    write_offices,
)
from data.settings import Settings

HEADER = "office_id,name,kind,lat,lon,commune_code,opening_hours,source,location_note\n"
TONE_MARKS = "\u0300\u0301\u0303\u0309\u0323"
GOOD_ROW = "bc-kt,Bưu cục Kon Tum,post_office,14.3545,108.013,,,user,\n"


def test_parse_default_opening_hours() -> None:
    """Mon–Fri 07:00–11:30 and 13:30–17:00 in seconds after midnight; weekend closed."""
    hours = parse_opening_hours(DEFAULT_OPENING_HOURS)
    assert sorted(hours) == [0, 1, 2, 3, 4]
    assert hours[0] == [(7 * 3600, 11 * 3600 + 1800), (13 * 3600 + 1800, 17 * 3600)]


def test_parse_opening_hours_rules_override_and_off() -> None:
    """Later rules replace earlier days; 'off' closes; lists, wrap-around ranges and 24/7 work."""
    hours = parse_opening_hours("Mo-Sa 07:00-17:00; We off; Sa 07:30-11:00")
    assert sorted(hours) == [0, 1, 3, 4, 5]
    assert hours[5] == [(27000, 39600)]
    assert sorted(parse_opening_hours("Sa-Mo 08:00-12:00")) == [0, 5, 6]
    assert parse_opening_hours("24/7")[6] == [(0, 86400)]


@pytest.mark.parametrize(
    ("text", "match"),
    [
        ("", "empty"),
        ("Mo-Fr", "no days or no times"),
        ("Xx 07:00-11:00", "is not a day"),
        ("SH off", "SH, dates and week numbers are not supported"),
        ("Mo 7h-11h", "is not a time range"),
        ("Mo 17:00-07:00", "closes before it opens"),
        ("Mo 07:00-12:00,11:00-13:00", "overlapping"),
    ],
)
def test_parse_opening_hours_errors(text: str, match: str) -> None:
    """Unsupported or malformed opening hours give an InputError saying what to write."""
    with pytest.raises(InputError, match=match):
        parse_opening_hours(text)


def test_default_offices_counts_by_kind_and_source(settings: Settings) -> None:
    """Default registry: 2 OSM post offices + 8 seat post offices + 102 commune shops + 1 centre."""
    offices = default_offices(settings)
    assert list(offices.columns) == [*OFFICE_COLUMNS, "geometry"]
    assert office_counts(offices) == {
        "by_kind": {"post_office": 10, "commune_post": 0, "one_stop_shop": 103},
        "by_source": {"osm": 2, "user": 0, "estimated": 111},
    }
    assert offices["office_id"].is_unique
    assert offices["location_note"].str.len().gt(20).all()
    assert offices["commune_code"].notna().all()


def test_default_offices_placement_rules(settings: Settings) -> None:
    """OSM offices keep their node; seats use township points; bad geocodes are replaced."""
    o = default_offices(settings).set_index("office_id")
    osm = o.loc["osm-node-13503110201"]
    assert (osm["source"], osm["commune_code"]) == ("osm", "23500")
    assert "po-23500" not in o.index  # Đắk Hà's seat already has the OSM office
    seat = o.loc["po-23341"]  # Thị trấn Đăk Glei
    assert (seat["lat"], seat["lon"]) == (15.031807, 107.751778)
    assert seat["source"] == "estimated" and "township" in seat["location_note"]
    assert part(seat["location_note"], "vi").startswith(
        "ước tính: trung tâm huyện (thị trấn) của Huyện Đắk Glei, đặt tại điểm xã của "
    )
    assert part(seat["location_note"], "en").startswith("estimated: district seat (township)")
    assert o.loc["po-23293", "name"] == "Bưu cục Kon Tum"  # city seat: Phường Thắng Lợi
    ia_toi = o.loc["oss-23538"]  # geocoded point 51 km outside: densest WorldPop cell instead
    assert "most populated WorldPop" in ia_toi["location_note"]
    assert (ia_toi["lat"], ia_toi["lon"]) != (14.517883, 107.858387)
    assert o.loc["oss-province", "kind"] == "one_stop_shop"


def test_default_offices_sit_on_the_commune_point_rule(settings: Settings) -> None:
    """Every estimated office is at its commune's point (data.commune_points), inside it."""
    o = default_offices(settings)
    points = load_commune_points(settings).set_index("commune_code")
    shops = o[o["office_id"].str.fullmatch(r"oss-\d{5}")].set_index("commune_code")
    assert len(shops) == 102
    assert (shops["lat"] == points.loc[shops.index, "point_lat"]).all()
    assert (shops["lon"] == points.loc[shops.index, "point_lon"]).all()
    polys = load_communes(settings).set_index("commune_code").loc[o["commune_code"]]
    assert shapely.contains_xy(polys.geometry.values, o["lon"].to_numpy(),
                               o["lat"].to_numpy()).all()
    seat = o.set_index("office_id").loc["po-23401"]  # Thị trấn Đăk Tô: geocoded 0.6 km out
    assert (seat["lat"], seat["lon"]) == tuple(points.loc["23401", ["point_lat", "point_lon"]])
    assert "0.6 km outside" in seat["location_note"]
    assert "population-weighted centre" in seat["location_note"]


def test_csv_and_xlsx_round_trip(settings: Settings, tmp_path: Path) -> None:
    """Offices written as CSV (UTF-8 BOM) and XLSX read back identical."""
    offices = default_offices(settings)
    for suffix in (".csv", ".xlsx"):
        path = tmp_path / f"offices{suffix}"
        write_offices(offices, path)
        back = read_offices(path, settings=settings)
        assert back["office_id"].tolist() == offices["office_id"].tolist()
        assert back["name"].tolist() == offices["name"].tolist()
        assert back["lat"].tolist() == pytest.approx(offices["lat"].tolist())
        assert back["source"].tolist() == offices["source"].tolist()
    assert (tmp_path / "offices.csv").read_bytes().startswith(b"\xef\xbb\xbf")


def test_import_fills_defaults_and_commune(settings: Settings) -> None:
    """Blank opening hours, source and commune code get the default, 'user' and a spatial lookup."""
    o = read_offices((HEADER + GOOD_ROW).encode(), settings=settings, filename="o.csv")
    row = o.iloc[0]
    assert row["opening_hours"] == DEFAULT_OPENING_HOURS
    assert row["source"] == "user" and row["commune_code"] == "23293"
    assert row["location_note"] == "nhập từ o.csv / imported from o.csv"


def test_import_accepts_vietnamese_kind_names(settings: Settings) -> None:
    """'Bưu điện văn hóa xã' and 'bưu cục' are read as commune_post and post_office."""
    text = ("office_id,name,kind,lat,lon\n"
            "a,BĐVHX Ngọk Bay,Bưu điện văn hóa xã,14.384,107.9236\n"
            "b,BC,buu cuc,14.3545,108.013\n")
    o = read_offices(text.encode(), settings=settings, filename="o.csv")
    assert o["kind"].tolist() == ["commune_post", "post_office"]


def _rejected(data: bytes, settings: Settings, filename: str = "o.csv") -> InputError:
    with pytest.raises(InputError) as info:
        read_offices(data, settings=settings, filename=filename)
    return info.value


def test_coordinates_outside_province(settings: Settings) -> None:
    """A Hà Nội position is refused; swapped lat/lon is recognised and said so."""
    text = HEADER + "x,Hà Nội,post_office,21.0285,105.8542,,,,\n" + \
        "y,Swapped,post_office,108.013,14.3545,,,,\n"
    err = _rejected(text.encode(), settings)
    assert [p.row for p in err.problems] == [2, 3]
    assert "outside the former Kon Tum province" in err.problems[0].message
    assert err.problems[0].column == "lat/lon"
    assert "look swapped" in err.problems[1].message


def test_duplicate_ids(settings: Settings) -> None:
    """A repeated office_id names both rows."""
    err = _rejected((HEADER + GOOD_ROW + GOOD_ROW).encode(), settings)
    assert len(err.problems) == 1
    p = err.problems[0]
    assert (p.row, p.column, p.value) == (3, "office_id", "bc-kt")
    assert "already used on row 2" in p.message


def test_unknown_kind(settings: Settings) -> None:
    """An unknown kind lists the allowed ones."""
    err = _rejected((HEADER + "z,Bank,bank,14.3545,108.013,,,,\n").encode(), settings)
    assert (err.problems[0].column, err.problems[0].value) == ("kind", "bank")
    assert "post_office, commune_post, one_stop_shop" in err.problems[0].message


def test_missing_columns(settings: Settings) -> None:
    """A file without lat/lon columns is rejected naming the missing columns and the header."""
    err = _rejected(b"office_id,name,kind\na,b,post_office\n", settings)
    assert [(p.row, p.column) for p in err.problems] == [(1, "lat"), (1, "lon")]
    assert "required column lat is missing; found columns office_id, name, kind" in str(err)


@pytest.mark.parametrize(
    ("data", "filename", "match"),
    [
        (b"", "o.csv", "the file is empty"),
        (b"  \n", "o.csv", "the file is empty"),
        (b"", "o.xlsx", "the file is empty"),
        (HEADER.encode(), "o.csv", "header but no office rows"),
    ],
)
def test_empty_files(settings: Settings, data: bytes, filename: str, match: str) -> None:
    """Empty files and header-only files get their own messages."""
    assert match in str(_rejected(data, settings, filename))


def _to_cp1258(text: str) -> bytes:
    """Encode as Windows-1258 does: precomposed base letters plus combining tone marks."""
    out = b""
    for ch in text:
        try:
            out += ch.encode("cp1258")
        except UnicodeEncodeError:
            parts = unicodedata.normalize("NFD", ch)
            tones = "".join(c for c in parts if c in TONE_MARKS)
            base = unicodedata.normalize("NFC", "".join(c for c in parts if c not in TONE_MARKS))
            out += (base + tones).encode("cp1258")
    return out


def test_windows_1258_file_is_read_and_named(settings: Settings) -> None:
    """A CSV exported in Windows-1258 is read as such, and the encoding is named."""
    text = HEADER + "a,Bưu cục Đắk Hà,post_office,14.5113,107.9222,,,,\n"
    data = _to_cp1258(text)
    assert data.decode("cp1258") != text  # really a legacy-encoded file
    got = read_offices(data, settings=settings, filename="o.csv")
    assert got["name"].tolist() == ["Bưu cục Đắk Hà"]
    assert "read as Windows-1258" in got.attrs["warnings"][0]


def test_windows_1258_file_with_problems_names_encoding(settings: Settings) -> None:
    """A rejected Windows-1258 file says which encoding it was read with."""
    data = _to_cp1258(HEADER + "a,Bưu cục Đắk Hà,bank,14.5113,107.9222,,,,\n")
    err = _rejected(data, settings)
    assert "o.csv (Windows-1258) was rejected" in str(err)


def test_all_problems_reported_together(settings: Settings) -> None:
    """Every problem of every row is collected into one error."""
    text = HEADER + ",,bank,abc,108.0,99999,Mo 9-5,survey,\n" + GOOD_ROW
    err = _rejected(text.encode(), settings)
    cols = [p.column for p in err.problems]
    assert cols == ["office_id", "name", "kind", "lat", "commune_code", "opening_hours", "source"]
    assert all(p.row == 2 for p in err.problems)
    assert "7 problem(s)" in str(err)


def test_broken_xlsx_and_unknown_suffix(settings: Settings) -> None:
    """A corrupt workbook and a .txt file are refused with a fix."""
    assert "not a readable .xlsx" in str(_rejected(b"PK\x03\x04garbage", settings, "o.xlsx"))
    assert "unsupported file type '.txt'" in str(_rejected(b"a", settings, "o.txt"))


def test_xlsx_validation_uses_spreadsheet_rows(settings: Settings) -> None:
    """Problems in an XLSX upload are reported on the row numbers Excel shows."""
    offices = default_offices(settings).head(3).copy()
    offices.loc[2, "kind"] = "atm"
    err = _rejected(offices_to_bytes(offices, "xlsx"), settings, "o.xlsx")
    assert [(p.row, p.column) for p in err.problems] == [(4, "kind")]


def test_semicolon_csv_with_decimal_commas(settings: Settings) -> None:
    """A CSV saved by Excel with a Vietnamese locale (';' and decimal commas) is read."""
    text = "office_id;name;kind;lat;lon\nbc;Bưu cục Kon Tum;post_office;14,3545;108,013\n"
    o = read_offices(text.encode(), settings=settings, filename="o.csv")
    assert (o["lat"].iloc[0], o["lon"].iloc[0]) == (14.3545, 108.013)


_CELLS = st.one_of(
    st.text(max_size=10),
    st.sampled_from(["14.35", "108.01", "post_office", "", "nan", "inf", "1e400", "23281",
                     "=1+1", "Mo-Fr 07:00-11:30", '"', ";", "\n"]),
)


@hyp_settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
@given(rows=st.lists(st.lists(_CELLS, max_size=10), max_size=4), header=st.booleans())
def test_any_csv_is_read_or_rejected_cleanly(settings: Settings, rows: list[list[str]],
                                             header: bool) -> None:
    """Arbitrary CSV content either loads or raises InputError, never another exception."""
    import csv
    import io

    buf = io.StringIO()
    writer = csv.writer(buf)
    if header:
        writer.writerow(OFFICE_COLUMNS)
    writer.writerows(rows)
    try:
        out = read_offices(buf.getvalue().encode(), settings=settings, filename="f.csv")
    except InputError as exc:
        assert exc.problems
    else:
        assert list(out.columns) == [*OFFICE_COLUMNS, "geometry"]
        assert out["kind"].isin(["post_office", "commune_post", "one_stop_shop"]).all()


@hyp_settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
@given(data=st.binary(max_size=120), name=st.sampled_from(["f.csv", "f.xlsx"]))
def test_random_bytes_are_rejected_cleanly(settings: Settings, data: bytes, name: str) -> None:
    """Random bytes as an upload raise InputError (or, rarely, parse), never crash."""
    try:
        read_offices(data, settings=settings, filename=name)
    except InputError as exc:
        assert exc.problems
