import json
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest

import cli
from geo.siting import SitingProblem, solve_siting


@pytest.fixture(scope="module")
def cache_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("postplan-cache")


@pytest.fixture(autouse=True)
def _env(monkeypatch: pytest.MonkeyPatch, cache_dir: Path) -> None:
    monkeypatch.setenv("POSTPLAN_CACHE_DIR", str(cache_dir))


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, dict]:
    code = cli.main(list(argv))
    out = capsys.readouterr().out
    return code, json.loads(out)


def test_coverage_json(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    """coverage --json prints totals, worst communes with name/people/minutes, network_kind."""
    export = tmp_path / "cov.csv"
    areas = tmp_path / "areas.geojson"
    code, doc = _run(capsys, "coverage", "--minutes", "30", "--profile", "motorbike",
                     "--worst", "5", "--export", str(export), "--areas", str(areas),
                     "--json")
    assert code == 0 and doc["ok"] is True
    assert doc["network_kind"] == "proxy" and "PROXY" in doc["network_note"]
    assert doc["share_covered"] == pytest.approx(
        doc["population_covered"] / doc["population_total"], abs=1e-6)
    assert len(doc["worst_communes"]) == 5
    first = doc["worst_communes"][0]
    assert {"name", "population", "minutes", "population_beyond"} <= set(first)
    assert first["minutes"] > 30
    table = pd.read_csv(export, encoding="utf-8-sig")
    assert table["population_covered"].sum() == pytest.approx(doc["population_covered"],
                                                              abs=0.5)
    assert doc["kinds"] == ["post_office"]  # the postal kinds present in the registry
    polygons = gpd.read_file(areas)
    assert len(polygons) == 4 * doc["offices"]
    assert sorted(set(polygons["minutes"])) == [15.0, 30.0, 45.0, 60.0]
    assert list(doc["timings"]) == ["inputs", "access", "report", "total"]
    assert doc["timings"]["total"] >= doc["timings"]["access"] > 0


def test_site_json_and_problem_export(capsys: pytest.CaptureFixture[str],
                                      tmp_path: Path) -> None:
    """site --json reports an optimal MCLP choice; the exported problem re-solves to it."""
    npz = tmp_path / "problem.npz"
    sites_csv = tmp_path / "sites.csv"
    code, doc = _run(capsys, "site", "--new", "2", "--minutes", "30", "--model", "mclp",
                     "--export-problem", str(npz), "--export", str(sites_csv), "--json")
    assert code == 0 and doc["status"] == "optimal" and doc["gap"] == 0.0
    assert len(doc["chosen"]) == 2 and all(c.startswith("commune-") for c in doc["chosen"])
    assert doc["objective"] > doc["objective_before"] > 0
    assert doc["network_kind"] == "proxy"
    problem = SitingProblem.from_npz(npz)
    assert problem.k == 2 and problem.cutoff_s == 1800.0
    assert int(problem.existing.sum()) == len(doc["kept"])
    again = solve_siting(problem, "mclp")
    assert again.objective == pytest.approx(doc["objective"], rel=1e-12)
    assert np.isfinite(problem.cost_s).all()
    sites = pd.read_csv(sites_csv, encoding="utf-8-sig")
    assert sorted(sites.loc[sites["chosen"], "site_id"]) == sorted(doc["chosen"])
    assert sites["existing"].sum() == len(doc["kept"]) and set(sites["network_kind"]) == {
        "proxy"}
    assert sites[["lon", "lat"]].notna().all().all()


def test_site_pmedian_halls(capsys: pytest.CaptureFixture[str]) -> None:
    """p-median over OSM village halls lowers the mean travel time."""
    code, doc = _run(capsys, "site", "--new", "1", "--model", "pmedian", "--candidates",
                     "halls", "--json")
    assert code == 0 and doc["optimal"] is True
    assert doc["objective"] < doc["objective_before"]
    assert doc["mean_time_after_s"] < doc["mean_time_before_s"]
    assert doc["chosen_sites"][0]["site_id"].startswith("hall-")
    assert list(doc["timings"]) == ["inputs", "siting", "total"]


def test_bad_arguments_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    """Non-positive minutes and unknown kinds are input errors with the fix named."""
    code, doc = _run(capsys, "coverage", "--minutes", "0", "--json")
    assert code == 2 and doc["error"] == "input_error"
    assert "positive number of minutes" in doc["problems"][0]
    code, doc = _run(capsys, "coverage", "--kinds", "commune_post", "--json")
    assert code == 2 and "kinds present" in doc["problems"][0]
