import json
import shutil
from pathlib import Path

import pytest

import cli
from data.settings import Settings


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, dict]:
    code = cli.main(list(argv))
    out = capsys.readouterr().out
    return code, json.loads(out)


@pytest.fixture
def bundle_copy(settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A writable copy of the real bundle, made the active data folder."""
    dst = tmp_path / "bundle"
    shutil.copytree(settings.data_dir, dst)
    for f in dst.iterdir():
        f.chmod(0o644)
    monkeypatch.setenv("POSTPLAN_DATA_DIR", str(dst))
    return dst


def test_data_check_json_on_real_bundle(capsys: pytest.CaptureFixture[str]) -> None:
    """data check --json reports 102 communes, 540,438 people, the grid and offices; exit 0."""
    code, report = _run(capsys, "data", "check", "--json")
    assert code == 0 and report["ok"] is True
    assert report["communes"] == 102
    assert report["census_population"] == 540_438
    assert report["new_communes"] == 40
    assert report["grid_cells"] == 11_607
    assert report["grid_population"] == pytest.approx(630_382.8, abs=0.1)
    assert report["offices"] == {"post_office": 10, "commune_post": 0, "one_stop_shop": 103}
    assert report["offices_by_source"] == {"osm": 2, "user": 0, "estimated": 111}
    assert {e["status"] for e in report["catalogue"]} == {"ok"}
    assert any("Ya Tăng" in w and "5.37x" in w for w in report["warnings"])
    assert report["errors"] == []
    points = report["commune_points"]
    assert (points["geocoded"], points["estimated"], points["outside"], points["shared"]) == (
        92, 10, 10, 3)
    assert {r["commune_code"]: r["method"] for r in points["replaced"]}["23537"] == (
        "worldpop_top_cell")
    assert report["warnings"][0].startswith("10 of 102 geocoded commune points were replaced")
    ia_dom = next(w for w in report["warnings"] if w.startswith("Xã Ia Dom (Huyện Ia H'Drai"))
    assert "commune point replaced: the geocoded point lies 34.6 km outside" in ia_dom


def test_data_check_text(capsys: pytest.CaptureFixture[str]) -> None:
    """The text report lists the catalogue and the counts and ends with OK."""
    assert cli.main(["data", "check"]) == 0
    out = capsys.readouterr().out
    assert "Census population (2019):   540,438" in out
    assert "OK      worldpop_vnm_2020_1km.tif" in out
    assert ("Commune points:             92 geocoded, 10 estimated inside their commune "
            "(worldpop_centre 5, worldpop_top_cell 5); replaced: 10 outside their commune, "
            "3 sharing one point") in out
    assert out.rstrip().endswith("OK")


def test_data_check_fails_on_altered_bundle(bundle_copy: Path,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    """An altered census file makes data check exit 1 and name the file and both hashes."""
    f = bundle_copy / "communes_gadm41_census2019.geojson"
    f.write_text(f.read_text(encoding="utf-8").replace("3711", "3712"), encoding="utf-8")
    code, report = _run(capsys, "data", "check", "--json")
    assert code == 1 and report["ok"] is False
    status = {e["file"]: e["status"] for e in report["catalogue"]}
    assert status["communes_gadm41_census2019.geojson"] == "altered"
    assert report["communes"] is None
    assert any("communes_gadm41_census2019.geojson" in e and "59e5530c" in e
               for e in report["errors"])


def test_data_check_validates_an_office_file(tmp_path: Path,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    """With --offices a malformed file turns the check red with its problems listed."""
    bad = tmp_path / "o.csv"
    bad.write_text("office_id,name,kind,lat,lon\na,A,bank,14.35,108.01\n", encoding="utf-8")
    code, report = _run(capsys, "data", "check", "--json", "--offices", str(bad))
    assert code == 1
    assert any("unknown kind" in e for e in report["errors"])
    assert report["offices"] is None


def test_fetch_dry_run_plans_downloads(bundle_copy: Path,
                                       capsys: pytest.CaptureFixture[str]) -> None:
    """Missing files: the WorldPop raster comes from its pinned URL, derived files need a mirror."""
    (bundle_copy / "worldpop_vnm_2020_1km.tif").unlink()
    (bundle_copy / "districts.geojson").unlink()
    code, plan = _run(capsys, "data", "fetch", "--dry-run", "--json")
    by_file = {p["file"]: p for p in plan["files"]}
    assert by_file["worldpop_vnm_2020_1km.tif"]["action"] == "download"
    assert "kraemer-lab/geoglue/3399c07a" in by_file["worldpop_vnm_2020_1km.tif"]["url"]
    assert by_file["districts.geojson"]["action"] == "cannot"
    assert "--base-url" in by_file["districts.geojson"]["reason"]
    assert by_file["communes_gadm41_census2019.geojson"]["action"] == "keep"
    assert code == 1
    code, plan = _run(capsys, "data", "fetch", "--dry-run", "--json",
                      "--base-url", "https://mirror.example/kontum/")
    by_file = {p["file"]: p for p in plan["files"]}
    assert by_file["districts.geojson"]["url"] == "https://mirror.example/kontum/districts.geojson"
    assert code == 0


def test_data_find(capsys: pytest.CaptureFixture[str]) -> None:
    """data find lists every commune matching a name, with its 2025 unit."""
    code, res = _run(capsys, "data", "find", "kon braih", "--json")
    assert code == 0
    assert sorted(m["commune_code"] for m in res["matches"]) == ["23488", "23494", "23497"]
    assert {m["new_commune_name"] for m in res["matches"]} == {"Xã Kon Braih"}
    code, res = _run(capsys, "data", "find", "ia dom", "--json")
    (ia_dom,) = res["matches"]
    assert ia_dom["point_source"] == "estimated"
    assert (ia_dom["point_lat"], ia_dom["point_lon"]) != (14.517883, 107.858387)


def test_data_offices_export(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """data offices writes the default registry as XLSX and reports the counts."""
    out = tmp_path / "offices.xlsx"
    code, res = _run(capsys, "data", "offices", str(out), "--json")
    assert code == 0 and out.stat().st_size > 1000
    assert res["offices_by_source"]["estimated"] == 111


def test_fetch_rebuilds_commune_points_offline(bundle_copy: Path,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    """A deleted commune_points_legacy.csv is rebuilt byte for byte from vietnamadminunits."""
    target = bundle_copy / "commune_points_legacy.csv"
    target.unlink()
    code, plan = _run(capsys, "data", "fetch", "--json")
    assert code == 0
    by_file = {p["file"]: p["action"] for p in plan["files"]}
    assert by_file["commune_points_legacy.csv"] == "rebuilt"
    code, report = _run(capsys, "data", "check", "--json")
    assert code == 0 and report["communes"] == 102
