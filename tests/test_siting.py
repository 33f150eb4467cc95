import itertools
import math
from pathlib import Path

import numpy as np
import pytest

from data.errors import InputError
from geo.siting import SitingProblem, score_sites, solve_siting

CUTOFF_S = 1500.0


def _instance(seed: int, n: int = 12, m: int = 7) -> SitingProblem:
    rng = np.random.default_rng(seed)
    cost = rng.integers(60, 3600, (n, m)).astype(float)
    cost[rng.random((n, m)) < 0.15] = np.inf
    weight = rng.integers(0, 100, n).astype(float)
    existing = np.zeros(m, bool)
    existing[0] = True
    return SitingProblem(cost, weight, existing, [f"s{j}" for j in range(m)], CUTOFF_S, 2)


def _covered(p: SitingProblem, subset: tuple[int, ...]) -> float:
    mask = p.existing.copy()
    mask[list(subset)] = True
    return float(p.weight[(p.cost_s[:, mask] <= p.cutoff_s).any(axis=1)].sum())


def _weighted_time(p: SitingProblem, subset: tuple[int, ...]) -> float:
    mask = p.existing.copy()
    mask[list(subset)] = True
    cost = np.where(np.isfinite(p.cost_s), p.cost_s, 86_400.0)
    return float((p.weight * cost[:, mask].min(axis=1)).sum())


def _free(p: SitingProblem) -> list[int]:
    return [j for j in range(p.n_candidates) if not p.existing[j]]


@pytest.mark.parametrize("seed", [0, 1, 2, 3])
@pytest.mark.parametrize("k", [1, 2, 3])
def test_mclp_matches_brute_force(seed: int, k: int) -> None:
    """MCLP's optimum equals the best of all k-subsets of new sites, exactly."""
    p = _instance(seed).with_k(k)
    best = max(_covered(p, s) for s in itertools.combinations(_free(p), k))
    result = solve_siting(p, "mclp")
    assert result.objective == best
    assert result.objective == _covered(p, result.chosen_index)
    assert result.status == "optimal" and result.gap == 0.0
    assert result.objective_before == _covered(p, ())
    assert result.greedy_objective <= result.objective


@pytest.mark.parametrize("seed", [0, 1, 2, 3])
@pytest.mark.parametrize("k", [1, 2, 3])
def test_pmedian_matches_brute_force(seed: int, k: int) -> None:
    """p-median's optimum equals the smallest weighted time over all k-subsets."""
    p = _instance(seed).with_k(k)
    best = min(_weighted_time(p, s) for s in itertools.combinations(_free(p), k))
    result = solve_siting(p, "pmedian")
    assert math.isclose(result.objective, best, rel_tol=1e-12)
    assert result.objective_before == _weighted_time(p, ())
    assert result.greedy_objective >= result.objective


def test_pmedian_without_existing_sites_matches_brute_force() -> None:
    """With nothing open yet, p-median still finds the best k-subset."""
    base = _instance(5)
    p = SitingProblem(base.cost_s, base.weight, np.zeros(base.n_candidates, bool),
                      base.site_id, CUTOFF_S, 2)
    best = min(_weighted_time(p, s) for s in itertools.combinations(range(p.n_candidates), 2))
    result = solve_siting(p, "pmedian")
    assert math.isclose(result.objective, best, rel_tol=1e-12)
    assert math.isnan(result.objective_before)


@pytest.mark.parametrize("seed", [0, 1, 2, 3, 4])
def test_lscp_matches_brute_force_and_reports_uncoverable(seed: int) -> None:
    """LSCP needs exactly as many new sites as the smallest covering subset."""
    p = _instance(seed)
    cov = p.cost_s <= p.cutoff_s
    need = cov.any(axis=1) & (p.weight > 0)
    best = next(
        size for size in range(p.n_candidates + 1)
        for s in itertools.combinations(_free(p), size)
        if ((cov[:, p.existing | np.isin(np.arange(p.n_candidates), s)]).any(axis=1)
            | ~need).all()
    )
    result = solve_siting(p, "lscp")
    assert result.objective == best == len(result.chosen)
    assert result.population_uncoverable == float(p.weight[~cov.any(axis=1)].sum())
    # everyone coverable (with people) is covered by kept + chosen
    assert result.after.population_covered == float(p.weight[cov.any(axis=1)].sum())


