"""The claims: every sentence is emitted only where its condition holds, in both languages.

Property tests generate facts (robustness shares, rules failed, indicator points, weight changes,
agreement counts, pilot sets, reporting counts) and fail if any claim a builder emits does not satisfy
its kind's condition (:func:`nexus_zones.claims.check`), or renders with a field left unfilled. Hand
cases pin the words of each state.
"""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from nexus_zones import claims
from nexus_zones.claims import Claim, render

LANGS = ("en", "fr")
LABELS = claims.Labels(indicators=[f"ind{i}" for i in range(8)], rules=[f"rule{i}" for i in range(8)])
shares = st.one_of(st.sampled_from([0.0, 1.0, 0.5, 0.9995, 0.0004]), st.floats(0, 1))


def _said_well(claim: Claim, facts) -> None:
    assert claims.check(claim, facts), (claim, facts)
    for lang in LANGS:
        text = render(claim, lang, LABELS)
        assert "{" not in text and "}" not in text and text[:1] == text[:1].upper(), text
        assert "e+" not in text and "e-0" not in text, text


# ------------------------------------------------------------------------------------ robustness
@given(share=shares, k=st.integers(1, 10), in_top=st.booleans(), rules=st.booleans(), short=st.booleans())
def test_robustness_says_only_what_the_share_supports(share, k, in_top, rules, short) -> None:
    facts = claims.RobustFacts(share=share, k=k, draws=1000, in_top=in_top, rules_decide=rules)
    said = claims.robustness(facts, short=short)
    _said_well(said, facts)
    if not rules and 0 < share < 1:
        text = render(said, "en")
        assert "0%" not in text.replace("100%", "") or share < 0.005 or text.count("%") == 1
        assert "100%" not in text  # a share short of 1 never reads 100 %


def test_robustness_three_states_and_the_rules_in_plain_words() -> None:
    f = lambda share, rules=False, in_top=True: claims.robustness(claims.RobustFacts(share, 5, 1000, in_top, rules))  # noqa: E731
    assert render(f(1.0), "en") == "Whatever the weights tried: among the first 5"
    assert render(f(0.0, in_top=False), "fr") == "Quels que soient les poids essayés : pas parmi les 5 premiers"
    assert render(f(0.62), "en") == "Depends on the weights: among the first 5 under 62% of the weightings tried"
    assert render(f(0.9996), "en") == "Depends on the weights: among the first 5 under 99.96% of the weightings tried"
    assert render(f(1.0, rules=True), "en") == "The rules decide: among the first 5, whatever the weights"
    one = claims.robustness(claims.RobustFacts(1.0, 1, 1000, True, False))
    assert render(one, "fr") == "Quels que soient les poids essayés : au 1er rang"  # not "parmi les 1 premiers"


def test_a_robustness_claim_with_another_share_fails_its_check() -> None:
    """The check is not trivially true: a claim built for one share is false of another."""
    said = claims.robustness(claims.RobustFacts(0.62, 5, 1000, True, False))
    assert not claims.check(said, claims.RobustFacts(0.7, 5, 1000, True, False))
    assert not claims.check(Claim("robust_in", {"first": 5}), claims.RobustFacts(0.99, 5, 1000, True, False))
    assert not claims.check(Claim("rules_in", {"first": 5}), claims.RobustFacts(1.0, 5, 1000, True, False))


# ------------------------------------------------------------------------------------ rules decide
@given(failed=st.lists(st.integers(0, 6), min_size=1, max_size=12), k=st.integers(1, 6), rules_first=st.booleans())
def test_rules_decide_only_when_no_weighting_can_change_it(failed, k, rules_first) -> None:
    failed = sorted(failed)  # rules first ranks by rules failed, then by score
    facts = claims.RulesFacts(names=[f"u{i}" for i in range(len(failed))], failed=failed, rules_first=rules_first, k=k)
    said = claims.rules_decide(facts)
    if said is None:
        # nothing said: then some weighting could change the order of the top k (or rules do not come first)
        assert not rules_first or len(failed) <= k or max(failed[:k]) >= min(failed[k:]) or len(failed) == 1
        return
    _said_well(said, facts)
    # independent reading: every unit of the top k fails fewer rules than every unit after it
    if said.key == "rules_top":
        assert all(a < b for a in failed[:k] for b in failed[k:])
    else:
        assert all(failed[i] < failed[i + 1] for i in range(len(failed) - 1))


