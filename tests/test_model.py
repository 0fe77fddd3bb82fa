"""The scoring model of issue 4: transforms, normalisations, missing data, aggregation, weights,
robustness, similarity and profiles. Each method is checked against a published worked example or
a hand computation written as arithmetic; invariants are checked with hypothesis."""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import nexus_zones
from nexus_zones import indicators, normalise, score, sensitivity, typology, weights
from nexus_zones.config import config_from_mapping
from nexus_zones.errors import NexusZonesWarning

# ---------------------------------------------------------------------- published worked examples


def test_topsis_tzeng_huang_2011():
    """Tzeng, G.-H. & Huang, J.-J. (2011). Multiple Attribute Decision Making: Methods and
    Applications. CRC Press — TOPSIS example with four alternatives and three benefit criteria
    (vector normalisation, weights 0.3/0.4/0.3); published closeness 0.5037, 0.6581, 0.7482, 0.3340."""
    closeness = score.topsis([[5, 8, 4], [7, 6, 8], [8, 8, 6], [7, 4, 6]], [0.3, 0.4, 0.3], [True, True, True])
    assert closeness == pytest.approx([0.5037, 0.6581, 0.7482, 0.3340], abs=1e-4)
    assert list(pd.Series(closeness).rank(ascending=False).astype(int)) == [3, 2, 1, 4]


def test_topsis_cost_criterion_is_the_mirror_of_a_benefit_one():
    benefit = score.topsis([[5, 8], [7, 6], [8, 8]], [0.5, 0.5], [True, True])
    cost = score.topsis([[5, -8], [7, -6], [8, -8]], [0.5, 0.5], [True, False])
    assert benefit == pytest.approx(cost)


def test_ahp_saaty_drink_consumption():
    """Saaty, T. L. (2008). Decision making with the analytic hierarchy process. International
    Journal of Services Sciences 1(1), 83–98 — "which drink is consumed more in the U.S.?": the
    principal-eigenvector priorities of the 7×7 judgement matrix, and its consistency ratio 0.022
    (values as reproduced, to three decimals, in the AHPy documentation)."""
    judgements = {
        "coffee": {"wine": 9, "tea": 5, "beer": 2, "soda": 1, "milk": 1, "water": 1 / 2},
        "wine": {"tea": 1 / 3, "beer": 1 / 9, "soda": 1 / 9, "milk": 1 / 9, "water": 1 / 9},
        "tea": {"beer": 1 / 3, "soda": 1 / 4, "milk": 1 / 3, "water": 1 / 9},
        "beer": {"soda": 1 / 2, "milk": 1, "water": 1 / 3},
        "soda": {"milk": 2, "water": 1 / 2},
        "milk": {"water": 1 / 3},
    }
    names = ["coffee", "wine", "tea", "beer", "soda", "milk", "water"]
    result = weights.ahp(names, judgements)
    published = {"water": 0.327, "soda": 0.190, "coffee": 0.177, "milk": 0.129, "beer": 0.116, "tea": 0.042, "wine": 0.019}
    assert {k: round(v, 3) for k, v in result.weights.items()} == published
    assert round(result.consistency_ratio, 3) == 0.022


def test_ahp_by_hand_for_a_consistent_matrix():
    # a is 2× b and 4× c, b is 2× c: consistent, so weights 4:2:1 and λmax = n, CI = CR = 0
    r = weights.ahp(["a", "b", "c"], {"a": {"b": 2, "c": 4}, "b": {"c": 2}})
    assert [r.weights[k] for k in "abc"] == pytest.approx([4 / 7, 2 / 7, 1 / 7])
    assert r.lambda_max == pytest.approx(3.0) and r.consistency_ratio == pytest.approx(0.0, abs=1e-12)


