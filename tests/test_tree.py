"""The model tree: each node rule and missing policy against a hand calculation, a 3-level tree to
1e-12, draws equal to single evaluations, and the validation of a tree's shape."""

from __future__ import annotations

import math

import numpy as np
import pytest

from nexus_zones import tree as tree_mod
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


# ----------------------------------------------------------------------------- batched draws against the reference


def _reference_combine(x, w, rule, missing, offset, factors):
    """``tree.combine`` as it was before the draws were batched child by child (units × children ×
    draws arrays, einsum over the children where a unit lacks one), with the two corners changed
    since (commented): the reference of the tests below."""
    present = ~np.isnan(x)
    if x.shape[2] != w.shape[1]:
        x = np.broadcast_to(x, (x.shape[0], x.shape[1], w.shape[1]))
        present = ~np.isnan(x)
    if rule in ("max", "min"):
        scaled = np.where(present, x * factors[None, :, None], np.nan)
        with np.errstate(invalid="ignore"), __import__("warnings").catch_warnings():
            __import__("warnings").simplefilter("ignore", RuntimeWarning)
            value = (np.nanmax if rule == "max" else np.nanmin)(scaled, axis=1)
        defined = present.all(axis=1) if missing == "exclude" else present.any(axis=1)
        return np.where(defined, value, np.nan)
    positive = w[None, :, :] > 0
    if present.all():
        total = np.zeros((1, w.shape[1]))
        for row in w:
            total = total + row
        defined = np.broadcast_to(total > 0, (x.shape[0], w.shape[1]))
        wn = np.broadcast_to(np.divide(w, total, out=np.zeros_like(w), where=total > 0)[None], x.shape)
        einsum = False
    else:
        if missing == "exclude":
            # one change from before: children all of weight 0 in a draw give no value (they gave 0
            # or 1 where a unit lacked a child, no value where none did; now no value in both)
            defined = ~(positive & ~present).any(axis=1) & (w.sum(axis=0) > 0)[None, :]
            kept = np.broadcast_to(w[None, :, :], present.shape)
        else:
            kept = np.where(present, w[None, :, :], 0.0)
            defined = (kept > 0).any(axis=1)
        total = kept.sum(axis=1, keepdims=True)
        wn = np.where(present, np.divide(kept, total, out=np.zeros(present.shape), where=total > 0), 0.0)
        einsum = True
    filled = np.where(present, x, 0.0)

    def wsum(a, b):
        if einsum:
            return np.einsum("ukd,ukd->ud", a, b)
        out = np.zeros((a.shape[0], a.shape[2]))
        for k in range(a.shape[1]):
            out = out + a[:, k, :] * b[:, k, :]
        return out

    with np.errstate(divide="ignore", invalid="ignore"):
        if rule == "arithmetic":
            value = wsum(filled, wn)
        elif rule == "geometric":
            # where every unit has every child, it was max(log, -1e300) (a NaN log of a child of weight 0,
            # a hair below 0 under offset 0, made the node NaN); now that child is left out there too
            logs = np.where(wn > 0, np.log(offset + (1.0 - offset) * filled), 0.0)
            value = np.clip((np.exp(wsum(logs, wn)) - offset) / (1.0 - offset), 0.0, 1.0)
        elif rule == "reversed_geometric":
            value = 1.0 - (np.exp(wsum(np.log(9.0 * (1.0 - filled) + 1.0), wn)) - 1.0) / 9.0
        else:
            import warnings
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", RuntimeWarning)
                best = np.nanmax(np.where(present, x, np.nan), axis=0, keepdims=True)
                worst = np.nanmin(np.where(present, x, np.nan), axis=0, keepdims=True)
            d_plus = np.sqrt(wsum(np.where(present, (filled - best) ** 2, 0.0), wn**2))
            d_minus = np.sqrt(wsum(np.where(present, (filled - worst) ** 2, 0.0), wn**2))
            t = d_plus + d_minus
            value = np.divide(d_minus, t, out=np.ones_like(t), where=t > 0)
    return np.where(defined, value, np.nan)


def _reference_evaluate(tree, values, weights):
    """Every node, one draw: the children stacked (units × children × 1) and combined by the reference."""
    known = {k: np.asarray(v, dtype=float)[:, None, None] for k, v in values.items()}
    out = {}
    for name in tree.order:
        node = tree.nodes[name]
        x = np.concatenate([known[c] for c in node.children], axis=1)
        w = np.array([[weights.get(c, tree.weight.get(c, 1.0))] for c in node.children], dtype=float)
        f = np.array([tree.factor.get(c, 1.0) for c in node.children])
        out[name] = _reference_combine(x, w, node.aggregation, node.missing, node.offset, f)[:, 0]
        known[name] = out[name][:, None, None]
    return out


