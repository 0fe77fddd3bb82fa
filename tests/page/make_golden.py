"""Write the golden cases of the page's scoring kernel from the Python model.

The page recomputes scores, ranks and colours in JavaScript (``nexus_zones/page/static/kernel.js``)
when a weight slider moves. Each case here is a small set of units run through
:func:`nexus_zones.score.score_units` (the model itself: weight split, pillars, aggregation,
missing values, rules, ranks with ties, region ranks) and :func:`nexus_zones.maps.colour`, under
several choices of weights; the inputs are written in the kernel's own terms and the outputs are
what the kernel must reproduce (``tests/page/kernel.test.js``, to 1e-9).

The goldens are regenerated before every Node run (``tests/page/test_kernel.py`` writes them to a
temporary folder), so they cannot drift from the model; they are not committed. By hand::

    PYTHONPATH=. python tests/page/make_golden.py tests/page/golden
    NEXUS_ZONES_GOLDEN=tests/page/golden node --test tests/page/
"""

from __future__ import annotations

import json
import math
import sys
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

REPO = Path(__file__).resolve().parents[2]
if str(REPO) not in sys.path:  # run as a script from anywhere
    sys.path.insert(0, str(REPO))

from nexus_zones import maps  # noqa: E402
from nexus_zones.rules import parse_rule  # noqa: E402
from nexus_zones.score import GEOMETRIC_FLOOR, TIE_TOLERANCE, AGGREGATIONS, Pillar, Structure, score_units  # noqa: E402

NAN = float("nan")
#: Colour classes the score colours are written for (0 = continuous).
CLASSES = (0, 5)

# Seven units in three regions (South has one unit); values on the 0–1 normalised scale.
UNITS = ["U1", "U2", "U3", "U4", "U5", "U6", "U7"]
REGIONS = ["North", "North", "North", "North", "South", "East", "East"]
BASE = {
    "a": [0.9, 0.2, 0.5, 0.0, 1.0, 0.35, 0.6],
    "b": [0.1, 0.8, 0.5, 0.7, 0.0, 0.65, 0.3],
    "c": [0.4, 0.6, 0.0, 1.0, 0.25, 0.5, 0.75],
    "d": [0.3, 0.3, 0.9, 0.2, 0.55, 0.1, 0.45],
}
# U2 and U6 have exactly the same values (an exact tie, across regions); U3 and U4 hold the same
# values in another order (with equal weights a tie up to floating-point noise, within a region).
TIES = {
    "a": [0.9, 0.2, 0.1, 0.7, 1.0, 0.2, 0.6],
    "b": [0.1, 0.8, 0.2, 0.1, 0.0, 0.8, 0.3],
    "c": [0.4, 0.6, 0.7, 0.2, 0.25, 0.6, 0.75],
    "d": [0.3, 0.3, 0.6, 0.6, 0.55, 0.3, 0.45],
}
# U2 misses a, U5 misses d, U7 misses both: a unit is scored only when its missing indicators weigh 0.
MISSING = {
    "a": [0.9, NAN, 0.5, 0.0, 1.0, 0.35, NAN],
    "b": [0.1, 0.8, 0.5, 0.7, 0.0, 0.65, 0.3],
    "c": [0.4, 0.6, 0.0, 1.0, 0.25, 0.5, 0.75],
    "d": [0.3, 0.3, 0.9, 0.2, NAN, 0.1, NAN],
}
# b is the same for every unit: weighted alone, every unit ties (TOPSIS: no distance to either end).
CONSTANT = BASE | {"b": [0.5] * 7}
# Raw values read by the rule "access == 0": U3 and U6 fail, U7's value is unknown (does not pass).
ACCESS = [0, 0, 2, 0, 0, 1, NAN]
# Raw values read by the second rule of the rules-first scenario, "closed <= 1": U1, U3 and U5 fail,
# so U3 fails two rules, U1, U5, U6 and U7 one.
CLOSED = [2, 0, 3, 1, 5, 0, 0]