def test_ahp_incomplete_or_inconsistent_judgements_are_refused(grid_cfg):
    with pytest.raises(ValueError, match=r"pairs not judged: b / c"):
        weights.pairwise_matrix(["a", "b", "c"], {"a": {"b": 2, "c": 4}})
    cfg = json.loads(json.dumps(grid_cfg))
    for ind in cfg["indicators"].values():
        ind.pop("weight")
    # incidents ≫ health, health ≫ closed, but closed ≫ incidents: intransitive
    cfg["model"] = {"ahp": {"incidents": {"health": 9, "closed": 1 / 9}, "health": {"closed": 9}}}
    with pytest.raises(nexus_zones.ConfigError, match=r"model.ahp: found a consistency ratio of \d+\.\d{3}; expected at most 0.1 \(Saaty\)"):
        config_from_mapping(cfg)
    cfg["model"] = {"ahp": {"incidents": {"health": 2, "closed": 4}, "health": {"closed": 2}}}
    config = config_from_mapping(cfg)
    assert config.indicator_weights() == pytest.approx({"incidents": 4 / 7, "health": 2 / 7, "closed": 1 / 7})
    result = nexus_zones.run(config, write=False)
    assert result.scored.weights == pytest.approx({"incidents": 4 / 7, "health": 2 / 7, "closed": 1 / 7})
    assert result.analyses.ahp["consistency_ratio"] == pytest.approx(0.0, abs=1e-9)


# ------------------------------------------------------------------------------ data-driven weights


def test_entropy_weights_by_hand():
    # column 1 = [1, 0]: p = [1, 0], E = 0, so d = 1; column 2 = [0.5, 0.5]: p = [.5, .5], E = 1, d = 0
    assert weights.entropy(np.array([[1.0, 0.5], [0.0, 0.5]])) == pytest.approx([1.0, 0.0])
    # three units, column [1, 1, 2]: p = [1/4, 1/4, 1/2], E = -(2·¼ln¼ + ½ln½)/ln3
    e = -(2 * 0.25 * math.log(0.25) + 0.5 * math.log(0.5)) / math.log(3)
    x = np.array([[1.0, 1.0], [1.0, 1.0], [2.0, 1.0]])  # second column constant: E = 1
    assert weights.entropy(x) == pytest.approx([1.0, 0.0])
    x = np.array([[1.0, 0.0], [1.0, 0.0], [2.0, 1.0]])  # second column [0, 0, 1]: E = 0
    assert weights.entropy(x) == pytest.approx([(1 - e) / ((1 - e) + 1), 1 / ((1 - e) + 1)])


def test_critic_weights_by_hand():
    # x1 = [0, .5, 1], x2 = [0, 0, 1]: sd1 = 0.5, sd2 = √(1/3); r = corr(x1, x2) = √3/2
    x = np.array([[0.0, 0.0], [0.5, 0.0], [1.0, 1.0]])
    r = math.sqrt(3) / 2
    c1, c2 = 0.5 * (1 - r), math.sqrt(1 / 3) * (1 - r)
    assert weights.critic(x) == pytest.approx([c1 / (c1 + c2), c2 / (c1 + c2)])


def test_pca_weights_from_a_single_component():
    # two perfectly correlated indicators and one pure noise-free copy: one component holds all the
    # variance; its squared loadings are 1/3 each, so the weights are equal
    base = np.array([0.0, 0.2, 0.5, 0.9, 1.0])
    w = weights.pca(np.column_stack([base, base, base]))
    assert w == pytest.approx([1 / 3, 1 / 3, 1 / 3])
    w = weights.pca(np.random.default_rng(1).random((30, 4)))
    assert w.sum() == pytest.approx(1.0) and (w > 0).all()


@pytest.mark.parametrize("shape", [(30, 4), (701, 3), (5, 8), (12, 6)])
def test_pca_weights_equal_those_from_scikit_learns_pca(shape):
    # the weights come from numpy's SVD; scikit-learn's PCA, fitted here on the same standardised
    # matrix, is the independent computation (more indicators than units included)
    from sklearn.decomposition import PCA

    x = np.random.default_rng(shape[0] * 100 + shape[1]).random(shape)
    z = (x - x.mean(axis=0)) / x.std(axis=0)
    model = PCA(svd_solver="full").fit(z)
    keep = max(1, min(int(np.searchsorted(np.cumsum(model.explained_variance_ratio_), 0.9 - 1e-12) + 1), len(model.explained_variance_ratio_)))
    loadings = model.components_[:keep] ** 2
    loadings = loadings / loadings.sum(axis=1, keepdims=True)
    share = model.explained_variance_ratio_[:keep] / model.explained_variance_ratio_[:keep].sum()
    best = loadings.argmax(axis=0)  # each indicator's largest squared loading, weighted by its component's share
    expected = loadings[best, np.arange(shape[1])] * share[best]
    assert weights.pca(x) == pytest.approx(expected / expected.sum(), rel=1e-9)