def test_mclp_beats_greedy_on_the_classic_trap() -> None:
    """Greedy takes the biggest site first and covers 5 of 6; the MILP covers all 6."""
    #            s0 covers b,c,d,e ; s1 covers a,b,c ; s2 covers d,e,f
    cover = np.array([
        [0, 1, 0],  # a
        [1, 1, 0],  # b
        [1, 1, 0],  # c
        [1, 0, 1],  # d
        [1, 0, 1],  # e
        [0, 0, 1],  # f
    ], bool)
    cost = np.where(cover, 600.0, 7200.0)
    p = SitingProblem(cost, np.ones(6), np.zeros(3, bool), ["s0", "s1", "s2"], 900.0, 2)
    result = solve_siting(p, "mclp")
    assert result.chosen == ("s1", "s2")
    assert result.objective == 6.0
    assert result.greedy_chosen[0] == "s0"
    assert result.greedy_objective == 5.0


def test_existing_sites_are_kept_and_counted_before() -> None:
    """Kept offices count in objective_before; new sites only add what they newly cover."""
    cost = np.array([[100.0, 5000.0, 5000.0],
                     [5000.0, 100.0, 5000.0],
                     [5000.0, 5000.0, 100.0]])
    p = SitingProblem(cost, [10.0, 20.0, 30.0], [True, False, False], ["old", "a", "b"],
                      600.0, 1)
    result = solve_siting(p, "mclp")
    assert result.kept == ("old",)
    assert result.chosen == ("b",)
    assert (result.objective_before, result.objective) == (10.0, 40.0)
    assert "old" not in result.chosen


def test_k_larger_than_candidates_opens_all_and_says_so() -> None:
    """Asking for more new sites than there are candidates opens them all, with a note."""
    cost = np.array([[100.0, 200.0], [300.0, 100.0]])
    p = SitingProblem(cost, [1.0, 1.0], [False, False], ["a", "b"], 150.0, 5)
    result = solve_siting(p, "mclp")
    assert set(result.chosen) == {"a", "b"}
    assert result.objective == 2.0
    assert any("only 2 candidates" in m for m in result.messages)


def test_all_unreachable_gives_empty_choice_with_message() -> None:
    """When no candidate reaches anyone, nothing is chosen and LSCP reports everyone."""
    cost = np.full((3, 2), np.inf)
    p = SitingProblem(cost, [5.0, 6.0, 7.0], [False, False], ["a", "b"], 1800.0, 1)
    mclp = solve_siting(p, "mclp")
    assert mclp.chosen == () and mclp.objective == 0.0 and mclp.status == "trivial"
    assert any("improve the objective" in m for m in mclp.messages)
    lscp = solve_siting(p, "lscp")
    assert lscp.chosen == () and lscp.population_uncoverable == 18.0
    assert any("18 people" in m for m in lscp.messages)


def test_empty_candidate_list_is_an_input_error() -> None:
    """A problem without candidate columns is refused with the fix in the message."""
    with pytest.raises(InputError, match="no candidate sites"):
        SitingProblem(np.zeros((3, 0)), [1.0, 2.0, 3.0], np.zeros(0, bool), [], 1800.0, 1)


def test_bad_inputs_are_all_reported_at_once() -> None:
    """NaN times, negative weights, duplicate ids and a zero cutoff are collected together."""
    cost = np.array([[np.nan, 1.0], [2.0, 3.0]])
    with pytest.raises(InputError) as info:
        SitingProblem(cost, [1.0, -1.0], [False, False], ["a", "a"], 0.0, 1)
    columns = {p.column for p in info.value.problems}
    assert columns == {"cost_s", "weight", "site_id", "cutoff_s"}


def test_unknown_model_is_an_input_error() -> None:
    """An unknown model name lists the models available."""
    p = _instance(0)
    with pytest.raises(InputError, match="mclp, pmedian, lscp"):
        solve_siting(p, "pcenter")


def test_npz_round_trip_resolves_to_same_answer(tmp_path: Path) -> None:
    """The exported .npz holds the six arrays and re-solves to the same optimum."""
    p = _instance(3).with_k(2)
    path = p.to_npz(tmp_path / "problem.npz")
    with np.load(path) as data:
        assert sorted(data.files) == sorted(
            ["cost_s", "weight", "existing", "site_id", "cutoff_s", "k"])
        assert np.isinf(data["cost_s"]).sum() == np.isinf(p.cost_s).sum()
    q = SitingProblem.from_npz(path)
    assert np.array_equal(q.cost_s, p.cost_s) and q.k == 2 and q.cutoff_s == CUTOFF_S
    assert solve_siting(q, "mclp").objective == solve_siting(p, "mclp").objective


def test_npz_missing_array_is_an_input_error(tmp_path: Path) -> None:
    """A .npz without the weight array is refused, naming the missing array."""
    path = tmp_path / "bad.npz"
    np.savez(path, cost_s=np.ones((2, 2)))
    with pytest.raises(InputError, match="'weight' is missing"):
        SitingProblem.from_npz(path)


