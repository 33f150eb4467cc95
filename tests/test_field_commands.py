"""``postplan field import|speeds|roads`` on the Kon Tum proxy network (a real store)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import networkx as nx
import numpy as np
import pytest
from store_utils import account

from cli import main
from data.settings import Settings
from data.store import Store


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, settings: Settings) -> Path:
    """Cache and user folders of one's own; the real bundle."""
    monkeypatch.setenv("POSTPLAN_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("POSTPLAN_USER_DIR", str(tmp_path / "user"))
    monkeypatch.setenv("POSTPLAN_DATA_DIR", str(settings.data_dir))
    monkeypatch.delenv("POSTPLAN_DB_URL", raising=False)
    monkeypatch.setenv("POSTPLAN_AS", "lan")  # the account the CLI acts as (made when needed)
    return tmp_path


def _gpx_along(G: nx.MultiDiGraph, path: list[object], *, speed_mps: float = 8.0) -> bytes:
    """A noiseless GPX ride along the nodes of ``path`` (straight between nodes)."""
    lon = np.array([G.nodes[n]["x"] for n in path])
    lat = np.array([G.nodes[n]["y"] for n in path])
    xm = np.array([G.nodes[n]["x_m"] for n in path])
    ym = np.array([G.nodes[n]["y_m"] for n in path])
    cum = np.concatenate([[0.0], np.cumsum(np.hypot(np.diff(xm), np.diff(ym)))])
    at = np.arange(0.0, cum[-1], speed_mps * 3)
    t0 = datetime(2026, 11, 25, 1, 0, tzinfo=UTC).timestamp()
    pts = "".join(
        f'<trkpt lat="{b:.7f}" lon="{a:.7f}"><time>'
        f'{datetime.fromtimestamp(t0 + d / speed_mps, tz=UTC):%Y-%m-%dT%H:%M:%SZ}</time></trkpt>'
        for a, b, d in zip(np.interp(at, cum, lon), np.interp(at, cum, lat), at, strict=True))
    return (f'<gpx version="1.1" creator="test"><trk><name>test</name><trkseg>{pts}'
            "</trkseg></trk></gpx>").encode()


def test_import_then_speeds_and_roads(env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A ride is imported once (not twice), speeds are proposed, roads exported as .osc."""
    from geo.network import cached_network

    G = cached_network(Settings.from_env(), profile="motorbike")
    nodes = list(G.nodes)
    path = nx.shortest_path(G, nodes[100], nodes[400], weight="travel_time_s")
    gpx = env / "ride.gpx"
    gpx.write_bytes(_gpx_along(G, path))
    with Store.open(Settings.from_env()) as store:
        account(store, "lan", role="planner")
    capsys.readouterr()

    assert main(["field", "import", str(gpx), "--as", "lan", "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["ok"] and doc["traces"] == 1 and doc["traversals"] >= 3
    assert doc["provenance"] == "observed"

    assert main(["field", "import", str(gpx), "--json"]) == 2
    assert "already imported" in json.loads(capsys.readouterr().out)["message"]

    assert main(["field", "speeds", "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["accepted"] is None and doc["base"]["name"] == "default"
    assert {r["status"] for r in doc["rows"]} == {"too_few"}
    assert main(["field", "speeds", "--accept"]) == 2  # nothing to accept

    osc = env / "roads.osc"
    assert main(["field", "roads", "--export", str(osc), "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["roads"] == [] and doc["exported"] == str(osc)
    assert osc.read_text().startswith("<?xml")


def test_a_bad_trace_file_is_rejected_with_its_problems(
        env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A GPX without times: exit 2, the file and point named, nothing stored."""
    bad = env / "bad.gpx"
    bad.write_text('<gpx><trk><trkseg><trkpt lat="14.3" lon="108"/><trkpt lat="14.31" '
                   'lon="108"/></trkseg></trk></gpx>')
    assert main(["field", "import", str(bad), "--json"]) == 2
    doc = json.loads(capsys.readouterr().out)
    assert any("bad.gpx" in p and "point 1, 2 has no time" in p for p in doc["problems"])
    assert not (env / "user" / "postplan.sqlite").exists()
