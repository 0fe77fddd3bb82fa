"""The facts of a run handed to the claims (:mod:`nexus_zones.explain`), on the demo, by hand.

The demo's units fail 0 (Diré), 3, 4, 5 and 6 rules, under rules first: the rules alone decide the
order, so every robustness claim is "the rules decide" and no weight-based finding is presented.
"""

from __future__ import annotations

import math

import pandas as pd
import pytest

import nexus_zones
from nexus_zones import claims, explain
from nexus_zones.config import config_from_mapping

from ._support import REPO


def test_the_demo_says_its_rules_decide_the_order(demo_result) -> None:
    facts = explain.rules_facts(demo_result)
    assert facts.failed == [0, 3, 4, 5, 6] and facts.names[0] == "Diré" and facts.rules_first
    said = explain.rules_claim(demo_result)
    assert said.key == "rules_order" and claims.check(said, facts)
    assert explain.rules_decide_top(demo_result)
    # so each unit's robustness is the rules' verdict, consistent with the draws (all 1 or all 0)
    for unit in demo_result.scores.index:
        c = explain.robust_claim(demo_result, unit)
        share = demo_result.scores.at[unit, "share_top_k"]
        assert c.key == ("rules_in" if unit == "ML0602" else "rules_out") and share == (1.0 if unit == "ML0602" else 0.0)


def test_when_rules_do_not_decide_robustness_is_the_share(demo_result) -> None:
    import yaml

    cfg = yaml.safe_load((REPO / "configs" / "demo.yaml").read_text(encoding="utf-8"))
    cfg["rules"] = {}
    for key in ("decision", "pilots", "stakeholders", "data_uncertainty"):
        cfg.pop(key, None)
    result = nexus_zones.run(config_from_mapping(cfg, base_dir=REPO / "configs"), write=False)
    assert explain.rules_claim(result) is None and not explain.rules_decide_top(result)
    for unit in result.scores.index:
        share = float(result.scores.at[unit, "share_top_k"])
        c = explain.robust_claim(result, unit)
        expected = "robust_in" if share == 1 else "robust_out" if share == 0 else "robust_depends"
        assert c.key == expected and claims.check(c, claims.RobustFacts(share, result.config.robustness.top_k, 1000, False, False))


def test_why_dire_by_its_points(demo_result) -> None:
    """Diré's incidents: 2, worth all of 3/11 × 100 = 27.27 points; scale from the most (24, Tombouctou)
    to the fewest (2, Diré); the other four cercles average (24 + 9 + 15 + 12) / 4 = 15."""
    said = explain.why_claims(demo_result, "ML0602")
    first, good = said[0]
    assert good and first.key == "why_good_region"
    v = first.values
    assert v["ind"] == 0 and v["value"] == 2 and v["points"] == pytest.approx(300 / 11) and v["max"] == pytest.approx(300 / 11)
    assert (v["worst"], v["best"], v["mean"]) == (24.0, 2.0, 15.0)
    # every strength earns at least half its points, every weakness less, in both readings of the table
    row = demo_result.scores.loc["ML0602"]
    for c, good in said:
        name = list(demo_result.config.indicators)[c.values["ind"]]
        assert good == (row[f"{name}_contrib"] >= 100 * demo_result.scored.weights[name] / 2)


def test_other_means_leave_the_unit_out(demo_result) -> None:
    means = explain.other_means(demo_result)
    incidents = demo_result.scores["incidents"]
    for unit in demo_result.scores.index:
        assert means.at[unit, "incidents"] == pytest.approx((incidents.sum() - incidents[unit]) / 4)


def test_weight_findings_are_not_claimed_when_rules_decide(demo_result) -> None:
    """The page's popup carries no closest-weights or agreement line where the rules decide."""
    from nexus_zones import maps

    data = maps.page_data(demo_result, "en")
    keys = {c[0] for rec in data["units"]["popup"] for c in rec.get("dc", [])}  # claims travel as [key, values…]
    assert keys and keys <= {"data_band_one", "data_band_range"}


def test_pilots_and_data_shares_in_words(demo_result) -> None:
    labels = explain.labels(demo_result.config, "en")
    said = [claims.render(c, "en", labels) for c in explain.pilot_claims(demo_result)]
    names = list(demo_result.analysis("pilots").best.names)
    assert said and said[0].startswith("Suggested pilots: " + " and ".join(names) + " (total score, ")
    shares = explain.data_share_claims(demo_result, "en")
    table = demo_result.analysis("data_uncertainty").variance.set_index("source")["share"]
    assert [c.values["share"] for c in shares] == [table[s] for s in table.index if s != "all" and table[s] > 0]


def test_scale_ends_from_observed_values() -> None:
    from nexus_zones.config import IndicatorSpec

    spec = IndicatorSpec(measure="a.b", direction="cost", normalisation="minmax", weight=1)
    raw, norm = pd.Series([3.0, 9.0, math.nan]), pd.Series([1.0, 0.0, math.nan])
    assert explain.scale_ends(spec, raw, norm) == (9.0, 3.0)  # worst (norm 0), best (norm 1)


def test_weight_sets_are_shown_by_their_label(demo_result) -> None:
    """The demo labels its sets in both languages: the French agreement legend names them in French."""
    from nexus_zones import maps

    assert [explain.set_label(demo_result.plan, n, "fr") for n in ("humanitarian", "development", "peace", "participants")] == [
        "humanitaire", "développement", "paix", "participants"]
    legend = next(v["legend"] for v in maps._views(demo_result, "fr") if v["id"] == "agreement")
    assert "Jeux de poids (humanitaire, développement, paix, participants)" in legend


def test_the_facts_come_from_the_plan_never_the_config(demo_result) -> None:
    """explain reads a run's plan (labels, scales, layers' notes, k), not its Config: without the
    config, every unit's claims are the same."""
    from dataclasses import replace

    bare = replace(demo_result, config=None)
    assert explain.rules_facts(bare) == explain.rules_facts(demo_result)
    assert explain.labels(bare.plan, "fr") == explain.labels(demo_result.config, "fr")
    assert explain.data_share_claims(bare, "fr") == explain.data_share_claims(demo_result, "fr")
    assert explain.pilot_claims(bare) == explain.pilot_claims(demo_result)
    for unit in demo_result.scores.index:
        for said in (explain.why_facts, explain.rank_band_claim, explain.reporting_claims, explain.choice_claims):
            assert repr(said(bare, unit)) == repr(said(demo_result, unit)), (said.__name__, unit)  # repr: NaN facts compare
    # no demo unit reports little, so the layers and period its lines would name are compared directly
    assert explain._reporting_context(bare, "fr") == explain._reporting_context(demo_result, "fr") == (
        "Illustrative, ACLED-style (demo), Illustrative, OCHA access monitoring style (demo)", "2017")  # the two cost points layers, 2017
