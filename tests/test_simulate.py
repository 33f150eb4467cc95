"""Tests of the simulated Kon Tum day and the adapter door on the real proxy network."""

from __future__ import annotations

import collections

import numpy as np
import pytest
from pyproj import Transformer
from scipy.spatial import cKDTree
from scipy.stats import spearmanr

from routing.adapter import plan_day
from routing.model import PlanSettings, hm
from routing.simulate import (
    MIN_CELL_POPULATION,
    default_couriers,
    simulate_jobs,
)


@pytest.fixture(scope="module")
def offices(settings):
    from data.offices import default_offices

    return default_offices(settings)


def test_seed_reproduces_and_everything_is_labelled_simulated(settings, offices):
    """The same seed gives the same jobs; every job and label says it is simulated."""
    a = simulate_jobs(settings, n_jobs=60, plan_date="2026-11-25", seed=4, offices=offices)
    b = simulate_jobs(settings, n_jobs=60, plan_date="2026-11-25", seed=4, offices=offices)
    c = simulate_jobs(settings, n_jobs=60, plan_date="2026-11-25", seed=5, offices=offices)
    assert a == b and a != c
    assert len(a) == 60
    assert {j.source for j in a} == {"simulated"}
    for j in a:
        for _, v in j.visits:
            if v.office_id is None:
                assert "mô phỏng" in v.label


def test_addresses_in_populated_cells_and_shops_of_their_commune(settings, offices):
    """Addresses lie inside a populated WorldPop cell; the shop is in the same commune."""
    from data.layers import load_communes, load_population_grid

    jobs = simulate_jobs(settings, n_jobs=150, plan_date="2026-11-25", seed=1, offices=offices)
    grid = load_population_grid(settings)
    grid = grid[grid["population"] >= MIN_CELL_POPULATION]
    tr = Transformer.from_crs(4326, settings.metric_crs, always_xy=True)
    cx, cy = tr.transform(grid.geometry.x.to_numpy(), grid.geometry.y.to_numpy())
    tree = cKDTree(np.column_stack([cx, cy]))
    names = dict(zip(load_communes(settings)["commune_code"],
                     load_communes(settings)["name"], strict=True))
    shop_commune = dict(zip(offices["office_id"], offices["commune_code"], strict=True))
    for j in jobs:
        for _, v in j.visits:
            if v.office_id is None and not v.approximate:
                x, y = tr.transform(v.lon, v.lat)
                dist, _ = tree.query([x, y])
                assert dist <= 750  # within the cell (half diagonal ~707 m)
        if j.kind in ("dossier_pickup", "result_delivery"):
            addr = j.pickup if j.kind == "dossier_pickup" else j.delivery
            shop = (j.delivery if j.kind == "dossier_pickup" else j.pickup).office_id
            if shop != "oss-province":
                assert names[shop_commune[shop]] in addr.label
                assert addr.commune_code == shop_commune[shop]  # the commune it was drawn in


def test_volume_follows_population(settings, offices):
    """Jobs per commune follow the 2019 census population (rank correlation above 0.8)."""
    from data.layers import load_communes

    communes = load_communes(settings)
    jobs = simulate_jobs(settings, n_jobs=2000, plan_date="2026-11-25", seed=2, offices=offices)
    counts = collections.Counter()
    for j in jobs:
        for _, v in j.visits:
            if v.office_id is None:
                counts[v.label.split(" — ")[1].replace(" (mô phỏng)", "")] += 1
    pop = communes.groupby("name")["population"].sum()
    names = list(pop.index)
    rho = spearmanr(pop[names].to_numpy(), [counts.get(n, 0) for n in names]).statistic
    assert rho > 0.8
    kinds = collections.Counter(j.kind for j in jobs)
    assert kinds["result_delivery"] > kinds["dossier_pickup"] > kinds["counter_transfer"] > 0


def test_plan_day_on_proxy_network(settings, offices, proxy_network):
    """A small simulated day plans on the proxy network, with geometry and closure respected."""
    jobs = simulate_jobs(settings, n_jobs=25, plan_date="2026-11-25", seed=3, offices=offices)
    couriers = default_couriers(offices, 6)
    plan = plan_day(jobs, couriers, offices, proxy_network,
                    plan_settings=PlanSettings(seconds=2, seed=0, plan_date="2026-11-25"),
                    provenance="simulated")
    assert plan.network_kind == "proxy" and plan.provenance == "simulated"
    assert plan.feasible
    assert plan.jobs_assigned + len(plan.unassigned) == 25
    assert plan.jobs_assigned >= 15
    for r in plan.routes:
        assert r.office_id.startswith(("po-", "osm-node"))
        assert len(r.geometry) == len(r.stops) - 1
        assert all(len(leg) >= 2 for leg in r.geometry)
        for s in r.job_stops:
            if s.office_id is not None:
                assert s.start_s + s.service_s <= hm("11:30") or s.start_s >= hm("13:30")
    assert dict(plan.input_hashes)["network"]
    assert dict(plan.input_hashes)["speed_table"].startswith("default v0 (sha256 ")
