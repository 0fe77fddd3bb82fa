"""The popups as the page writes them (``nexus_zones/page/static/popup.js``), and the page's size.

Each unit carries its popup as a compact record (numbers and short keys, :func:`nexus_zones.maps._popups`)
and the page writes the HTML from it with the texts sent once (:func:`nexus_zones.maps.popup_texts`).
There is one renderer, the JavaScript one: :func:`render_popups` runs it under Node for the Python
tests that read popup text, and Node's runner (``tests/page/popup.test.js``) checks it against cases
written here by Python: ``html.escape`` of hostile strings, ``messages.number`` / ``fixed`` of awkward
numbers (ties, tiny, huge, negative), ``str.format`` of templates, and, for every unit of the demo
in both languages (and of a demo with hostile labels), the fragments that Python's own functions
give (sentences, the weights behind a choice, points, rules, rank band), escaped as Python escapes.
"""

from __future__ import annotations

import html
import json
import math
import os
import re
import subprocess
from pathlib import Path

from nexus_zones import claims, explain, maps
from nexus_zones.messages import CATALOGUE, fixed, number, pick

from .._support import HOSTILE, JS_TESTS, REPO, _node, page_data_of, render_popups, shown_points


# ------------------------------------------------------------------------------ cases for Node

NUMBERS = [0, -0.0, 0.5, 1.5, 2.5, 0.125, 0.375, 2.675, 9.995, 99.95, 999.5, 1234.5, 2345.5, -1234.5, 1504.25, 123456.5,
           0.0001234, 0.00001234, 1.5e-5, 0.000999, 1e-7, 12.3456, -0.4, -0.04, 7.94, 0.085, 1e15 - 0.5, 3e16, 33.349999, 66.6667,
           1 / 3, 2 / 3, 100.0, 99.999, 0.9995, math.nan, 12345678.9]


def _format_cases() -> dict:
    numbers = []
    for language in ("en", "fr"):
        nf = {"thousands": maps.THOUSANDS[language], "decimal": maps.DECIMAL[language]}
        for value in NUMBERS:
            for digits in (1, 2, 3):
                numbers.append({"fn": "number", "value": None if math.isnan(value) else value, "digits": digits, "nf": nf,
                                "expected": number(value, language, digits)})
            for decimals in (0, 1, 2):
                numbers.append({"fn": "fixed", "value": None if math.isnan(value) else value, "digits": decimals, "nf": nf,
                                "expected": fixed(value, language, decimals)})
    texts = [HOSTILE, "", "&amp;", "&#x27;", "a\u202fb é ✔ \U0001F600", "</script><script>alert(1)</script>", "\"'<>&" * 3, "\x00\n\t"]
    escapes = [{"text": s, "expected": html.escape(s, quote=True)} for s in texts]
    values = {"label": HOSTILE, "value": "1,5", "phrase": "{value}", "k": 5, "n": 3, "band": "1–7"}
    templates = [{"template": text, "values": values, "expected": text.format(**values)}
                 for entry in CATALOGUE.values() for text in entry.values()
                 if set(re.findall(r"(?<!\{)\{(\w+)\}", text)) <= set(values)]
    return {"numbers": numbers, "escapes": escapes, "templates": templates}


def _expected_fragments(result, data: dict, language: str) -> list[list[str]]:
    """What each unit's popup must hold, from Python's own functions, escaped as Python escapes."""
    config, scores = result.config, result.scores
    names = list(config.indicators)
    out = []
    for unit in data["units"]["id"]:
        row = scores.loc[unit]
        labels, decided = explain.labels(config, language), explain.rules_decide_top(result)
        say = lambda c: html.escape(claims.render(c, language, labels))  # noqa: E731
        frags = [f'<li class="{"ok" if good else "ko"}">{say(c)}</li>' for c, good in explain.why_claims(result, unit)]
        if not decided:
            frags += [f'<p class="nz-choice">{say(c)}</p>' for c in explain.choice_claims(result, unit)]
        frags += [f"</span></span> {fixed(p, language, 1)}</td>" for p in shown_points(row, names)]
        frags += [html.escape(maps.label_of(config, n, language)) for n in names]
        for rname, rule in config.rules.items():
            ok = bool(row[f"rule_{rname}"])
            frags.append(f'<li class="{"ok" if ok else "ko"}">{"✔" if ok else "✘"} {html.escape(pick(rule.label, language, rule.expr))}')
        if "rank_p05" in row.index and not math.isnan(row["rank_p05"]):
            frags.append(f"<b>{say(explain.robust_claim(result, unit))}</b>")
        out.append(frags)
    return out


def test_node_popups_match_python(demo_result, hostile_demo_result, tmp_path: Path) -> None:
    """popup.js escapes like html.escape, writes numbers like messages.number / fixed and templates like
    str.format, and every popup of the demo (en, fr, hostile labels) holds what Python computes."""
    cases = tmp_path / "cases"
    cases.mkdir()
    (cases / "formats.json").write_text(json.dumps(_format_cases(), ensure_ascii=False), encoding="utf-8")
    demo = demo_result
    for name, result, language in (("en", demo, "en"), ("fr", demo, "fr"), ("hostile", hostile_demo_result, "en")):
        data = maps.page_data(result, language)
        case = {"texts": data["popup"], "units": data["units"], "expected": _expected_fragments(result, data, language)}
        (cases / f"popups_{name}.json").write_text(json.dumps(case, ensure_ascii=False), encoding="utf-8")
    run = subprocess.run([_node(), "--test", str(JS_TESTS / "popup.test.js")], capture_output=True, text=True, timeout=300,
                         cwd=REPO, env={**os.environ, "NEXUS_ZONES_POPUP": str(cases)})
    report = run.stdout + run.stderr
    assert run.returncode == 0 and "# fail 0" in report and "# skipped 0" in report, report[-4000:]


def test_hostile_labels_reach_the_page_escaped(hostile_demo_result) -> None:
    """A label and a rule label with markup and braces: the popups show them as text, escaped once."""
    result = hostile_demo_result  # run once per session (conftest), read only here
    popups = render_popups(page_data_of(result.paths["map"].read_text(encoding="utf-8")))
    assert all(html.escape(HOSTILE) in p for p in popups)
    assert not any("<img" in p or "{label}" in p.replace(html.escape(HOSTILE), "") for p in popups)
