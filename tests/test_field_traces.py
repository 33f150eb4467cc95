"""geo.field.traces: GPX and GeoJSON tracks read, bad files named point by point."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from data.errors import InputError
from geo.field.traces import read_trace_file, read_traces

GPX = b"""<?xml version="1.0"?>
<gpx version="1.1" creator="OsmAnd" xmlns="http://www.topografix.com/GPX/1/1">
<trk><name>S\xc3\xa1ng</name><trkseg>
<trkpt lat="14.35" lon="108.00"><time>2026-11-25T01:00:00Z</time></trkpt>
<trkpt lat="14.351" lon="108.00"><time>2026-11-25T01:00:05Z</time></trkpt>
</trkseg><trkseg>
<trkpt lat="14.36" lon="108.01"><time>2026-11-25T02:00:00Z</time></trkpt>
<trkpt lat="14.361" lon="108.01"><time>2026-11-25T02:00:05Z</time></trkpt>
</trkseg></trk>
<trk><trkseg>
<trkpt lat="14.37" lon="108.02"><time>2026-11-25T03:00:00+07:00</time></trkpt>
<trkpt lat="14.371" lon="108.02"><time>2026-11-25T03:00:05+07:00</time></trkpt>
</trkseg></trk></gpx>"""


def test_gpx_tracks_and_segments_become_traces() -> None:
    """Two tracks, the first with two segments: three traces, UTC epoch times, names kept."""
    tf, problems = read_trace_file(GPX, "day.gpx")
    assert problems == []
    assert [t.trace_id for t in tf.traces] == ["day.gpx:1.1", "day.gpx:1.2", "day.gpx:2.1"]
    assert tf.traces[0].track == "Sáng"
    assert tf.traces[2].track == "track 2"
    assert tf.traces[0].time_s[1] - tf.traces[0].time_s[0] == 5.0
    assert tf.traces[2].time_s[0] == tf.traces[0].time_s[0] + 1 * 3600 - 7 * 3600 + 1 * 3600


def test_points_without_time_are_named_in_both_languages() -> None:
    """A point with no time rejects the track: file, track and point named, the fix said."""
    bad = GPX.replace(b"<time>2026-11-25T01:00:05Z</time>", b"")
    with pytest.raises(InputError, match=r"day\.gpx, track 1 \(Sáng\).*point 2 has no time"):
        read_traces([("day.gpx", bad)])
    with pytest.raises(InputError, match="điểm 2 không có thời gian"):
        read_traces([("day.gpx", bad)])


def test_a_position_off_the_globe_is_a_problem() -> None:
    """Latitude 95 is named with its value."""
    bad = GPX.replace(b'lat="14.351"', b'lat="95"')
    with pytest.raises(InputError, match=r"point 2 has an invalid position"):
        read_traces([("day.gpx", bad)])


def test_every_bad_file_is_listed_and_nothing_is_imported() -> None:
    """Broken XML, a route-only GPX and a text file: three problems, one error."""
    route_only = b'<gpx version="1.1"><rte><rtept lat="14" lon="108"/></rte></gpx>'
    with pytest.raises(InputError) as err:
        read_traces([("a.gpx", b"<gpx><trk>"), ("b.gpx", route_only), ("c.txt", b"hello"),
                     ("ok.gpx", GPX)])
    text = str(err.value)
    assert "a.gpx: không đọc được tệp GPX" in text
    assert "b.gpx" in text and "not a recorded track" in text
    assert "c.txt" in text and "not a GPX or GeoJSON file" in text
    assert len(err.value.problems) == 3


def test_skip_bad_imports_the_good_files() -> None:
    """With skip_bad the good file is read and the bad one reported."""
    read, problems = read_traces([("a.gpx", b"<gpx><trk>"), ("ok.gpx", GPX)], skip_bad=True)
    assert [f.name for f in read] == ["ok.gpx"]
    assert len(problems) == 1 and problems[0].source == "a.gpx"


def test_a_missing_path_is_a_problem(tmp_path: Path) -> None:
    """A path that does not exist is named."""
    with pytest.raises(InputError, match=r"nope\.gpx"):
        read_traces([tmp_path / "nope.gpx"])


def test_geojson_points_with_times_grouped_by_track() -> None:
    """Point features with time and track properties: one trace per track, time-ordered."""
    feats = [{"type": "Feature", "properties": {"track": tr, "time": f"2026-11-25T01:00:0{s}Z"},
              "geometry": {"type": "Point", "coordinates": [108.0 + s / 1000, 14.35]}}
             for tr in ("x", "y") for s in (3, 1, 2)]
    data = json.dumps({"type": "FeatureCollection", "features": feats}).encode()
    tf, problems = read_trace_file(data, "log.geojson")
    assert problems == []
    assert [t.track for t in tf.traces] == ["x", "y"]
    assert list(tf.traces[0].lon) == pytest.approx([108.001, 108.002, 108.003])


def test_geojson_line_with_coord_times() -> None:
    """A LineString with coordTimes (togeojson) is one trace; a count mismatch is a problem."""
    feat = {"type": "Feature", "properties": {"name": "chiều", "coordTimes": [
        "2026-11-25T01:00:00Z", "2026-11-25T01:00:04Z"]},
        "geometry": {"type": "LineString", "coordinates": [[108, 14.35], [108.001, 14.35]]}}
    data = json.dumps({"type": "FeatureCollection", "features": [feat]}).encode()
    tf, problems = read_trace_file(data, "line.geojson")
    assert problems == [] and tf.traces[0].track == "chiều"
    feat["properties"]["coordTimes"] = ["2026-11-25T01:00:00Z"]
    data = json.dumps({"type": "FeatureCollection", "features": [feat]}).encode()
    _, problems = read_trace_file(data, "line.geojson")
    assert "must hold 2 times" in str(problems[0])
