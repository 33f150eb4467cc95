"""Siting never crashes on degenerate matrices: it solves, or reports what is wrong."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from robustness import check_problems

from data.errors import InputError
from geo.siting import MODELS, SitingProblem, score_sites, solve_siting


def test_empty_candidate_list_is_reported() -> None:
    """No candidate site at all is an InputError saying how to add candidates."""
    with pytest.raises(InputError, match="no candidate sites"):
        SitingProblem(np.zeros((3, 0)), np.ones(3), np.zeros(0, bool), np.array([], str),
                      1800.0, 1)


def test_every_problem_of_a_bad_problem_is_listed() -> None:
    """NaN times, negative weights, duplicate ids and a zero cutoff are reported together."""
    cost = np.array([[np.nan, 10.0], [5.0, 7.0]])
    with pytest.raises(InputError) as err:
        SitingProblem(cost, np.array([1.0, -2.0]), np.array([False, False]),
                      np.array(["a", "a"]), 0.0, 1)
    assert [p.column for p in err.value.problems] == ["cost_s", "weight", "site_id", "cutoff_s"]


@pytest.mark.parametrize("model", MODELS)
def test_nobody_can_reach_any_site(model: str) -> None:
    """A disconnected network (every time inf) solves and reports zero coverage."""
    problem = SitingProblem(np.full((4, 3), np.inf), np.array([10.0, 20.0, 0.0, 5.0]),
                            np.zeros(3, bool), np.array(["s1", "s2", "s3"]), 1800.0, 2)
    result = solve_siting(problem, model, time_limit_s=10)
    lines = result.summary().splitlines()
    assert lines[0] == f"Siting ({model}, 30 min, 4 demand points, 3 candidates, 0 kept open)"
    assert lines[1] == "  chosen (0): -"
    assert "  covered within 30 min: 0.0% -> 0.0%" in lines
    assert {"mclp": "  people within 30 min: 0 before -> 0 after (+0)",
            "pmedian": "  mean travel time: unreachable before -> unreachable after "
                       "(no site open)",
            "lscp": "  people no candidate covers within 30 min: 35"}[model] in lines
    assert result.after.population_covered == 0
    assert result.after.population_unreached == 35.0
    assert score_sites(problem, list(result.chosen)).population_covered == 0


@pytest.mark.parametrize("model", MODELS)
def test_duplicate_sites_at_one_place(model: str) -> None:
    """Three candidates with identical columns (same coordinates) solve without error."""
    col = np.array([[100.0], [4000.0], [900.0]])
    problem = SitingProblem(np.hstack([col, col, col]), np.array([5.0, 7.0, 9.0]),
                            np.zeros(3, bool), np.array(["a", "b", "c"]), 1800.0, 1)
    result = solve_siting(problem, model, time_limit_s=10)
    lines = result.summary().splitlines()
    assert lines[1] == "  chosen (1): a"
    assert "  covered within 30 min: 0.0% -> 66.7%" in lines
    assert {"mclp": "  people within 30 min: 0 before -> 14 after (+14)",
            "pmedian": "  mean travel time: unreachable before -> 29.0 min after "
                       "(weighted 36,600 person-s)",
            "lscp": "  new sites needed: 1; greedy needs 1"}[model] in lines


@st.composite
def problems(draw: st.DrawFn) -> tuple[SitingProblem, str]:
    n_demand = draw(st.integers(0, 6))
    n_cand = draw(st.integers(1, 5))
    cells = st.one_of(st.just(math.inf), st.just(0.0), st.floats(0, 7200))
    cost = np.array(draw(st.lists(st.lists(cells, min_size=n_cand, max_size=n_cand),
                                  min_size=n_demand, max_size=n_demand)),
                    dtype=float).reshape(n_demand, n_cand)
    weight = np.array(draw(st.lists(st.sampled_from([0.0, 1.0, 250.5, 1e6]),
                                    min_size=n_demand, max_size=n_demand)), dtype=float)
    existing = np.array(draw(st.lists(st.booleans(), min_size=n_cand, max_size=n_cand)))
    ids = np.array([f"site{i}" for i in range(n_cand)])
    k = draw(st.integers(0, 7))
    return SitingProblem(cost, weight, existing, ids, 1800.0, k), draw(st.sampled_from(MODELS))


@settings(max_examples=40, deadline=None)
@given(case=problems())
def test_random_degenerate_problems_solve_or_report(case: tuple[SitingProblem, str]) -> None:
    """Zero demand, all sites open, k larger than the candidates, unreachable rows: no crash."""
    problem, model = case
    try:
        result = solve_siting(problem, model, time_limit_s=5)
    except InputError as exc:
        check_problems(exc)
        return
    head = (f"Siting ({model}, 30 min, {problem.n_demand} demand points, "
            f"{problem.n_candidates} candidates, {int(problem.existing.sum())} kept open)")
    summary = result.summary()
    assert summary.splitlines()[0] == head
    assert f"  chosen ({len(result.chosen)}): {', '.join(result.chosen) or '-'}" in summary
    assert f"  status {result.status}, gap " in summary
    data = result.to_dict()
    assert (data["model"], data["chosen"], data["status"]) == (model, list(result.chosen),
                                                               result.status)