def test_score_sites_what_if() -> None:
    """Scoring a hand-picked set gives coverage, mean time and nearest site directly."""
    cost = np.array([[100.0, 900.0], [800.0, 200.0], [np.inf, np.inf]])
    p = SitingProblem(cost, [1.0, 3.0, 2.0], [True, False], ["old", "new"], 300.0, 1)
    before = score_sites(p)
    assert before.population_covered == 1.0 and before.population_unreached == 2.0
    assert before.mean_time_s == (1 * 100 + 3 * 800) / 4
    after = score_sites(p, ["old", "new"])
    assert after.population_covered == 4.0
    assert after.nearest.tolist() == [0, 1, -1]
    assert after.weighted_time_s == 100 + 3 * 200 + 2 * 86_400
    with pytest.raises(InputError, match="'nowhere' is not a candidate"):
        score_sites(p, ["nowhere"])


def test_result_summary_and_dict() -> None:
    """The result is frozen, summarises itself and serialises to plain JSON types."""
    result = solve_siting(_instance(1).with_k(1), "mclp")
    with pytest.raises(AttributeError):
        result.objective = 0.0  # type: ignore[misc]
    assert "Siting (mclp, 25 min" in result.summary()
    d = result.to_dict()
    assert d["chosen"] == list(result.chosen) and d["gap"] == 0.0


def _spopt_instance() -> SitingProblem:
    rng = np.random.default_rng(42)
    n, m = 40, 12
    cost = rng.uniform(120, 4000, (n, m)).round()
    weight = rng.integers(1, 500, n).astype(float)
    existing = np.zeros(m, bool)
    existing[[0, 5]] = True
    return SitingProblem(cost, weight, existing, [f"c{j}" for j in range(m)], 1200.0, 3)


@pytest.mark.filterwarnings("ignore::DeprecationWarning")
def test_cross_check_with_spopt() -> None:
    """spopt (PuLP + CBC) reaches the same MCLP, p-median and LSCP optima."""
    pulp = pytest.importorskip("pulp")
    locate = pytest.importorskip("spopt.locate")
    p = _spopt_instance()
    solver = pulp.PULP_CBC_CMD(msg=False)
    n_open = p.k + int(p.existing.sum())

    ours = solve_siting(p, "mclp")
    theirs = locate.MCLP.from_cost_matrix(
        p.cost_s, p.weight, service_radius=p.cutoff_s, p_facilities=n_open,
        predefined_facilities_arr=p.existing.astype(int)).solve(solver)
    assert ours.objective == pytest.approx(pulp.value(theirs.problem.objective), abs=1e-6)

    ours_pm = solve_siting(p, "pmedian")
    theirs_pm = locate.PMedian.from_cost_matrix(
        p.cost_s, p.weight, p_facilities=n_open,
        predefined_facilities_arr=p.existing.astype(int)).solve(solver)
    assert ours_pm.objective == pytest.approx(pulp.value(theirs_pm.problem.objective),
                                              rel=1e-9)

    ours_l = solve_siting(p, "lscp")
    theirs_l = locate.LSCP.from_cost_matrix(
        p.cost_s, service_radius=p.cutoff_s,
        predefined_facilities_arr=p.existing.astype(int)).solve(solver)
    n_theirs = round(pulp.value(theirs_l.problem.objective)) - int(p.existing.sum())
    assert ours_l.objective == n_theirs


# --------------------------------------------------------------------------- adapter, Kon Tum

import networkx as nx  # noqa: E402
import shapely  # noqa: E402

from data import layers  # noqa: E402
from data.offices import default_offices  # noqa: E402
from data.settings import Settings  # noqa: E402
from geo.coverage import AccessNetwork, access_surface  # noqa: E402
from geo.siting import (  # noqa: E402
    candidate_sites,
    evaluate_sites,
    site_new_posts,
    siting_problem,
)


@pytest.fixture(scope="module")
def kontum_net(proxy_network: nx.MultiDiGraph) -> AccessNetwork:
    return AccessNetwork.build(proxy_network)


def test_candidate_sources(settings: Settings) -> None:
    """Commune points, OSM village halls and populous cells become candidates with ids."""
    communes = candidate_sites(settings, "communes")
    assert len(communes) == 102 and communes["site_id"].is_unique
    assert communes["source"].value_counts().to_dict() == {"geocoded": 92, "estimated": 10}
    halls = candidate_sites(settings, "halls")
    assert len(halls) == 21 and set(halls["source"]) == {"osm"}
    grid = layers.load_population_grid(settings)
    cells = candidate_sites(settings, "cells", cell_min_people=500)
    assert len(cells) == int((grid["population"] >= 500).sum())
    with pytest.raises(InputError, match="communes, halls, cells"):
        candidate_sites(settings, "schools")


