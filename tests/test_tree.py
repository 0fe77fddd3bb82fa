"""The model tree: each node rule and missing policy against a hand calculation, a 3-level tree to
1e-12, draws equal to single evaluations, and the validation of a tree's shape."""

from __future__ import annotations

import math

import numpy as np
import pytest

from nexus_zones.errors import ConfigError
from nexus_zones.tree import Node, build_tree, combine, evaluate


def one(x, w, rule, missing="exclude", **kw):
    """``combine`` for one draw: x is units × children, w one weight per child."""
    x = np.asarray(x, dtype=float)[:, :, None]
    w = np.asarray(w, dtype=float)[:, None]
    return combine(x, w, rule, missing, **kw)[:, 0]


# ----------------------------------------------------------------------------- each rule by hand


def test_arithmetic_is_the_weighted_mean():
    assert one([[0.2, 0.8]], [1, 3], "arithmetic")[0] == pytest.approx(0.2 * 1 / 4 + 0.8 * 3 / 4, abs=1e-15)


def test_geometric_without_offset_is_the_textbook_mean():
    assert one([[0.25, 1.0]], [1, 1], "geometric", offset=0.0)[0] == pytest.approx(math.sqrt(0.25 * 1.0), abs=1e-15)
    assert one([[0.0, 1.0]], [1, 1], "geometric", offset=0.0)[0] == 0.0  # a 0 wipes the node out


def test_geometric_with_offset_maps_to_and_back():
    f = 0.01
    expected = ((f + (1 - f) * 0.25) ** 0.5 * (f + (1 - f) * 1.0) ** 0.5 - f) / (1 - f)
    assert one([[0.25, 1.0]], [1, 1], "geometric", offset=f)[0] == pytest.approx(expected, abs=1e-15)


def test_reversed_geometric_is_informs_formula_on_its_0_to_10_scale():
    # INFORM, two children 6 and 3 (0–10): 10 − ((((10−6)/10·9+1)·((10−3)/10·9+1))^(1/2) − 1)/9·10
    inform = 10 - ((((10 - 6) / 10 * 9 + 1) * ((10 - 3) / 10 * 9 + 1)) ** 0.5 - 1) / 9 * 10
    assert one([[0.6, 0.3]], [1, 1], "reversed_geometric")[0] * 10 == pytest.approx(inform, abs=1e-12)
    assert inform == pytest.approx(4.672416, abs=1e-6)  # above the mean 4.5: high values weigh more


def test_reversed_geometric_weights_are_exponents():
    # weights 3:1 → exponents 0.75 and 0.25
    expected = 1 - (((9 * (1 - 0.6) + 1) ** 0.75) * ((9 * (1 - 0.3) + 1) ** 0.25) - 1) / 9
    assert one([[0.6, 0.3]], [3, 1], "reversed_geometric")[0] == pytest.approx(expected, abs=1e-15)


def test_weighted_maximum_as_informs_human_hazard():
    # max(current conflict, 0.7 × projected conflict)
    got = one([[0.5, 0.9], [0.8, 0.9]], [1, 1], "max", factors=[1.0, 0.7])
    assert got.tolist() == pytest.approx([0.7 * 0.9, 0.8], abs=1e-15)


def test_minimum_with_factors():
    assert one([[0.5, 0.9], [0.8, 0.9]], [1, 1], "min", factors=[1.0, 0.5]).tolist() == pytest.approx([0.45, 0.45])


def test_topsis_by_hand():
    # three units, two children, weights 1:1 → 0.5 each; best (1, 0.5), worst (0, 0)
    x = [[1.0, 0.0], [0.0, 0.5], [0.5, 0.5]]
    got = one(x, [1, 1], "topsis")

    def closeness(a, b):
        d_plus = math.sqrt(0.25 * (a - 1.0) ** 2 + 0.25 * (b - 0.5) ** 2)
        d_minus = math.sqrt(0.25 * (a - 0.0) ** 2 + 0.25 * (b - 0.0) ** 2)
        return d_minus / (d_plus + d_minus)

    assert got.tolist() == pytest.approx([closeness(*u) for u in x], abs=1e-15)


