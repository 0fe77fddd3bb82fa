"""The package as a whole (:mod:`nexus_zones`): the test suite mirrors it (one test module per
package module, and none without one), its static files are package data, and the tests' own grid
fixture is what its docstring says."""

from __future__ import annotations

import ast
import collections
import fnmatch
import json
import tomllib
from pathlib import Path

import pytest
from shapely.geometry import box

from ._support import REPO, STATIC, grid_units


def test_box_is_used_only_for_fixture_sanity():
    # the fixture's units tile the square: areas sum to 4 and no overlaps
    units = grid_units()
    assert sum(g.area for g in units.geometry) == pytest.approx(4.0)
    assert units.geometry.union_all().equals(box(0, 0, 2, 2))
    assert json.dumps(list(units.index)) == '["A1", "A2", "B1", "B2"]'


def test_static_files_are_package_data() -> None:
    """Every file of page/static is matched by pyproject's package-data (so installed wheels carry it)."""
    config = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"]
    patterns = config["package-data"]["nexus_zones.page.static"]
    files = sorted(p.name for p in STATIC.iterdir() if p.is_file())
    assert files == ["app.css", "app.js", "kernel.js", "periods.js", "popup.js", "topology.js"]
    assert [f for f in files if not any(fnmatch.fnmatch(f, pat) for pat in patterns)] == []
    assert any(fnmatch.fnmatch("nexus_zones.page.static", pat) for pat in config["packages"]["find"]["include"])


# ----------------------------------------------------------------------- the suite mirrors the code

PACKAGE = REPO / "nexus_zones"
TESTS = REPO / "tests"
#: Scripts of the page that only run with a map and a DOM: Chromium drives them, in these modules.
IN_THE_BROWSER = {"app.js": "end_to_end/test_browser.py", "periods.js": "end_to_end/test_browser_periods.py"}


def _mirror(module: Path) -> Path:
    """The test module of a package module: ``nexus_zones/a/b.py`` -> ``tests/a/test_b.py`` (a leading
    underscore dropped, ``__init__.py`` -> ``test_package.py``); ``page/static/x.js`` -> ``tests/page/x.test.js``."""
    rel = module.relative_to(PACKAGE)
    if module.suffix == ".js":
        return TESTS / "page" / f"{module.stem}.test.js"
    name = "test_package.py" if module.name == "__init__.py" else f"test_{module.stem.lstrip('_')}.py"
    return TESTS.joinpath(*rel.parts[:-1], name)


def _package_modules() -> list[Path]:
    return sorted([*PACKAGE.rglob("*.py"), *(PACKAGE / "page" / "static").glob("*.js")])


def _mirrored_test_modules() -> list[Path]:
    """Every test module outside tests/end_to_end (which holds whole-program tests, mirroring nothing)."""
    found = [p for p in TESTS.rglob("test_*.py") if "end_to_end" not in p.relative_to(TESTS).parts]
    return sorted(found + list((TESTS / "page").glob("*.test.js")))


def test_every_package_module_has_its_test_module() -> None:
    missing = [
        f"{m.relative_to(REPO)} has no {_mirror(m).relative_to(REPO)}" for m in _package_modules()
        if not _mirror(m).is_file() and not (m.name in IN_THE_BROWSER and (TESTS / IN_THE_BROWSER[m.name]).is_file())
    ]
    assert not missing, "package modules without a test module:\n" + "\n".join(missing)


def test_every_test_module_mirrors_a_package_module() -> None:
    mirrors = {_mirror(m) for m in _package_modules()}
    # tests/page/test_x.py drives Node's tests of page/static/x.js from pytest
    drivers = {TESTS / "page" / f"test_{m.stem}.py" for m in _package_modules() if m.suffix == ".js"}
    stray = [str(p.relative_to(REPO)) for p in _mirrored_test_modules() if p not in mirrors | drivers]
    assert not stray, "test modules mirroring no package module (rename them, or move whole-program tests to tests/end_to_end):\n" + "\n".join(stray)


def test_the_mirror_rule_by_example(tmp_path: Path) -> None:
    assert _mirror(PACKAGE / "score.py") == TESTS / "test_score.py"
    assert _mirror(PACKAGE / "__init__.py") == TESTS / "test_package.py"
    assert _mirror(PACKAGE / "layers" / "_keyed.py") == TESTS / "layers" / "test_keyed.py"
    assert _mirror(PACKAGE / "layers" / "__init__.py") == TESTS / "layers" / "test_package.py"
    assert _mirror(PACKAGE / "page" / "static" / "kernel.js") == TESTS / "page" / "kernel.test.js"


def test_fixtures_and_helpers_are_defined_once() -> None:
    """No two fixtures of one name anywhere in tests/, and no helper function copied between modules
    (shared fixtures live in conftest.py, shared helpers in _support.py)."""
    fixtures, bodies = collections.defaultdict(list), collections.defaultdict(list)
    for path in sorted(TESTS.rglob("*.py")):
        where = str(path.relative_to(REPO))
        for node in ast.parse(path.read_text(encoding="utf-8")).body:
            if not isinstance(node, ast.FunctionDef) or node.name.startswith("test"):
                continue
            if any("fixture" in ast.unparse(d) for d in node.decorator_list):
                fixtures[node.name].append(where)
            else:
                bodies[ast.dump(ast.Module(body=node.body, type_ignores=[]))].append(f"{where}::{node.name}")
    twice = {name: places for name, places in fixtures.items() if len(places) > 1}
    copied = [places for places in bodies.values() if len({p.split("::")[0] for p in places}) > 1]
    assert not twice, f"fixtures defined more than once: {twice}"
    assert not copied, f"helpers copied between modules: {copied}"
