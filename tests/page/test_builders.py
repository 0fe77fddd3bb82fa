"""Golden cases of the claims the page builds itself (``page/static/builders.js``): why this unit,
the three a popup leads with, the points and bars, and the rules deciding the order or the top k.

Python writes what :mod:`nexus_zones.claims` builds (from awkward facts, and from the demo re-scored
by :meth:`RunResult.rescore` at several weightings) and Node (``tests/page/builders.test.js``) builds
the same from the payload's facts at those weights, claim for claim, in English and French.
"""

from __future__ import annotations

import json
import math
import os
import subprocess
from pathlib import Path

import nexus_zones
from nexus_zones import claims, explain, maps
from nexus_zones.messages import DECIMAL, THOUSANDS, fixed

from .._support import JS_TESTS, REPO, _node, opened_in_node, shown_points

NAN = math.nan
#: Weightings of the demo's indicators (besides the config's): one at 0, one raised, all equal, extreme.
WEIGHTINGS = [{}, {"incidents": 0, "health_facilities": 9}, {n: 1 for n in ("incidents", "fatalities", "schools_closed", "health_facilities",
                                                                              "access_impediments", "humanitarian_actors", "development_actors")},
              {"incidents": 0.125, "fatalities": 7, "schools_closed": 0, "access_impediments": 0.5}]


def _awkward_facts() -> list[list[claims.WhyFacts]]:
    """Units of three indicators: exactly half the points (a strength), a weight of 0, a missing
    value, a mean equal to the value, costs and benefits, ties in points."""
    F = claims.WhyFacts
    return [
        [F(0, 2.0, 13.635, 27.27, 24.0, 2.0, 15.0, True), F(1, 5.0, 1.0, 30.0, 0.0, 9.0, 3.0, False), F(2, 7.0, 20.0, 42.73, 0.0, 10.0, NAN, False)],
        [F(0, 2.0, 0.0, 0.0, 24.0, 2.0, 15.0, True), F(1, NAN, NAN, 30.0, 0.0, 9.0, 3.0, False), F(2, 7.0, 7.0, 70.0, 0.0, 10.0, 7.0, False)],
        [F(0, 1.0, 10.0, 20.0, 0.0, 1.0, 0.5, False), F(1, 1.0, 10.0, 20.0, 0.0, 1.0, 2.0, False), F(2, 1.0, 10.0, 60.0, 0.0, 1.0, 0.5, False)],
        [F(k, 1234.5, 30.0 - k, 40.0, 0.001234, 99999.0, 2.5, k % 2 == 0) for k in range(3)],
        # five indicators, four strengths: the popup leads with two of them and the weakness
        [F(k, 0.5 + k, 10.0 + k, 20.0, 0.0, 5.0, 1.0, False) for k in range(4)] + [F(4, 0.2, 1.0, 20.0, 0.0, 5.0, 1.0, False)],
    ]


def _fact_json(f: claims.WhyFacts) -> dict:
    none = lambda v: None if math.isnan(v) else v  # noqa: E731
    return {"index": f.index, "value": none(f.value), "points": none(f.points), "max": f.max_points, "worst": none(f.worst), "best": none(f.best),
            "mean": none(f.region_mean), "side": claims.region_side(f.value, f.region_mean, f.cost)}


def _said(said, language: str, labels: claims.Labels) -> dict:
    return {"texts": [claims.render(c, language, labels) for c, _, _ in said], "good": [g for _, g, _ in said],
            "three": claims.pick_three(said)}


def _demo_cases(demo, language: str) -> list[dict]:
    """For each weighting: each unit's why claims, points shown and bar widths as Python gives them
    at those weights, and the rules line."""
    labels = explain.labels(demo.config, language)
    names = list(demo.config.indicators)
    out = []
    for weights in WEIGHTINGS:
        python = demo.rescore(weights) if weights else demo
        w = demo.config.indicator_weights() | {k: float(v) for k, v in weights.items()}
        units = []
        for unit in demo.scores.index:
            said = claims.why(explain.why_facts(python, unit))
            row = python.scores.loc[unit]
            eff = python.scored.weights
            widths = [int(f"{0.0 if not 100.0 * eff[n] or math.isnan(row[f'{n}_contrib']) else 100.0 * row[f'{n}_contrib'] / (100.0 * eff[n]):.0f}") for n in names]
            units.append({**_said(said, language, labels), "points": [None if math.isnan(p) else fixed(p, language, 1) for p in shown_points(row, names)],
                          "widths": widths})
        rules = explain.rules_claim(python)
        out.append({"weights": [w[n] for n in names], "units": units, "rules": None if rules is None else claims.render(rules, language, labels)})
    return out


def test_node_builds_the_claims_python_builds(tmp_path: Path, demo_result) -> None:
    demo = demo_result  # configs/demo.yaml run once per session (conftest), read only here
    labels = claims.Labels(indicators=["Incidents", "Écoles <b>", "Actors", "d", "e"], rules=[])
    for language in ("en", "fr"):
        nf = {"thousands": THOUSANDS[language], "decimal": DECIMAL[language]}
        facts = [{"facts": [_fact_json(f) for f in unit], **_said(claims.why(unit), language, labels)} for unit in _awkward_facts()]
        assert any(c["three"] != list(range(len(c["texts"]))) for c in facts)  # pick_three leaves some line out somewhere
        rules = [claims.RulesFacts(list("abcde"), [0, 3, 4, 5, 6], True, 1), claims.RulesFacts(["Diré", "b", "c"], [0, 0, 1], True, 2),
                 claims.RulesFacts(["a", "b", "c"], [0, 0, 1], False, 2), claims.RulesFacts(["a", "b"], [1, 1], True, 1)]
        rule_cases = [{"facts": {"names": list(r.names), "failed": list(r.failed), "rulesFirst": r.rules_first, "k": r.k},
                       "expected": None if claims.rules_decide(r) is None else claims.render(claims.rules_decide(r), language, labels)} for r in rules]
        # the payload as the page opens it: sides and region means computed by payload.js from the regions' sums
        data = opened_in_node(maps.data_text(maps.pack(maps.page_data(demo, language), demo)))
        demo_cases = _demo_cases(demo, language)
        assert any(u["texts"] != v["texts"] for u, v in zip(demo_cases[0]["units"], demo_cases[1]["units"]))  # the weights change sentences
        case = {"catalogue": claims.catalogue_for_page(language), "nf": nf, "labels": {"ind": list(labels.indicators), "rules": []},
                "facts": facts, "rules": rule_cases, "payload": data, "demo": demo_cases}
        (tmp_path / f"builders_{language}.json").write_text(json.dumps(case, ensure_ascii=False), encoding="utf-8")
    run = subprocess.run([_node(), "--test", str(JS_TESTS / "builders.test.js")], capture_output=True, text=True, timeout=300,
                         cwd=REPO, env={**os.environ, "NEXUS_ZONES_BUILDERS": str(tmp_path)})
    report = run.stdout + run.stderr
    assert run.returncode == 0 and "# fail 0" in report and "# skipped 0" in report, report[-4000:]