def test_commune_candidates_lie_inside_their_communes(settings: Settings) -> None:
    """Every commune candidate is inside its own commune; Ia Dom's is no longer 35 km out."""
    cand = candidate_sites(settings, "communes")
    polys = layers.load_communes(settings).set_index("commune_code").loc[cand["commune_code"]]
    assert shapely.contains_xy(polys.geometry.values, cand.geometry.x.to_numpy(),
                               cand.geometry.y.to_numpy()).all()
    ia_dom = cand.set_index("site_id").loc["commune-23537"]
    assert ia_dom["source"] == "estimated"
    assert (round(ia_dom.geometry.y, 6), round(ia_dom.geometry.x, 6)) != (14.517883, 107.858387)


def test_siting_on_kontum(kontum_net: AccessNetwork, settings: Settings) -> None:
    """The cost matrix agrees with the access surface, and the MILP beats brute force."""
    offices = default_offices(settings)
    existing = offices[offices["kind"] == "post_office"]
    cells = layers.load_population_grid(settings)
    cand = candidate_sites(settings, "communes")
    cand = cand[cand["name"].str.startswith("Xã Đăk")].head(8)  # 8 rural candidates
    problem, sites = siting_problem(kontum_net, cells, cand, existing, minutes=45, k=2)
    assert problem.cost_s.shape == (len(cells), len(existing) + 8)
    assert list(sites["existing"]) == [True] * len(existing) + [False] * 8
    # existing columns: the minimum equals the one-search access surface
    surf = access_surface(kontum_net, existing, cells)
    np.testing.assert_allclose(problem.cost_s[:, problem.existing].min(axis=1),
                               surf.cells["travel_time_s"], rtol=0, atol=1e-6)
    plan = site_new_posts(kontum_net, cells, cand, existing, k=2, minutes=45)
    free = [j for j in range(problem.n_candidates) if not problem.existing[j]]
    best = max(_covered(problem, s) for s in itertools.combinations(free, 2))
    assert plan.result.objective == pytest.approx(best, rel=1e-12)
    assert plan.result.optimal and len(plan.chosen_sites) == len(plan.result.chosen)
    assert "PROXY" in plan.summary()
    # what-if: the multi-source score of kept + chosen equals the matrix score
    open_sites = sites[sites["existing"] | sites["site_id"].isin(plan.result.chosen)]
    quick = evaluate_sites(kontum_net, cells, open_sites, minutes=45)
    assert quick.population_covered == pytest.approx(plan.result.after.population_covered,
                                                     rel=1e-12)
    assert quick.mean_time_s == pytest.approx(plan.result.after.mean_time_s, rel=1e-9)


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("k", [2, 4])
def test_pmedian_cuts_equal_the_compact_formulation_and_brute_force(seed: int, k: int) -> None:
    """Radius cuts, the compact radius MILP and enumeration agree (ties and unreachable too)."""
    from geo.siting.greedy import greedy_choice
    from geo.siting.pmedian import solve_pmedian, solve_pmedian_compact

    rng = np.random.default_rng(100 + seed)
    n, m = 80, 18
    cost = rng.choice([300.0, 600.0, 900.0, 1200.0, 2400.0], (n, m))  # many ties
    cost[rng.random((n, m)) < 0.1] = np.inf
    existing = np.zeros(m, bool)
    existing[: seed % 3] = True  # 0, 1 or 2 offices kept
    p = SitingProblem(cost, rng.integers(1, 50, n).astype(float), existing,
                      [f"s{j}" for j in range(m)], CUTOFF_S, k)
    best = min(_weighted_time(p, s) for s in itertools.combinations(_free(p), k))
    start = greedy_choice(p, "pmedian", k, 86_400.0)
    cut_cols, status, gap = solve_pmedian(p, k, 86_400.0, 60.0, 0.0, start)
    assert status == "optimal" and gap == 0.0
    assert math.isclose(_weighted_time(p, tuple(cut_cols)), best, rel_tol=1e-12)
    compact_cols, status_c, _ = solve_pmedian_compact(p, k, 86_400.0, 60.0, 0.0, start)
    assert status_c == "optimal"
    assert math.isclose(_weighted_time(p, tuple(compact_cols)), best, rel_tol=1e-12)


def test_pmedian_cuts_prove_optimality_from_a_poor_start() -> None:
    """From the worst start the integer rounds still reach and prove the optimum."""
    from geo.siting.pmedian import solve_pmedian

    p = _instance(7, n=40, m=12).with_k(3)
    free = _free(p)
    worst = max(itertools.combinations(free, 3), key=lambda s: _weighted_time(p, s))
    best = min(_weighted_time(p, s) for s in itertools.combinations(free, 3))
    cols, status, gap = solve_pmedian(p, 3, 86_400.0, 60.0, 0.0, list(worst),
                                      improve_start=False)
    assert status == "optimal" and gap == 0.0
    assert math.isclose(_weighted_time(p, tuple(cols)), best, rel_tol=1e-12)
