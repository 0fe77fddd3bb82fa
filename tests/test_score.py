"""Scores and ranks (:mod:`nexus_zones.score`): weighted sums and contributions by hand, weights
checks, ranks with ties, regions and rule exclusion, rules first, TOPSIS (Tzeng & Huang 2011), the
geometric mean and pillars by hand, invariants (range, ties, order and scale), and inputs never
modified."""

from __future__ import annotations

import copy
import math
import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings, strategies as st

import nexus_zones
from nexus_zones import decision, rules, score, sensitivity, tree, weights
from nexus_zones.config.plan import structure_of
from nexus_zones.config.model_tree import model_tree
from nexus_zones.config import config_from_mapping
from nexus_zones.score import Pillar, Structure
from nexus_zones.errors import ConfigError, NexusZonesWarning, TieWarning
from nexus_zones.rules import parse_rule
from nexus_zones.layers import points as points_mod

from ._support import REPO, VIOLENT, _grid_points, grid_units


# ---------------------------------------------------------------------------------------- score


def _norm():
    return pd.DataFrame({"a": [1.0, 0.5, 0.0, 0.5], "b": [0.0, 0.5, 1.0, 0.5]}, index=pd.Index(["u1", "u2", "u3", "u4"]))


def test_weighted_scores_and_contributions_by_hand():
    w = score.check_weights({"a": 2.0, "b": 1.0})
    assert w == {"a": 2 / 3, "b": 1 / 3}
    s, contrib, _ = score.weighted_scores(_norm(), w)
    assert s.tolist() == pytest.approx([100 * 2 / 3, 100 * (2 / 3 * 0.5 + 1 / 3 * 0.5), 100 * 1 / 3, 50.0])
    assert contrib.sum(axis=1).tolist() == pytest.approx(s.tolist())
    assert contrib.loc["u1", "a"] == pytest.approx(100 * 2 / 3 * 1.0)


def test_weights_checked():
    with pytest.raises(ConfigError, match=r"indicators.a.weight: found -1; expected a number of 0 or more"):
        score.check_weights({"a": -1, "b": 1})
    with pytest.raises(ConfigError, match="every weight is 0"):
        score.check_weights({"a": 0, "b": 0})
    with pytest.raises(ConfigError, match="a finite number"):
        score.check_weights({"a": float("nan")})


def test_ranks_ties_regions_and_rule_exclusion():
    norm = _norm()
    regions = pd.Series(["N", "N", "S", "S"], index=norm.index)
    rule = {"ok": rules.parse_rule("x > 0")}
    x = pd.Series([1.0, 1.0, 0.0, 1.0], index=norm.index)
    with pytest.warns(TieWarning, match=r"units u2, u4 have the same score \(50.0000\) and share rank 2"):
        res = score.score_units(norm, {"a": 3, "b": 1}, regions=regions, rules=rule, rule_values={"x": x})
    t = res.table
    # u1 = 100*(.75*1 + .25*0) = 75; u2 = u4 = 100*(.75*.5 + .25*.5) = 50; u3 = 100*(.25*1) = 25
    assert t["score"].tolist() == pytest.approx([75.0, 50.0, 25.0, 50.0])
    assert t["rank"].tolist() == [1, 2, 4, 2]  # competition ranking: 1, 2, 2, 4
    assert t["region_rank"].tolist() == [1, 2, 2, 1]
    assert t["passes_rules"].tolist() == [True, True, False, True]
    assert t.loc["u3", "failed_rules"] == "ok"
    with pytest.warns(TieWarning):
        ex = score.score_units(norm, {"a": 3, "b": 1}, regions=regions, rules=rule, rule_values={"x": x}, failing_units="exclude").table
    assert pd.isna(ex.loc["u3", "rank"]) and ex.loc["u3", "status"] == "not ranked: fails rules"
    assert ex["rank"].dropna().tolist() == [1, 2, 2]


