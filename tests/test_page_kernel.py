"""The page as a front end: its static files, and its JavaScript scoring kernel against the model.

* ``nexus_zones/page/static/`` holds the page's ``app.css``, the pure scoring kernel ``kernel.js``
  and the page's ``app.js``; :mod:`nexus_zones.maps` inlines them (one offline file).
* The kernel is checked by Node's own test runner (``tests/js/kernel.test.js``) against golden cases
  that the Python model writes afresh for every run (``tests/js/make_golden.py``), so the two
  languages cannot drift apart. This module runs ``node --test tests/js/`` so that pytest's summary
  covers it; without Node the test fails and says how to install it.
"""

from __future__ import annotations

import fnmatch
import importlib.util
import os
import re
import shutil
import subprocess
import tomllib
from pathlib import Path

import pytest

import nexus_zones
from nexus_zones import maps

REPO = Path(__file__).resolve().parent.parent
STATIC = REPO / "nexus_zones" / "page" / "static"
JS_TESTS = REPO / "tests" / "js"


def _make_golden():
    spec = importlib.util.spec_from_file_location("make_golden", JS_TESTS / "make_golden.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _node() -> str:
    node = shutil.which("node")
    if node is None:
        pytest.fail("node (20 or later) is needed for the page's kernel tests: `sudo apt-get install nodejs` (bash scripts/setup.sh --test does it)")
    return node


def test_node_kernel_reproduces_the_python_model(tmp_path: Path) -> None:
    """Every golden case the model writes is reproduced by kernel.js (Node's runner, to 1e-9)."""
    written = _make_golden().write_goldens(tmp_path / "golden")
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


def test_static_files_are_package_data() -> None:
    """Every file of page/static is matched by pyproject's package-data (so installed wheels carry it)."""
    config = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"]
    patterns = config["package-data"]["nexus_zones.page.static"]
    files = sorted(p.name for p in STATIC.iterdir() if p.is_file())
    assert files == ["app.css", "app.js", "kernel.js", "periods.js", "popup.js", "topology.js"]
    assert [f for f in files if not any(fnmatch.fnmatch(f, pat) for pat in patterns)] == []
    assert any(fnmatch.fnmatch("nexus_zones.page.static", pat) for pat in config["packages"]["find"]["include"])


def test_static_files_cannot_end_their_element() -> None:
    """Inlined in <script> and <style>, the files must not contain the tag that would close them."""
    for name, tag in (("app.js", "</script"), ("kernel.js", "</script"), ("topology.js", "</script"), ("periods.js", "</script"),
                      ("popup.js", "</script"), ("app.css", "</style")):
        assert tag not in (STATIC / name).read_text(encoding="utf-8").lower(), name
    # branca reads the page's script as a Jinja template again: no Jinja opener in the scripts
    for name in ("app.js", "kernel.js", "topology.js", "periods.js", "popup.js"):
        text = (STATIC / name).read_text(encoding="utf-8")
        assert not any(opener in text for opener in ("{{", "{%", "{#")), name


def test_page_inlines_the_static_files_once(tmp_path: Path) -> None:
    """The map is one file: style, kernel and app inlined verbatim, once, and the app started once."""
    demo = nexus_zones.run(REPO / "configs" / "demo.yaml", write=False)
    page = maps.build_map(demo, offline=True)
    for name in ("app.css", "kernel.js", "topology.js", "popup.js", "app.js"):
        text = (STATIC / name).read_text(encoding="utf-8")
        assert page.count(text) == 1, name
    assert page.count("nexusZonesApp(map_") == 1
    assert page.index("var NexusKernel =") < page.index("function nexusZonesApp(") < page.index("nexusZonesApp(map_")
    assert not re.search(r"<(script|link)[^>]+(src|href)=\"https?:", page)
