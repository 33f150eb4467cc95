"""The office registry: the places couriers start from and carry dossiers to.

Three kinds of office (:data:`OFFICE_KINDS`):

``post_office``
    a bưu cục of Vietnam Post;
``commune_post``
    a bưu điện văn hóa xã (commune cultural post office);
``one_stop_shop``
    the bộ phận một cửa of a commune, or the provincial public administration service centre.

Every office records how its position was obtained: ``source`` is ``osm`` (mapped in
OpenStreetMap), ``user`` (imported by a planner) or ``estimated`` (placed by a documented
rule, never surveyed), and ``location_note`` says which rule or which OSM object.

:func:`default_offices` builds the bundled default for Kon Tum from real data only;
:func:`read_offices` imports CSV or XLSX files, collecting every problem before rejecting a
file; :func:`write_offices` exports them.
"""

from __future__ import annotations

import io
import itertools
import re
import unicodedata
from functools import lru_cache
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from data.errors import InputError, Problem
from data.names import normalise_name
from data.settings import GEO_CRS, Settings
from data.tables import csv_bytes, looks_like_formula, xlsx_bytes

OFFICE_KINDS: tuple[str, ...] = ("post_office", "commune_post", "one_stop_shop")
OFFICE_SOURCES: tuple[str, ...] = ("osm", "user", "estimated")
OFFICE_COLUMNS: tuple[str, ...] = (
    "office_id",
    "name",
    "kind",
    "lat",
    "lon",
    "commune_code",
    "opening_hours",
    "source",
    "location_note",
)
#: Columns an imported file must have; the others get defaults.
REQUIRED_COLUMNS: tuple[str, ...] = ("office_id", "name", "kind", "lat", "lon")
#: Mon–Fri 07:00–11:30 and 13:30–17:00, the usual hours of commune offices and post offices.
DEFAULT_OPENING_HOURS = "Mo-Fr 07:00-11:30,13:30-17:00"

#: Vietnamese and informal names accepted for each kind in imported files.
KIND_ALIASES: dict[str, str] = {
    normalise_name(alias): kind
    for kind, aliases in {
        "post_office": ("post_office", "post office", "bưu cục", "buu cuc", "bc"),
        "commune_post": (
            "commune_post",
            "commune post",
            "bưu điện văn hóa xã",
            "bưu điện văn hoá xã",
            "bdvhx",
            "điểm bưu điện văn hóa xã",
        ),
        "one_stop_shop": (
            "one_stop_shop",
            "one stop shop",
            "bộ phận một cửa",
            "một cửa",
            "trung tâm phục vụ hành chính công",
        ),
    }.items()
    for alias in aliases
}

#: District seats without a thị trấn, and Kon Tum city: which commune holds the seat.
#: Kon Tum city: Phường Thắng Lợi, the ward whose GSO code (23293) the 2025 Phường Kon Tum
#: kept and which contains vietnamadminunits' point for Phường Kon Tum.
#: Tu Mơ Rông and Ia H'Drai had no township; their seats were in Xã Đăk Hà and Xã Ia Tơi.
DISTRICT_SEATS: dict[str, str] = {
    "Thành phố Kon Tum": "23293",
    "Huyện Tu Mơ Rông": "23425",
    "Huyện Ia H'Drai": "23538",
}
#: Tolerance around the province boundary when checking imported coordinates (degrees, ~1 km).
PROVINCE_TOLERANCE_DEG = 0.01

_DAYS = ("mo", "tu", "we", "th", "fr", "sa", "su")
_TIME = re.compile(r"^(\d{1,2}):(\d{2})-(\d{1,2}):(\d{2})$")


# --------------------------------------------------------------------------- opening hours