FLAT_WEIGHTS = [
    ({"a": 3, "b": 1, "c": 2, "d": 1}, None),
    ({"a": 0, "b": 1, "c": 2, "d": 5}, None),
    ({"a": 1, "b": 1, "c": 1, "d": 1}, None),
    ({"a": 0.125, "b": 7, "c": 0, "d": 0.5}, None),
]
PILLARS = {"security": ("a", "b"), "services": ("c", "d")}
PILLAR_WEIGHTS = [
    ({"a": 3, "b": 1, "c": 2, "d": 1}, {"security": 2, "services": 1}),
    ({"a": 1, "b": 4, "c": 1, "d": 0}, {"security": 0.5, "services": 3}),
    ({"a": 0, "b": 0, "c": 1, "d": 2}, {"security": 1, "services": 1}),  # a pillar whose indicators all weigh 0: equal inner weights
    ({"a": 2, "b": 1, "c": 0, "d": 1}, {"security": 0, "services": 1}),  # a pillar of weight 0
]
MISSING_WEIGHTS = [
    ({"a": 1, "b": 1, "c": 1, "d": 1}, None),  # U2, U5, U7 have no score
    ({"a": 0, "b": 1, "c": 1, "d": 1}, None),  # U2 scored again
    ({"a": 0, "b": 1, "c": 1, "d": 0}, None),  # every unit scored
]
EQUAL_WEIGHTS = [({"a": 1, "b": 1, "c": 1, "d": 1}, None), ({"a": 2, "b": 2, "c": 1, "d": 1}, None)]


def _scenarios() -> list[dict[str, Any]]:
    """The scenarios, each run under every aggregation."""
    return [
        {"name": "flat", "values": BASE, "weights": FLAT_WEIGHTS},
        {"name": "pillars", "values": BASE, "weights": PILLAR_WEIGHTS, "pillars": PILLARS},
        {"name": "ties", "values": TIES, "weights": EQUAL_WEIGHTS},
        {"name": "constant", "values": CONSTANT, "weights": [({"a": 0, "b": 1, "c": 0, "d": 0}, None), ({"a": 1, "b": 3, "c": 0, "d": 1}, None)]},
        {"name": "missing", "values": MISSING, "weights": MISSING_WEIGHTS},
        {"name": "missing_pillars", "values": MISSING, "weights": PILLAR_WEIGHTS[:2] + [({"a": 0, "b": 1, "c": 1, "d": 0}, {"security": 1, "services": 1})],
         "pillars": PILLARS},
        {"name": "rules_excluded", "values": BASE, "weights": FLAT_WEIGHTS[:2], "failing_units": "exclude"},
        {"name": "rules_flagged", "values": TIES, "weights": EQUAL_WEIGHTS, "failing_units": "flag"},
        # rules first: units passing both rules, then those failing one, then two; ties kept within each
        {"name": "rules_last", "values": BASE, "weights": FLAT_WEIGHTS, "failing_units": "last", "two_rules": True},
        {"name": "rules_last_ties", "values": TIES, "weights": EQUAL_WEIGHTS, "failing_units": "last", "two_rules": True},
        {"name": "rules_last_pillars", "values": MISSING, "weights": PILLAR_WEIGHTS[:2], "pillars": PILLARS, "failing_units": "last", "two_rules": True},
    ]


def _pillar_aggregations(aggregation: str) -> dict[str, str]:
    """Inner aggregations of the two pillars: the outer one for the first, each of the others in turn."""
    other = AGGREGATIONS[(AGGREGATIONS.index(aggregation) + 1) % len(AGGREGATIONS)]
    return {"security": aggregation, "services": other}


def _structure(names: list[str], aggregation: str, pillars: dict[str, tuple[str, ...]] | None, fixed: Structure | None = None) -> Structure:
    if fixed is not None:
        return fixed
    if not pillars:
        return Structure(tuple(names), aggregation)
    inner = _pillar_aggregations(aggregation)
    return Structure(tuple(names), aggregation, tuple(Pillar(p, members, 1.0, inner[p]) for p, members in pillars.items()))


def _python(scenario: dict, aggregation: str, weights: dict, pillar_weights: dict | None) -> pd.DataFrame:
    """The model's scores and ranks for one choice of weights."""
    normalised = pd.DataFrame(scenario["values"], index=UNITS)
    rules = {}
    if "failing_units" in scenario:
        rules = {"access": parse_rule("access == 0")}
    if scenario.get("two_rules"):
        rules["closed"] = parse_rule("closed <= 1")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # ties and unknown rules are named in warnings; the numbers are what counts here
        result = score_units(
            normalised, weights, regions=pd.Series(REGIONS, index=UNITS), rules=rules,
            rule_values={"access": pd.Series(ACCESS, index=UNITS, dtype=float), "closed": pd.Series(CLOSED, index=UNITS, dtype=float)},
            failing_units=scenario.get("failing_units", "flag"),
            structure=_structure(list(normalised.columns), aggregation, scenario.get("pillars"), scenario.get("structure")), pillar_weights=pillar_weights,
        )
    return result.table


