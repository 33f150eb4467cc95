"""One table of malformed files drives every importer: all give the same answer.

Each importer (offices, jobs, closures, speed tables, the courier roster, calendar
exceptions) reads through ``data.table_reader`` and its declared schema, so the same
malformed file must be refused the same way — the same problem, at the same row and the
same column role — and the same valid table written in another encoding, delimiter or
format must be read to the same result.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from robustness import cp1258_bytes, xlsx_bytes

from data.calendar import read_exceptions
from data.errors import InputError, Problem
from data.offices import default_offices, read_offices
from data.roster import read_roster
from data.settings import Settings
from geo.closures import read_closures
from geo.profiles import load_speed_table
from routing.jobs_io import read_jobs

SETTINGS = Settings.from_env()
OFFICE_IDS = default_offices(SETTINGS)["office_id"].tolist()
PO = next(o for o in OFFICE_IDS if o.startswith("po-"))
#: "Bưu điện Đăk Tô" typed with the legacy fonts (bytes shown as Latin-1 text).
TCVN3 = b"B\xadu \xaei\xd6n \xa7\xa8k T\xab".decode("latin-1")
VNI = "Böu ñieän Ñaêk Toâ"


@dataclass(frozen=True)
class Importer:
    """An importer, a small valid table for it, and the roles of its columns."""

    name: str
    read: Callable[[bytes, str], Any]
    header: list[str]
    rows: list[list[str]]
    key: str              # first required column
    text: str             # a free-text column (for legacy encodings)
    number: str | None    # a numeric column
    decimal: str | None   # a value with a decimal part for ``number`` ("12.5")
    summary: Callable[[Any], Any]


IMPORTERS = [
    Importer(
        "offices", lambda d, f: read_offices(d, settings=SETTINGS, filename=f),
        ["office_id", "name", "kind", "lat", "lon"],
        [["PO1", "Bưu cục A", "post_office", "14.3545", "108.013"],
         ["PO2", "Bưu cục B", "post_office", "14.6", "107.9"]],
        "office_id", "name", "lat", "14.3545",
        lambda r: [(o, round(a, 6), round(b, 6), n) for o, a, b, n in
                   zip(r["office_id"], r["lat"], r["lon"], r["name"], strict=True)]),
    Importer(
        "jobs", lambda d, f: read_jobs(d, settings=SETTINGS, office_ids=OFFICE_IDS, filename=f),
        ["job_id", "kind", "lat", "lon", "label"],
        [["J1", "delivery", "14.3545", "108.013", "Nhà ông A"],
         ["J2", "pickup", "14.6", "107.9", "Nhà bà B"]],
        "job_id", "label", "lat", "14.3545",
        lambda r: [(j.job_id, j.kind, round(v.lat, 6), v.label) for j in r
                   for _, v in j.visits]),
    Importer(
        "closures", lambda d, f: read_closures(d, filename=f),
        ["valid_from", "reason", "closure_id", "lat", "lon", "radius_m"],
        [["2026-10-01", "Sạt lở Km76", "C1", "14.3545", "108.013", "300"],
         ["2026-10-02", "Ngập tràn", "C2", "14.6", "107.9", "250"]],
        "valid_from", "reason", "radius_m", "300.5",
        lambda r: [(c.closure_id, c.valid_from, c.reason, round(c.area.area, 12)) for c in r]),
    Importer(
        "speeds", lambda d, f: load_speed_table(d, filename=f),
        ["highway", "surface", "motorbike_kph", "car_kph", "walk_kph", "note"],
        [["trunk", "paved", "50", "60", "4.5", "quốc lộ"],
         ["*", "paved", "20", "20", "4.5", "đường khác"],
         ["*", "unpaved", "12", "10", "4", ""],
         ["*", "unknown", "15", "15", "4", ""]],
        "highway", "note", "motorbike_kph", "50.5",
        lambda r: r[["highway", "surface", "motorbike_kph", "car_kph", "walk_kph"]]
        .to_records(index=False).tolist()),
    Importer(
        "roster", lambda d, f: read_roster(d, office_ids=OFFICE_IDS, filename=f),
        ["courier_id", "name", "office_id", "capacity"],
        [["BT01", "Nguyễn Văn A", PO, "40"], ["BT02", "Trần Thị B", PO, "30"]],
        "courier_id", "name", "capacity", None,
        lambda r: r.to_records(index=False).tolist()),
    Importer(
        "exceptions", lambda d, f: read_exceptions(d, office_ids=OFFICE_IDS, filename=f),
        ["office_id", "date", "opening_hours", "reason"],
        [[PO, "2026-10-03", "07:00-11:00", "Sáng thứ Bảy mở cửa"],
         ["*", "2026-10-05", "off", "Kiểm kê"]],
        "office_id", "reason", None, None,
        lambda r: sorted((k[0], k[1], e.windows, e.reason) for k, e in r.exceptions.items())),
]
IDS = [i.name for i in IMPORTERS]


def _csv(header: list[str], rows: list[list[str]], sep: str = ",") -> str:
    def cell(v: str) -> str:
        return f'"{v}"' if sep in v or '"' in v else v
    return "\r\n".join(sep.join(cell(c) for c in r) for r in [header, *rows]) + "\r\n"


def _refused(imp: Importer, data: bytes, filename: str) -> InputError:
    with pytest.raises(InputError) as info:
        imp.read(data, filename)
    return info.value


def _signature(imp: Importer, problems: tuple[Problem, ...]) -> list[tuple[Any, ...]]:
    """A problem list with the importer's own names replaced by their roles."""
    roles = {imp.key: "{key}", imp.text: "{text}"}
    if imp.number:
        roles[imp.number] = "{number}"
    out = []
    for p in problems:
        head = p.message.split("; fix")[0].split(";")[0]
        head = re.sub(r"'[^']*'", "'{sample}'", head) if "legacy" in head else head
        for col, role in roles.items():
            head = re.sub(rf"\b{re.escape(col)}\b", role, head, flags=re.IGNORECASE)
        head = re.sub(r"-?\d[\d,.]*(e[+-]?\d+)?", "{n}", head)
        head = re.sub(r"but no .+ rows", "but no {what} rows", head)
        head = re.sub(r"(from {n} to|above {n} and at most|at least|at most) {n}$", "{range}",
                      head)
        out.append((p.row, roles.get(str(p.column), p.column), head))
    return out


