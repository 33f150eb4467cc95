"""Reading GPS tracks: GPX (OsmAnd, Organic Maps, any logger) and GeoJSON, one or many files.

A :class:`Trace` is one continuous recording: a GPX track segment, a GeoJSON line with
per-vertex times (``coordTimes``/``times``, as togeojson and loggers write them), or the
time-ordered point features of one track in a GeoJSON point layer (``time``/``timestamp``
property, grouped by ``track``/``track_id``/``trace_id``/``name``). GPX is read with gpxpy,
GeoJSON with pyogrio.

Every problem in every file — unreadable file, no track, a point without time or with a
position off the globe — is collected and raised once as an :class:`InputError` whose
message says, in Vietnamese then English, which file, which track and which point, and how
to fix it. Nothing is imported from a rejected call (see ``skip_bad`` to import the good
files only).
"""

from __future__ import annotations

import hashlib
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from data.errors import InputError, Problem

#: Property names read as a point's time in GeoJSON point layers.
TIME_FIELDS = ("time", "timestamp", "datetime", "date_time", "recorded_at")
#: Property names read as the track a GeoJSON point belongs to.
TRACK_FIELDS = ("track", "track_id", "trace_id", "track_name", "name")
#: Property names holding per-vertex times of GeoJSON lines.
LINE_TIME_FIELDS = ("coordTimes", "coord_times", "times")
#: File suffixes read.
SUFFIXES = (".gpx", ".geojson", ".json")
#: Most problems listed per track before "and N more".
MAX_LISTED = 5


@dataclass(frozen=True)
class Trace:
    """One continuous GPS recording.

    Parameters
    ----------
    trace_id
        ``<file>:<track>.<segment>`` (stable across re-reads of the same file).
    file, track
        File name and track name (``track N`` when the file gives none).
    lon, lat, time_s
        Positions (WGS84) and times (seconds since the epoch, UTC), in file order.
    vehicle
        What the trace was ridden with (``motorbike``, ``car``, ``walk``).
    provenance
        ``observed`` (a real recording) or ``simulated``.
    """

    trace_id: str
    file: str
    track: str
    lon: np.ndarray = field(repr=False)
    lat: np.ndarray = field(repr=False)
    time_s: np.ndarray = field(repr=False)
    vehicle: str = "motorbike"
    provenance: str = "observed"

    def __len__(self) -> int:
        return len(self.time_s)


@dataclass(frozen=True)
class TraceFile:
    """A file read: its name, sha256 and traces."""

    name: str
    sha256: str
    traces: tuple[Trace, ...]

    def info(self) -> dict[str, Any]:
        """Return what the import records about the file."""
        return {"name": self.name, "sha256": self.sha256, "traces": len(self.traces),
                "points": int(sum(len(t) for t in self.traces))}


def _problem(vi: str, en: str, *, source: str, value: str | None = None,
             column: str | None = None) -> Problem:
    return Problem(f"{vi} / {en}", source=source, value=value, column=column)


def _epoch(value: Any) -> float | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        dt = value if value.tzinfo is not None else value.replace(tzinfo=UTC)
        return dt.timestamp()
    try:
        ts = pd.Timestamp(value)
    except (ValueError, TypeError):
        return None
    if pd.isna(ts):
        return None
    if ts.tzinfo is None:
        ts = ts.tz_localize("UTC")
    return float(ts.timestamp())


def _check_points(lon: np.ndarray, lat: np.ndarray, times: list[float | None], *,
                  where: str, problems: list[Problem]) -> bool:
    """Report points without time or off the globe; True when the track is usable."""
    ok = True
    no_time = [i + 1 for i, t in enumerate(times) if t is None]
    if no_time:
        ok = False
        listed = ", ".join(map(str, no_time[:MAX_LISTED]))
        more = f" (+{len(no_time) - MAX_LISTED})" if len(no_time) > MAX_LISTED else ""
        problems.append(_problem(
            f"điểm {listed}{more} không có thời gian; cần ghi vết có thời gian để đo tốc độ "
            "(OsmAnd: Ghi chuyến đi; Organic Maps: Ghi vết)",
            f"point {listed}{more} has no time; record the track with times to measure "
            "speeds (OsmAnd: Trip recording; Organic Maps: Record track)",
            source=where, column="time"))
    bad = [i + 1 for i in range(len(lon))
           if not (np.isfinite(lon[i]) and np.isfinite(lat[i]) and -180 <= lon[i] <= 180
                   and -90 <= lat[i] <= 90)]
    if bad:
        ok = False
        i = bad[0] - 1
        listed = ", ".join(map(str, bad[:MAX_LISTED]))
        more = f" (+{len(bad) - MAX_LISTED})" if len(bad) > MAX_LISTED else ""
        problems.append(_problem(
            f"điểm {listed}{more} có toạ độ không hợp lệ (kinh độ −180…180, vĩ độ −90…90); "
            "sửa hoặc xoá các điểm đó",
            f"point {listed}{more} has an invalid position (longitude −180…180, latitude "
            "−90…90); fix or delete those points",
            source=where, value=f"{lon[i]}, {lat[i]}", column="position"))
    return ok