@pytest.mark.parametrize("failing_units", ["flag", "exclude", "last"])
def test_national_ranks_are_score_units_ranks(failing_units):
    """The re-ranking of a draw (``national_ranks``) gives the ranks of the whole scoring, on 40
    seeded cases: missing values, ties (values on a coarse grid), rules with and without data,
    several regions (which must not matter to the national rank)."""
    for seed in range(40):
        rng = np.random.default_rng([2026, seed])
        n = int(rng.integers(1, 12))
        idx = pd.Index([f"u{i}" for i in range(n)])
        norm = pd.DataFrame(rng.integers(0, 4, size=(n, 3)) / 3.0, index=idx, columns=["a", "b", "c"])
        norm = norm.mask(rng.random((n, 3)) < 0.1)
        w = {"a": float(rng.integers(1, 4)), "b": float(rng.integers(0, 3)), "c": 1.0}
        x = pd.Series(rng.integers(0, 3, size=n).astype(float), index=idx).mask(rng.random(n) < 0.2)
        rule_set = {"some": rules.parse_rule("x > 0"), "many": rules.parse_rule("x >= 2 or a > 0.5")}
        values = {"x": x, "a": norm["a"]}
        regions = pd.Series(rng.choice(["N", "S", "E"], size=n), index=idx)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", NexusZonesWarning)
            whole = score.score_units(norm, w, regions=regions, rules=rule_set, rule_values=values, failing_units=failing_units)
            lean = score.national_ranks(norm, w, rules=rule_set, rule_values=values, failing_units=failing_units)
        expected = whole.table["rank"].astype(float)
        assert lean.index.equals(expected.index), seed
        assert np.array_equal(lean.to_numpy(), expected.to_numpy(), equal_nan=True), (seed, lean.tolist(), expected.tolist())