# --------------------------------------------------------------------------- refused files

CASES: dict[str, Callable[[Importer], tuple[bytes, str]]] = {
    "empty file": lambda i: (b"", "t.csv"),
    "blank lines only": lambda i: (b"\r\n  \r\n", "t.csv"),
    "header only": lambda i: (_csv(i.header, []).encode(), "t.csv"),
    "empty workbook": lambda i: (xlsx_bytes([]), "t.xlsx"),
    "duplicate header in another case": lambda i: (
        _csv([*i.header, i.key.upper()],
             [[*r, r[i.header.index(i.key)]] for r in i.rows]).encode(), "t.csv"),
    "required column missing": lambda i: (
        _csv([h for h in i.header if h != i.key],
             [[c for h, c in zip(i.header, r, strict=True) if h != i.key] for r in i.rows]
             ).encode(), "t.csv"),
    "TCVN3 legacy font": lambda i: (
        _csv(i.header, [[TCVN3 if h == i.text else c for h, c in zip(i.header, r, strict=True)]
                        for r in i.rows]).encode("latin-1"), "t.csv"),
    "VNI legacy font": lambda i: (
        _csv(i.header, [[VNI if h == i.text else c for h, c in zip(i.header, r, strict=True)]
                        for r in i.rows]).encode("cp1252"), "t.csv"),
    "binary file": lambda i: (bytes(range(256)) * 4, "t.csv"),
    "broken workbook": lambda i: (b"PK\x03\x04garbage", "t.xlsx"),
    "unsupported suffix": lambda i: (_csv(i.header, i.rows).encode(), "t.txt"),
    "row longer than the header": lambda i: (
        _csv(i.header, [[*i.rows[0], "extra"], *i.rows[1:]]).encode(), "t.csv"),
    "formula in the key": lambda i: (
        _csv(i.header, [[("=1+1" if h == i.key else c) for h, c in zip(i.header, r, strict=True)]
                        for r in i.rows[:1]] + i.rows[1:]).encode(), "t.csv"),
}


def _numeric(value: str) -> Callable[[Importer], tuple[bytes, str]]:
    def make(i: Importer) -> tuple[bytes, str]:
        assert i.number is not None
        rows = [list(r) for r in i.rows]
        rows[0][i.header.index(i.number)] = value
        return _csv(i.header, rows).encode(), "t.csv"
    return make


NUMERIC = {"1e308 (overflow)": _numeric("1e308"), "inf": _numeric("inf"),
           "not a number": _numeric("abc"), "minus 1e308": _numeric("-1e308"),
           "several commas": _numeric("1,2,3")}


@pytest.mark.parametrize("case", list(CASES))
def test_every_importer_refuses_the_same_way(case: str) -> None:
    """The same malformed file gives every importer the same problems, rows and roles."""
    signatures = {}
    for imp in IMPORTERS:
        if case == "formula in the key" and imp.name in ("closures", "speeds"):
            continue  # their keys are a date and a road class, checked as such
        data, filename = CASES[case](imp)
        err = _refused(imp, data, filename)
        assert all(p.source and p.source.startswith("t.") for p in err.problems)
        assert all(p.message_vi for p in err.problems), "every problem also in Vietnamese"
        assert "nothing was imported" in str(err)
        signatures[imp.name] = _signature(imp, err.problems)
    first = next(iter(signatures.values()))
    assert all(sig == first for sig in signatures.values()), signatures