def _make_trace(file: str, track_no: int, seg_no: int, name: str, lon: Sequence[float],
                lat: Sequence[float], times: list[float | None], *, vehicle: str,
                problems: list[Problem], min_points: int) -> Trace | None:
    where = f"{file}, track {track_no} ({name})" + (f", segment {seg_no}" if seg_no > 1
                                                    else "")
    lon_a = np.asarray(lon, dtype=float)
    lat_a = np.asarray(lat, dtype=float)
    if len(lon_a) < min_points:
        problems.append(_problem(
            f"chỉ có {len(lon_a)} điểm; cần ít nhất {min_points}",
            f"only {len(lon_a)} point(s); at least {min_points} are needed",
            source=where))
        return None
    if not _check_points(lon_a, lat_a, times, where=where, problems=problems):
        return None
    return Trace(trace_id=f"{file}:{track_no}.{seg_no}", file=file, track=name,
                 lon=lon_a, lat=lat_a, time_s=np.asarray(times, dtype=float),
                 vehicle=vehicle)


def _read_gpx(data: bytes, file: str, *, vehicle: str, problems: list[Problem],
              min_points: int) -> list[Trace]:
    import gpxpy
    import gpxpy.gpx

    try:
        gpx = gpxpy.parse(data.decode("utf-8-sig", errors="replace"))
    except gpxpy.gpx.GPXException as exc:
        problems.append(_problem(
            f"không đọc được tệp GPX ({exc}); xuất lại vết từ ứng dụng ghi",
            f"cannot read the GPX file ({exc}); export the track again from the recording app",
            source=file))
        return []
    traces = []
    for ti, track in enumerate(gpx.tracks, start=1):
        name = (track.name or "").strip() or f"track {ti}"
        for si, seg in enumerate(track.segments, start=1):
            pts = seg.points
            traces.append(_make_trace(
                file, ti, si, name, [p.longitude for p in pts], [p.latitude for p in pts],
                [_epoch(p.time) for p in pts], vehicle=vehicle, problems=problems,
                min_points=min_points))
    if not gpx.tracks or not any(t.segments for t in gpx.tracks):
        extra_vi = " (chỉ có lộ trình/điểm mốc, không phải vết đã đi)" if (
            gpx.routes or gpx.waypoints) else ""
        extra_en = " (only a planned route/waypoints, not a recorded track)" if (
            gpx.routes or gpx.waypoints) else ""
        problems.append(_problem(
            f"tệp không có vết (trk){extra_vi}; hãy xuất vết đã ghi",
            f"the file has no track (trk){extra_en}; export the recorded track",
            source=file))
    return [t for t in traces if t is not None]


def _read_geojson(data: bytes, file: str, *, vehicle: str, problems: list[Problem],
                  min_points: int) -> list[Trace]:
    import pyogrio

    try:
        frame = pyogrio.read_dataframe(io.BytesIO(data))
    except Exception as exc:  # pyogrio/GDAL raise several types for a broken file
        problems.append(_problem(
            f"không đọc được tệp GeoJSON ({exc})", f"cannot read the GeoJSON file ({exc})",
            source=file))
        return []
    if frame.crs is not None and frame.crs.to_epsg() != 4326:
        frame = frame.to_crs("EPSG:4326")
    if not len(frame):
        problems.append(_problem("tệp không có đối tượng nào", "the file has no features",
                                 source=file))
        return []
    kinds = set(frame.geometry.geom_type.dropna())
    traces: list[Trace | None] = []
    if kinds <= {"Point"}:
        tcol = next((c for c in TIME_FIELDS if c in frame.columns), None)
        if tcol is None:
            problems.append(_problem(
                f"các điểm không có thuộc tính thời gian ({', '.join(TIME_FIELDS)})",
                f"the points have no time property ({', '.join(TIME_FIELDS)})",
                source=file, column="time"))
            return []
        gcol = next((c for c in TRACK_FIELDS if c in frame.columns), None)
        groups = [("track 1", frame)] if gcol is None else [
            (str(k), g) for k, g in frame.groupby(gcol, sort=False, dropna=False)]
        for ti, (name, g) in enumerate(groups, start=1):
            times = [_epoch(v) for v in g[tcol]]
            order = np.argsort([np.inf if t is None else t for t in times], kind="stable")
            g = g.iloc[order]
            times = [times[i] for i in order]
            traces.append(_make_trace(file, ti, 1, name, g.geometry.x.tolist(),
                                      g.geometry.y.tolist(), times, vehicle=vehicle,
                                      problems=problems, min_points=min_points))
    elif kinds <= {"LineString", "MultiLineString"}:
        tcol = next((c for c in LINE_TIME_FIELDS if c in frame.columns), None)
        for ti, row in enumerate(frame.itertuples(), start=1):
            name = str(getattr(row, "name", "") or f"track {ti}")
            geom = row.geometry
            lines = [geom] if geom.geom_type == "LineString" else list(geom.geoms)
            raw = None if tcol is None else getattr(row, tcol)
            nested = raw is not None and len(raw) and not isinstance(raw[0], str)
            for si, line in enumerate(lines, start=1):
                where = f"{file}, track {ti} ({name})"
                coords = np.asarray(line.coords)
                seg_times = None if raw is None else (raw[si - 1] if nested else raw)
                if seg_times is None or len(seg_times) != len(coords):
                    problems.append(_problem(
                        f"đường không có thời gian cho từng điểm ({'/'.join(LINE_TIME_FIELDS)}"
                        f" phải có {len(coords)} mốc); xuất lại dạng GPX",
                        f"the line has no time per vertex ({'/'.join(LINE_TIME_FIELDS)} must "
                        f"hold {len(coords)} times); export it as GPX instead",
                        source=where, column="time"))
                    continue
                traces.append(_make_trace(file, ti, si, name, coords[:, 0].tolist(),
                                          coords[:, 1].tolist(),
                                          [_epoch(v) for v in seg_times], vehicle=vehicle,
                                          problems=problems, min_points=min_points))
    else:
        problems.append(_problem(
            f"kiểu hình học {', '.join(sorted(kinds))} không phải vết (cần Point hoặc "
            "LineString)",
            f"geometry type {', '.join(sorted(kinds))} is not a track (Point or LineString "
            "expected)", source=file))
    return [t for t in traces if t is not None]


