"""Golden cases of the claims for Node: ``page/static/claims.js`` renders every claim as
:func:`nexus_zones.claims.render` does (``tests/page/claims.test.js``).

The cases are every claim the demo's popups and brief carry, in English and French, and a claim of
every registered kind built from awkward facts (shares near 0 and 1, k = 1, ordinals 11–13, names
with markup), so that a kind no run reaches is still compared.
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

from nexus_zones import claims, explain
from nexus_zones.claims import Claim
from nexus_zones.messages import DECIMAL, THOUSANDS

from .._support import HOSTILE, JS_TESTS, REPO, _node

LABELS = claims.Labels(indicators=["Incidents, 2017", HOSTILE, "Écoles fermées"], rules=["≤ 5 incidents", HOSTILE])


def _every_kind() -> list[Claim]:
    """At least one claim of each kind, built by its builder where one exists."""
    out: list[Claim] = []
    for share in (1.0, 0.0, 0.9996, 0.0004, 0.5):
        for k in (1, 5):
            for rules in (False, True):
                for short in (False, True):
                    out.append(claims.robustness(claims.RobustFacts(share, k, 1000, share > 0.5, rules), short=short))
    out += [claims.rules_decide(claims.RulesFacts(list("abcde"), [0, 3, 4, 5, 6], True, 1)),
            claims.rules_decide(claims.RulesFacts(["Diré", HOSTILE, "c"], [0, 0, 1], True, 2))]
    for points, mean in ((27.3, 15.0), (5.6, 12.0), (20.0, float("nan")), (1.0, 1.0), (1.0, 9.0)):
        out += [c for c, _, _ in claims.why([claims.WhyFacts(0, 2.0, points, 27.27, 24.0, 2.0, mean, True)])]
    moves = [(0, 0.75, 0.8), (1, 0.25, 0.2), (2, 0.0, 0.0004)]
    for status, share in (("found", 0.0), ("found", 0.31), ("already_first", 1.0), ("already_first", 0.4), ("blocked_by_rules", 0.0), ("impossible", 0.0), ("not_found", 0.0)):
        out.append(claims.choice(claims.ChoiceFacts(HOSTILE, "national", status, share, 2000, 0.05, moves)))
    out += [claims.agreement(claims.AgreementFacts(n, 4, k, 50)) for n in (0, 2, 4) for k in (1, 3)]
    out += claims.pilots(claims.PilotFacts(["Diré", "Niafunké", HOSTILE], "robust", 1234.5,
                                           [(c, 2) for c in claims.CONSTRAINTS], ["c_region_max"]))
    out += claims.pilots(claims.PilotFacts(["Diré"], "score", 97.7, [], []))
    out += [claims.data_band(1, 1, 40), claims.data_band(11, 13, 40)]
    out += [claims.rank_band(1, 1, 1000), claims.rank_band(11, 13, 2500)]
    out += [claims.data_share("sources", None, 0.3125), claims.data_share("imprecise", "incidents", 0.7665), claims.data_share("margins", ["food.population", "x"], 0.1),
            claims.data_share("imputation", None, 0.05), claims.data_share("interaction", None, 0.2335)]
    out += [claims.low_reporting(claims.ReportingFacts(0, 0, "2016–2019"), "incidents"), claims.low_reporting(claims.ReportingFacts(12, 11, ""), HOSTILE)]
    out += [claims.source_rule(claims.SourceRuleFacts(HOSTILE, 1, [("ACLED", 8.0, False), (HOSTILE, 3.0, True), ("list 3", float("nan"), False)])),
            claims.source_rule(claims.SourceRuleFacts("Goundam", 0, [("ACLED", 1234.5678, True), ("Malilink", 0.00042, False)])),
            claims.source_top(claims.SourceTopFacts("Goundam", 5, [("ACLED", 7.0), ("Malilink", 2.0)], 5 + 1)),
            claims.source_top(claims.SourceTopFacts(HOSTILE, 1, [("ACLED", float("nan")), (HOSTILE, 1.0)], 50)),
            claims.sources_same(0, ["ACLED", HOSTILE], 5)]
    return [c for c in out if c is not None]


def _demo_claims(result) -> list[Claim]:
    out = [explain.rules_claim(result)]
    for unit in result.scores.index:
        out += [explain.robust_claim(result, unit), explain.robust_claim(result, unit, short=True), explain.agreement_claim(result, unit),
                explain.data_band_claim(result, unit), explain.rank_band_claim(result, unit), *explain.choice_claims(result, unit),
                *explain.reporting_claims(result, unit)]
        out += [c for c, _ in explain.why_claims(result, unit)]
    out += explain.pilot_claims(result) + explain.data_share_claims(result, "en")
    return [c for c in out if c is not None]


def test_node_renders_every_claim_as_python(demo_result, tmp_path: Path) -> None:
    demo = demo_result
    for lang in ("en", "fr"):
        # each claim in both of its forms: as data ({k, v}) and as the payload's wire form ([key, values…], numbers cut)
        cases = [{"claim": form, "expected": claims.render(c, lang, LABELS)} for c in _every_kind() for form in (c.data(), c.wire())]
        demo_labels = explain.labels(demo.config, lang)
        cases += [{"claim": form, "expected": claims.render(c, lang, demo_labels), "demo": True} for c in _demo_claims(demo) for form in (c.data(), c.wire())]
        # the demo's claims carry the demo's labels: render them with those
        data = {"catalogue": claims.catalogue_for_page(lang), "nf": {"thousands": THOUSANDS[lang], "decimal": DECIMAL[lang]},
                "labels": {"ind": list(LABELS.indicators), "rules": list(LABELS.rules)}, "cases": [c for c in cases if not c.get("demo")]}
        assert {c["claim"]["k"] for c in data["cases"] if isinstance(c["claim"], dict)} >= set(claims.KINDS) - {"change_weight", *claims.CONSTRAINTS, "source_value", "source_no_value"}  # inside other claims
        (tmp_path / f"claims_{lang}.json").write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
        demo_data = {**data, "labels": {"ind": list(demo_labels.indicators), "rules": list(demo_labels.rules)}, "cases": [c for c in cases if c.get("demo")]}
        (tmp_path / f"demo_{lang}.json").write_text(json.dumps(demo_data, ensure_ascii=False), encoding="utf-8")
        assert len(demo_data["cases"]) > 20
    run = subprocess.run([_node(), "--test", str(JS_TESTS / "claims.test.js")], capture_output=True, text=True, timeout=300,
                         cwd=REPO, env={**os.environ, "NEXUS_ZONES_CLAIMS": str(tmp_path)})
    report = run.stdout + run.stderr
    assert run.returncode == 0 and "# fail 0" in report and "# skipped 0" in report, report[-4000:]