def test_case_answers_are_the_right_ones() -> None:
    """What each shared case says (checked once, on the offices importer)."""
    imp = IMPORTERS[0]

    def say(case: str) -> list[tuple[Any, ...]]:
        err = _refused(imp, *CASES[case](imp))
        return [(p.row, p.column, p.message) for p in err.problems]

    assert say("empty file") == [(None, None, "the file is empty; fix: export it again with a "
                                  "header row (column names) and one row per item")]
    assert say("header only")[0][2].startswith("the file has a header but no office rows")
    dup = say("duplicate header in another case")
    assert dup == [(1, "office_id", "columns 'office_id' (column 1) and 'OFFICE_ID' (column 6) "
                    "are the same column office_id; fix: keep one and delete the other")]
    assert say("required column missing")[0][:2] == (1, "office_id")
    assert "legacy TCVN3" in say("TCVN3 legacy font")[0][2]
    assert "Unikey" in say("TCVN3 legacy font")[0][2]
    assert "legacy VNI" in say("VNI legacy font")[0][2]
    assert say("row longer than the header")[0][:2] == (2, None)
    assert "spreadsheet formula" in say("formula in the key")[0][2]


@pytest.mark.parametrize("case", list(NUMERIC))
def test_every_numeric_field_is_range_checked(case: str) -> None:
    """Overflowing, infinite or garbled numbers are row problems for every importer."""
    signatures = {}
    for imp in IMPORTERS:
        if imp.number is None:
            continue
        err = _refused(imp, *NUMERIC[case](imp))
        assert [(p.row, p.column) for p in err.problems] == [(2, imp.number)]
        signatures[imp.name] = _signature(imp, err.problems)
    first = next(iter(signatures.values()))
    assert all(sig == first for sig in signatures.values()), signatures
    expected = "{number} is not a number" if case in ("inf", "not a number",
                                                       "several commas") else "{number} must be"
    assert first[0][2].startswith(expected)
    if expected == "{number} must be":
        assert first[0][2] == "{number} must be {range}"


# --------------------------------------------------------------------------- accepted files


def _variants(imp: Importer) -> dict[str, tuple[bytes, str]]:
    text = _csv(imp.header, imp.rows)
    semi_rows = [[c.replace(".", ",") if h == imp.number else c
                  for h, c in zip(imp.header, r, strict=True)] for r in imp.rows]
    upper = [h.upper() for h in imp.header]
    return {
        "UTF-8": (text.encode("utf-8"), "t.csv"),
        "UTF-8 BOM": (text.encode("utf-8-sig"), "t.csv"),
        "UTF-16": (text.encode("utf-16"), "t.csv"),
        "UTF-16 LE without BOM": (text.encode("utf-16-le"), "t.csv"),
        "Windows-1258": (cp1258_bytes(text), "t.csv"),
        "semicolons and decimal commas": (_csv(imp.header, semi_rows, ";").encode(), "t.csv"),
        "tabs": (_csv(imp.header, imp.rows, "\t").encode(), "t.tsv"),
        "upper-case headers": (_csv(upper, imp.rows).encode(), "t.csv"),
        "XLSX": (xlsx_bytes([imp.header, *imp.rows]), "t.xlsx"),
        "blank rows between": (_csv(imp.header, [imp.rows[0], [""] * len(imp.header),
                                                 *imp.rows[1:]]).encode(), "t.csv"),
    }


@pytest.mark.parametrize("imp", IMPORTERS, ids=IDS)
def test_same_table_in_any_encoding_delimiter_or_format_reads_the_same(imp: Importer) -> None:
    """UTF-8/BOM/UTF-16/cp1258, ',' ';' tab, XLSX, any header case: one result."""
    results = {name: imp.summary(imp.read(data, fn)) for name, (data, fn) in _variants(imp).items()}
    assert all(r == results["UTF-8"] for r in results.values()), results


@pytest.mark.parametrize("imp", [i for i in IMPORTERS if i.decimal], ids=lambda i: i.name)
def test_decimal_commas_are_read_as_decimals(imp: Importer) -> None:
    """'50,5' in a ';' file is the number 50.5 for every importer that has a decimal field."""
    assert imp.number is not None and imp.decimal is not None
    dot = [list(r) for r in imp.rows]
    dot[0][imp.header.index(imp.number)] = imp.decimal
    comma = [list(r) for r in dot]
    comma[0][imp.header.index(imp.number)] = imp.decimal.replace(".", ",")
    a = imp.summary(imp.read(_csv(imp.header, dot).encode(), "t.csv"))
    b = imp.summary(imp.read(_csv(imp.header, comma, ";").encode(), "t.csv"))
    assert a == b


@pytest.mark.parametrize("imp", IMPORTERS, ids=IDS)
def test_unknown_column_is_reported_not_fatal(imp: Importer) -> None:
    """A column no schema knows is imported around and named in a warning."""
    data = _csv([*imp.header, "STT"], [[*r, str(k)] for k, r in enumerate(imp.rows)]).encode()
    result = imp.read(data, "t.csv")
    plain = imp.summary(imp.read(_csv(imp.header, imp.rows).encode(), "t.csv"))
    assert imp.summary(result) == plain
    warnings = getattr(result, "attrs", {}).get("warnings")
    if warnings is not None:  # frames carry their warnings
        assert any("column 'STT' is not used" in w for w in warnings)