def parse_opening_hours(text: str) -> dict[int, list[tuple[int, int]]]:
    """Parse an OpenStreetMap-style ``opening_hours`` value.

    Supported: rules separated by ``;``, each ``<days> <times>`` where days are ``Mo`` …
    ``Su``, ranges (``Mo-Fr``) and lists (``Mo,We``), and times are ``HH:MM-HH:MM`` lists
    separated by commas, or ``off``; ``24/7`` alone means always open. A later rule replaces
    the hours of the days it names, as in OSM.

    Parameters
    ----------
    text
        E.g. ``"Mo-Fr 07:00-11:30,13:30-17:00; Sa 07:30-11:00"``.

    Returns
    -------
    dict
        Weekday (0 = Monday … 6 = Sunday) → list of ``(open_s, close_s)`` in seconds after
        midnight, sorted; closed days are absent.

    Raises
    ------
    InputError
        When the text is empty or uses syntax outside the supported subset; the message
        names the part and shows the expected form.
    """
    raw = str(text).strip()
    if not raw:
        raise InputError("opening hours are empty; fix: write e.g. " + repr(DEFAULT_OPENING_HOURS))
    if raw == "24/7":
        return {d: [(0, 86400)] for d in range(7)}
    week: dict[int, list[tuple[int, int]]] = {}
    for rule in (r.strip() for r in raw.split(";")):
        if not rule:
            continue
        m = re.match(r"^([A-Za-z,\-\s]+?)\s+(.+)$", rule)
        if not m:
            raise InputError(
                f"opening hours rule {rule!r} has no days or no times; fix: write days then "
                f"times, e.g. {DEFAULT_OPENING_HOURS!r}"
            )
        days = _parse_days(m.group(1), rule)
        spec = m.group(2).replace(" ", "")
        if spec.lower() == "off":
            for d in days:
                week.pop(d, None)
            continue
        spans = [_parse_span(part, rule) for part in spec.split(",")]
        spans.sort()
        for (_, c1), (o2, _) in itertools.pairwise(spans):
            if o2 < c1:
                raise InputError(f"opening hours rule {rule!r} has overlapping times")
        for d in days:
            week[d] = list(spans)
    return dict(sorted(week.items()))


def _parse_days(text: str, rule: str) -> list[int]:
    days: list[int] = []
    for part in text.replace(" ", "").split(","):
        bounds = part.lower().split("-")
        if len(bounds) not in (1, 2) or any(b not in _DAYS for b in bounds):
            raise InputError(
                f"opening hours rule {rule!r}: {part!r} is not a day or day range; fix: use "
                "Mo, Tu, We, Th, Fr, Sa, Su and ranges like Mo-Fr (public-holiday rules such "
                "as PH are not supported)"
            )
        a = _DAYS.index(bounds[0])
        b = _DAYS.index(bounds[-1])
        days += list(range(a, b + 1)) if a <= b else [*range(a, 7), *range(0, b + 1)]
    return days


def _parse_span(part: str, rule: str) -> tuple[int, int]:
    m = _TIME.match(part)
    if not m:
        raise InputError(
            f"opening hours rule {rule!r}: {part!r} is not a time range; fix: write "
            "HH:MM-HH:MM, e.g. 07:00-11:30"
        )
    h1, m1, h2, m2 = (int(x) for x in m.groups())
    if h1 > 24 or h2 > 24 or m1 > 59 or m2 > 59:
        raise InputError(f"opening hours rule {rule!r}: {part!r} is not a valid time")
    open_s, close_s = h1 * 3600 + m1 * 60, h2 * 3600 + m2 * 60
    if close_s <= open_s or close_s > 86400:
        raise InputError(
            f"opening hours rule {rule!r}: {part!r} closes before it opens; fix: use times "
            "within one day, e.g. 13:30-17:00"
        )
    return open_s, close_s


# --------------------------------------------------------------------------- default bundle


def _empty_frame() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {c: pd.Series(dtype="float64" if c in ("lat", "lon") else "object")
         for c in OFFICE_COLUMNS},
        geometry=gpd.GeoSeries([], crs=GEO_CRS),
        crs=GEO_CRS,
    )


def _frame(records: list[dict[str, Any]]) -> gpd.GeoDataFrame:
    if not records:
        return _empty_frame()
    df = pd.DataFrame.from_records(records, columns=list(OFFICE_COLUMNS))
    df["lat"] = df["lat"].astype(float)
    df["lon"] = df["lon"].astype(float)
    return gpd.GeoDataFrame(
        df, geometry=gpd.points_from_xy(df["lon"], df["lat"]), crs=GEO_CRS
    )


def _office_points(settings: Settings) -> pd.DataFrame:
    """Per commune: where an estimated office goes (the commune point) and why."""
    from data.commune_points import load_commune_points

    points = load_commune_points(settings)
    return pd.DataFrame({
        "commune_code": points["commune_code"], "name": points["name"],
        "district": points["district"], "lon": points["point_lon"], "lat": points["point_lat"],
        "note": "commune point of " + points["name"] + " ("
        + points["note_en"].str.removeprefix("Estimated: ") + ")",
    }).set_index("commune_code")