def test_competition_ranks_equal_scipys_rankdata_min():
    # the robustness draws rank without importing scipy.stats; scipy's rankdata is the reference,
    # over ties, infinities (units outside the ranking) and a NaN (the column becomes NaN, as there)
    from scipy.stats import rankdata

    from nexus_zones.sensitivity import competition_ranks

    m = np.array([[1.0, 3.0, 2.0], [1.0, np.inf, np.nan], [0.0, 3.0, 1.0], [np.inf, 3.0, 5.0], [2.0, 0.5, 2.0]])
    expected = rankdata(m, method="min", axis=0).astype(float)
    assert np.array_equal(competition_ranks(m), expected, equal_nan=True)
    assert competition_ranks(m)[:, 0].tolist() == [2.0, 2.0, 1.0, 5.0, 4.0]  # 0 < 1 = 1 < 2 < inf
    assert np.isnan(competition_ranks(m)[:, 2]).all()



def test_pca_weights_give_constant_indicators_no_weight():
    # regression (found by hypothesis): a constant column made scikit-learn divide 0 by 0.
    # Constant columns carry no information: weight 0, as entropy and CRITIC give them.
    varying = np.array([0.0, 0.2, 0.5, 0.9, 1.0])
    x = np.column_stack([np.full(5, 0.5), varying, np.full(5, 0.0)])
    assert weights.pca(x) == pytest.approx([0.0, 1.0, 0.0])
    assert weights.entropy(x)[0] == pytest.approx(0.0, abs=1e-12) and weights.critic(x)[0] == 0.0


def test_pca_weights_on_an_all_constant_matrix_are_equal_and_said():
    from nexus_zones.errors import DegenerateWeightsWarning

    with pytest.warns(DegenerateWeightsWarning, match="all 3 indicators have the same value for every unit"):
        w = weights.pca(np.full((4, 3), 0.5))
    assert w == pytest.approx([1 / 3, 1 / 3, 1 / 3])


# -------------------------------------------------------------------------- transforms and methods


def test_threshold_curve_by_hand():
    x = pd.Series([0.0, 5.0, 12.5, 20.0, 40.0, np.nan])
    out = normalise.normalise(x, "threshold", direction="cost", thresholds=[[5, 1], [20, 0]])
    # ≤ 5 incidents → 1, ≥ 20 → 0, linear between: 12.5 is half way
    assert out.tolist()[:5] == [1.0, 1.0, 0.5, 0.0, 0.0] and math.isnan(out.iloc[5])


def test_zscore_by_hand():
    x = pd.Series([1.0, 2.0, 3.0])
    # mean 2, population sd √(2/3): z = ∓1.2247, 0 → (z + 3) / 6
    z = 1 / math.sqrt(2 / 3)
    assert normalise.normalise(x, "zscore", direction="benefit").tolist() == pytest.approx([(3 - z) / 6, 0.5, (3 + z) / 6])
    assert normalise.normalise(x, "zscore", direction="cost").tolist() == pytest.approx([(3 + z) / 6, 0.5, (3 - z) / 6])


def test_inform_scale_rounds_to_a_tenth_of_ten():
    x = pd.Series([0.0, 1.0, 3.0])
    # min–max gives 0, 1/3, 1 → 0–10: 0, 3.333…, 10 → rounded 0, 3.3, 10 → /10
    assert normalise.normalise(x, "inform", direction="benefit").tolist() == pytest.approx([0.0, 0.33, 1.0])
    assert normalise.normalise(x, "inform", direction="benefit", goalposts=(0, 6)).tolist() == pytest.approx([0.0, 0.17, 0.5])


