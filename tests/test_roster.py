"""Tests of the courier roster (data.roster) and its command line."""

from __future__ import annotations

import datetime as dt
import json

import pandas as pd
import pytest
from robustness import xlsx_bytes

from cli import main
from data.errors import InputError
from data.offices import default_offices
from data.roster import on_duty, parse_days_off, read_roster, roster_from_frame, roster_to_bytes
from data.settings import Settings

SETTINGS = Settings.from_env()
OFFICES = default_offices(SETTINGS)
IDS = OFFICES["office_id"].tolist()
ROSTER = (
    "Mã bưu tá;Họ tên;Điện thoại;Bưu cục;Phương tiện;Ca;Ngày nghỉ;Sức chở;Đang làm\r\n"
    "BT01;Nguyễn Văn A;0912 345 678;po-23293;xe máy;07:00-17:00;CN;40;có\r\n"
    "BT02;Y Bình;912345679;po-23293;Xe gắn máy;06:30-15:00;T7,CN;30;x\r\n"
    "BT03;Trần Thị C;+84 905 111 222;po-23293;motorbike;;25/11/2026;;\r\n"
    "BT04;A Nghĩa;;po-23293;đi bộ;;;;không\r\n"
)


def _read(text: str = ROSTER, name: str = "roster.csv") -> pd.DataFrame:
    return read_roster(text.encode(), office_ids=IDS, filename=name)


def test_vietnamese_roster_is_read_and_normalised() -> None:
    """Vietnamese headers and words, ';' file: ids, phones, vehicles, shifts, defaults."""
    r = _read()
    assert r["courier_id"].tolist() == ["BT01", "BT02", "BT03", "BT04"]
    assert r["phone"].tolist() == ["0912345678", "0912345679", "0905111222", ""]
    assert r["profile"].tolist() == ["motorbike", "moped", "motorbike", "walk"]
    assert r["shift"].tolist() == ["07:00-17:00", "06:30-15:00", "07:00-17:00", "07:00-17:00"]
    assert r["capacity"].tolist() == [40, 30, 40, 40]
    assert r["active"].tolist() == [True, True, True, False]
    assert any("leading 0" in w for w in r.attrs["warnings"])


def test_every_problem_is_collected() -> None:
    """Unknown office, phone, shift, days off, vehicle, duplicate id: one error, every row."""
    bad = ("courier_id,name,phone,office_id,profile,shift,days_off\r\n"
           "A,An,12,nowhere,bus,17:00-07:00,someday\r\n"
           "A,,0912345678,po-23293,,,\r\n")
    with pytest.raises(InputError) as err:
        _read(bad)
    assert [(p.row, p.column) for p in err.value.problems] == [
        (2, "phone"), (2, "office_id"), (2, "profile"), (2, "shift"), (2, "days_off"),
        (3, "courier_id"), (3, "name")]


def test_export_round_trips_csv_and_xlsx() -> None:
    """An exported roster reads back identical, as CSV and as XLSX."""
    r = _read()
    for fmt in ("csv", "xlsx"):
        back = read_roster(roster_to_bytes(r, fmt), office_ids=IDS, filename=f"r.{fmt}")
        pd.testing.assert_frame_equal(back, r, check_like=False)
    assert roster_from_frame(r, office_ids=IDS).equals(r)


def test_days_off_accept_weekdays_dates_and_ranges() -> None:
    """'T7,CN; 05/09/2026; 01/10/2026..03/10/2026' covers what it says, nothing else."""
    off = parse_days_off("T7,CN; 05/09/2026; 01/10/2026..03/10/2026; Mo-Tu")
    assert off.weekdays == frozenset({5, 6, 0, 1})
    assert off.covers(dt.date(2026, 10, 2)) == "date"
    assert off.covers(dt.date(2026, 10, 7)) is None
    with pytest.raises(ValueError, match="neither a weekday nor a date"):
        parse_days_off("someday")


def test_on_duty_says_who_works_and_why_not() -> None:
    """Wednesday 25/11/2026: BT03 off that date, BT04 inactive; 2/9 is a holiday for all."""
    r = _read()
    duty = on_duty(r, dt.date(2026, 11, 25), offices=OFFICES)
    assert duty.on_duty["courier_id"].tolist() == ["BT01", "BT02"]
    assert duty.absent[["courier_id", "reason"]].values.tolist() == [
        ["BT03", "day_off"], ["BT04", "inactive"]]
    sat = on_duty(r, dt.date(2026, 11, 28), offices=OFFICES)
    assert sat.absent.set_index("courier_id")["reason"].to_dict() == {
        "BT01": "office_closed", "BT02": "day_off", "BT04": "inactive", "BT03": "office_closed"}
    hol = on_duty(r, dt.date(2026, 9, 2), offices=OFFICES)
    assert hol.on_duty.empty
    why = hol.absent.set_index("courier_id")["why_vi"].to_dict()
    assert why["BT03"] == "Bưu cục Kon Tum đóng cửa ngày 02/09/2026: Quốc khánh"
    assert hol.absent.set_index("courier_id").loc["BT03", "reason"] == "holiday"


def test_roster_check_cli(tmp_path, capsys) -> None:  # type: ignore[no-untyped-def]
    """`postplan roster check FILE --date D --json` lists who is on duty and who is not."""
    path = tmp_path / "roster.xlsx"
    path.write_bytes(xlsx_bytes([line.split(";") for line in ROSTER.strip().split("\r\n")]))
    assert main(["roster", "check", str(path), "--date", "2026-11-25", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["couriers"] == 4 and out["on_duty"] == ["BT01", "BT02"]
    assert [a["reason"] for a in out["absent"]] == ["day_off", "inactive"]
    bad = tmp_path / "bad.csv"
    bad.write_text("courier_id,name,office_id\nA,An,nowhere\n", encoding="utf-8")
    assert main(["roster", "check", str(bad), "--json"]) == 2
    err = json.loads(capsys.readouterr().out)
    assert "bad.csv, row 2, column 'office_id', value 'nowhere'" in err["problems"][0]