def _lower_type(name: str) -> str:
    for prefix in ("Thị trấn", "Phường", "Xã"):
        if name.startswith(prefix + " "):
            return prefix.lower() + name[len(prefix):]
    return name


@lru_cache(maxsize=4)
def _default_offices(data_dir: str) -> gpd.GeoDataFrame:
    from data.layers import load_communes, load_new_communes, load_pois

    settings = Settings(data_dir=Path(data_dir))
    communes = load_communes(settings)
    points = _office_points(settings)
    hours = DEFAULT_OPENING_HOURS
    hours_note = "; opening hours: default, not surveyed"
    records: list[dict[str, Any]] = []

    # 1. Post offices mapped in OpenStreetMap.
    pois = load_pois(settings)
    osm = pois[pois["category"] == "post_office"]
    osm = gpd.sjoin(osm, communes[["commune_code", "name", "geometry"]].rename(
        columns={"name": "commune_name"}), how="left", predicate="within")
    osm_communes = set()
    for r in osm.itertuples():
        osm_communes.add(r.commune_code)
        own_hours = getattr(r, "opening_hours", None)
        has_hours = isinstance(own_hours, str) and own_hours.strip() != ""
        records.append({
            "office_id": f"osm-{r.osm_type.rstrip('s')}-{r.osm_id}",
            "name": f"{r.name} ({r.commune_name})",
            "kind": "post_office",
            "lat": r.geometry.y,
            "lon": r.geometry.x,
            "commune_code": r.commune_code,
            "opening_hours": own_hours if has_hours else hours,
            "source": "osm",
            "location_note": f"OpenStreetMap {r.poi_id} (HOT export 2026-08-10)"
            + ("" if has_hours else hours_note),
        })

    # 2. One post office per former district seat, unless OSM already has one there.
    for district, group in communes.groupby("district", sort=True):
        code = DISTRICT_SEATS.get(str(district))
        if code is None:
            towns = group[group["commune_type"] == "Thị trấn"]
            if len(towns) != 1:
                raise InputError(f"cannot tell the seat of {district}: {len(towns)} townships")
            code = str(towns["commune_code"].iloc[0])
        if code in osm_communes:
            continue
        p = points.loc[code]
        short = str(district).removeprefix("Huyện ").removeprefix("Thành phố ")
        rule = ("district seat (township)" if code not in DISTRICT_SEATS.values()
                else "district seat (see DISTRICT_SEATS)")
        records.append({
            "office_id": f"po-{code}",
            "name": f"Bưu cục {short}",
            "kind": "post_office",
            "lat": p["lat"],
            "lon": p["lon"],
            "commune_code": code,
            "opening_hours": hours,
            "source": "estimated",
            "location_note": f"estimated: {rule} of {district}, placed at the {p['note']}"
            + hours_note,
        })

    # 3. The provincial public administration service centre.
    new = load_new_communes(settings).set_index("new_commune_name")
    kt = new.loc["Phường Kon Tum"]
    kt_code = communes.loc[
        communes.contains(shapely.Point(kt["point_lon"], kt["point_lat"])), "commune_code"
    ]
    records.append({
        "office_id": "oss-province",
        "name": "Trung tâm Phục vụ hành chính công tỉnh Kon Tum",
        "kind": "one_stop_shop",
        "lat": float(kt["point_lat"]),
        "lon": float(kt["point_lon"]),
        "commune_code": str(kt_code.iloc[0]) if len(kt_code) else None,
        "opening_hours": hours,
        "source": "estimated",
        "location_note": "estimated: not in OpenStreetMap; placed at vietnamadminunits' point "
        "for the 2025 Phường Kon Tum (centre of the former provincial capital)" + hours_note,
    })

    # 4. One one-stop shop per pre-2025 commune.
    for ccode, p in points.sort_index().iterrows():
        records.append({
            "office_id": f"oss-{ccode}",
            "name": f"Bộ phận một cửa {_lower_type(str(p['name']))}",
            "kind": "one_stop_shop",
            "lat": p["lat"],
            "lon": p["lon"],
            "commune_code": str(ccode),
            "opening_hours": hours,
            "source": "estimated",
            "location_note": f"estimated: {p['note']}" + hours_note,
        })
    return _frame(records)


