"""The page as a front end: its static files, and its JavaScript scoring kernel against the model.

* ``nexus_zones/page/static/`` holds the page's ``app.css``, the pure scoring kernel ``kernel.js``
  and the page's ``app.js``; :mod:`nexus_zones.maps` inlines them (one offline file).
* The kernel is checked by Node's own test runner (``tests/page/kernel.test.js``) against golden cases
  that the Python model writes afresh for every run (``tests/page/make_golden.py``), so the two
  languages cannot drift apart. This module runs ``node --test tests/page/`` so that pytest's summary
  covers it; without Node the test fails and says how to install it.
"""

from __future__ import annotations

import importlib.util
import os
import re
import subprocess
from pathlib import Path

from .._support import JS_TESTS, REPO, _node


def _make_golden():
    spec = importlib.util.spec_from_file_location("make_golden", JS_TESTS / "make_golden.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_node_kernel_reproduces_the_python_model(demo_result, tmp_path: Path) -> None:
    """Every golden case the model writes is reproduced by kernel.js (Node's runner, to 1e-9)."""
    written = _make_golden().write_goldens(tmp_path / "golden", demo_result)
    names = sorted(p.stem for p in written)
    assert {"colours", "demo_page_data"} <= set(names) and len(names) >= 3 * 11  # eleven scenarios × three aggregations
    run = subprocess.run(
        [_node(), "--test", str(JS_TESTS)], capture_output=True, text=True, timeout=300, cwd=REPO,
        env={**os.environ, "NEXUS_ZONES_GOLDEN": str(tmp_path / "golden")},
    )
    report = run.stdout + run.stderr
    failed = re.findall(r"^not ok \d+ - (.*)$", report, flags=re.M)
    assert run.returncode == 0 and not failed, f"node --test failed: {failed}\n{report[-4000:]}"
    passed = set(re.findall(r"^ok \d+ - (.*)$", report, flags=re.M))
    missing = [n for n in names if n != "colours" and f"scores, ranks and colours: {n}" not in passed]
    assert not missing, f"golden cases that no Node test checked: {missing}"
    assert "colours on a grid of values, every class count" in passed