def read_trace_file(data: bytes, name: str, *, vehicle: str = "motorbike",
                    min_points: int = 2) -> tuple[TraceFile, list[Problem]]:
    """Read one file's tracks; return them with every problem found (nothing raised).

    Parameters
    ----------
    data
        The file's bytes.
    name
        File name (its suffix picks the reader when the content does not).
    vehicle
        What the tracks were ridden with.
    min_points
        Fewest points a track must have.
    """
    problems: list[Problem] = []
    digest = hashlib.sha256(data).hexdigest()
    head = data.lstrip()[:1]
    suffix = Path(name).suffix.lower()
    if head == b"<" or (suffix == ".gpx" and head != b"{"):
        traces = _read_gpx(data, name, vehicle=vehicle, problems=problems,
                           min_points=min_points)
    elif head in (b"{", b"[") or suffix in (".geojson", ".json"):
        traces = _read_geojson(data, name, vehicle=vehicle, problems=problems,
                               min_points=min_points)
    else:
        problems.append(_problem(
            "không phải tệp GPX hay GeoJSON; xuất vết dạng .gpx (OsmAnd, Organic Maps) "
            "hoặc .geojson",
            "not a GPX or GeoJSON file; export the track as .gpx (OsmAnd, Organic Maps) "
            "or .geojson", source=name, value=suffix or None))
        traces = []
    return TraceFile(name=name, sha256=digest, traces=tuple(traces)), problems


def read_traces(files: Iterable[str | Path | tuple[str, bytes]], *,
                vehicle: str = "motorbike", skip_bad: bool = False,
                min_points: int = 2) -> tuple[list[TraceFile], list[Problem]]:
    """Read many trace files.

    Parameters
    ----------
    files
        Paths, or ``(name, bytes)`` pairs (uploads).
    vehicle
        What the tracks were ridden with.
    skip_bad
        Return the files without problems and the problems of the others, instead of
        raising.
    min_points
        Fewest points a track must have.

    Returns
    -------
    (list of TraceFile, list of Problem)
        The files read (only clean ones with ``skip_bad``) and the problems of the files
        left out (empty unless ``skip_bad``).

    Raises
    ------
    InputError
        Listing every problem of every file, unless ``skip_bad``.
    """
    read: list[TraceFile] = []
    problems: list[Problem] = []
    names: set[str] = set()
    for item in files:
        if isinstance(item, tuple):
            name, data = item
        else:
            path = Path(item)
            name = path.name
            try:
                data = path.read_bytes()
            except OSError as exc:
                problems.append(_problem(f"không mở được tệp ({exc.strerror})",
                                         f"cannot open the file ({exc.strerror})",
                                         source=str(path)))
                continue
        if name in names:
            name = f"{name}#{len(names)}"
        names.add(name)
        tf, found = read_trace_file(data, name, vehicle=vehicle, min_points=min_points)
        if not found and not tf.traces:
            found = [_problem("tệp không có vết nào", "the file has no track", source=name)]
        if found:
            problems.extend(found)
        else:
            read.append(tf)
    if problems and not skip_bad:
        raise InputError(problems, summary=f"{len({p.source for p in problems})} vết/tệp bị "
                         "từ chối, không nhập gì / trace file(s) rejected, nothing imported")
    return read, problems


__all__ = [
    "SUFFIXES",
    "Trace",
    "TraceFile",
    "read_trace_file",
    "read_traces",
]