def default_offices(settings: Settings) -> gpd.GeoDataFrame:
    """Build the bundled default office registry for Kon Tum, from real data only.

    It holds the OpenStreetMap-mapped Vietnam Post offices (``source="osm"``); one post
    office per former district seat where OSM has none, placed at the seat commune's point;
    one one-stop shop per pre-2025 commune at its commune point; and the provincial public
    administration service centre. Everything not mapped in OSM is ``source="estimated"``
    and its ``location_note`` says which rule placed it. Commune points come from
    :func:`data.commune_points.load_commune_points` (a geocoded point outside its commune
    or shared with another is replaced there by one inside the commune, and the note says
    how).

    Returns
    -------
    GeoDataFrame
        Columns :data:`OFFICE_COLUMNS` and Point geometry (EPSG:4326).
    """
    return _default_offices(str(Path(settings.data_dir).expanduser().resolve())).copy()


# --------------------------------------------------------------------------- import


@lru_cache(maxsize=4)
def _province_shape(data_dir: str) -> shapely.Geometry:
    from data.layers import load_province

    geom = load_province(Settings(data_dir=Path(data_dir))).geometry.iloc[0]
    shape = geom.buffer(PROVINCE_TOLERANCE_DEG)
    shapely.prepare(shape)
    return shape


def _decode(data: bytes, source: str) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        hint = ""
        try:
            guess = unicodedata.normalize("NFC", data.decode("cp1258"))
            snippet = guess.splitlines()[line - 1][:60] if guess.splitlines() else ""
            hint = (
                f" It reads as Windows-1258 (Vietnamese Windows code page), line {line}: "
                f"{snippet!r}."
            )
        except UnicodeDecodeError:
            pass
        raise InputError(
            [
                Problem(
                    f"the file is not UTF-8: byte 0x{data[exc.start]:02x} at position "
                    f"{exc.start} (line {line}) is invalid.{hint} Fix: in Excel use "
                    "'Save As' → 'CSV UTF-8 (Comma delimited)', or import the .xlsx instead",
                    row=line,
                    source=source,
                )
            ],
            summary=f"{source} was rejected: wrong text encoding; nothing was imported",
        ) from None


def _read_table(data: bytes, source: str, suffix: str) -> pd.DataFrame:
    if not data.strip():
        raise InputError(
            [Problem("the file is empty; fix: export the office list again with a header row "
                     f"({', '.join(OFFICE_COLUMNS)}) and one row per office", source=source)],
            summary=f"{source} was rejected: empty file; nothing was imported",
        )
    if suffix == ".xlsx":
        try:
            return pd.read_excel(io.BytesIO(data), dtype=str, engine="openpyxl")
        except Exception as exc:  # openpyxl raises many types for broken files
            raise InputError(
                [Problem(f"the file is not a readable .xlsx workbook ({type(exc).__name__}: "
                         f"{exc}); fix: save it again from Excel as .xlsx, or export CSV UTF-8",
                         source=source)],
                summary=f"{source} was rejected; nothing was imported",
            ) from None
    text = _decode(data, source)
    try:
        first = text.split("\n", 1)[0]
        # Excel with a Vietnamese (or European) locale writes ';' between columns
        sep = max((",", ";", "\t"), key=first.count)
        return pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False,
                           skipinitialspace=True, sep=sep)
    except pd.errors.EmptyDataError:
        raise InputError(
            [Problem("the file has no header row; fix: the first line must name the columns "
                     f"({', '.join(OFFICE_COLUMNS)})", source=source)],
            summary=f"{source} was rejected: empty file; nothing was imported",
        ) from None
    except pd.errors.ParserError as exc:
        raise InputError(
            [Problem(f"the file is not valid CSV ({exc}); fix: use commas between columns "
                     "and quote values that contain commas", source=source)],
            summary=f"{source} was rejected; nothing was imported",
        ) from None


def _text(value: object) -> str:
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return ""
    return str(value).strip()