def _random_tree(rng):
    """A tree of depth 1 to 4 (every rule and missing policy drawn), its indicators' values (0–1 with
    ties, zeros and, in half the trees, missing cells) and, per child, 5 draws of weights (some 0)."""
    rules, policies = ["arithmetic", "geometric", "reversed_geometric", "max", "min", "topsis"], ["exclude", "renormalise"]
    levels = int(rng.integers(1, 5))
    names = [["index"]]
    pillars, parent_of = [], {}
    for level in range(1, levels):
        names.append([f"n{level}_{j}" for j in range(int(rng.integers(1, 4)))])
        for n in names[level]:
            parent_of[n] = rng.choice(names[level - 1])
    holder = {}
    leaves = [n for lv in names for n in lv if not any(p == n for p in parent_of.values())]
    for k in range(int(rng.integers(len(leaves) + 1, len(leaves) + 8))):
        holder[f"i{k}"] = leaves[k] if k < len(leaves) else rng.choice([n for lv in names for n in lv])
    node = lambda n: Node(n, (), str(rng.choice(rules)), str(rng.choice(policies)), float(rng.choice([0.0, 0.01, 0.2])))  # noqa: E731
    for n, p in parent_of.items():
        pillars.append((node(n), None if p == "index" else str(p)))
    indicators = {i: (None if h == "index" else str(h)) for i, h in holder.items()}
    children = [*parent_of, *indicators]
    factors = {c: float(rng.choice([1.0, 0.7, 0.0])) for c in children}
    tree = build_tree(node("index"), pillars, indicators, weights={c: 1.0 for c in children}, factors=factors)
    units = 9
    values, sparse = {}, rng.random() < 0.5
    for i in indicators:
        v = rng.choice([0.0, 0.25, 0.5, 1.0, *rng.uniform(size=4)], size=units)
        if sparse and rng.random() < 0.4:
            v[rng.random(units) < 0.3] = np.nan
        values[i] = v
    draws = {c: np.where(rng.random(5) < 0.15, 0.0, rng.uniform(0.05, 3.0, size=5)) for c in children}
    return tree, values, draws


@pytest.mark.parametrize("group", [1, 64])
def test_draws_together_equal_each_draw_alone_and_the_reference(monkeypatch, group: int):
    # 300 random trees, every rule and missing policy, cells missing: all draws at once give each
    # draw's single evaluation to the last bit (the same operations); against the children-stacked
    # reference, the same bits at a node where, all the way down, every child has a value (the same
    # order of additions), else within 1e-12 (the reference summed with einsum); no value in the same
    # places. Units lacking the same indicators are scored as one group from 1 unit, or (9 units
    # here) all by weights per unit: both ways give the same bits
    monkeypatch.setattr(tree_mod, "_GROUP_UNITS", group)
    monkeypatch.setattr(tree_mod, "_GROUP_SHARE", 10**9)
    rng = np.random.default_rng(21)
    kinds = {True: 0, False: 0}
    for case in range(300):
        tree, values, draws = _random_tree(rng)
        together = evaluate(tree, values, draws)
        for d in range(5):
            weights = {c: float(v[d]) for c, v in draws.items()}
            alone, reference = evaluate(tree, values, weights), _reference_evaluate(tree, values, weights)
            known, clean = values | reference, {}
            for name in tree.order:
                assert np.array_equal(together[name][:, d], alone[name], equal_nan=True), (case, name, d)
                assert np.array_equal(np.isnan(alone[name]), np.isnan(reference[name])), (case, name, d)
                children = tree.nodes[name].children
                clean[name] = complete = all(clean.get(c, True) and not np.isnan(known[c]).any() for c in children)
                kinds[complete] += 1
                if complete:
                    assert np.array_equal(alone[name], reference[name], equal_nan=True), (case, name, d)
                else:
                    assert np.nanmax(np.abs(alone[name] - reference[name]), initial=0.0) <= 1e-12, (case, name, d)
    assert min(kinds.values()) > 1000  # both kinds of node were met


def test_keep_returns_the_nodes_asked_and_the_same_values():
    tree = three_levels()
    values = {"conflict": np.array([0.2, 0.9]), "projected": np.array([0.6, 0.1]), "poverty": np.array([0.5, 0.3]),
              "clinics": np.array([0.4, 0.8]), "staff": np.array([0.1, np.nan])}
    draws = {"hazard": np.array([1.0, 2.0, 3.0]), "clinics": np.array([0.5, 1.0, 0.0])}
    every, root = evaluate(tree, values, draws), evaluate(tree, values, draws, keep=["index"])
    assert list(root) == ["index"] and np.array_equal(root["index"], every["index"], equal_nan=True)
    assert every["hazard"].shape == (2, 3)  # a max of indicators is the same in every draw, given per draw