def test_winsorise_clips_to_quantiles_and_refuses_to_flatten():
    x = pd.Series([0.0, 1.0, 2.0, 3.0, 100.0])
    with pytest.warns(NexusZonesWarning, match=r"2 values clipped"):
        out = normalise.winsorise(x, (0.25, 0.75), "x")
    assert out.tolist() == [1.0, 1.0, 2.0, 3.0, 3.0]
    zero_heavy = pd.Series([0.0] * 9 + [5.0])
    with pytest.warns(NexusZonesWarning, match=r"would make every value 0; not winsorised"):
        assert normalise.winsorise(zero_heavy, (0.05, 0.8), "z").tolist() == zero_heavy.tolist()


def test_zero_heavy_indicator_is_reported():
    with pytest.warns(NexusZonesWarning, match=r"indicator access: 80 % of units are at 0"):
        normalise.prepare(pd.Series([0.0, 0.0, 0.0, 0.0, 2.0]), {}, "access")


# ------------------------------------------------------------------------------------ missing data


def _measures():
    return pd.DataFrame(
        {"l.a": [1.0, 3.0, np.nan, 10.0, 20.0, np.nan], "l.b": [1.0, 3.0, 2.0, 10.0, 20.0, 19.0]},
        index=pd.Index(["n1", "n2", "n3", "s1", "s2", "s3"]),
    )


def test_median_and_region_median():
    regions = pd.Series(["N", "N", "N", "S", "S", "S"], index=_measures().index)
    with pytest.warns(nexus_zones.NexusZonesWarning):
        v, imp = indicators.build_matrix(_measures(), {"a": indicators.IndicatorDef("l.a", "cost", "median")})
    assert v.loc["n3", "a"] == v.loc["s3", "a"] == np.median([1, 3, 10, 20]) and imp["a"].sum() == 2
    with pytest.warns(nexus_zones.NexusZonesWarning):
        v, _ = indicators.build_matrix(_measures(), {"a": indicators.IndicatorDef("l.a", "cost", "region_median")}, regions=regions)
    assert v.loc["n3", "a"] == np.median([1, 3]) and v.loc["s3", "a"] == np.median([10, 20])


def test_knn_imputation_uses_the_most_alike_units():
    # b says n3 is like n1/n2 (b = 2) and s3 like s2 (b = 19); with 5 neighbours on 4 complete units
    # every complete unit is a neighbour, so check the 1-neighbour case by hand on a larger gap
    m = pd.DataFrame({"l.a": [1.0, 1.0, np.nan, 100.0, 100.0], "l.b": [0.0, 0.1, 0.05, 50.0, 50.1]}, index=list("vwxyz"))
    defs = {"a": indicators.IndicatorDef("l.a", "cost", "knn"), "b": indicators.IndicatorDef("l.b", "cost")}
    with pytest.warns(nexus_zones.NexusZonesWarning, match="imputed from the 5 most alike units"):
        v, imp = indicators.build_matrix(m, defs)
    # 4 complete units → 4 neighbours at most → mean of a over v, w, y, z would be 50.5; distance-free
    # KNNImputer uses uniform weights, so x gets the mean of its k nearest, k = min(5, 4 complete) = 4
    assert v.loc["x", "a"] == pytest.approx((1 + 1 + 100 + 100) / 4) and bool(imp.loc["x", "a"])


def test_completeness_column(grid_cfg, grid_files, tmp_path):
    forces = pd.read_csv(grid_files["forces"], dtype=str)
    forces.loc[forces["pcode"] == "B1", "closed"] = ""
    path = tmp_path / "f.csv"
    forces.to_csv(path, index=False)
    cfg = json.loads(json.dumps(grid_cfg))
    cfg["layers"]["forces"]["path"] = str(path)
    cfg["indicators"]["closed"]["missing"] = "median"
    result = nexus_zones.run(config_from_mapping(cfg), write=False)
    # 3 indicators, one imputed for B1 → 2/3 complete; every other unit complete
    assert result.scores["completeness"].to_dict() == pytest.approx({"B2": 1.0, "A2": 1.0, "B1": 2 / 3, "A1": 1.0})
    assert result.values.loc["B1", "closed"] == np.median([0, 2, 0])


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