def test_the_demo_counts_say_the_rules_decide_the_order() -> None:
    facts = claims.RulesFacts(names=["Diré", "Tombouctou", "Niafunké", "Goundam", "Gourma-Rharous"], failed=[0, 3, 4, 5, 6], rules_first=True, k=1)
    assert render(claims.rules_decide(facts), "en") == (
        "The rules alone decide the order: each unit fails a different number of rules (0, 3, 4, 5 and 6), so no weighting can change the ranking.")
    tie = claims.RulesFacts(names=list("abcd"), failed=[0, 0, 1, 1], rules_first=True, k=2)
    assert claims.rules_decide(tie).key == "rules_top" and "(a and b)" in render(claims.rules_decide(tie), "en")
    assert claims.rules_decide(claims.RulesFacts(names=list("abc"), failed=[0, 0, 0], rules_first=True, k=1)) is None
    assert claims.rules_decide(claims.RulesFacts(names=list("abc"), failed=[0, 1, 2], rules_first=False, k=1)) is None


# ------------------------------------------------------------------------------------ why
why_facts = st.builds(
    lambda i, value, share, w, mean, cost: claims.WhyFacts(index=i, value=value, points=share * 100 * w, max_points=100 * w,
                                                           worst=10.0 if cost else 0.0, best=0.0 if cost else 10.0, region_mean=mean, cost=cost),
    st.integers(0, 7), st.floats(0, 1e6), st.floats(0, 1), st.floats(0, 1), st.one_of(st.just(math.nan), st.floats(0, 1e6)), st.booleans())


@given(st.lists(why_facts, min_size=0, max_size=8, unique_by=lambda f: f.index))
def test_why_colours_and_order_follow_the_points(items) -> None:
    said = claims.why(items)
    for claim, good, facts in said:
        _said_well(claim, facts)
        assert good == (facts.points >= facts.max_points / 2)  # green earns at least half its points
        if "region" in claim.key:  # the region's mean is said only where it tells the same story
            better = facts.value < facts.region_mean if facts.cost else facts.value > facts.region_mean
            assert better == good
    goods = [f.points for _, g, f in said if g]
    bads = [f.max_points - f.points for _, g, f in said if not g]
    assert goods == sorted(goods, reverse=True) and bads == sorted(bads, reverse=True)
    assert [g for _, g, _ in said] == sorted((g for _, g, _ in said), reverse=True)  # strengths first
    lead = claims.pick_three(said)
    assert len(lead) == min(3, len(said)) and lead == sorted(set(lead))


def test_why_the_issue_cases_read_as_their_points() -> None:
    """Diré's health facilities (12.6 against a regional 12, 5.6 of 25 points) were green; now a weakness."""
    health = claims.WhyFacts(index=0, value=12.6, points=5.6, max_points=25.0, worst=0.0, best=60.0, region_mean=12.0, cost=False)
    (claim, good, _), = claims.why([health])
    assert not good and claim.key == "why_bad"  # better than the region, but few points: no regional praise
    assert render(claim, "en", LABELS) == "Ind0: 12.6, only 5.6 of 25.0 points (scale from 0, worst, to 60, best)"


# ------------------------------------------------------------------------------------ the weights behind a choice, agreement, pilots
@given(status=st.sampled_from(["found", "already_first", "blocked_by_rules", "impossible", "not_found"]), share=shares,
       moves=st.lists(st.tuples(st.floats(0, 1), st.floats(0, 1)), min_size=1, max_size=6))