# ----------------------------------------------------------------------------- missing children


def test_renormalise_rescales_over_the_children_a_unit_has():
    # INFORM's socio-economic vulnerability: 2:1:1, a unit missing the third child
    got = one([[0.4, 0.7, np.nan]], [2, 1, 1], "arithmetic", "renormalise")[0]
    assert got == pytest.approx((2 * 0.4 + 1 * 0.7) / 3, abs=1e-15)


def test_exclude_gives_no_value_when_a_weighted_child_is_missing():
    got = one([[0.4, 0.7, np.nan], [0.4, np.nan, 0.5]], [2, 1, 0], "arithmetic", "exclude")
    # child 3 has weight 0: its absence does not matter
    assert got[0] == pytest.approx((2 * 0.4 + 0.7) / 3)
    assert np.isnan(got[1])


def test_renormalise_with_every_child_missing_has_no_value():
    assert np.isnan(one([[np.nan, np.nan]], [1, 1], "geometric", "renormalise")[0])


def test_max_under_each_policy():
    x = [[0.3, np.nan]]
    assert np.isnan(one(x, [1, 1], "max", "exclude")[0])
    assert one(x, [1, 1], "max", "renormalise")[0] == 0.3


def test_renormalised_reversed_geometric_by_hand():
    got = one([[0.6, np.nan, 0.3]], [1, 1, 2], "reversed_geometric", "renormalise")[0]
    expected = 1 - ((9 * 0.4 + 1) ** (1 / 3) * (9 * 0.7 + 1) ** (2 / 3) - 1) / 9
    assert got == pytest.approx(expected, abs=1e-15)


# ----------------------------------------------------------------------------- whole trees


def three_levels():
    """index (geometric, offset 0) ← hazard (max), vulnerability (arithmetic, renormalise 2:1:1) ← …
    with vulnerability ← poverty (indicator), health (node: reversed geometric of two indicators)."""
    root = Node("index", (), "geometric", offset=0.0)
    pillars = [
        (Node("hazard", ("conflict", "projected"), "max"), None),
        (Node("vulnerability", ("poverty",), "arithmetic", "renormalise"), None),
        (Node("health", ("clinics", "staff"), "reversed_geometric"), "vulnerability"),
    ]
    indicators = {"conflict": "hazard", "projected": "hazard", "poverty": "vulnerability", "clinics": "health", "staff": "health"}
    weights = {"hazard": 1, "vulnerability": 3, "poverty": 2, "health": 1, "clinics": 1, "staff": 1}
    factors = {"projected": 0.7}
    return build_tree(root, pillars, indicators, weights=weights, factors=factors)


def test_three_level_tree_equals_its_hand_computation():
    tree = three_levels()
    assert tree.depth() == 3
    values = {
        "conflict": np.array([0.2, 0.9]), "projected": np.array([0.6, 0.1]),
        "poverty": np.array([0.5, 0.3]), "clinics": np.array([0.4, 0.8]), "staff": np.array([0.1, np.nan]),
    }
    got = evaluate(tree, values)
    # unit 1: hazard = max(0.2, 0.7·0.6) = 0.42; health = 1 − ((9·0.6+1)^½·(9·0.9+1)^½ − 1)/9
    hazard1 = max(0.2, 0.7 * 0.6)
    health1 = 1 - (math.sqrt((9 * 0.6 + 1) * (9 * 0.9 + 1)) - 1) / 9
    vuln1 = (2 * 0.5 + 1 * health1) / 3
    index1 = hazard1 ** 0.25 * vuln1 ** 0.75
    # unit 2: staff missing → health has no value (exclude); vulnerability renormalises over poverty alone
    hazard2 = max(0.9, 0.7 * 0.1)
    vuln2 = 0.3
    index2 = hazard2 ** 0.25 * vuln2 ** 0.75
    assert np.isnan(got["health"][1])
    for name, expected in {"hazard": [hazard1, hazard2], "vulnerability": [vuln1, vuln2], "index": [index1, index2]}.items():
        assert np.abs(got[name] - np.array(expected)).max() <= 1e-12, name
    assert got["health"][0] == pytest.approx(health1, abs=1e-12)


