"""Issue 14: rules first, the weights behind a choice, a set of pilots, weight codes (hand-derived checks)."""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest

from nexus_zones import decision, score
from nexus_zones.score import Pillar, Structure


# --------------------------------------------------------------------------- the weights behind a choice

# Three units, indicators a, b (config weights 0.75, 0.25) and c (weight 0: it stays 0).
VALUES = np.array([
    [1.0, 0.0, 0.0],  # U1: 0.75·1 + 0.25·0 = 0.75
    [0.5, 1.0, 1.0],  # U2: 0.75·0.5 + 0.25·1 = 0.625
    [0.0, 0.4, 0.0],  # U3: 0.25·0.4 = 0.1
])
W0 = np.array([0.75, 0.25, 0.0])
FLAT = Structure(("a", "b", "c"))


def test_closest_weights_on_three_units_equal_the_derivation():
    # U2 first needs (v2 − v1)·w ≥ 0: −0.5·w_a + 1·w_b ≥ 0, and (v2 − v3)·w = 0.5·w_a + 0.6·w_b ≥ 0 always;
    # with w_a + w_b = 1 (w_c stays 0): w_b ≥ 1/3. Closest in L1: w = (2/3, 1/3, 0), distance 2·(1/3 − 1/4) = 1/6.
    found = decision.closest_weights_lp(VALUES, W0, 1, np.array([0, 2]))
    assert found.status == "found"
    assert found.weights == pytest.approx([2 / 3, 1 / 3, 0.0], abs=1e-9)
    assert found.distance_l1 == pytest.approx(2 * (1 / 3 - 1 / 4))
    assert found.weight_moved == pytest.approx(1 / 3 - 1 / 4)
    # the share of the weight space: w_a uniform on 0–1, U2 first when w_a ≤ 2/3
    share = decision.share_first(VALUES, W0, FLAT, 1, np.array([0, 2]), seed=7, draws=4000)
    assert share == pytest.approx(2 / 3, abs=4 * np.sqrt(2 / 9 / 4000))
    # U1 is first already; U3 never is (U2 beats it on a and b alike)
    assert decision.closest_weights_lp(VALUES, W0, 0, np.array([1, 2])).status == "already_first"
    assert decision.closest_weights_lp(VALUES, W0, 2, np.array([0, 1])).status == "impossible"
    assert decision.share_first(VALUES, W0, FLAT, 2, np.array([0, 1]), seed=7, draws=500) == 0.0


@pytest.mark.parametrize("aggregation", ["geometric", "topsis"])
def test_closest_weights_search_matches_a_fine_grid(aggregation):
    structure = Structure(("a", "b", "c"), aggregation)
    values = VALUES.copy()
    values[0, 1] = 0.2  # U1 not nil on b, so that the geometric mean does not sink it: U1 first with the config's weights
    found = decision.closest_weights_search(values, W0, structure, 1, np.array([0, 2]), seed=3, draws=1000)
    # independent: every w_a on a grid of step 1e-5 (w_b = 1 − w_a), scored by the model's kernel
    grid = np.linspace(0, 1, 100_001)
    w = np.vstack([grid, 1 - grid, np.zeros_like(grid)])
    s = score.composite(values, w, None, structure)[0]
    ok = s[1] >= s[[0, 2]].max(axis=0) - 1e-9
    assert not ok[75_000]  # not first with the config's weights
    best = np.abs(grid[ok] - 0.75).min() * 2
    assert found.status == "found"
    assert decision.is_first(values, found.weights, structure, 1, np.array([0, 2]))
    assert found.distance_l1 == pytest.approx(best, abs=1e-4)
    assert found.weights[2] == 0.0


def test_pillars_move_effective_weights_within_the_fixed_structure():
    structure = Structure(("a", "b", "c"), "arithmetic", (Pillar("p", ("a", "b"), 0.5), Pillar("q", ("c",), 0.5)))
    inner, outer = decision.effective_to_structure(np.array([0.3, 0.1, 0.6]), structure)
    assert inner[:, 0] == pytest.approx([0.75, 0.25, 1.0]) and outer[:, 0] == pytest.approx([0.4, 0.6])
    assert decision.linear_in_weights(structure)
    assert not decision.linear_in_weights(Structure(("a", "b", "c"), "arithmetic", (Pillar("p", ("a", "b"), 0.5, "geometric"), Pillar("q", ("c",), 0.5))))