def _number(value: Any) -> float | None:
    return None if pd.isna(value) else float(value)


def _rank(value: Any) -> int | None:
    return None if pd.isna(value) else int(value)


def _case(scenario: dict, aggregation: str) -> dict:
    """One golden case: the kernel's inputs and, per choice of weights, the model's outputs."""
    names = list(scenario["values"])
    structure = _structure(names, aggregation, scenario.get("pillars"), scenario.get("structure"))
    runs = []
    for weights, pillar_weights in scenario["weights"]:
        table = _python(scenario, aggregation, weights, pillar_weights)
        scores = [_number(s) for s in table["score"]]
        runs.append({
            "weights": [float(weights[n]) for n in names],
            "pillar_weights": [float(pillar_weights[p.name]) for p in structure.pillars] if structure.pillars else [],
            "expected": {
                "scores": scores,
                "rank": [_rank(r) for r in table["rank"]],
                "regionRank": [_rank(r) for r in table["region_rank"]],
                "colours": {str(c): [maps.colour(None if s is None else s / 100.0, c) for s in scores] for c in CLASSES},
            },
        })
    first = _python(scenario, aggregation, *scenario["weights"][0])
    passes = first["passes_rules"]
    eligible = passes if scenario.get("failing_units") == "exclude" else pd.Series(True, index=UNITS)
    model = _model(structure.aggregation, [(list(p.indicators), p.aggregation) for p in structure.pillars], names, scenario.get("failing_units", "flag"))
    return {
        "name": f"{scenario['name']}_{aggregation}" if "structure" not in scenario else scenario["name"],
        "model": model if scenario.get("groups") else model | {"tree": maps.page_tree(structure)},
        "units": {
            "ids": UNITS,
            "norm": [[_number(scenario["values"][n][i]) for n in names] for i in range(len(UNITS))],
            "eligible": [bool(e) for e in eligible],
            "regions": REGIONS,
            "failed": [int(f) for f in first["rules_failed_count"]],
        },
        "runs": runs,
    }


def _model(aggregation: str, pillars: list[tuple[list[str], str]], names: list[str], failing_units: str = "flag") -> dict:
    return {
        "aggregation": aggregation,
        "failing_units": failing_units,
        "pillars": [{"indices": [names.index(n) for n in members], "aggregation": agg} for members, agg in pillars],
        "geometric_floor": GEOMETRIC_FLOOR,
        "tie_tolerance": TIE_TOLERANCE,
    }


def _demo_case(demo=None) -> dict:
    """The bundled demo (``demo``, its run, or run here) as the page receives it
    (:func:`nexus_zones.maps.page_data`), under the config's weights and two moves of the sliders (as
    :meth:`RunResult.rescore` scores them)."""
    import nexus_zones

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        demo = demo or nexus_zones.run(REPO / "configs" / "demo.yaml", write=False)
        data = maps.page_data(demo, demo.config.language)
        units = data["units"]
        ids = units["id"]
        runs = []
        for moved in ({}, {"incidents": 0.0, "health_facilities": 9.0}, {"schools_closed": 0.0, "access_impediments": 0.5}):
            result = demo.rescore(moved) if moved else demo
            weights = result.config.indicator_weights()
            s = result.scores.loc[ids]
            scores = [_number(v) for v in s["score"]]
            runs.append({
                "weights": [float(weights[x["id"]]) for x in data["indicators"]],
                "pillar_weights": [float(p["weight"]) for p in data["pillars"]],
                "expected": {
                    "scores": scores, "rank": [_rank(r) for r in s["rank"]], "regionRank": [_rank(r) for r in s["region_rank"]],
                    "colours": {str(c): [maps.colour(None if v is None else v / 100.0, c) for v in scores] for c in CLASSES},
                },
            })
    return {
        "name": "demo_page_data",
        "model": {k: data[k] for k in ("aggregation", "geometric_floor", "tie_tolerance", "failing_units")}
        | {"pillars": [{"indices": p["indices"], "aggregation": p["aggregation"]} for p in data["pillars"]], "tree": data["tree"]},
        "units": {
            "ids": ids,
            "norm": units["norm"],
            "eligible": units["eligible"],
            "regions": units["region"],
            "failed": units["failed"],
        },
        "runs": runs,
    }