def test_draws_equal_single_evaluations():
    tree = three_levels()
    rng = np.random.default_rng(7)
    values = {k: rng.uniform(size=6) for k in tree.indicators}
    draws = {k: rng.uniform(0.1, 2.0, size=4) for k in ("hazard", "vulnerability", "poverty", "health", "clinics", "staff")}
    together = evaluate(tree, values, draws)
    for d in range(4):
        alone = evaluate(tree, values, {k: float(v[d]) for k, v in draws.items()})
        for node in tree.nodes:
            np.testing.assert_allclose(together[node][:, d], alone[node], rtol=0, atol=1e-15)


def test_depth_one_is_a_flat_model():
    tree = build_tree(Node("index", ()), [], {"a": None, "b": None}, weights={"a": 1, "b": 3})
    assert tree.depth() == 1
    assert evaluate(tree, {"a": np.array([1.0]), "b": np.array([0.0])})["index"][0] == pytest.approx(0.25)


def test_a_node_may_hold_indicators_and_child_nodes_together():
    tree = build_tree(Node("index", ()), [(Node("inner", ("b", "c")), None)], {"a": None, "b": "inner", "c": "inner"})
    got = evaluate(tree, {"a": np.array([0.2]), "b": np.array([0.4]), "c": np.array([1.0])})
    assert got["index"][0] == pytest.approx((0.2 + (0.4 + 1.0) / 2) / 2, abs=1e-15)


# ----------------------------------------------------------------------------- validation


def problems_of(excinfo) -> str:
    return str(excinfo.value)


def test_a_cycle_is_named_with_its_loop():
    with pytest.raises(ConfigError) as info:
        build_tree(Node("index", ()), [(Node("a", ("x",)), "b"), (Node("b", ("y",)), "a")], {"x": "a", "y": "b"})
    assert "a → b → a" in problems_of(info) or "b → a → b" in problems_of(info)


def test_a_parent_that_is_not_a_node_is_named():
    with pytest.raises(ConfigError) as info:
        build_tree(Node("index", ()), [(Node("a", ("x",)), "nowhere")], {"x": "a"})
    assert "model.pillars.a.parent" in problems_of(info) and "'nowhere'" in problems_of(info)


def test_a_node_without_a_child_is_named():
    with pytest.raises(ConfigError) as info:
        build_tree(Node("index", ()), [(Node("a", ("x",)), None), (Node("empty", ()), None)], {"x": "a"})
    assert "model.pillars.empty" in problems_of(info) and "no indicator and no child node" in problems_of(info)


def test_an_indicator_in_two_nodes_is_named():
    with pytest.raises(ConfigError) as info:
        build_tree(Node("index", ()), [(Node("a", ("x",)), None), (Node("b", ("x",)), None)], {"x": "a"})
    assert "indicators.x" in problems_of(info) and "listed by a and b" in problems_of(info)


def test_a_name_used_by_a_node_and_an_indicator_is_named():
    with pytest.raises(ConfigError) as info:
        build_tree(Node("index", ()), [(Node("x", ("y",)), None)], {"x": None, "y": "x"})
    assert "indicators.x" in problems_of(info)


def test_unknown_rule_and_bad_offset_are_named():
    with pytest.raises(ConfigError) as info:
        build_tree(Node("index", ()), [(Node("a", ("x",), "median", offset=1.5), None)], {"x": "a"})
    text = problems_of(info)
    assert "model.pillars.a.aggregation" in text and "'median'" in text and "model.pillars.a.offset" in text