def test_choice_sentences_state_the_table(status, share, moves) -> None:
    facts = claims.ChoiceFacts(name="Diré", scope="region", status=status, share=share, draws=2000, moved=0.1,
                               weights=[(i, a, b) for i, (a, b) in enumerate(moves)])
    said = claims.choice(facts)
    if said is not None:
        _said_well(said, facts)
        if status == "found":
            for change in said.values["changes"]:
                assert claims.check(change, facts)


def test_choice_in_plain_words() -> None:
    facts = claims.ChoiceFacts(name="Diré", scope="region", status="found", share=0.0, draws=2000, moved=0.05,
                               weights=[(0, 0.75, 0.80), (1, 0.25, 0.20)])
    assert render(claims.choice(facts), "en", claims.Labels(indicators=["Incidents", "IDPs"])) == (
        "Diré would be 1st in its region if “Incidents” counted for 80% instead of 75% and “IDPs” counted for 20% instead of 25%")


@given(n=st.integers(0, 6), m=st.integers(0, 6), k=st.integers(1, 6), units=st.integers(1, 8))
def test_agreement_counts(n, m, k, units) -> None:
    n = min(n, m)
    facts = claims.AgreementFacts(n=n, m=m, k=k, units=units)
    said = claims.agreement(facts)
    assert (said is None) == (m < 2 or k >= units)  # nothing said where every set trivially agrees
    if said is not None:
        _said_well(said, facts)
    assert render(claims.agreement(claims.AgreementFacts(3, 4, 5, 50)), "fr") == "Parmi les 5 premiers pour 3 des 4 jeux de poids"
    # stakeholders.top_k of 10 with 5 units: every set "agrees" on every unit, which says nothing (found by a hunt)
    assert claims.agreement(claims.AgreementFacts(4, 4, 10, 5)) is None


def test_pilots_in_plain_words() -> None:
    facts = claims.PilotFacts(names=["Diré", "Niafunké"], objective="score", total=154.5, constraints=[("c_region_max", 2), ("c_min_distance", 50)],
                              binding=["c_min_distance"])
    said = claims.pilots(facts)
    for c in said:
        _said_well(c, facts)
    assert render(said[0], "en") == "Suggested pilots: Diré and Niafunké (total score, 154); with at most 2 per region and pilots at least 50 km apart, no other set does better"
    assert render(said[1], "fr") == "Ces contraintes abaissent le total : des pilotes à au moins 50 km les uns des autres"


@given(events=st.integers(0, 50), imprecise=st.integers(0, 50))
def test_low_reporting_said_only_of_few_or_vague_records(events, imprecise) -> None:
    imprecise = min(imprecise, events)
    facts = claims.ReportingFacts(events=events, imprecise=imprecise, label="2016–2019")
    said = claims.low_reporting(facts, "incidents")
    assert (said is not None) == (events == 0 or 2 * imprecise > events)
    if said is not None:
        _said_well(said, facts)


def test_data_uncertainty_in_plain_words() -> None:
    assert render(claims.data_band(2, 3, 40), "en") == "With the data perturbed within their margins of error, its rank lies between 2 and 3 in 90% of 40 draws"
    assert render(claims.data_band(1, 1, 40), "fr").endswith("son rang est le 1er dans 90\u202f% de 40 tirages")
    said = claims.data_share("imprecise", "incidents", 0.7665)
    assert claims.check(said, ("imprecise", "incidents", 0.7665)) and "about 77%" in render(said, "en")
    assert claims.data_share("margins", ["food.population"], 0.0) is None


@given(lo=st.integers(1, 60), width=st.integers(0, 10), draws=st.integers(1, 5000))
def test_rank_band_says_the_band_and_the_weights_it_holds_at(lo, width, draws) -> None:
    facts = (lo, lo + width, draws)
    said = claims.rank_band(*facts)
    _said_well(said, facts)
    assert not claims.check(said, (lo, lo + width + 1, draws))
    assert "config's weights" in render(said, "en") and "poids de la configuration" in render(said, "fr")