def offices_from_frame(
    df: pd.DataFrame, *, settings: Settings, source_name: str = "offices"
) -> gpd.GeoDataFrame:
    """Validate a table of offices and return it as an office GeoDataFrame.

    Parameters
    ----------
    df
        One row per office, all cells as text; column names are matched case-insensitively.
        Required: ``office_id``, ``name``, ``kind``, ``lat``, ``lon``. Optional:
        ``commune_code`` (found from the position when blank), ``opening_hours`` (default
        :data:`DEFAULT_OPENING_HOURS`), ``source`` (default ``user``), ``location_note``.
    settings
        Settings giving the data folder (for the province boundary and commune codes).
    source_name
        Name used in problem messages (usually the file name).

    Raises
    ------
    InputError
        With every problem found (row as a spreadsheet shows it, column, value, fix).
    """
    from data.layers import load_communes

    problems: list[Problem] = []
    summary = f"{source_name} was rejected; nothing was imported"
    df = df.rename(columns=lambda c: str(c).strip().lower().replace(" ", "_"))
    missing = [c for c in REQUIRED_COLUMNS if c not in df.columns]
    if missing:
        problems.append(Problem(
            f"required column(s) {', '.join(missing)} missing; found columns "
            f"{', '.join(map(str, df.columns)) or '(none)'}; fix: add a header row with "
            f"{', '.join(REQUIRED_COLUMNS)} (optional: commune_code, opening_hours, source, "
            "location_note)", row=1, source=source_name))
        raise InputError(problems, summary=summary)
    if len(df) == 0:
        raise InputError([Problem("the file has a header but no office rows; fix: add one row "
                                  "per office below the header", source=source_name)],
                         summary=f"{source_name} was rejected: no offices; nothing was imported")

    data_dir = str(Path(settings.data_dir).expanduser().resolve())
    province = _province_shape(data_dir)
    communes = load_communes(settings)
    known_codes = set(communes["commune_code"])
    records: list[dict[str, Any]] = []
    seen: dict[str, int] = {}

    def bad(row: int, column: str, value: str, message: str) -> None:
        problems.append(Problem(message, row=row, column=column, value=value,
                                source=source_name))

    for i, raw in enumerate(df.to_dict("records")):
        row = i + 2  # header is row 1
        rec = {c: _text(raw.get(c)) for c in OFFICE_COLUMNS}
        oid = rec["office_id"]
        if not oid:
            bad(row, "office_id", oid, "office_id is empty; fix: give every office a unique id")
        elif oid in seen:
            bad(row, "office_id", oid, f"duplicate office_id (also on row {seen[oid]}); fix: "
                "make every office_id unique")
        else:
            seen[oid] = row
        if not rec["name"]:
            bad(row, "name", "", "name is empty; fix: give the office a name")
        for col in ("office_id", "name", "location_note"):
            if looks_like_formula(rec[col]):
                bad(row, col, rec[col], "text starts like a spreadsheet formula (= + - @); "
                    "fix: type the plain text, without the leading sign")
        kind = KIND_ALIASES.get(normalise_name(rec["kind"])) if rec["kind"] else None
        if kind is None:
            bad(row, "kind", rec["kind"], f"unknown kind; fix: use one of "
                f"{', '.join(OFFICE_KINDS)} (or bưu cục, bưu điện văn hóa xã, bộ phận một cửa)")
        coords: dict[str, float] = {}
        for col in ("lat", "lon"):
            txt = rec[col].replace(",", ".") if rec[col].count(",") == 1 else rec[col]
            try:
                val = float(txt)
            except ValueError:
                bad(row, col, rec[col], f"{col} is not a number; fix: write decimal degrees "
                    "(WGS84) with a dot, e.g. 14.3545 / 108.013")
                continue
            if not np.isfinite(val):
                bad(row, col, rec[col], f"{col} is not a finite number")
                continue
            coords[col] = val
        if len(coords) == 2:
            lat, lon = coords["lat"], coords["lon"]
            if not shapely.contains_xy(province, lon, lat):
                if shapely.contains_xy(province, lat, lon):
                    hint = ("lat and lon look swapped; fix: exchange the two columns "
                            "(lat is about 14–15, lon about 107–108)")
                else:
                    hint = ("fix: check the coordinates (decimal degrees, WGS84); only "
                            "offices in the former Kon Tum province are planned")
                bad(row, "lat/lon", f"{lat}, {lon}",
                    "position lies outside the former Kon Tum province "
                    f"(lat 13.92–15.42, lon 107.33–108.55); {hint}")
        code = rec["commune_code"]
        if code.endswith(".0") and code[:-2].isdigit():
            code = code[:-2]
        if code and code not in known_codes:
            bad(row, "commune_code", code, "unknown commune code; fix: use the 5-digit GSO "
                "code of a pre-2025 Kon Tum commune (e.g. 23281) or leave it blank")
        hours = rec["opening_hours"] or DEFAULT_OPENING_HOURS
        try:
            parse_opening_hours(hours)
        except InputError as exc:
            bad(row, "opening_hours", hours, str(exc.problems[0].message))
        src = (rec["source"] or "user").lower()
        if src not in OFFICE_SOURCES:
            bad(row, "source", rec["source"], f"unknown source; fix: use one of "
                f"{', '.join(OFFICE_SOURCES)}, or leave it blank for 'user'")
        records.append({
            "office_id": oid, "name": rec["name"], "kind": kind,
            "lat": coords.get("lat"), "lon": coords.get("lon"), "commune_code": code or None,
            "opening_hours": hours, "source": src,
            "location_note": rec["location_note"] or f"imported from {source_name}",
        })
    if problems:
        raise InputError(problems, summary=f"{source_name} was rejected: {len(problems)} "
                         "problem(s); nothing was imported")
    out = _frame(records)
    blank = out["commune_code"].isna()
    if blank.any():
        hit = gpd.sjoin(out.loc[blank, ["geometry"]], communes[["commune_code", "geometry"]],
                        how="left", predicate="within")
        hit = hit[~hit.index.duplicated(keep="first")]
        out.loc[blank, "commune_code"] = hit["commune_code"]
    return out