# --------------------------------------------------------------------------------------- robustness


def _model():
    norm = pd.DataFrame({"a": [1.0, 0.6, 0.5, 0.0], "b": [0.0, 0.5, 0.6, 1.0]}, index=["u1", "u2", "u3", "u4"])
    return norm, {"a": 3.0, "b": 1.0}, score.Structure(("a", "b"))


def test_robustness_is_seeded_and_reproducible():
    norm, w, structure = _model()
    spec = sensitivity.RobustnessSpec(draws=500, concentration=5, seed=7, top_k=1)
    eligible = np.ones(4, dtype=bool)
    one = sensitivity.monte_carlo({"model": norm.to_numpy()}, w, structure, eligible, spec, index=norm.index)
    two = sensitivity.monte_carlo({"model": norm.to_numpy()}, w, structure, eligible, spec, index=norm.index)
    pd.testing.assert_frame_equal(one, two)
    other = sensitivity.monte_carlo({"model": norm.to_numpy()}, w, structure, eligible, sensitivity.RobustnessSpec(draws=500, concentration=5, seed=8, top_k=1), index=norm.index)
    assert not one["share_top_k"].equals(other["share_top_k"])


def test_robustness_by_hand():
    norm, w, structure = _model()
    eligible = np.ones(4, dtype=bool)
    # scores with w_a = x, w_b = 1 − x: u1 = x, u2 = .6x + .5(1 − x), u3 = .5x + .6(1 − x), u4 = 1 − x.
    # u1 is first when x > 5/9, u2 when ½ < x < 5/9, u3 when 4/9 < x < ½, u4 when x < 4/9.
    # Dirichlet(c·(¾, ¼)) with c = 4 gives x ~ Beta(3, 1), whose CDF is x³.
    spec = sensitivity.RobustnessSpec(draws=40000, concentration=4, seed=1, top_k=1)
    table = sensitivity.monte_carlo({"model": norm.to_numpy()}, w, structure, eligible, spec, index=norm.index)
    expected = {"u1": 1 - (5 / 9) ** 3, "u2": (5 / 9) ** 3 - (1 / 2) ** 3, "u3": (1 / 2) ** 3 - (4 / 9) ** 3, "u4": (4 / 9) ** 3}
    assert table["share_top_k"].to_dict() == pytest.approx(expected, abs=0.006)
    # robust = in the top 1 in ≥ 90 % of draws or ≤ 10 %: u1 (83 %) is not; the others (< 10 %) are
    assert table["robust"].to_dict() == {"u1": False, "u2": True, "u3": True, "u4": True}
    # a very high concentration keeps the weights at ¾/¼: the model's ranks in every draw
    tight = sensitivity.monte_carlo({"model": norm.to_numpy()}, w, structure, eligible, sensitivity.RobustnessSpec(draws=200, concentration=1e7, seed=1, top_k=1), index=norm.index)
    assert tight["rank_p05"].tolist() == tight["rank_p95"].tolist() == [1, 2, 3, 4]


def test_robustness_can_vary_normalisation_and_aggregation(grid_cfg):
    cfg = json.loads(json.dumps(grid_cfg))
    cfg["robustness"] = {"draws": 300, "seed": 3, "top_k": 2, "vary_normalisation": ["rank", "zscore"], "vary_aggregation": ["geometric", "topsis"]}
    a = nexus_zones.run(config_from_mapping(cfg), write=False).scores
    b = nexus_zones.run(config_from_mapping(cfg), write=False).scores
    pd.testing.assert_frame_equal(pd.DataFrame(a.drop(columns="geometry")), pd.DataFrame(b.drop(columns="geometry")))
    assert set(a.columns) >= {"rank_median", "rank_p05", "rank_p95", "share_top_k", "robust", "loo_max_shift"}
    assert ((a["rank_p05"] <= a["rank"]) | a["rank"].isna()).all() and ((a["rank"] <= a["rank_p95"]) | a["rank"].isna()).all()