def test_rank_band_in_plain_words() -> None:
    assert render(claims.rank_band(3, 7, 1000), "en") == "Rank band at the config's weights: 3–7 (90% of 1,000 weightings tried around them)"
    assert render(claims.rank_band(2, 2, 1000), "fr") == ("Fourchette de rangs aux poids de la configuration : 2 (90\u202f% de 1\u202f000 "
                                                          "pondérations essayées autour d'eux)")


@given(value=st.floats(-100, 100), mean=st.one_of(st.just(math.nan), st.floats(-100, 100)), cost=st.booleans())
def test_region_side_is_where_the_value_stands(value, mean, cost) -> None:
    side = claims.region_side(value, mean, cost)
    if math.isnan(mean) or math.isclose(value, mean, rel_tol=1e-9, abs_tol=1e-12):
        assert side == 0
    else:
        lower = value < mean
        assert side == (1 if lower == cost else -1)


@pytest.mark.parametrize("key", sorted(claims.KINDS))
def test_every_kind_has_both_languages_and_only_its_fields(key) -> None:
    from nexus_zones.messages import CATALOGUE

    import re

    for lang in LANGS:
        used = set(re.findall(r"\{(\w+)\}", CATALOGUE[key][lang]))
        assert used <= set(claims.KINDS[key].fields), (key, lang, used)


_OUTCOME = st.tuples(st.sampled_from(["ACLED", "Malilink", "list 3"]), st.one_of(st.floats(0, 1e6), st.just(float("nan"))), st.booleans())


@given(outcomes=st.lists(_OUTCOME, min_size=1, max_size=3, unique_by=lambda o: o[0]), rule=st.integers(0, 3))
def test_a_source_dependent_rule_is_said_only_when_the_sources_differ(outcomes, rule) -> None:
    facts = claims.SourceRuleFacts("Goundam", rule, outcomes)
    said = claims.source_rule(facts)
    assert (said is not None) == (len({p for _, _, p in outcomes}) == 2)
    if said is not None:
        _said_well(said, facts)
        assert not claims.check(claims.Claim("source_rule", {**said.values, "passes": said.values["fails"], "fails": said.values["passes"]}), facts)


@given(ranks=st.lists(st.tuples(st.sampled_from(["ACLED", "Malilink", "list 3"]), st.one_of(st.integers(1, 9).map(float), st.just(float("nan")))),
                      min_size=1, max_size=3, unique_by=lambda r: r[0]), k=st.integers(1, 6), units=st.integers(1, 9))
def test_a_source_dependent_top_k_is_said_only_when_membership_differs(ranks, k, units) -> None:
    facts = claims.SourceTopFacts("Goundam", k, ranks, units)
    said = claims.source_top(facts)
    inside = {r == r and r <= k for _, r in ranks}
    assert (said is not None) == (len(inside) == 2 and k < units)
    if said is not None:
        _said_well(said, facts)


def test_sources_in_plain_words() -> None:
    facts = claims.SourceRuleFacts("Goundam", 0, [("ACLED", 8.0, False), ("Malilink", 3.0, True)])
    labels = claims.Labels(rules=["No more than 5 security incidents in 2017"])
    assert render(claims.source_rule(facts), "en", labels) == "Goundam passes “No more than 5 security incidents in 2017” with Malilink (3), fails with ACLED (8)"
    assert render(claims.source_rule(facts), "fr", labels) == "Goundam respecte « No more than 5 security incidents in 2017 » selon Malilink (3), pas selon ACLED (8)"
    gap = claims.SourceRuleFacts("Diré", 0, [("ACLED", 2.0, True), ("Malilink", float("nan"), False)])
    assert render(claims.source_rule(gap), "en", labels).endswith("with ACLED (2), fails with Malilink (no data)")