def test_weights_behind_choices_table_national_and_region_and_rules():
    norm = pd.DataFrame(VALUES, index=["U1", "U2", "U3"], columns=["a", "b", "c"])
    ranked = pd.Series(True, index=norm.index)
    regions = pd.Series(["N", "N", "S"], index=norm.index)
    table = decision.weights_behind_choices(norm, {"a": 0.75, "b": 0.25, "c": 0.0}, FLAT, ranked=ranked, regions=regions, units=["U2", "U3"], seed=1, draws=200)
    row = table.set_index(["unit_id", "scope"])
    assert row.loc[("U2", "national"), "closest_b"] == pytest.approx(1 / 3)
    assert row.loc[("U2", "region"), "distance_l1"] == pytest.approx(1 / 6)  # U1 is in its region too
    assert row.loc[("U3", "region"), "status"] == "already_first"  # alone in S
    assert row.loc[("U3", "national"), "status"] == "impossible"
    failed = pd.Series([0, 1, 0], index=norm.index)
    blocked = decision.weights_behind_choices(norm, {"a": 0.75, "b": 0.25, "c": 0.0}, FLAT, ranked=ranked, regions=regions, units=["U2"], failed=failed,
                                              draws=100).set_index("scope")
    assert blocked.loc["national", "status"] == "blocked_by_rules" and blocked.loc["national", "share_first"] == 0.0


# ------------------------------------------------------------------------------- a set of pilots

SIX = pd.Series({"A": 90.0, "B": 85.0, "C": 70.0, "D": 64.0, "E": 61.0, "F": 40.0})
SIX_REGIONS = pd.Series({"A": "N", "B": "N", "C": "N", "D": "S", "E": "S", "F": "E"})
SIX_COST = pd.Series({"A": 5.0, "B": 3.0, "C": 2.0, "D": 4.0, "E": 1.0, "F": 1.0})


def _brute(objective, regions, c: "decision.PilotConstraints") -> list[tuple[float, tuple[str, ...]]]:
    out = []
    close = {frozenset(p) for p in c.too_close}
    for combo in itertools.combinations(objective.index, c.k):
        counts = regions[list(combo)].value_counts().reindex(sorted(set(regions)), fill_value=0)
        if (counts < c.region_min).any() or (c.region_max is not None and (counts > c.region_max).any()):
            continue
        if c.budget is not None and c.cost[list(combo)].sum() > c.budget:
            continue
        if any(frozenset(p) in close for p in itertools.combinations(combo, 2)):
            continue
        out.append((float(objective[list(combo)].sum()), combo))
    return sorted(out, key=lambda x: -x[0])


@pytest.mark.parametrize("constraints", [
    decision.PilotConstraints(k=3),
    decision.PilotConstraints(k=3, region_min=1),
    decision.PilotConstraints(k=3, region_max=1),
    decision.PilotConstraints(k=3, cost=SIX_COST, budget=8.0),
    decision.PilotConstraints(k=3, too_close=(("A", "B"), ("C", "D"))),
    decision.PilotConstraints(k=4, region_min=1, region_max=2, cost=SIX_COST, budget=11.0, too_close=(("A", "C"),)),
])
def test_pilot_set_on_six_units_equals_brute_force(constraints):
    got = decision.choose_pilots(SIX, SIX_REGIONS, constraints, alternatives=3)
    brute = _brute(SIX, SIX_REGIONS, constraints)
    assert [s.objective for s in got] == pytest.approx([b[0] for b in brute[:4]])
    assert set(got[0].units) == set(brute[0][1])
    assert got[1].gap == pytest.approx(brute[0][0] - brute[1][0])
    assert set(got[1].added) == set(brute[1][1]) - set(brute[0][1])


def test_binding_constraints_are_those_whose_removal_gives_a_better_set():
    got = decision.choose_pilots(SIX, SIX_REGIONS, decision.PilotConstraints(k=3, region_max=1, cost=SIX_COST, budget=100.0), alternatives=0)
    assert got[0].units == ("A", "D", "F") and got[0].binding == ("region_max",)  # the budget is far from binding
    assert decision.choose_pilots(SIX, SIX_REGIONS, decision.PilotConstraints(k=3, region_min=2)) == []  # E has one unit


def test_pairs_closer_than_uses_geodesic_km():
    centroids = pd.DataFrame({"lon": [0.0, 0.0, 1.0], "lat": [0.0, 0.9, 0.0]}, index=["P", "Q", "R"])
    # one degree of latitude at the equator is 110.574 km (WGS84); of longitude 111.320 km
    assert decision.pairs_closer_than(centroids, 100.0) == [("P", "Q")]
    assert decision.pairs_closer_than(centroids, 111.0) == [("P", "Q")]
    assert ("P", "R") in decision.pairs_closer_than(centroids, 111.4)


