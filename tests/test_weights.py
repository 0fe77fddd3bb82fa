"""Weighting methods (:mod:`nexus_zones.weights`): AHP (Saaty's drink consumption example and a
consistent matrix by hand, incomplete or inconsistent judgements refused), entropy, CRITIC and PCA
weights by hand and against scikit-learn."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

import nexus_zones
from nexus_zones import weights
from nexus_zones.config import config_from_mapping


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
    assert result.analysis("ahp").consistency_ratio == pytest.approx(0.0, abs=1e-9)


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
