"""The package as a whole (:mod:`nexus_zones`): the test suite mirrors it (one test module per
package module, and none without one), its static files are package data, and the tests' own grid
fixture is what its docstring says."""

from __future__ import annotations

import fnmatch
import json
import tomllib

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