def test_leave_one_out_by_hand():
    norm, w, structure = _model()
    loo = sensitivity.leave_one_out(norm.to_numpy(), w, structure, np.ones(4, dtype=bool), index=norm.index)
    # without a, b alone ranks u4 > u3 > u2 > u1; without b, a alone ranks u1 > u2 > u3 > u4
    assert loo["without_a"].tolist() == [4, 3, 2, 1] and loo["without_b"].tolist() == [1, 2, 3, 4]
    # model (¾ a + ¼ b): u1 .75, u2 .575, u3 .525, u4 .25 → 1, 2, 3, 4; largest shift 3
    assert loo["max_shift"].tolist() == [3, 1, 1, 3]


def test_benchmark_sized_draws_are_vectorised():
    rng = np.random.default_rng(0)
    norm = rng.random((700, 8))
    w = {f"i{k}": 1.0 for k in range(8)}
    structure = score.Structure(tuple(w))
    table = sensitivity.monte_carlo(
        {"model": norm}, w, structure, np.ones(700, dtype=bool), sensitivity.RobustnessSpec(draws=2000, top_k=10), index=pd.RangeIndex(700)
    )
    assert table["share_top_k"].sum() == pytest.approx(10.0)  # every draw has exactly 10 units in its top 10 (no ties)


# ----------------------------------------------------------------------------------------- typology


def test_similarity_by_hand():
    norm = pd.DataFrame({"a": [1.0, 1.0, 0.0, 0.5], "b": [1.0, 0.0, 0.0, np.nan]}, index=["ref", "half", "far", "gap"])
    sim = typology.similarity(norm, "ref")
    # distance / √K: half = 1/√2, far = √2/√2 = 1, gap uses a only: 0.5/1
    assert sim.tolist() == pytest.approx([1.0, 1 - 1 / math.sqrt(2), 0.0, 0.5])


def test_profiles_find_separated_groups_and_number_them_from_the_best():
    norm = pd.DataFrame({"a": [0.9, 0.95, 0.1, 0.05, 0.5], "b": [0.8, 0.9, 0.2, 0.1, 0.5]}, index=list("pqrst"))
    labels, centres = typology.profiles(norm.iloc[:4], 2, seed=1)
    assert labels.to_dict() == {"p": 1, "q": 1, "r": 2, "s": 2}
    assert centres.loc[1].tolist() == pytest.approx([0.925, 0.85])
    with pytest.raises(nexus_zones.InputDataError, match=r"typology.reference: found 'Atlantis'"):
        typology.find_unit("Atlantis", pd.Series({"u": "Diré"}))
    assert typology.find_unit("dire", pd.Series({"u": "Diré"})) == "u"


def test_config_pillars_must_cover_every_indicator(grid_cfg):
    cfg = json.loads(json.dumps(grid_cfg))
    cfg["model"] = {"pillars": {"security": {"indicators": ["incidents", "incidnts"], "weight": 1}}}
    with pytest.raises(nexus_zones.ConfigError) as err:
        config_from_mapping(cfg)
    text = str(err.value)
    assert "model.pillars.security.indicators: found 'incidnts' (did you mean 'incidents'?)" in text
    assert "model.pillars: found indicators in no pillar: health, closed" in text


def test_pillars_in_a_study(grid_cfg):
    cfg = json.loads(json.dumps(grid_cfg))
    cfg["model"] = {"pillars": {"security": {"indicators": ["incidents", "closed"], "weight": 1}, "services": {"indicators": ["health"], "weight": 1}}}
    result = nexus_zones.run(config_from_mapping(cfg), write=False)
    s = result.scores
    # security: incidents (2) and closed (1) → ⅔, ⅓; services: health. Overall ½ each.
    expected = 0.5 * (2 / 3 * s["incidents_norm"] + 1 / 3 * s["closed_norm"]) * 100 + 0.5 * s["health_norm"] * 100
    assert s["score"].to_dict() == pytest.approx(expected.to_dict())
    assert s["pillar_services"].to_dict() == pytest.approx((100 * s["health_norm"]).to_dict())
