"""Scores and ranks (:mod:`nexus_zones.score`): weighted sums and contributions by hand, weights
checks, ranks with ties, regions and rule exclusion, rules first, TOPSIS (Tzeng & Huang 2011), the
geometric mean and pillars by hand, invariants (range, ties, order and scale), and inputs never
modified."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings, strategies as st

from nexus_zones import rules, score, weights
from nexus_zones.errors import ConfigError, NexusZonesWarning, TieWarning
from nexus_zones.rules import parse_rule
from nexus_zones.layers import points as points_mod

from ._support import VIOLENT, _grid_points, grid_units


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
