"""Pure stages: no stage function changes the data it is given.

Every public function of the stage modules is wrapped; the wrapper deep-copies the frames, series,
arrays and containers it receives, calls the function and compares each argument with its copy.
A whole run (the grid study, then the demo) goes through the wrapped functions, so the check covers
every stage that the pipeline calls, not a chosen few; the test also asserts which stages were seen.
"""

from __future__ import annotations

import copy
import functools
import inspect
import sys
from types import ModuleType

import numpy as np
import pandas as pd
import pytest
import yaml

import nexus_zones
from nexus_zones import aggregate, indicators, maps, normalise, reconcile, report, rules, score, sensitivity, typology, weights
from nexus_zones.config import config_from_mapping
from nexus_zones.layers import KINDS

from .._support import fewer_draws

STAGES: tuple[ModuleType, ...] = (aggregate, reconcile, indicators, normalise, weights, rules, score, sensitivity, typology, maps, report, *KINDS.values())
#: stages every run of the grid study goes through (with the kinds of its layers); the demo's config adds similarity and profiles
MUST_SEE = {"aggregate", "reconcile", "indicators", "normalise", "score", "rules", "sensitivity", "weights", "maps", "report", "points", "table", "actors"}


def _same(before, after) -> bool:
    """Equal values, NaN equal to NaN, same index, columns and dtypes for frames."""
    if isinstance(before, (pd.DataFrame, pd.Series)):
        return type(before) is type(after) and before.equals(after) and getattr(before, "attrs", {}).keys() == getattr(after, "attrs", {}).keys()
    if isinstance(before, pd.Index):
        return before.equals(after)
    if isinstance(before, np.ndarray):
        return before.shape == after.shape and before.dtype == after.dtype and np.array_equal(before, after, equal_nan=before.dtype.kind in "fc")
    if isinstance(before, dict):
        return before.keys() == after.keys() and all(_same(before[k], after[k]) for k in before)
    if isinstance(before, (list, tuple)):
        return len(before) == len(after) and all(_same(a, b) for a, b in zip(before, after))
    return True  # scalars, specs and other immutable values


def _watched(value) -> bool:
    if isinstance(value, (pd.DataFrame, pd.Series, pd.Index, np.ndarray)):
        return True
    if isinstance(value, dict):
        return any(_watched(v) for v in value.values())
    if isinstance(value, (list, tuple)):
        return any(_watched(v) for v in value)
    return False


def _guard(fn, seen: set[str], changed: list[str]):
    module = fn.__module__.rsplit(".", 1)[-1]

    @functools.wraps(fn)
    def guarded(*args, **kwargs):
        bound = inspect.signature(fn).bind_partial(*args, **kwargs)
        watched = {name: value for name, value in bound.arguments.items() if _watched(value)}
        copies = {name: copy.deepcopy(value) for name, value in watched.items()}
        out = fn(*args, **kwargs)
        seen.add(module)
        changed.extend(f"{module}.{fn.__name__}({name})" for name, value in watched.items() if not _same(copies[name], value))
        return out

    return guarded


@pytest.fixture
def guarded_stages(monkeypatch):
    """Wrap every public function of the stage modules, wherever the package refers to it."""
    seen: set[str] = set()
    changed: list[str] = []
    wrappers = {}
    for module in STAGES:
        for name, fn in vars(module).items():
            if inspect.isfunction(fn) and fn.__module__ == module.__name__ and not name.startswith("_"):
                wrappers[fn] = _guard(fn, seen, changed)
    for mod_name, module in list(sys.modules.items()):
        if mod_name == "nexus_zones" or mod_name.startswith("nexus_zones."):
            for name, value in list(vars(module).items()):
                if inspect.isfunction(value) and value in wrappers:
                    monkeypatch.setattr(module, name, wrappers[value])
                elif isinstance(value, dict):  # registries of methods, e.g. weights.DATA_METHODS
                    for key, entry in list(value.items()):
                        if inspect.isfunction(entry) and entry in wrappers:
                            monkeypatch.setitem(value, key, wrappers[entry])
    return seen, changed


def test_no_stage_changes_its_inputs_on_the_grid(guarded_stages, grid_cfg, tmp_path):
    seen, changed = guarded_stages
    result = nexus_zones.run(config_from_mapping(grid_cfg), out_dir=tmp_path / "out")
    assert len(result.scores) == 4
    assert changed == []
    assert MUST_SEE <= seen, f"stages not exercised: {sorted(MUST_SEE - seen)}"


def test_no_stage_changes_its_inputs_on_the_demo(guarded_stages, demo_config, tmp_path):
    seen, changed = guarded_stages
    # every stage of the demo, the analyses with few draws: each draw calls the same stages again
    config = config_from_mapping(fewer_draws(yaml.safe_load(demo_config.read_text(encoding="utf-8"))), base_dir=demo_config.parent)
    result = nexus_zones.run(config, out_dir=tmp_path / "out")
    assert len(result.scores) == 5
    assert changed == []
    assert MUST_SEE | {"typology"} <= seen, f"stages not exercised: {sorted(MUST_SEE - seen)}"


def test_the_guard_sees_a_change(guarded_stages):
    """The check can fail: a function that writes into its argument is reported."""
    seen, changed = guarded_stages

    def clobber(frame: pd.DataFrame) -> None:
        frame.iloc[0, 0] = -1.0

    clobber.__module__ = "nexus_zones.score"
    _guard(clobber, seen, changed)(pd.DataFrame({"a": [1.0, 2.0]}))
    assert changed == ["score.clobber(frame)"]