# ------------------------------------------------------------------------------------ weight codes


def test_weight_codes_round_trip_and_pool():
    code = decision.encode_weights({"incidents": 3, "health": 1}, {"security": 2}, label="OCHA")
    assert code.startswith("nz1.") and "=" not in code
    back = decision.decode_weights(code)
    assert back == {"weights": {"incidents": 3.0, "health": 1.0}, "pillar_weights": {"security": 2.0}, "label": "OCHA"}
    with pytest.raises(ValueError, match="nz1"):
        decision.decode_weights("eyJ3Ijp7fX0")
    with pytest.raises(ValueError, match="cut or altered"):
        decision.decode_weights(code[:-7] + "!!")
    pooled = decision.pool_weights([{"a": 3, "b": 1}, {"a": 1, "b": 1}, {"a": 0, "b": 2}], ["a", "b"], "mean")
    assert pooled == pytest.approx({"a": (0.75 + 0.5 + 0.0) / 3, "b": (0.25 + 0.5 + 1.0) / 3})
    assert decision.pool_weights([{"a": 3, "b": 1}, {"a": 1, "b": 1}, {"a": 0, "b": 2}], ["a", "b"], "median") == pytest.approx({"a": 0.5, "b": 0.5})


# ------------------------------------------------------------------------------ The closest weights are always verified by re-scoring: an LP optimum that fails it gives way to the search


def test_an_lp_optimum_failing_the_rescoring_gives_way_to_the_verified_search(monkeypatch) -> None:
    # VALUES and W0 as above: U2 first needs w_b ≥ 1/3
    # the solver answers weights that leave U1 first (as a tie left unresolved by its tolerance could):
    # the run does not stop on an internal error, it takes the seeded search, checked at every step
    monkeypatch.setattr(decision, "closest_weights_lp", lambda *a, **k: decision.ClosestWeights(W0.copy(), 0.0, "lp", "found"))
    index = pd.Index(["U1", "U2", "U3"])
    row = decision._one_choice("U2", "national", index, VALUES, W0, Structure(("a", "b", "c")), np.zeros(3), np.array(["R"] * 3), 2018, 2000)
    assert row["status"] == "found" and "search" in row["method"]
    assert decision.is_first(VALUES, row["_w"], Structure(("a", "b", "c")), 1, np.array([0, 2]))
    # the search finds the exact optimum's neighbourhood: w_b just above 1/3, L1 distance near 2·(1/3 − 1/4) = 1/6
    assert row["distance_l1"] == pytest.approx(1 / 6, abs=0.01)


@pytest.mark.parametrize("constraints, why", [
    (decision.PilotConstraints(k=7), "only 6 candidates for 7 pilots"),
    (decision.PilotConstraints(k=3, region_min=2), "pilots.region_min = 2 in every region with a candidate (dropping it gives a set)"),
    (decision.PilotConstraints(k=3, cost=SIX_COST, budget=1.0), "pilots.budget = 1 (the 3 cheapest candidates cost "),
])
def test_an_infeasible_request_names_the_constraint_brute_force_agrees(constraints, why):
    assert decision.choose_pilots(SIX, SIX_REGIONS, constraints) == [] and _brute(SIX, SIX_REGIONS, constraints) == []
    assert decision.infeasible_why(SIX, SIX_REGIONS, constraints).startswith(why)
    if constraints.budget is not None:
        cheapest = float(np.sort(SIX_COST.to_numpy())[:3].sum())
        assert f"cost {cheapest:g})" in decision.infeasible_why(SIX, SIX_REGIONS, constraints) and cheapest > 1.0


def test_a_search_that_finds_no_weights_claims_nothing_impossible():
    # U3 is never first (U2 beats it on every indicator): the LP proves it; the search only fails to find weights
    geometric = Structure(("a", "b", "c"), aggregation="geometric")
    found = decision.closest_weights_search(VALUES + 0.01, W0, geometric, 2, np.array([0, 1]), seed=3, draws=200)
    assert found.status == "not_found" and found.weights is None and "an upper bound" in found.method
    assert decision.closest_weights_lp(VALUES, W0, 2, np.array([0, 1])).status == "impossible"


def test_a_code_of_all_zero_weights_is_refused():
    with pytest.raises(ValueError, match="at least one weight above 0; this one gives 0 to every indicator"):
        decision.decode_weights(decision.encode_weights({"a": 0.0, "b": 0}))
    assert decision.decode_weights(decision.encode_weights({"a": 0.0, "b": 2}))["weights"] == {"a": 0.0, "b": 2.0}
