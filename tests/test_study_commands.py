"""`postplan study` input errors, and a siting sweep on the engine equal to a direct solve."""

from __future__ import annotations

import json

from cli import main


def test_fleet_bad_arguments_are_all_named_before_any_work(capsys):
    """A bad fleet list, date and output suffix come back together, exit code 2."""
    code = main(["study", "fleet", "--couriers", "ten", "--start", "2027-13-01",
                 "--out", "x.txt", "--json"])
    doc = json.loads(capsys.readouterr().out)
    assert code == 2 and doc["error"] == "input_error"
    text = " ".join(doc["problems"])
    assert "--out x.txt must end in .json, .csv, .xlsx" in text
    assert "--start '2027-13-01' is not YYYY-MM-DD" in text
    assert "--couriers 'ten' is not a list of whole numbers" in text


def test_fleet_scenario_problems_in_both_languages(capsys):
    """A target above 1 and zero days are refused in Vietnamese and English."""
    code = main(["study", "fleet", "--days", "0", "--target", "2", "--json"])
    doc = json.loads(capsys.readouterr().out)
    assert code == 2
    assert any("--days phải từ 1 trở lên" in p and "--days must be at least 1" in p
               for p in doc["problems"])
    assert any("--target" in p for p in doc["problems"])


def test_siting_bad_cutoff_and_k(capsys):
    """Words for --cutoff and a zero --k are refused together."""
    code = main(["study", "siting", "--k", "0", "--cutoff", "half", "--json"])
    doc = json.loads(capsys.readouterr().out)
    assert code == 2 and len(doc["problems"]) == 2


def test_siting_sweep_on_the_engine_equals_direct_solves(settings):
    """Each (cutoff, k) case on a Dask worker chooses what solve_siting chooses directly."""
    from data.layers import load_population_grid
    from data.offices import default_offices
    from geo.coverage import AccessNetwork, select_offices
    from geo.network import cached_network
    from geo.siting import candidate_sites, siting_problem, solve_siting
    from routing.study import SitingSweep, open_client, run_siting

    sweep = SitingSweep(ks=(1, 2), cutoffs_min=(30.0,), profiles=("motorbike",))
    with open_client(workers=1) as client:
        result = run_siting(settings, sweep, client=client)
    offices = default_offices(settings)
    net = AccessNetwork.build(cached_network(settings, profile="motorbike"),
                              cache_dir=settings.cache_dir)
    problem, _ = siting_problem(net, load_population_grid(settings),
                                candidate_sites(settings, "communes"),
                                select_offices(offices, ["post_office"]), minutes=30.0, k=1)
    for case in result.cases:
        direct = solve_siting(problem.__class__(problem.cost_s, problem.weight,
                                                problem.existing, problem.site_id,
                                                case.cutoff_min * 60, case.k), "mclp")
        assert case.chosen == direct.chosen and case.optimal
        assert case.share_after == direct.after.share_covered
    assert [c.k for c in result.cases] == [1, 2]
    assert result.cases[1].share_after >= result.cases[0].share_after > result.cases[0].share_before
    assert result.frame()["network_kind"].tolist() == [result.network_kinds["motorbike"]] * 2