def _colour_case() -> dict:
    """maps.colour on a grid of values (out of range and missing included) for every class count."""
    values = [i / 40 for i in range(41)] + [-0.2, 1.3, 0.123456, 0.999999, None]
    return {
        "name": "colours", "palette": list(maps.PALETTE), "no_data": maps.NO_DATA, "values": values,
        "expected": {str(c): [maps.colour(v, c) for v in values] for c in (0, 2, 3, 5, 7, 9)},
    }


# Trees beyond one level of pillars, each rule of nexus_zones.tree at least once: INFORM's shape
# (a weighted maximum with a factor, a reversed geometric mean over an indicator and a child pillar,
# a plain geometric root), skipped values under renormalise, and TOPSIS over a pillar holding an
# indicator beside a child pillar.
TREES = {
    "tree_inform": (BASE, Structure(
        ("a", "b", "c", "d"), "geometric", (
            Pillar("hazard", ("a", "b"), 1.0, "max"), Pillar("vulnerability", ("c",), 1.0, "reversed_geometric"),
            Pillar("capacity", ("d",), 1.0, "arithmetic", parent="vulnerability", missing="renormalise"),
        ), offset=0.0, factors={"b": 0.7})),
    "tree_renormalise": (MISSING, Structure(
        ("a", "b", "c", "d"), "arithmetic", (
            Pillar("security", ("a", "b"), 1.0, "arithmetic", missing="renormalise"), Pillar("services", ("c", "d"), 1.0, "min"),
        ), missing="renormalise", skip=("a", "d"))),
    "tree_topsis": (BASE, Structure(
        ("a", "b", "c", "d"), "topsis", (
            Pillar("access", ("a",), 1.0, "arithmetic"), Pillar("inner", ("b", "c"), 1.0, "geometric", parent="access", offset=0.05),
            Pillar("services", ("d",), 1.0, "reversed_geometric"),
        ))),
}
TREE_WEIGHTS = [
    ({"a": 3, "b": 1, "c": 2, "d": 1}, [1, 1, 1]),
    ({"a": 1, "b": 4, "c": 1, "d": 0}, [2, 0.5, 3]),
    ({"a": 0, "b": 1, "c": 1, "d": 2}, [0, 1, 1]),  # a pillar of weight 0 beside its siblings
]


def _tree_scenarios() -> list[dict]:
    out = []
    for name, (values, structure) in TREES.items():
        runs = [(w, dict(zip((p.name for p in structure.pillars), pw))) for w, pw in TREE_WEIGHTS]
        out.append({"name": name, "values": values, "weights": runs, "structure": structure})
    return out


def cases(demo=None) -> list[dict]:
    """Every golden case: each scenario under each aggregation (scored through the tree, as the page
    does, and for flat and one-level models by the kernel's own pillars too), the trees, the demo's
    page data (of ``demo``, the demo's run if given), colours."""
    out = [_case(s, agg) for s in _scenarios() for agg in AGGREGATIONS]
    out += [_case(s | {"name": s["name"] + "_groups", "groups": True}, agg) for s in _scenarios()[:2] for agg in AGGREGATIONS]
    out += [_case(s, s["structure"].aggregation) for s in _tree_scenarios()]
    return out + [_demo_case(demo), _colour_case()]


def write_goldens(folder: Path, demo=None) -> list[Path]:
    """Write one JSON file per case into ``folder`` (the demo's case from ``demo``, its run, if given);
    return their paths."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for case in cases(demo):
        path = folder / f"{case['name']}.json"
        path.write_text(json.dumps(case, indent=1, allow_nan=False) + "\n", encoding="utf-8")
        paths.append(path)
    return paths


if __name__ == "__main__":
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).resolve().parent / "golden"
    written = write_goldens(target)
    print(f"{len(written)} golden cases written to {target}")
