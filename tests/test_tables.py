import io

import openpyxl
import pandas as pd

from data.tables import csv_bytes, looks_like_formula, safe_csv_cell, xlsx_bytes

FRAME = pd.DataFrame({"name": ['=HYPERLINK("http://x.invalid","x")', "Bưu cục Đắk Hà", "-3"],
                      "n": [1, -2, 3]})


def test_formula_detection_spares_numbers() -> None:
    """'=1+1' and '@x' look like formulas; '-3' and plain names do not."""
    assert looks_like_formula("=1+1") and looks_like_formula("@x")
    assert not looks_like_formula("-3") and not looks_like_formula("Bưu cục")
    assert safe_csv_cell(None) == "" and safe_csv_cell("=1+1") == "'=1+1"


def test_csv_has_bom_and_defuses_formulas() -> None:
    """CSV starts with a UTF-8 BOM, keeps Vietnamese text and prefixes formula text with '."""
    data = csv_bytes(FRAME)
    assert data.startswith(b"\xef\xbb\xbf")
    back = pd.read_csv(io.BytesIO(data), encoding="utf-8-sig", dtype=str)
    assert back["name"].tolist() == ['\'=HYPERLINK("http://x.invalid","x")', "Bưu cục Đắk Hà",
                                     "-3"]


def test_xlsx_never_writes_live_formulas() -> None:
    """Formula-like text lands in the workbook as a text cell holding the same characters."""
    book = openpyxl.load_workbook(io.BytesIO(xlsx_bytes({"offices": FRAME})))
    sheet = book["offices"]
    cells = [c for row in sheet.iter_rows() for c in row]
    assert [c.coordinate for c in cells if c.data_type == "f"] == []
    assert sheet["A2"].value == '=HYPERLINK("http://x.invalid","x")'
    assert sheet["B3"].value == -2
