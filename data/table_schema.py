"""Declared schemas for imported tables, and the one check every importer runs.

Each importer declares its table once as a :class:`TableSchema` — columns with a kind
(text, number, integer, choice, date, bool, code), whether the header must have them,
whether a cell may be blank (and its default), bounds, accepted words, uniqueness and
the fix to suggest — and :func:`check_table` applies it the same way to every file:

- headers are matched case- and accent-insensitively (``LAT``, ``Vĩ độ`` if declared);
  two headers naming one column are refused (``lat`` and ``LAT`` would otherwise move an
  office silently); columns the schema does not know are reported as warnings;
- every numeric cell is parsed with :func:`data.table_reader.parse_number` (decimal comma
  or dot) and range-checked, so ``1e308`` or ``inf`` is a row problem, never an overflow;
- choices are matched without case or accents (``Trunk`` = ``trunk``); an unknown value
  is an error, or a warning where the schema says so (road classes);
- every problem names the row as a spreadsheet shows it, the column, the value and the
  fix, in Vietnamese and English; all problems are collected, then raised once.

Why not pandera: its coercion does not read decimal commas or accent-free choice words, a
failed coercion is reported twice and then stops the range checks of that column (a
``TypeError`` instead of the value), and its failure cases carry neither the row a
spreadsheet shows nor a fix in two languages; the parsing would have been ours anyway, and
the checks left for it are one comparison each.

Domain checks that need more than one cell (an office inside the province, a job's
office in the registry) stay in the importer, which adds them to the same
:class:`CheckedTable` with :meth:`CheckedTable.bad` before raising.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from data.errors import InputError, Problem
from data.table_reader import (
    RawTable,
    ReadLimits,
    header_key,
    parse_number,
    problem,
    raw_from_frame,
    read_raw,
    rejected,
)

KINDS = ("text", "number", "integer", "choice", "date", "bool", "code")
#: First characters that make a spreadsheet run a cell as a formula.
_FORMULA = ("=", "+", "-", "@")
_TRUE = frozenset({"true", "1", "yes", "y", "x", "co", "dung", "t"})
_FALSE = frozenset({"false", "0", "no", "n", "khong", "sai", "f"})
DATE_FORMATS = ("%Y-%m-%d", "%d/%m/%Y", "%d-%m-%Y", "%d.%m.%Y")


def _g(x: float) -> str:
    return f"{x:,.10g}" if abs(x) >= 10_000 else f"{x:.10g}"


@dataclass(frozen=True)
class Column:
    """One declared column.

    Parameters
    ----------
    name
        Canonical name (the header the template writes).
    kind
        ``text``, ``number`` (float), ``integer``, ``choice``, ``date``, ``bool`` or
        ``code`` (an identifier Excel may have turned into a number: ``23281.0`` → ``23281``).
    required
        The header must have this column.
    blank
        A cell may be empty (it then takes ``default``).
    default
        Value of an empty cell.
    min, max
        Bounds of a number (inclusive; ``min_open`` excludes ``min``).
    choices
        Accepted words → canonical value (matched without case or accents).
    unknown
        For a choice: ``"error"`` (refuse) or ``"warn"`` (keep the value, lower-cased,
        and report it as a warning).
    unique
        No two rows may hold the same value.
    headers
        Other accepted header names (e.g. Vietnamese).
    formula
        False refuses text that a spreadsheet would run as a formula.
    vi
        Vietnamese name of the column, for messages.
    hint_vi, hint_en
        How to write a good value (the fix in messages).
    """

    name: str
    kind: str = "text"
    required: bool = False
    blank: bool = True
    default: Any = None
    min: float | None = None
    max: float | None = None
    min_open: bool = False
    choices: Mapping[str, str] = field(default_factory=dict)
    unknown: str = "error"
    unique: bool = False
    headers: tuple[str, ...] = ()
    formula: bool = True
    vi: str = ""
    hint_vi: str = ""
    hint_en: str = ""

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"column {self.name}: kind must be one of {KINDS}")
        keyed = {header_key(k): v for k, v in self.choices.items()}
        keyed.update({header_key(v): v for v in self.choices.values()})
        object.__setattr__(self, "choices", keyed)

    def fix(self, lang: str) -> str:
        """Return the fix sentence in ``lang``, or ""."""
        hint = self.hint_vi if lang == "vi" else self.hint_en
        return f"; {'sửa' if lang == 'vi' else 'fix'}: {hint}" if hint else ""

    def canonical_choices(self) -> list[str]:
        """Return the canonical values, in declaration order."""
        return list(dict.fromkeys(self.choices.values()))


@dataclass(frozen=True)
class TableSchema:
    """A declared table: its name for messages and its columns.

    Parameters
    ----------
    name
        Short name (``offices``, ``jobs``, ``closures``, ``speeds``, ``roster``).
    title_vi, title_en
        What one row is, for messages (``"bưu cục"`` / ``"office"``).
    columns
        The columns, in template order.
    """

    name: str
    title_vi: str
    title_en: str
    columns: tuple[Column, ...]

    def column(self, name: str) -> Column:
        """Return the column called ``name``."""
        for c in self.columns:
            if c.name == name:
                return c
        raise KeyError(name)

    @property
    def names(self) -> tuple[str, ...]:
        """Canonical column names in template order."""
        return tuple(c.name for c in self.columns)

    @property
    def required(self) -> tuple[str, ...]:
        """Columns the header must have."""
        return tuple(c.name for c in self.columns if c.required)

    def template_csv(self) -> bytes:
        """Return an empty file for this table: the header row, UTF-8 with BOM (opens in Excel)."""
        return (",".join(self.names) + "\r\n").encode("utf-8-sig")


@dataclass
class CheckedTable:
    """A table checked against its schema: typed cells, every problem and warning.

    ``frame`` has one row per data row (index = the row number a spreadsheet shows) and
    every schema column (absent columns hold their default); cells that failed a check
    hold None. Importers add their own domain problems with :meth:`bad`, then call
    :meth:`raise_if_problems`.
    """

    schema: TableSchema
    raw: RawTable
    frame: pd.DataFrame
    present: frozenset[str]
    problems: list[Problem]
    warnings: list[Problem]
    header_ok: bool

    @property
    def source(self) -> str:
        """The file name used in messages."""
        return self.raw.source

    def bad(self, row: int | None, column: str | None, vi: str, en: str, *,
            value: Any = None) -> None:
        """Add a problem at ``row``/``column`` (messages in Vietnamese and English)."""
        self.problems.append(problem(vi, en, row=row, column=column, value=value,
                                     source=self.source))

    def warn(self, row: int | None, column: str | None, vi: str, en: str, *,
             value: Any = None) -> None:
        """Add a warning (the table is still imported)."""
        self.warnings.append(problem(vi, en, row=row, column=column, value=value,
                                     source=self.source))

    def row_ok(self, row: int, columns: tuple[str, ...] | None = None) -> bool:
        """Tell whether no problem names ``row`` (in ``columns``, when given)."""
        return not any(p.row == row and (columns is None or p.column in columns)
                       for p in self.problems)

    def records(self) -> Iterator[tuple[int, dict[str, Any]]]:
        """Yield ``(row number, {column: typed value})`` for every data row."""
        for row, rec in zip(self.frame.index, self.frame.to_dict("records"), strict=True):
            yield int(row), {str(k): v for k, v in rec.items()}

    def raise_if_problems(self) -> None:
        """Raise one :class:`InputError` listing every problem, if there is any."""
        if self.problems:
            order = {name: i for i, name in enumerate(self.schema.names)}
            ranked = sorted(self.problems, key=lambda p: (
                p.row or 0, order.get(str(p.column).split("/")[0], len(order))))
            raise rejected(self.source, ranked, what=_what(self.raw))


def _what(raw: RawTable) -> str:
    parts = []
    if raw.encoding:
        parts.append(raw.encoding)
    if raw.delimiter and raw.delimiter != ",":
        parts.append("tab" if raw.delimiter == "\t" else f"'{raw.delimiter}'")
    return ", ".join(parts)


# --------------------------------------------------------------------------- cells


def _parse_cell(col: Column, text: str, lang_fix: tuple[str, str]) -> tuple[Any, str | None,
                                                                            str | None]:
    """Return ``(value, problem_vi, problem_en)`` for one non-empty cell."""
    fix_vi, fix_en = lang_fix
    name, vi = col.name, col.vi or col.name
    if col.kind in ("number", "integer"):
        try:
            x = parse_number(text)
        except ValueError:
            return None, f"{vi} không phải là số{fix_vi}", f"{name} is not a number{fix_en}"
        lo_bad = col.min is not None and (x <= col.min if col.min_open else x < col.min)
        hi_bad = col.max is not None and x > col.max
        if lo_bad or hi_bad:
            lo = "" if col.min is None else _g(col.min)
            hi = "" if col.max is None else _g(col.max)
            if col.min is not None and col.max is not None:
                rng_vi, rng_en = (f"lớn hơn {lo} và không quá {hi}", f"above {lo} and at most {hi}"
                                  ) if col.min_open else (f"từ {lo} đến {hi}",
                                                          f"from {lo} to {hi}")
            elif col.min is not None:
                rng_vi, rng_en = (f"lớn hơn {lo}", f"above {lo}") if col.min_open else (
                    f"từ {lo} trở lên", f"at least {lo}")
            else:
                rng_vi, rng_en = f"không quá {hi}", f"at most {hi}"
            return None, f"{vi} phải {rng_vi}{fix_vi}", f"{name} must be {rng_en}{fix_en}"
        if col.kind == "integer":
            if not x.is_integer():
                return None, (f"{vi} phải là số nguyên{fix_vi}"), (
                    f"{name} must be a whole number{fix_en}")
            return int(x), None, None
        return x, None, None
    if col.kind == "choice":
        key = header_key(text)
        if key in col.choices:
            return col.choices[key], None, None
        listed = ", ".join(col.canonical_choices())
        if col.unknown == "warn":
            return text.strip().lower(), None, None
        return None, (f"{vi} không hợp lệ; dùng một trong: {listed}{fix_vi}"), (
            f"unknown {name}; fix: use one of {listed}" + (f" ({col.hint_en})"
                                                             if col.hint_en else ""))
    if col.kind == "date":
        for fmt in DATE_FORMATS:
            try:
                return dt.datetime.strptime(text[:10] if fmt == "%Y-%m-%d" else text,
                                            fmt).date(), None, None
            except ValueError:
                continue
        return None, f"{vi} không phải ngày; viết dd/mm/yyyy hoặc yyyy-mm-dd{fix_vi}", (
            f"{name} is not a date; write dd/mm/yyyy or yyyy-mm-dd{fix_en}")
    if col.kind == "bool":
        key = header_key(text)
        if key in _TRUE:
            return True, None, None
        if key in _FALSE:
            return False, None, None
        return None, f"{vi} phải là có/không (true/false){fix_vi}", (
            f"{name} must be true or false (yes/no, 1/0){fix_en}")
    if col.kind == "code" and text.endswith(".0") and text[:-2].isdigit():
        text = text[:-2]
    if not col.formula and text[:1] in _FORMULA:
        try:
            parse_number(text)
        except ValueError:
            return None, ("ô bắt đầu như một công thức bảng tính (= + - @); sửa: gõ chữ "
                          "thường, bỏ dấu ở đầu"), (
                "text starts like a spreadsheet formula (= + - @); fix: type the plain "
                "text, without the leading sign")
    return text, None, None


def check_table(raw: RawTable, schema: TableSchema) -> CheckedTable:
    """Check a raw table against ``schema`` (see the module docstring); never raises."""
    source = raw.source
    problems: list[Problem] = list(raw.problems)
    warnings: list[Problem] = []
    by_key: dict[str, Column] = {}
    for col in schema.columns:
        for h in (col.name, *col.headers):
            by_key[header_key(h)] = col
    where: dict[str, int] = {}   # column name -> position in the header
    header_ok = True
    unknown: list[str] = []
    for i, h in enumerate(raw.header):
        found = by_key.get(header_key(h))
        if found is None:
            if h.strip():
                unknown.append(h)
            continue
        col = found
        if col.name in where:
            first = raw.header[where[col.name]]
            header_ok = False
            problems.append(problem(
                f"cột '{first}' (cột {where[col.name] + 1}) và '{h}' (cột {i + 1}) là cùng "
                f"một cột {col.name}; sửa: giữ một cột, xóa cột kia",
                f"columns '{first}' (column {where[col.name] + 1}) and '{h}' (column {i + 1}) "
                f"are the same column {col.name}; fix: keep one and delete the other",
                row=1, column=col.name, value=h, source=source))
            continue
        where[col.name] = i
    known = ", ".join(schema.names)
    for h in unknown:
        warnings.append(problem(
            f"cột '{h}' không dùng đến và được bỏ qua; các cột đọc được: {known}",
            f"column '{h}' is not used and was ignored; known columns: {known}",
            row=1, column=h, source=source))
    missing = [c for c in schema.required if c not in where]
    for name in missing:
        header_ok = False
        col = schema.column(name)
        found_cols = ", ".join(h for h in raw.header if h) or "(không có / none)"
        problems.append(problem(
            f"thiếu cột bắt buộc {name}" + (f" ({col.vi})" if col.vi else "")
            + f"; các cột có: {found_cols}; sửa: thêm dòng tiêu đề gồm "
            f"{', '.join(schema.required)}",
            f"required column {name} is missing; found columns {found_cols}; fix: add a header "
            f"row with {', '.join(schema.required)} (optional: "
            f"{', '.join(c for c in schema.names if c not in schema.required)})",
            row=1, column=name, source=source))
    if not raw.rows and header_ok:
        problems.append(problem(
            f"tệp có tiêu đề nhưng không có dòng {schema.title_vi} nào; sửa: thêm mỗi "
            f"{schema.title_vi} một dòng dưới tiêu đề",
            f"the file has a header but no {schema.title_en} rows; fix: add one row per "
            f"{schema.title_en} below the header", source=source))
    data: dict[str, list[Any]] = {c.name: [] for c in schema.columns}
    index = []
    seen: dict[str, dict[Any, int]] = {c.name: {} for c in schema.columns if c.unique}
    for row, cells in raw.rows:
        index.append(row)
        for col in schema.columns:
            pos = where.get(col.name)
            text: str = cells[pos] if pos is not None and pos < len(cells) else ""
            fixes = (col.fix("vi"), col.fix("en"))
            if not text:
                if pos is not None and not col.blank:
                    problems.append(problem(
                        f"{col.vi or col.name} trống{fixes[0]}",
                        f"{col.name} is empty{fixes[1]}", row=row, column=col.name,
                        value="", source=source))
                data[col.name].append(col.default)
                continue
            value, p_vi, p_en = _parse_cell(col, text, fixes)
            if p_en is not None:
                problems.append(problem(p_vi or p_en, p_en, row=row, column=col.name,
                                        value=text, source=source))
                data[col.name].append(None)
                continue
            if col.kind == "choice" and col.unknown == "warn" and header_key(text) \
                    not in col.choices:
                listed = ", ".join(col.canonical_choices())
                warnings.append(problem(
                    f"{col.vi or col.name} '{text}' không có trong danh sách đã biết ({listed}); "
                    "vẫn giữ, nhưng kiểm tra lỗi chính tả",
                    f"{col.name} '{text}' is not a known value ({listed}); it is kept, but "
                    "check the spelling", row=row, column=col.name, value=text, source=source))
            if col.unique:
                key = header_key(value) if isinstance(value, str) else value
                if key in seen[col.name]:
                    first_row = seen[col.name][key]
                    problems.append(problem(
                        f"{col.vi or col.name} đã dùng ở dòng {first_row}; sửa: mỗi dòng một "
                        f"{col.name} khác nhau",
                        f"{col.name} is already used on row {first_row}; fix: make every "
                        f"{col.name} unique", row=row, column=col.name, value=text,
                        source=source))
                else:
                    seen[col.name][key] = row
            data[col.name].append(value)
    frame = pd.DataFrame(data, index=pd.Index(index, name="row"), dtype=object)
    if raw.encoding not in (None, "UTF-8", "UTF-8 BOM"):
        warnings.insert(0, problem(
            f"tệp được đọc theo bảng mã {raw.encoding}; nếu chữ có dấu hiện sai, lưu lại dưới "
            "dạng 'CSV UTF-8' hoặc .xlsx",
            f"the file was read as {raw.encoding}; if accented letters look wrong, save it "
            "again as 'CSV UTF-8' or .xlsx", source=source))
    return CheckedTable(schema, raw, frame, frozenset(where), problems, warnings, header_ok)


def read_table(data: bytes | str | Path, schema: TableSchema, *,
               filename: str | None = None, limits: ReadLimits | None = None) -> CheckedTable:
    """Read a file with the one reader and check it against ``schema``.

    ``limits``: rows and bytes the import may read (default ``ReadLimits()``).

    Raises
    ------
    InputError
        Only for file-level problems (unreadable, empty, legacy encoding …); cell and
        header problems are in the result's ``problems``.
    """
    return check_table(read_raw(data, filename=filename, limits=limits), schema)


def frame_table(frame: pd.DataFrame, schema: TableSchema, *, source: str) -> CheckedTable:
    """Check an in-memory table (an app editor, a stored table) against ``schema``."""
    return check_table(raw_from_frame(frame, source=source), schema)


def warnings_text(table: CheckedTable, lang: str = "en") -> list[str]:
    """Return the table's warnings as lines of text in ``lang``."""
    return [w.text(lang) for w in table.warnings]


__all__ = [
    "CheckedTable",
    "Column",
    "InputError",
    "TableSchema",
    "check_table",
    "frame_table",
    "read_table",
    "warnings_text",
]