def read_offices(
    path_or_bytes: str | Path | bytes,
    *,
    settings: Settings,
    filename: str | None = None,
) -> gpd.GeoDataFrame:
    """Read and validate an office file (.csv in UTF-8, or .xlsx).

    Parameters
    ----------
    path_or_bytes
        A file path, or the file's bytes (e.g. a Streamlit upload).
    settings
        Settings giving the data folder.
    filename
        Name used for the file type and in messages when bytes are given.

    Returns
    -------
    GeoDataFrame
        Columns :data:`OFFICE_COLUMNS` and Point geometry.

    Raises
    ------
    InputError
        With every problem of the file (empty file, wrong encoding, missing columns, unknown
        kinds, duplicate ids, positions outside the province …). Nothing of a rejected file
        is returned.
    """
    if isinstance(path_or_bytes, bytes):
        data = path_or_bytes
        name = filename or "offices.csv"
    else:
        path = Path(path_or_bytes)
        name = filename or path.name
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise InputError([Problem(f"cannot read the file ({exc.strerror}); fix: check "
                                      "the path", source=str(path))],
                             summary=f"{name} was rejected") from None
    suffix = Path(name).suffix.lower()
    if suffix not in (".csv", ".xlsx"):
        raise InputError([Problem(f"unsupported file type {suffix or '(none)'!r}; fix: "
                                  "use .csv (UTF-8) or .xlsx", source=name)],
                         summary=f"{name} was rejected")
    df = _read_table(data, name, suffix)
    return offices_from_frame(df, settings=settings, source_name=name)


# --------------------------------------------------------------------------- export


def _export_frame(offices: pd.DataFrame) -> pd.DataFrame:
    missing = [c for c in OFFICE_COLUMNS if c not in offices.columns]
    if missing:
        raise InputError(f"offices lack columns {missing}; fix: build them with "
                         "default_offices or read_offices")
    return pd.DataFrame(offices[list(OFFICE_COLUMNS)])


def offices_to_bytes(offices: pd.DataFrame, fmt: str) -> bytes:
    """Serialise offices as ``"csv"`` (UTF-8 with BOM, opens cleanly in Excel) or ``"xlsx"``."""
    table = _export_frame(offices)
    if fmt == "csv":
        return csv_bytes(table)
    if fmt == "xlsx":
        return xlsx_bytes({"offices": table})
    raise InputError(f"unknown export format {fmt!r}; fix: use 'csv' or 'xlsx'")


def write_offices(offices: pd.DataFrame, path: str | Path) -> None:
    """Write offices to ``path``; the suffix (.csv or .xlsx) chooses the format."""
    p = Path(path)
    fmt = p.suffix.lower().lstrip(".")
    if fmt not in ("csv", "xlsx"):
        raise InputError(f"cannot write {p.name}: unsupported file type; fix: use .csv or .xlsx")
    p.write_bytes(offices_to_bytes(offices, fmt))


def office_counts(offices: pd.DataFrame) -> dict[str, dict[str, int]]:
    """Count offices by kind and by source (every kind and source present, zeros included)."""
    by_kind = {k: int((offices["kind"] == k).sum()) for k in OFFICE_KINDS}
    by_source = {s: int((offices["source"] == s).sum()) for s in OFFICE_SOURCES}
    return {"by_kind": by_kind, "by_source": by_source}
