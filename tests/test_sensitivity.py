"""Robustness (:mod:`nexus_zones.sensitivity`): seeded Monte Carlo draws by hand, varied
normalisation and aggregation, rules first in the draws, leave-one-out, vectorised benchmark-sized
draws, and competition ranks equal to scipy's ``rankdata(method="min")``."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

import yaml

import nexus_zones
from nexus_zones import model as model_mod
from nexus_zones import score, sensitivity
from nexus_zones import tree as tree_mod
from nexus_zones.analyses import robustness
from nexus_zones.config import config_from_mapping

from ._support import REPO, demo_mapping


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


# --------------------------------------------------------------------------------------- robustness


def _model():
    norm = pd.DataFrame({"a": [1.0, 0.6, 0.5, 0.0], "b": [0.0, 0.5, 0.6, 1.0]}, index=["u1", "u2", "u3", "u4"])
    return norm, {"a": 3.0, "b": 1.0}, score.Structure(("a", "b"))


def test_robustness_is_seeded_and_reproducible():
    norm, w, structure = _model()
    spec = robustness.Spec(draws=500, concentration=5, seed=7, top_k=1)
    eligible = np.ones(4, dtype=bool)
    one = sensitivity.monte_carlo({"model": norm.to_numpy()}, w, structure, eligible, spec, index=norm.index)
    two = sensitivity.monte_carlo({"model": norm.to_numpy()}, w, structure, eligible, spec, index=norm.index)
    pd.testing.assert_frame_equal(one, two)
    other = sensitivity.monte_carlo({"model": norm.to_numpy()}, w, structure, eligible, robustness.Spec(draws=500, concentration=5, seed=8, top_k=1), index=norm.index)
    assert not one["share_top_k"].equals(other["share_top_k"])


def test_robustness_by_hand():
    norm, w, structure = _model()
    eligible = np.ones(4, dtype=bool)
    # scores with w_a = x, w_b = 1 − x: u1 = x, u2 = .6x + .5(1 − x), u3 = .5x + .6(1 − x), u4 = 1 − x.
    # u1 is first when x > 5/9, u2 when ½ < x < 5/9, u3 when 4/9 < x < ½, u4 when x < 4/9.
    # Dirichlet(c·(¾, ¼)) with c = 4 gives x ~ Beta(3, 1), whose CDF is x³.
    spec = robustness.Spec(draws=40000, concentration=4, seed=1, top_k=1)
    table = sensitivity.monte_carlo({"model": norm.to_numpy()}, w, structure, eligible, spec, index=norm.index)
    expected = {"u1": 1 - (5 / 9) ** 3, "u2": (5 / 9) ** 3 - (1 / 2) ** 3, "u3": (1 / 2) ** 3 - (4 / 9) ** 3, "u4": (4 / 9) ** 3}
    assert table["share_top_k"].to_dict() == pytest.approx(expected, abs=0.006)
    # robust = in the top 1 in ≥ 90 % of draws or ≤ 10 %: u1 (83 %) is not; the others (< 10 %) are
    assert table["robust"].to_dict() == {"u1": False, "u2": True, "u3": True, "u4": True}
    # a very high concentration keeps the weights at ¾/¼: the model's ranks in every draw
    tight = sensitivity.monte_carlo({"model": norm.to_numpy()}, w, structure, eligible, robustness.Spec(draws=200, concentration=1e7, seed=1, top_k=1), index=norm.index)
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
        {"model": norm}, w, structure, np.ones(700, dtype=bool), robustness.Spec(draws=2000, top_k=10), index=pd.RangeIndex(700)
    )
    assert table["share_top_k"].sum() == pytest.approx(10.0)  # every draw has exactly 10 units in its top 10 (no ties)


def test_rules_first_in_the_monte_carlo_ranks():
    from nexus_zones.sensitivity import rank_draws

    scores = np.array([[0.9, 0.2], [0.5, 0.6], [0.1, 0.1]])
    failed = np.array([1, 0, 0])
    ranks = rank_draws(scores, np.ones(3, dtype=bool), failed)
    assert ranks[:, 0].tolist() == [3, 1, 2] and ranks[:, 1].tolist() == [3, 1, 2]


# ------------------------------------------------------------- the draws against one evaluation per draw


def _reference_monte_carlo(options, weights, structure, eligible, spec, index, pillar_weights, failed):
    """The robustness table computed the slow way: the same seeded draws, each scored alone by the
    single-draw ``tree.evaluate`` (scalar weights) and ranked alone; then the same statistics."""
    rng = np.random.default_rng(spec.seed)
    inner, outer, _ = score.split_weights(weights, structure, pillar_weights)
    norms = ["model", *[n for n in spec.vary_normalisation if n in options and n != "model"]]
    aggs = [None, *[a for a in spec.vary_aggregation if a != structure.aggregation]]
    combos = [(n, a) for n in norms for a in aggs]
    choice = rng.integers(len(combos), size=spec.draws) if len(combos) > 1 else np.zeros(spec.draws, dtype=int)
    inner_draws, outer_draws = sensitivity._draw_weights(rng, inner, outer, structure, spec.concentration, spec.draws)
    rows = np.flatnonzero(eligible)
    key_failed = None if failed is None else np.asarray(failed, dtype=float)[rows]
    ranks = np.full((len(index), spec.draws), np.nan)
    for d in range(spec.draws):
        norm, agg = combos[choice[d]]
        varied = structure if agg is None else structure.with_aggregation(agg)
        values = score.complete_values(options[norm][rows], structure)
        drawn = {n: float(inner_draws[i, d]) for i, n in enumerate(structure.indicators)}
        drawn |= {p.name: float(outer_draws[j, d]) for j, p in enumerate(structure.pillars)}
        scores = tree_mod.evaluate(varied.tree, {n: values[:, i] for i, n in enumerate(structure.indicators)}, drawn)[score.ROOT]
        key = -scores if key_failed is None else 2.0 * key_failed - scores
        for r, u in enumerate(rows):  # competition rank: 1 + the number of units strictly before
            ranks[u, d] = 1 + int((key < key[r]).sum())
    ok = eligible
    stats = np.full((len(index), 3), np.nan)
    stats[ok] = np.percentile(ranks[ok], [50, 5, 95], axis=1, method="nearest").T
    share = np.where(ok, (ranks <= spec.top_k).mean(axis=1), np.nan)
    robust = ok & ((share >= spec.robust_share) | (share <= 1.0 - spec.robust_share))
    return pd.DataFrame({"rank_median": stats[:, 0], "rank_p05": stats[:, 1], "rank_p95": stats[:, 2], "share_top_k": share, "robust": robust}, index=index)


def _robustness_against_reference(result, moves: bool = True) -> None:
    plan, found = result.plan.model, result.analysis("robustness")
    spec = plan.analyses["robustness"]
    cols = list(plan.indicators)
    renormalise = model_mod.renormaliser(plan, {"": result.values}, "")
    options = {"model": result.normalised[cols].to_numpy(dtype=float)}
    options |= {m: renormalise(m)[cols].to_numpy(dtype=float) for m in spec.vary_normalisation}
    eligible = result.scored.eligible.reindex(result.normalised.index).fillna(False).to_numpy(dtype=bool)
    failed = result.scored.table["rules_failed_count"].reindex(result.normalised.index).to_numpy(dtype=float) if plan.failing_units == "last" else None
    drawn = sensitivity.Draws(spec.draws, spec.seed, spec.concentration, min(spec.top_k, int(eligible.sum())), spec.robust_share,
                              tuple(spec.vary_normalisation), tuple(spec.vary_aggregation))
    expected = _reference_monte_carlo(options, plan.weights, result.scored.structure, eligible, drawn, result.normalised.index, plan.pillar_weights, failed)
    pd.testing.assert_frame_equal(found.table, expected, check_exact=True, check_dtype=False)
    assert (expected["rank_p05"] < expected["rank_p95"]).any() == moves  # the draws do move ranks: the comparison has something to compare


def test_demo_robustness_equals_one_evaluation_per_draw():
    # the demo as published (1,000 draws, three normalisations drawn among, rules first; its five cercles
    # keep their ranks there), and ranked by score alone with weights spread wide: every draw scored by its own single evaluation of the
    # tree gives the very same bands, shares and flags
    cfg = demo_mapping(draws=1000)
    _robustness_against_reference(nexus_zones.run(config_from_mapping(cfg), write=False), moves=False)
    cfg["robustness"] |= {"concentration": 1, "top_k": 2}
    cfg["model"]["failing_units"] = "flag"
    _robustness_against_reference(nexus_zones.run(config_from_mapping(cfg), write=False))


def test_inform_style_robustness_equals_one_evaluation_per_draw():
    # the INFORM-shaped tree (every rule, a renormalised node with a unit missing a child), as published
    # (its five units keep their ranks there), and with weights spread wide and rules varied among the draws
    cfg = yaml.safe_load((REPO / "configs" / "inform_style_example.yaml").read_text(encoding="utf-8"))
    cfg["study"]["boundaries"]["path"] = str(REPO / "data" / "demo" / "cercles.geojson")
    cfg["layers"]["inform"]["path"] = str(REPO / "data" / "demo" / "inform_style.csv")
    _robustness_against_reference(nexus_zones.run(config_from_mapping(cfg), write=False), moves=False)
    cfg["robustness"] |= {"draws": 300, "concentration": 2, "vary_aggregation": ["arithmetic", "topsis"], "vary_normalisation": ["rank"]}
    _robustness_against_reference(nexus_zones.run(config_from_mapping(cfg), write=False))


def test_rank_statistics_equal_numpys_nearest_percentiles():
    # the bands are taken from each unit's sorted draws at the positions np.percentile(method="nearest")
    # takes; a unit with a NaN rank gets NaN, as there; any number of draws, ties and all
    rng = np.random.default_rng(3)
    for draws in (1, 2, 3, 7, 20, 101, 1000):
        ranks = rng.integers(1, 9, size=(draws, 37)).astype(np.float32)
        ranks[rng.random(ranks.shape) < 0.01] = np.nan
        stats, share = sensitivity._rank_statistics(ranks, 3)
        with np.errstate(invalid="ignore"):
            expected = np.percentile(ranks, [50, 5, 95], axis=0, method="nearest").T
        assert np.array_equal(stats, expected, equal_nan=True), draws
        assert np.array_equal(share, np.mean(ranks <= 3, axis=0))
