"""The one tabular reader: bytes of a CSV or XLSX file → a table of text cells.

Every importer (offices, jobs, closures, speed tables, the courier roster) reads its file
here and checks it against its declared schema (:mod:`data.schema`), so the same file
gets the same answer everywhere:

- **encoding** — a byte-order mark (UTF-8 BOM, UTF-16) is honoured; otherwise strict UTF-8
  is tried, then ``charset-normalizer`` names the encoding (Windows-1258, the Vietnamese
  Windows code page Excel uses for "CSV", is preferred when the text reads as Vietnamese
  in it). Files typed with the legacy **TCVN3 (ABC, .VnTime)** or **VNI** fonts are
  recognised and refused with how to convert them (Unikey → Công cụ chuyển mã), because
  their bytes decode "successfully" into nonsense such as ``B­u ®iÖn`` or ``Böu ñieän``.
  The encoding is named in every message about the file.
- **delimiter** — sniffed from the header line (``,`` ``;`` tab ``|``): Excel with a
  Vietnamese or European locale writes ``;`` and decimal commas.
- **rows** — numbered as a spreadsheet shows them (header = row 1); blank rows are skipped
  but keep their number; a row with more cells than the header is a problem.
- **XLSX** — the first sheet; numbers, dates and booleans become text the schema parses.

Numbers are parsed by :func:`parse_number` (decimal comma or dot, consistently).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import math
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from data.errors import InputError, Problem

#: Largest file read (bytes) by default; a bigger one is refused before parsing.
MAX_BYTES = 20 * 1024 * 1024
#: Most data rows read from one file by default.
MAX_ROWS = 100_000


@dataclass(frozen=True)
class ReadLimits:
    """How much one import may read: refused before the work, with the figure and the fix.

    Parameters
    ----------
    max_rows
        Most data rows (the header not counted). Reading stops at the first row past it,
        so a huge spreadsheet is refused in the time it takes to read the limit.
    max_bytes
        Largest file; a bigger one is refused before it is parsed.

    The defaults are :data:`MAX_ROWS` and :data:`MAX_BYTES`; ``data.settings.Settings``
    sets them per installation (``POSTPLAN_MAX_ROWS``, ``POSTPLAN_MAX_FILE_MB``,
    ``POSTPLAN_MAX_JOB_ROWS`` for jobs files) through :meth:`from_settings`.
    """

    max_rows: int = MAX_ROWS
    max_bytes: int = MAX_BYTES

    @classmethod
    def from_settings(cls, settings: Any, *, kind: str = "") -> ReadLimits:
        """Return the limits ``settings`` set (``kind="jobs"``: the jobs-file row limit)."""
        rows = getattr(settings, "max_job_rows" if kind == "jobs" else "max_rows", MAX_ROWS)
        mb = getattr(settings, "max_file_mb", MAX_BYTES / 2**20)
        return cls(max_rows=int(rows), max_bytes=int(float(mb) * 2**20))


def _too_many_rows(source: str, limit: int, *, found: int | None = None,
                   declared: int | None = None, lines: int | None = None) -> InputError:
    if found is not None:
        vi = f"tệp có {found:,} dòng; tối đa {limit:,}"
        en = f"the file has {found:,} rows; at most {limit:,} are read"
    else:
        more = (f" (the sheet declares {declared:,})" if declared else
                f" (about {lines:,} lines)" if lines else "")
        more_vi = (f" (bảng tính ghi {declared:,} dòng)" if declared else
                   f" (khoảng {lines:,} dòng)" if lines else "")
        vi = f"tệp có hơn {limit:,} dòng{more_vi}; tối đa {limit:,}"
        en = f"the file has more than {limit:,} rows{more}; at most {limit:,} are read"
    return rejected(source, [problem(
        f"{vi}; sửa: chia thành nhiều tệp (ví dụ theo bưu cục) hoặc tăng giới hạn "
        "POSTPLAN_MAX_ROWS / POSTPLAN_MAX_JOB_ROWS",
        f"{en}; fix: split it (e.g. by office) or raise POSTPLAN_MAX_ROWS / "
        "POSTPLAN_MAX_JOB_ROWS", source=source)])
#: Delimiters the sniffer chooses from.
DELIMITERS = (",", ";", "\t", "|")
SUFFIXES = (".csv", ".tsv", ".xlsx", ".xlsm")

#: Letters VNI-encoded Vietnamese shows when read as a Windows code page (never used in
#: Vietnamese written with Unicode or Windows-1258): ñ (đ), ö (ư), ä/å/ï/ø/û (tone marks).
_VNI_MARKS = frozenset("ñÑöÖøØäÄïÏûÛåÅ")
#: TCVN3 puts Vietnamese letters on bytes that Latin code pages show as symbols
#: (­ = ư, ® = đ, ¬ = ơ, « = ô, © = â, ª = ê, ¨ = ă, µ ¶ · ¸ ¹ = a with tones …).
_TCVN3_IN_WORD = re.compile(rb"[A-Za-z][\xa1-\xbf]|[\xa1-\xbf][A-Za-z]")
_CP1258_VIETNAMESE = frozenset("ăâđêôơưĂÂĐÊÔƠƯ\u0300\u0301\u0303\u0309\u0323")
_ZERO_WIDTH = dict.fromkeys(map(ord, "\ufeff\u200b\u200c\u200d\u2060"), None)


def problem(vi: str, en: str, *, row: int | None = None, column: str | None = None,
            value: Any = None, source: str | None = None) -> Problem:
    """Build a :class:`~data.errors.Problem` in Vietnamese and English."""
    return Problem(en, row=row, column=column, value=None if value is None else str(value),
                   source=source, message_vi=vi)


def rejected(source: str, problems: Sequence[Problem], *, what: str = "") -> InputError:
    """Return the one :class:`InputError` for a refused file (nothing of it is imported)."""
    n = len(problems)
    extra = f" ({what})" if what else ""
    return InputError(
        problems,
        summary=f"{source}{extra} bị từ chối: {n} lỗi; không nhập dòng nào. / "
                f"{source}{extra} was rejected: {n} problem(s); nothing was imported.",
    )


@dataclass(frozen=True)
class RawTable:
    """A file read as text cells, before any schema check.

    Parameters
    ----------
    source
        The file name used in messages.
    fmt
        ``"csv"`` or ``"xlsx"`` (``"frame"`` for a table handed over in memory).
    encoding
        The text encoding found (e.g. ``"UTF-8"``, ``"UTF-16"``, ``"Windows-1258"``), or None.
    delimiter
        The column separator found (CSV only).
    header
        Column names as written.
    rows
        ``(row number as a spreadsheet shows it, cells)``; cells are stripped text.
    problems
        Structural problems found while reading (ragged rows …).
    """

    source: str
    fmt: str
    encoding: str | None
    delimiter: str | None
    header: tuple[str, ...]
    rows: tuple[tuple[int, tuple[str, ...]], ...]
    problems: tuple[Problem, ...] = ()

    def describe(self) -> str:
        """Say what was read, e.g. ``"offices.csv (CSV, UTF-16, ';')"``."""
        parts = [self.fmt.upper()]
        if self.encoding:
            parts.append(self.encoding)
        if self.delimiter:
            parts.append("tab" if self.delimiter == "\t" else repr(self.delimiter))
        return f"{self.source} ({', '.join(parts)})"


# --------------------------------------------------------------------------- cells


def cell_text(value: Any) -> str:
    """Turn a cell value (text, number, date, bool, None, NaN) into stripped text."""
    if value is None or value is pd.NaT:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        if math.isnan(value):
            return ""
        return repr(int(value)) if value.is_integer() and abs(value) < 1e15 else repr(value)
    if isinstance(value, pd.Timestamp) and pd.isna(value):
        return ""
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    try:
        if pd.isna(value):
            return ""
    except (TypeError, ValueError):
        pass
    return unicodedata.normalize("NFC", str(value)).translate(_ZERO_WIDTH).strip()


def parse_number(text: str) -> float:
    """Parse a number written with a decimal dot or a decimal comma.

    ``14.3545``, ``14,3545`` (Vietnamese Excel), ``1.234,5`` and ``1,234.5`` (grouping
    then decimal separator: the last of ``.`` and ``,`` is the decimal one), spaces as
    thousands separators. Several commas without a dot are refused as ambiguous.

    Raises
    ------
    ValueError
        When the text is not a finite number.
    """
    t = str(text).strip().replace("\u00a0", "").replace(" ", "").replace("\u202f", "")
    if "," in t and "." in t:
        dec = "," if t.rfind(",") > t.rfind(".") else "."
        t = t.replace("." if dec == "," else ",", "").replace(",", ".")
    elif t.count(",") == 1:
        t = t.replace(",", ".")
    elif "," in t:
        raise ValueError(f"{text!r} has several commas")
    if not re.fullmatch(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?", t):
        raise ValueError(f"{text!r} is not a number")
    value = float(t)
    if not math.isfinite(value):
        raise ValueError(f"{text!r} is not a finite number")
    return value


def header_key(text: str) -> str:
    """Compare headers case- and accent-insensitively: ``"Vĩ độ"`` → ``"vi_do"``."""
    from unidecode import unidecode

    t = unicodedata.normalize("NFC", str(text)).translate(_ZERO_WIDTH).strip()
    t = unidecode(t.replace("đ", "d").replace("Đ", "D")).lower()
    return re.sub(r"[^a-z0-9*]+", "_", t).strip("_")


# --------------------------------------------------------------------------- encodings


def _legacy_font(data: bytes) -> str | None:
    """Name the legacy Vietnamese font encoding of ``data`` (TCVN3, VNI) or None."""
    latin = data.decode("latin-1")
    words = re.findall(r"[A-Za-z\x80-\xff]+", latin)
    vni = sum(1 for w in words if any(ch in _VNI_MARKS for ch in w) and re.search("[A-Za-z]", w))
    tcvn = len(_TCVN3_IN_WORD.findall(data))
    if tcvn >= 2 and tcvn >= vni:
        return "TCVN3"
    if vni >= 2:
        return "VNI"
    return None


def _line_of(data: bytes, pos: int) -> int:
    return data[:pos].count(b"\n") + 1


def decode_text(data: bytes, source: str) -> tuple[str, str]:
    """Decode a text file; return ``(text, encoding name)``.

    Raises
    ------
    InputError
        For legacy TCVN3/VNI files and text no encoding reads (with the fix).
    """
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="replace"), "UTF-8 BOM"
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16"), "UTF-16"
        except UnicodeDecodeError:
            pass
    try:
        return data.decode("utf-8"), "UTF-8"
    except UnicodeDecodeError as exc:
        bad_pos = exc.start
    legacy = _legacy_font(data)
    if legacy is not None:
        sample = next((ln for ln in data.decode("latin-1").splitlines()
                       if any(ord(ch) > 127 for ch in ln)), "")[:60]
        raise rejected(source, [problem(
            f"tệp được gõ bằng bảng mã cũ {legacy} (phông .VnTime / VNI-Times), không phải "
            f"Unicode: dòng chữ hiện thành {sample!r}. Sửa: mở Unikey → Công cụ chuyển mã "
            f"(Ctrl+Shift+F6), nguồn {legacy}, đích Unicode, chuyển bảng tính rồi lưu "
            "'CSV UTF-8' hoặc .xlsx",
            f"the file is typed in the legacy {legacy} Vietnamese font encoding "
            f"(.VnTime / VNI-Times fonts), not Unicode: text reads as {sample!r}. Fix: in "
            f"Unikey open the converter (Ctrl+Shift+F6), source {legacy}, destination "
            "Unicode, convert the sheet, then save as 'CSV UTF-8' or .xlsx",
            row=_line_of(data, bad_pos), source=source)], what=f"{legacy}")
    from charset_normalizer import from_bytes

    best = from_bytes(data).best()
    name = best.encoding if best is not None else None
    # a CSV in UTF-16 without BOM has NUL bytes (its commas and digits are ASCII)
    if name and name.startswith(("utf_16", "utf_32")) and b"\x00" in data:
        return str(best), "UTF-16" if name.startswith("utf_16") else "UTF-32"
    try:
        text = data.decode("cp1258")
    except UnicodeDecodeError:
        text = ""
    if text and any(ch in _CP1258_VIETNAMESE for ch in text):
        return unicodedata.normalize("NFC", text), "Windows-1258"
    if best is not None and name:
        return str(best), name.replace("_", "-")
    line = _line_of(data, bad_pos)
    raise rejected(source, [problem(
        f"không đọc được bảng mã của tệp (byte 0x{data[bad_pos]:02x} ở dòng {line}). Sửa: "
        "trong Excel chọn 'Lưu thành' → 'CSV UTF-8 (phân cách bằng dấu phẩy)', hoặc nhập .xlsx",
        f"the text encoding cannot be recognised (byte 0x{data[bad_pos]:02x} on line {line}). "
        "Fix: in Excel use 'Save As' → 'CSV UTF-8 (Comma delimited)', or import the .xlsx",
        row=line, source=source)])


def sniff_delimiter(text: str) -> str:
    """Choose the column separator: the one that splits the header line into most columns."""
    first = next((ln for ln in text.splitlines() if ln.strip()), "")
    counts = {d: len(next(csv.reader([first], delimiter=d), [])) for d in DELIMITERS}
    best = max(DELIMITERS, key=lambda d: (counts[d], -DELIMITERS.index(d)))
    return best if counts[best] > 1 else ","


# --------------------------------------------------------------------------- reading


def _rows_from_cells(cells: list[list[str]], source: str, fmt: str, encoding: str | None,
                     delimiter: str | None, max_rows: int = MAX_ROWS) -> RawTable:
    numbered = [(i + 1, row) for i, row in enumerate(cells)]
    numbered = [(n, r) for n, r in numbered if any(c for c in r)]
    if not numbered:
        raise rejected(source, [problem(
            "tệp trống; sửa: xuất lại với một dòng tiêu đề (tên cột) và mỗi dòng một mục",
            "the file is empty; fix: export it again with a header row (column names) and "
            "one row per item", source=source)])
    (_, header), data = numbered[0], numbered[1:]
    while header and not header[-1]:
        header = header[:-1]
    if len(data) > max_rows:
        raise _too_many_rows(source, max_rows, found=len(data))
    problems = []
    rows = []
    for n, r in data:
        extra = [c for c in r[len(header):] if c]
        if extra:
            problems.append(problem(
                f"dòng có {len(r)} ô nhưng tiêu đề chỉ có {len(header)} cột; sửa: đặt giá trị "
                "có dấu phân cách trong ngoặc kép, hoặc thêm tên cột",
                f"the row has {len(r)} cells but the header has {len(header)} columns; fix: "
                "quote values that contain the separator, or name the extra column",
                row=n, value=extra[0], source=source))
        rows.append((n, tuple(r[: len(header)]) + ("",) * max(0, len(header) - len(r))))
    return RawTable(source, fmt, encoding, delimiter, tuple(header), tuple(rows),
                    tuple(problems))


def _read_xlsx(data: bytes, source: str, max_rows: int = MAX_ROWS) -> RawTable:
    import openpyxl

    try:
        book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        sheet = book.worksheets[0]
        declared = sheet.max_row
        cells: list[list[str]] = []
        filled = 0
        too_many = False
        for row in sheet.iter_rows(values_only=True):
            cells.append([cell_text(v) for v in row])
            filled += any(cells[-1])
            if filled > max_rows + 1:  # the header and one row past the limit: stop
                too_many = True
                break
        book.close()
    except Exception:  # openpyxl raises many types for damaged workbooks
        # the user reads what to do; Python's exception text is no help to them
        raise rejected(source, [problem(
            "không phải bảng tính .xlsx đọc được; sửa: lưu lại từ Excel dưới dạng .xlsx, "
            "hoặc xuất CSV UTF-8",
            "the file is not a readable .xlsx workbook; fix: save it again from Excel as "
            ".xlsx, or export CSV UTF-8", source=source)]) from None
    if too_many:
        raise _too_many_rows(source, max_rows, declared=declared)
    return _rows_from_cells(cells, source, "xlsx", None, None, max_rows)


def _read_csv(data: bytes, source: str, max_rows: int = MAX_ROWS) -> RawTable:
    if b"\x00" in data[:4096] and not data.startswith((b"\xff\xfe", b"\xfe\xff")):
        from charset_normalizer import from_bytes

        best = from_bytes(data).best()
        if best is None or not best.encoding.startswith(("utf_16", "utf_32")):
            raise rejected(source, [problem(
                "tệp không phải văn bản (có byte 0); sửa: nhập tệp .csv hoặc .xlsx",
                "the file is not text (it holds NUL bytes); fix: import a .csv or .xlsx file",
                source=source)])
    text, encoding = decode_text(data, source)
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\x00", "")
    delimiter = sniff_delimiter(text)
    try:
        cells = []
        filled = 0
        for row in csv.reader(io.StringIO(text), delimiter=delimiter):
            cells.append([cell_text(c) for c in row])
            filled += any(cells[-1])
            if filled > max_rows + 1:
                break
    except csv.Error:
        raise rejected(source, [problem(
            "không phải CSV hợp lệ; sửa: đặt giá trị có dấu phân cách trong ngoặc kép",
            "the file is not valid CSV; fix: quote values that contain the separator",
            source=source)], what=encoding) from None
    if filled > max_rows + 1:
        raise _too_many_rows(source, max_rows, lines=text.count("\n"))
    return _rows_from_cells(cells, source, "csv", encoding, delimiter, max_rows)


def read_raw(data: bytes | str | Path, *, filename: str | None = None,
             limits: ReadLimits | None = None) -> RawTable:
    """Read a CSV or XLSX file (path or bytes) into text cells.

    Parameters
    ----------
    data
        A path, or the file's bytes (e.g. an upload).
    filename
        Name for messages and for the file type when bytes are given (default: CSV).
    limits
        Rows and bytes this import may read (default :class:`ReadLimits`()).

    Raises
    ------
    InputError
        When the file cannot be read, is empty, too large, of an unsupported type, in a
        legacy font encoding, or not valid CSV/XLSX.
    """
    lim = limits or ReadLimits()
    if isinstance(data, str | Path):
        path = Path(data)
        source = filename or path.name
        try:
            if path.stat().st_size > lim.max_bytes:
                raise _too_big(source, path.stat().st_size, lim.max_bytes)
            raw = path.read_bytes()
        except OSError as exc:
            raise rejected(source, [problem(
                f"không đọc được tệp ({exc.strerror}); sửa: kiểm tra đường dẫn",
                f"cannot read the file ({exc.strerror}); fix: check the path",
                source=str(path))]) from None
    else:
        raw = bytes(data)
        source = filename or "table.csv"
    suffix = Path(source).suffix.lower() or ".csv"
    if suffix not in SUFFIXES:
        raise rejected(source, [problem(
            f"không hỗ trợ loại tệp {suffix!r}; sửa: dùng .csv (UTF-8) hoặc .xlsx",
            f"unsupported file type {suffix!r}; fix: use .csv (UTF-8) or .xlsx",
            source=source)])
    if len(raw) > lim.max_bytes:
        raise _too_big(source, len(raw), lim.max_bytes)
    if not raw.strip():
        return _rows_from_cells([], source, "csv", None, None)
    if suffix in (".xlsx", ".xlsm") or raw.startswith(b"PK\x03\x04"):
        return _read_xlsx(raw, source, lim.max_rows)
    return _read_csv(raw, source, lim.max_rows)


def _too_big(source: str, size: int, limit: int) -> InputError:
    return rejected(source, [problem(
        f"tệp {size / 2**20:.1f} MB lớn hơn giới hạn {limit / 2**20:.1f} MB; sửa: chia nhỏ "
        "hoặc tăng POSTPLAN_MAX_FILE_MB",
        f"the file is {size / 2**20:.1f} MB, larger than the {limit / 2**20:.1f} MB limit; "
        "fix: split it or raise POSTPLAN_MAX_FILE_MB", source=source)])


def raw_from_frame(frame: pd.DataFrame, *, source: str) -> RawTable:
    """Wrap an in-memory table (an app editor's, a stored one) as text cells.

    The header is the frame's columns (a geometry column is left out: the caller reads it).
    """
    cols = [str(c) for c in frame.columns if str(c) != "geometry"]
    rows = []
    for i, rec in enumerate(pd.DataFrame(frame)[cols].itertuples(index=False, name=None)):
        rows.append((i + 2, tuple(cell_text(v) for v in rec)))
    return RawTable(source, "frame", None, None, tuple(cols), tuple(rows))


__all__ = [
    "MAX_BYTES",
    "MAX_ROWS",
    "RawTable",
    "ReadLimits",
    "cell_text",
    "decode_text",
    "header_key",
    "parse_number",
    "problem",
    "raw_from_frame",
    "read_raw",
    "rejected",
    "sniff_delimiter",
]