def test_unit_with_missing_value_is_not_scored_but_zero_weight_does_not_matter():
    norm = _norm()
    norm.loc["u1", "a"] = np.nan
    norm.loc["u2", "b"] = np.nan
    res = score.score_units(norm, {"a": 1, "b": 0}, regions=pd.Series("R", index=norm.index))
    assert math.isnan(res.table.loc["u1", "score"])
    assert res.table.loc["u1", "status"] == "not scored: missing data"
    assert res.table.loc["u2", "score"] == pytest.approx(50.0)  # b has weight 0


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.tuples(st.floats(0, 1), st.floats(0, 1), st.floats(0, 1)), min_size=2, max_size=12),
    st.tuples(st.floats(0.01, 10), st.floats(0.01, 10), st.floats(0, 10)),
    st.floats(0.1, 1000),
    st.randoms(use_true_random=False),
)
def test_score_invariants(rows, weights, scale, rnd):
    """Scores stay in 0–100; scaling the weights or shuffling rows changes nothing; raising a benefit value never lowers a score."""
    idx = pd.Index([f"u{i}" for i in range(len(rows))])
    norm = pd.DataFrame(rows, index=idx, columns=["a", "b", "c"])
    w = dict(zip("abc", weights))
    regions = pd.Series("R", index=idx)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", NexusZonesWarning)
        base = score.score_units(norm, w, regions=regions).table
        scaled = score.score_units(norm, {k: v * scale for k, v in w.items()}, regions=regions).table
        order = list(idx)
        rnd.shuffle(order)
        shuffled = score.score_units(norm.loc[order], w, regions=regions).table.loc[idx]
    assert ((base["score"] >= -1e-9) & (base["score"] <= 100 + 1e-9)).all()
    assert np.allclose(base["score"], scaled["score"], rtol=1e-12, atol=1e-9)
    assert np.allclose(base["score"], shuffled["score"]) and (base["rank"] == shuffled["rank"]).all()
    raised = norm.copy()
    raised.iloc[0, 0] = min(1.0, raised.iloc[0, 0] + 0.1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", NexusZonesWarning)
        after = score.score_units(raised, w, regions=regions).table
    assert after["score"].iloc[0] >= base["score"].iloc[0] - 1e-9


def test_identical_units_get_identical_scores():
    norm = pd.DataFrame({"a": [0.3, 0.3, 0.9], "b": [0.6, 0.6, 0.1]}, index=pd.Index(["x", "y", "z"]))
    with pytest.warns(TieWarning, match="x, y"):
        t = score.score_units(norm, {"a": 1, "b": 2}, regions=pd.Series("R", index=norm.index)).table
    assert t.loc["x", "score"] == t.loc["y", "score"] and t.loc["x", "rank"] == t.loc["y", "rank"]


def test_stages_do_not_modify_their_inputs(grid_files):
    units = grid_units()
    pts = _grid_points(grid_files)
    units_before, pts_before = units.copy(), pts.copy()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", NexusZonesWarning)
        points_mod.count_points(units, pts, types=VIOLENT)
    pd.testing.assert_frame_equal(pd.DataFrame(units), pd.DataFrame(units_before))
    pd.testing.assert_frame_equal(pd.DataFrame(pts), pd.DataFrame(pts_before))
    norm = _norm()
    before = norm.copy()
    score.score_units(norm, {"a": 1, "b": 2}, regions=pd.Series("R", index=norm.index))
    pd.testing.assert_frame_equal(norm, before)

# ---------------------------------------------------------------------- published worked examples


def test_topsis_tzeng_huang_2011():
    """Tzeng, G.-H. & Huang, J.-J. (2011). Multiple Attribute Decision Making: Methods and
    Applications. CRC Press — TOPSIS example with four alternatives and three benefit criteria
    (vector normalisation, weights 0.3/0.4/0.3); published closeness 0.5037, 0.6581, 0.7482, 0.3340.
    The model's topsis aggregation (weighted_scores) given the published vector-normalised matrix
    rᵢⱼ = xᵢⱼ / √Σᵢ xᵢⱼ² gives the published closeness (× 100, the score's scale)."""
    x = np.array([[5, 8, 4], [7, 6, 8], [8, 8, 6], [7, 4, 6]], dtype=float)
    norm = pd.DataFrame(x / np.sqrt((x**2).sum(axis=0)), columns=["c1", "c2", "c3"], index=list("ABCD"))
    closeness, _, _ = score.weighted_scores(norm, {"c1": 0.3, "c2": 0.4, "c3": 0.3}, score.Structure(("c1", "c2", "c3"), "topsis"))
    assert list(closeness / 100) == pytest.approx([0.5037, 0.6581, 0.7482, 0.3340], abs=1e-4)
    assert list(closeness.rank(ascending=False).astype(int)) == [3, 2, 1, 4]


def test_topsis_is_unchanged_by_shifting_an_indicator():
    """The ideal and anti-ideal move with the values (distances only see differences), so a cost
    criterion negated and shifted back into 0–1 scores exactly as the same benefit criterion."""
    x = pd.DataFrame({"a": [0.5, 0.7, 0.8], "b": [0.8, 0.6, 0.8]})
    structure = score.Structure(("a", "b"), "topsis")
    benefit, _, _ = score.weighted_scores(x, {"a": 0.5, "b": 0.5}, structure)
    shifted, _, _ = score.weighted_scores(x.assign(b=x["b"] - 0.5), {"a": 0.5, "b": 0.5}, structure)
    assert list(benefit) == pytest.approx(list(shifted))
    # by hand (weights ½, ideal (0.8, 0.8), anti-ideal (0.5, 0.6)): A d⁺ = ½·0.3, d⁻ = ½·0.2 -> 0.4;
    # B d⁺ = ½·√(0.1² + 0.2²), d⁻ = ½·√(0.2² + 0) -> 0.2/(0.2 + √0.05); C is the ideal -> 1
    assert list(benefit) == pytest.approx([40.0, 100 * 0.2 / (0.2 + 0.05**0.5), 100.0])


# ------------------------------------------------------------------------------------- aggregation


def test_geometric_mean_by_hand():
    norm = pd.DataFrame({"a": [1.0, 0.25], "b": [0.25, 0.0]}, index=["u", "v"])
    s, _, _ = score.weighted_scores(norm, {"a": 0.5, "b": 0.5}, score.Structure(("a", "b"), "geometric"))
    f = score.GEOMETRIC_FLOOR
    g_u = math.sqrt((f + (1 - f) * 1.0) * (f + (1 - f) * 0.25))
    g_v = math.sqrt((f + (1 - f) * 0.25) * (f + (1 - f) * 0.0))
    assert s.tolist() == pytest.approx([100 * (g_u - f) / (1 - f), 100 * (g_v - f) / (1 - f)])
    # less compensation than the arithmetic mean: u = 62.5 arithmetic, lower geometric
    assert s["u"] < 62.5


def test_pillars_by_hand():
    norm = pd.DataFrame({"a": [1.0, 0.0], "b": [0.0, 1.0], "c": [0.5, 1.0]}, index=["u", "v"])
    structure = score.Structure(("a", "b", "c"), "arithmetic", (score.Pillar("p", ("a", "b"), 3.0), score.Pillar("q", ("c",), 1.0)))
    s, points, pillars = score.weighted_scores(norm, {"a": 1.0, "b": 3.0, "c": 1.0}, structure)
    # pillar p: a ¼, b ¾ → u = 25, v = 75; pillar q: u = 50, v = 100; overall p ¾, q ¼
    assert pillars["p"].tolist() == pytest.approx([25.0, 75.0]) and pillars["q"].tolist() == pytest.approx([50.0, 100.0])
    assert s.tolist() == pytest.approx([0.75 * 25 + 0.25 * 50, 0.75 * 75 + 0.25 * 100])
    assert points.sum(axis=1).tolist() == pytest.approx(s.tolist())  # arithmetic: points add up to the score


def test_topsis_in_the_model_is_on_the_normalised_values():
    norm = pd.DataFrame({"a": [1.0, 0.5, 0.0], "b": [0.0, 0.5, 1.0]}, index=["u", "v", "w"])
    s, _, _ = score.weighted_scores(norm, {"a": 3.0, "b": 1.0}, score.Structure(("a", "b"), "topsis"))
    # weights ¾, ¼; ideal (1, 1), anti-ideal (0, 0): u: d+ = ¼, d- = ¾ → 0.75; v: d± = √((¾·½)² + (¼·½)²) → 0.5
    assert s.tolist() == pytest.approx([75.0, 50.0, 25.0])


_rows = st.lists(st.tuples(st.floats(0, 1), st.floats(0, 1), st.floats(0, 1)), min_size=2, max_size=10)
_weights = st.tuples(st.floats(0.01, 10), st.floats(0.01, 10), st.floats(0.0, 10))


@settings(max_examples=60, deadline=None)
@given(_rows, _weights, st.floats(0.1, 1000), st.sampled_from(["arithmetic", "geometric", "topsis"]), st.randoms(use_true_random=False))
def test_aggregation_invariants(rows, w, scale, method, rnd):
    idx = pd.Index([f"u{i}" for i in range(len(rows))])
    norm = pd.DataFrame(rows, index=idx, columns=list("abc"))
    wd = dict(zip("abc", w))
    structure = score.Structure(tuple("abc"), method)
    base, _, _ = score.weighted_scores(norm, wd, structure)
    assert ((base >= -1e-9) & (base <= 100 + 1e-9)).all()
    scaled, _, _ = score.weighted_scores(norm, {k: v * scale for k, v in wd.items()}, structure)
    assert np.allclose(base, scaled, atol=1e-9)
    order = list(idx)
    rnd.shuffle(order)
    shuffled, _, _ = score.weighted_scores(norm.loc[order], wd, structure)
    assert np.allclose(base, shuffled.loc[idx], atol=1e-9)
    twin = pd.concat([norm, norm.iloc[[0]].set_axis(["twin"])])
    with_twin, _, _ = score.weighted_scores(twin, wd, structure)
    assert with_twin["twin"] == pytest.approx(with_twin["u0"])
    if method != "topsis":  # monotone: raising a benefit value never lowers the unit's own score
        raised = norm.copy()
        raised.iloc[0, 0] = min(1.0, raised.iloc[0, 0] + 0.2)
        after, _, _ = score.weighted_scores(raised, wd, structure)
        assert after.iloc[0] >= base.iloc[0] - 1e-9

# ------------------------------------------------------------------------------------ rules first


def test_rules_first_ranks_passing_units_ahead_then_by_rules_failed_then_score():
    norm = pd.DataFrame({"a": [1.0, 0.8, 0.5, 0.2, 0.9]}, index=["U1", "U2", "U3", "U4", "U5"])
    x = pd.Series([3, 0, 0, 7, 0], index=norm.index, dtype=float)  # fails "x <= 1": U1, U4
    y = pd.Series([0, 0, 0, 5, 4], index=norm.index, dtype=float)  # fails "y <= 1": U4, U5
    rules = {"rx": parse_rule("x <= 1"), "ry": parse_rule("y <= 1")}
    regions = pd.Series(["N", "N", "S", "S", "S"], index=norm.index)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        last = score.score_units(norm, {"a": 1}, regions=regions, rules=rules, rule_values={"x": x, "y": y}, failing_units="last").table
        flag = score.score_units(norm, {"a": 1}, regions=regions, rules=rules, rule_values={"x": x, "y": y}, failing_units="flag").table
    # passing both: U2 (0.8), U3 (0.5); failing one: U1 (1.0), U5 (0.9); failing two: U4
    assert last["rank"].to_dict() == {"U2": 1, "U3": 2, "U1": 3, "U5": 4, "U4": 5}
    assert last["region_rank"].to_dict() == {"U2": 1, "U1": 2, "U3": 1, "U5": 2, "U4": 3}
    assert last["rules_failed_count"].to_dict() == {"U1": 1, "U2": 0, "U3": 0, "U4": 2, "U5": 1}
    assert flag["rank"].to_dict() == {"U1": 1, "U5": 2, "U2": 3, "U3": 4, "U4": 5}  # the score alone puts a failing unit first


# ------------------------------------------------------------------ the model tree (issue 21)
# Scoring through the tree: a config of three levels scored by hand, skipped values under
# renormalise, the weights drawn within the fixed tree (a one-level model draws as before),
# leave-one-out of a node's last indicator, closest weights' split on a pillar holding an indicator
# beside a pillar, and a whole run on the grid.


TREE_UNITS = ["U1", "U2", "U3"]
TREE_VALUES = pd.DataFrame({"a": [0.9, 0.2, 0.5], "b": [0.1, 0.8, 0.5], "c": [0.4, 0.6, 0.0], "d": [0.3, np.nan, 0.9]}, index=TREE_UNITS)


def _nested(grid_cfg: dict) -> dict:
    """security (incidents) and access under the root; access holds closed and services (health)."""
    cfg = copy.deepcopy(grid_cfg)
    cfg["model"] = {"aggregation": "geometric", "offset": 0, "pillars": {
        "security": {"indicators": ["incidents"], "weight": 2},
        "access": {"indicators": ["closed"], "weight": 1, "aggregation": "max"},
        "services": {"parent": "access", "indicators": ["health"], "weight": 1, "factor": 0.5},
    }}
    return cfg


@pytest.mark.parametrize("name", ["median", "p05"])
def test_a_pillar_whose_node_columns_take_another_columns_name_is_refused(grid_cfg, name):
    cfg = _nested(grid_cfg)
    cfg["model"]["pillars"][name] = cfg["model"]["pillars"].pop("services")
    with pytest.raises(ConfigError) as info:
        config_from_mapping(cfg)
    assert f"model.pillars.{name}" in str(info.value) and f"rank_{name}" in str(info.value)


def test_a_three_level_config_scores_as_its_hand_computation(grid_cfg):
    structure = structure_of(config_from_mapping(_nested(grid_cfg)))
    norm = pd.DataFrame({"incidents": [0.8, 0.25], "health": [0.6, 1.0], "closed": [0.1, 0.3]}, index=["U1", "U2"])
    weights = {"incidents": 2, "health": 1, "closed": 1}
    s, _, nodes = score.weighted_scores(norm, weights, structure)
    for u, (inc, health, closed) in zip(norm.index, norm.to_numpy()):
        services = health                            # one child
        access = max(closed, 0.5 * services)         # max of factor × value
        expected = inc ** (2 / 3) * access ** (1 / 3)  # geometric, offset 0, weights 2:1
        assert s[u] == pytest.approx(100 * expected, abs=1e-12)
        assert nodes.loc[u, "access"] == pytest.approx(100 * access, abs=1e-12)
        assert nodes.loc[u, "services"] == pytest.approx(100 * services, abs=1e-12)


def test_a_skipped_value_is_left_to_its_node_under_renormalise():
    structure = Structure(("a", "b", "c", "d"), "arithmetic", (
        Pillar("p", ("a", "b"), 1.0), Pillar("q", ("c", "d"), 1.0, "arithmetic", missing="renormalise"),
    ), skip=("d",))
    s, points, _ = score.weighted_scores(TREE_VALUES, {"a": 1, "b": 1, "c": 1, "d": 3}, structure)
    # U2 misses d: q is c alone; U1: q = (c + 3 d)/4
    assert s["U2"] == pytest.approx(100 * (0.5 * (0.2 + 0.8) / 2 + 0.5 * 0.6), abs=1e-12)
    assert s["U1"] == pytest.approx(100 * (0.5 * (0.9 + 0.1) / 2 + 0.5 * (0.4 + 3 * 0.3) / 4), abs=1e-12)
    assert math.isnan(points.loc["U2", "d"])
    # not skipped, the missing value leaves U2 without a score (missing: exclude, as always)
    s2, _, _ = score.weighted_scores(TREE_VALUES, {"a": 1, "b": 1, "c": 1, "d": 3}, Structure(structure.indicators, "arithmetic", structure.pillars))
    assert math.isnan(s2["U2"]) and not math.isnan(s2["U1"])


def test_indicator_and_pillar_weights_are_compared_as_given_at_a_pillar_holding_both():
    """access holds the indicator c (weight 2) beside the pillar inner (weight 1): c counts for ⅔."""
    structure = Structure(("a", "b", "c"), "arithmetic", (Pillar("access", ("c",), 1.0), Pillar("inner", ("a", "b"), 1.0, parent="access")))
    table = score.score_units(TREE_VALUES[["a", "b", "c"]], {"a": 1, "b": 3, "c": 2}, regions=pd.Series("R", index=TREE_UNITS), structure=structure).table
    for u in TREE_UNITS:
        a, b, c = TREE_VALUES.loc[u, ["a", "b", "c"]]
        assert table.loc[u, "score"] == pytest.approx(100 * (2 / 3 * c + 1 / 3 * (a + 3 * b) / 4), abs=1e-12)


def test_the_draws_move_weights_within_the_tree():
    structure = Structure(("a", "b", "c", "d"), "arithmetic", (
        Pillar("p", ("a",), 1.0), Pillar("r", ("b", "c"), 2.0, parent="p"), Pillar("q", ("d",), 0.0),
    ))
    inner, outer, _ = score.split_weights({"a": 1, "b": 1, "c": 0, "d": 1}, structure)
    i, o = sensitivity._draw_weights(np.random.default_rng(1), inner, outer, structure, 50.0, 200)
    w = dict(zip("abcd", i)) | dict(zip("prq", o))
    assert np.allclose(w["a"] + w["r"], 1) and np.allclose(w["b"] + w["c"], 1) and np.allclose(w["p"] + w["q"], 1)
    assert np.all(w["c"] == 0) and np.all(w["q"] == 0)  # a weight of 0 stays 0
    assert abs(w["r"].mean() - 2 / 3) < 0.03  # around the configured share


def test_a_one_level_model_draws_as_it_always_has():
    """Before the tree: each pillar's indicators (in the pillar's order) then the pillars, from one seeded generator."""
    structure = Structure(("a", "b", "c", "d"), "arithmetic", (Pillar("p", ("b", "a"), 1.0), Pillar("q", ("c", "d"), 3.0)))
    inner, outer, _ = score.split_weights({"a": 1, "b": 2, "c": 1, "d": 1}, structure)
    i, o = sensitivity._draw_weights(np.random.default_rng(7), inner, outer, structure, 50.0, 30)
    rng = np.random.default_rng(7)
    old_p = sensitivity.dirichlet_weights(rng, inner[[1, 0]], 50.0, 30)
    old_q = sensitivity.dirichlet_weights(rng, inner[[2, 3]], 50.0, 30)
    old_outer = sensitivity.dirichlet_weights(rng, outer, 50.0, 30)
    assert np.array_equal(i[[1, 0]], old_p) and np.array_equal(i[[2, 3]], old_q) and np.array_equal(o, old_outer)


def test_leaving_out_a_node_s_last_indicator_drops_the_node():
    structure = Structure(("a", "b", "c"), "arithmetic", (Pillar("p", ("a",), 1.0), Pillar("r", ("b",), 3.0, parent="p"), Pillar("q", ("c",), 1.0)))
    without_b = structure.without("b")
    assert [p.name for p in without_b.pillars] == ["p", "q"] and without_b.indicators == ("a", "c")
    without_p = structure.without("p")
    assert [p.name for p in without_p.pillars] == ["q"] and without_p.indicators == ("c",)
    values = TREE_VALUES[["a", "b", "c"]].to_numpy()
    table = sensitivity.leave_one_out(values, {"a": 1, "b": 1, "c": 1}, structure, np.ones(3, dtype=bool), index=TREE_VALUES.index)
    # without c the score is p's, (a + 3 b)/4: U1 0.3, U2 0.65, U3 0.5
    assert table["without_c"].tolist() == [3.0, 1.0, 2.0]
    # without b, r is dropped and p is a alone: score (a + c)/2: U1 0.65, U2 0.4, U3 0.25
    assert table["without_b"].tolist() == [1.0, 2.0, 3.0]
    # without the pillar p (a and r with b): c alone: U1 0.4, U2 0.6, U3 0.0; the pillars' columns after the indicators'
    assert table["without_p"].tolist() == [2.0, 1.0, 3.0] and table["without_q"].tolist() == table["without_c"].tolist()
    assert list(table.columns) == ["without_a", "without_b", "without_c", "without_p", "without_r", "without_q", "max_shift"]


def test_closest_weights_split_effective_weights_over_the_tree():
    """From effective weights, the indicators and pillars weigh what reproduces the same score."""
    structure = Structure(("a", "b", "c"), "arithmetic", (Pillar("access", ("c",), 1.0), Pillar("inner", ("a", "b"), 1.0, parent="access")))
    eff = np.array([0.1, 0.3, 0.6])
    inner, outer = decision.effective_to_structure(eff, structure)
    s, _ = score.composite(TREE_VALUES[["a", "b", "c"]].to_numpy(), inner, outer, structure)
    assert s[:, 0] == pytest.approx(TREE_VALUES[["a", "b", "c"]].to_numpy() @ eff, abs=1e-12)


def test_a_nested_config_runs_with_every_node_in_the_tables(grid_cfg):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", nexus_zones.errors.NexusZonesWarning)
        result = nexus_zones.run(config_from_mapping(_nested(grid_cfg)), write=False)
    s = result.scores
    scored = s["score"].notna()
    access = np.maximum(s["closed_norm"], 0.5 * s["health_norm"])
    expected = 100 * s["incidents_norm"] ** (2 / 3) * access ** (1 / 3)
    assert scored.any()
    assert s.loc[scored, "score"].to_numpy() == pytest.approx(expected[scored].to_numpy(), abs=1e-9)
    assert s.loc[scored, "node_access"].to_numpy() == pytest.approx(100 * access[scored].to_numpy(), abs=1e-9)


def test_the_inform_style_example_equals_its_hand_computation(tmp_path):
    """configs/inform_style_example.yaml (made-up numbers, every rule once) against the arithmetic of
    each node written out here, from the CSV's numbers."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", NexusZonesWarning)
        result = nexus_zones.run(REPO / "configs" / "inform_style_example.yaml", out_dir=tmp_path)
    s = result.scores
    raw = {  # conflict_now, conflict_projected, idp_change, food, health_gap, markets_gap, roads_gap (data/demo/inform_style.csv)
        "ML0601": (6, 9, -120, 4, 7, 5, 8), "ML0602": (2, 5, 40, 6, 3, 4, 2), "ML0603": (8, 4, 250, 7, 6, 9, 6),
        "ML0604": (4, 8, 0, None, 5, 3, 7), "ML0605": (1, 2, -300, 3, 2, 2, 1),
    }
    human = {u: max(r[0] / 10, 0.7 * r[1] / 10) for u, r in raw.items()}            # max, factor 0.7
    idp = {u: (r[2] + 500) / 1000 for u, r in raw.items()}                          # goalposts [-500, 500]
    w_h, w_i = 2 / 3, 1 / 3                                                          # topsis weights 2 : 1
    best = (max(human.values()), max(idp.values()))
    worst = (min(human.values()), min(idp.values()))
    hazard = {}
    for u in raw:
        d_plus = math.sqrt(w_h**2 * (human[u] - best[0]) ** 2 + w_i**2 * (idp[u] - best[1]) ** 2)
        d_minus = math.sqrt(w_h**2 * (human[u] - worst[0]) ** 2 + w_i**2 * (idp[u] - worst[1]) ** 2)
        hazard[u] = d_minus / (d_plus + d_minus)
    for u, r in raw.items():
        socio = r[4] / 10 if r[3] is None else (2 * r[3] / 10 + r[4] / 10) / 3     # renormalise over what the unit has
        coping = min(r[5], r[6]) / 10                                                # min
        vulnerability = 1 - (math.sqrt((9 * (1 - socio) + 1) * (9 * (1 - coping) + 1)) - 1) / 9  # reversed geometric, equal weights
        expected = 100 * math.sqrt(hazard[u] * vulnerability)                       # geometric, offset 0, equal weights
        assert s.loc[u, "node_human_hazard"] == pytest.approx(100 * human[u], abs=1e-9)
        assert s.loc[u, "node_hazard"] == pytest.approx(100 * hazard[u], abs=1e-9)
        assert s.loc[u, "node_socio_economic"] == pytest.approx(100 * socio, abs=1e-9)
        assert s.loc[u, "node_vulnerability"] == pytest.approx(100 * vulnerability, abs=1e-9)
        assert s.loc[u, "node_lack_of_coping"] == pytest.approx(100 * coping, abs=1e-9)
        assert s.loc[u, "score"] == pytest.approx(expected, abs=1e-9), u
    assert s.loc["ML0604", "food"] != s.loc["ML0604", "food"]  # skipped: no value, yet scored
    # every node's column equals tree.evaluate on the normalised values, and its rank is a competition
    # rank by the node's score (highest first): 1 + the number of units scoring more
    t = model_tree(result.config)  # the config's tree with its weights
    nodes = tree.evaluate(t, {n: s[f"{n}_norm"].to_numpy(dtype=float) for n in t.indicators})
    assert sorted(c for c in s.columns if c.startswith("node_")) == sorted(f"node_{n}" for n in t.nodes if n != t.root)
    for name in (n for n in t.nodes if n != t.root):
        assert s[f"node_{name}"].to_numpy() == pytest.approx(100 * nodes[name], abs=1e-12), name
        by_hand = {u: 1 + sum(s.loc[v, f"node_{name}"] > s.loc[u, f"node_{name}"] + 1e-9 for v in raw) for u in raw}
        assert s[f"rank_{name}"].astype(int).to_dict() == by_hand, name
    assert result.paths["map"].exists()


def test_ranks_and_ties_equal_the_pairwise_definition():
    # rank = 1 + the units with fewer rules failed, or as many and a higher score (within 1e-9);
    # ties: the groups sharing both, ordered by rules failed then score; on scores with many ties
    rng = np.random.default_rng(5)
    for case in range(40):
        n = int(rng.integers(1, 60))
        scores = pd.Series(rng.choice([10.0, 20.0, 20.0 + 4e-10, 30.0, *rng.uniform(0, 100, 5)], size=n), index=[f"u{i:02d}" for i in rng.permutation(n)])
        failed = pd.Series(rng.integers(0, 3, size=n), index=scores.index) if case % 2 else None
        ranks, ties = score.rank_units(scores, pd.Series(True, index=scores.index), failed=failed)
        fails = np.zeros(n) if failed is None else failed.to_numpy(dtype=float)
        snapped = np.round(scores.to_numpy() / score.TIE_TOLERANCE) * score.TIE_TOLERANCE
        better = (fails[None, :] < fails[:, None]) | ((fails[None, :] == fails[:, None]) & (snapped[None, :] > snapped[:, None]))
        assert ranks.tolist() == (1 + better.sum(axis=1)).tolist()
        keys = sorted({(f, s) for f, s in zip(fails, snapped)})
        groups = [sorted(scores.index[(fails == f) & (snapped == s)]) for f, s in keys]
        assert ties == [g for g in groups if len(g) > 1]
