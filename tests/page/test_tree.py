"""The page's model tree (``page/static/tree.js``) against the Python model (``nexus_zones.tree``).

Golden cases: trees of depth 1 to 4, every node rule under both missing policies, units missing
values, weights moved as a slider moves them; Python writes each node's values and Node's runner
(``tests/page/tree.test.js``) checks tree.js to 1e-9.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
from pathlib import Path

import numpy as np

from nexus_zones.tree import RULES, Node, build_tree, evaluate, page_form

from .._support import JS_TESTS, REPO, _node

TOLERANCE = 1e-9


def random_tree(rng: np.random.Generator, depth: int, rule_at: str, missing: str):
    """A tree of exactly ``depth`` levels whose nodes use ``rule_at`` on one branch and other rules
    elsewhere; 2–3 children per node; weights and factors drawn; some indicators under inner nodes."""
    pillars, indicators, weights, factors = [], {}, {}, {}
    counter = iter(range(1000))

    def grow(name: str, parent: str | None, level: int) -> None:
        n_children = int(rng.integers(2, 4))
        if level < depth:
            kids = [f"n{next(counter)}" for _ in range(n_children - 1)]
            for kid in kids:
                weights[kid] = float(rng.uniform(0.2, 3))
                grow(kid, name, level + 1)
            leaves = [f"i{next(counter)}"]
        else:
            leaves = [f"i{next(counter)}" for _ in range(n_children)]
        for leaf in leaves:
            indicators[leaf] = None if name == "index" else name
            weights[leaf] = float(rng.choice([0.0, 0.5, 1.0, 2.0]) if rng.uniform() < 0.2 else rng.uniform(0.2, 3))
            factors[leaf] = float(rng.choice([1.0, 0.7, 0.5]))
        if name != "index":
            rule = rule_at if level % 2 == 1 else str(rng.choice(RULES))
            pillars.append((Node(name, tuple(leaves), rule, missing, float(rng.choice([0.0, 0.01, 0.1]))), parent))

    grow("index", None, 1)
    root = Node("index", (), rule_at, missing, 0.01)
    return build_tree(root, pillars, indicators, weights=weights, factors=factors)


def golden_cases() -> list[dict]:
    rng = np.random.default_rng(20261207)
    cases = []
    for rule in RULES:
        for missing in ("exclude", "renormalise"):
            for depth in (1, 2, 3, 4):
                tree = random_tree(rng, depth, rule, missing)
                units = 7
                values = {k: rng.uniform(size=units) for k in tree.indicators}
                for k in values:  # about one value in six missing, and some exact 0 and 1
                    values[k][rng.uniform(size=units) < 0.17] = np.nan
                    values[k][rng.uniform(size=units) < 0.08] = rng.choice([0.0, 1.0])
                moved = {c: float(rng.uniform(0, 2)) for c in list(tree.weight)[:3]}
                for name, weights in (("config", None), ("moved", moved)):
                    got = evaluate(tree, values, weights)
                    cases.append({
                        "name": f"{rule} {missing} depth {depth} {name} weights",
                        "tree": page_form(tree), "weights": weights or {},
                        "values": {k: [None if np.isnan(x) else float(x) for x in v] for k, v in values.items()},
                        "expected": {k: [None if np.isnan(x) else float(x) for x in v] for k, v in got.items()},
                    })
    return cases


def test_every_python_tree_has_the_depth_its_case_names():
    for case in golden_cases():
        depth = int(case["name"].split("depth ")[1].split()[0])
        nodes = case["tree"]["nodes"]

        def down(name):
            return 0 if name not in nodes else 1 + max(down(c) for c in nodes[name]["children"])

        assert down(case["tree"]["root"]) == depth, case["name"]


def test_tree_js_reproduces_every_node_of_the_python_model(tmp_path: Path) -> None:
    cases = golden_cases()
    assert len(cases) == len(RULES) * 2 * 4 * 2
    assert any(v is None for c in cases for node in c["expected"].values() for v in node), "no case has a node without a value"
    golden = tmp_path / "tree_golden.json"
    golden.write_text(json.dumps({"tolerance": TOLERANCE, "cases": cases}), encoding="utf-8")
    run = subprocess.run(
        [_node(), "--test", str(JS_TESTS / "tree.test.js")], capture_output=True, text=True, timeout=120, cwd=REPO,
        env={**os.environ, "NEXUS_ZONES_TREE_GOLDEN": str(golden)},
    )
    report = run.stdout + run.stderr
    failed = re.findall(r"^not ok \d+ - (.*)$", report, flags=re.M)
    assert run.returncode == 0 and not failed, f"node --test failed: {failed}\n{report[-4000:]}"
    passed = set(re.findall(r"^ok \d+ - (.*)$", report, flags=re.M))
    missing = [c["name"] for c in cases if f"tree: {c['name']}" not in passed]
    assert not missing, f"golden cases that no Node test checked: {missing}"
