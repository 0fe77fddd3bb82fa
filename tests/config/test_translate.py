"""Pydantic's errors in the project's words (:mod:`nexus_zones.config.translate`): one table of config
mistakes, each coming back naming the key path, what was found, what is allowed and the fix."""

from __future__ import annotations

import copy
import re

import pytest

from nexus_zones.cli import main
from nexus_zones.config import Config, IndicatorSpec, load_config
from nexus_zones.errors import ConfigError
from nexus_zones.layers.points import PointsLayerSpec

from .._support import all_weights_zero, dropping, renaming, setting


# ------------------------------------------------------------------- 1. one table of config errors


def allowed(model) -> str:
    """The list of allowed keys an unknown-key message must give: every field of ``model``."""
    return "one of: " + ", ".join(sorted(model.model_fields))


CONFIG_ERRORS = [
    # mutation, every expected key path (the first is the one checked for fragments), fragments
    pytest.param(
        setting("indicator", {}), ["indicator"],
        ["unknown key 'indicator'", "(did you mean 'indicators'?)", allowed(Config), "rename or remove it"],
        id="unknown-top-level-key",
    ),
    pytest.param(
        renaming("indicators.health.weight", "weigth"), ["indicators.health.weigth", "indicators.health.weight"],
        ["unknown key 'weigth'", "(did you mean 'weight'?)", allowed(IndicatorSpec)],
        id="typo-key-in-indicator",
    ),
    pytest.param(
        setting("layers.events.typse", ["Battles"]), ["layers.events.typse"],
        ["unknown key 'typse'", "(did you mean 'types'?)", allowed(PointsLayerSpec)],
        id="unknown-key-in-points-layer",
    ),
    pytest.param(
        dropping("indicators.health.direction"), ["indicators.health.direction"],
        ["nothing (the key is missing)", "add direction: to the config"],
        id="missing-required-key",
    ),
    pytest.param(
        setting("indicators.health.normalisation", "min-max"), ["indicators.health.normalisation"],
        ["'min-max'", "(did you mean 'minmax'?)", "one of minmax, goalposts, rank"],
        id="bad-literal",
    ),
    pytest.param(
        setting("indicators.health.weight", -1), ["indicators.health.weight"],
        ["found -1", "expected a number of at least 0"],
        id="negative-weight",
    ),
    pytest.param(
        setting("indicators.health.weight", float("nan")), ["indicators.health.weight"],  # PyYAML writes `.nan`
        ["found nan", "a finite number (not NaN or infinity)"],
        id="nan-weight",
    ),
    pytest.param(
        all_weights_zero, ["indicators.*.weight"],
        ["found 0 for every indicator", "at least one positive weight", "weight above 0"],
        id="all-weights-zero",
    ),
    pytest.param(
        dropping("indicators.closed.goalposts"), ["indicators.closed.goalposts"],
        ["found nothing", "goalposts: [low, high] with normalisation goalposts", "add goalposts"],
        id="goalposts-missing",
    ),
    pytest.param(
        setting("indicators.closed.goalposts", [4, 0]), ["indicators.closed.goalposts"],
        ["found [4.0, 0.0]", "[low, high] with low < high"],
        id="goalposts-low-not-below-high",
    ),
    pytest.param(
        setting("indicators.health.measure", "service.health"), ["indicators.health.measure"],
        ["layer 'service'", "(did you mean 'services'?)", "events, services, forces, actors"],
        id="measure-of-unknown-layer",
    ),
    pytest.param(
        setting("indicators.closed.measure", "forces.closd"), ["indicators.closed.measure"],
        ["measure 'closd'", "(did you mean 'closed'?)", "a measure of layer 'forces': police, closed"],
        id="unknown-measure-of-table-layer",
    ),
    pytest.param(
        setting("rules.few_incidents", "incidents <="), ["rules.few_incidents.expr"],
        ["'incidents <='", "not a valid expression", "an expression such as"],
        id="rule-syntax-error",
    ),
    pytest.param(
        setting("rules.few_incidents", "__import__('os').getcwd() == 0"), ["rules.few_incidents.expr"],
        ["__import__('os').getcwd()", "is not allowed", "names, numbers, comparisons, and/or/not"],
        id="rule-calling-a-function",
    ),
    pytest.param(
        setting("rules.few_incidents", "incidnts <= 1"), ["rules.few_incidents.expr"],
        ["unknown indicator 'incidnts'", "(did you mean 'incidents'?)", "incidents, health, closed"],
        id="rule-naming-unknown-indicator",
    ),
    pytest.param(
        setting("layers.events.kind", "point"), ["layers.events.kind"],
        ["found 'point' (did you mean 'points'?)", "one of points, table, actors, raster", "set the layer's kind"],
        id="layer-unknown-kind",
    ),
    pytest.param(
        setting("layers.events.start", "2018-01-01"), ["layers.events.start"],
        ["found start 2018-01-01 after end 2017-12-31", "start on or before end"],
        id="points-start-after-end",
    ),
    pytest.param(
        setting("study.name", "grid study"), ["study.name"],
        ["'grid study'", "letters, digits, '_', '.' or '-', starting with a letter or digit"],
        id="study-name-with-space",
    ),
    pytest.param(
        setting("study.name", "grid/2017"), ["study.name"],
        ["'grid/2017'", "it names the output files"],
        id="study-name-with-slash",
    ),
]


@pytest.mark.parametrize(("mutate", "wheres", "fragments"), CONFIG_ERRORS)
def test_config_error_names_key_found_and_expected(grid_cfg, write_config, mutate, wheres, fragments):
    cfg = copy.deepcopy(grid_cfg)
    mutate(cfg)
    path = write_config(cfg)

    with pytest.raises(ConfigError, match=re.escape(wheres[0])) as excinfo:
        load_config(path)

    err = excinfo.value
    assert sorted(p.where for p in err.problems) == sorted(wheres)
    assert err.source == str(path)
    message = str(err)
    assert message.startswith(f"{path}: {len(wheres)} config problem")
    problem = str(next(p for p in err.problems if p.where == wheres[0]))
    for fragment in fragments:
        assert fragment in problem, f"{fragment!r} not in {problem!r}"
        assert fragment in message


def test_nan_weight_is_read_from_yaml_dot_nan(grid_cfg, write_config):
    cfg = copy.deepcopy(grid_cfg)
    cfg["indicators"]["incidents"]["weight"] = float("nan")
    path = write_config(cfg)
    assert "weight: .nan" in path.read_text(encoding="utf-8")

    with pytest.raises(ConfigError, match=r"indicators\.incidents\.weight: found nan") as excinfo:
        load_config(path)
    assert [p.where for p in excinfo.value.problems] == ["indicators.incidents.weight"]


def test_a_rule_cannot_run_code(grid_cfg, write_config, tmp_path, monkeypatch):
    marker = tmp_path / "pwned"
    monkeypatch.chdir(tmp_path)
    cfg = copy.deepcopy(grid_cfg)
    cfg["rules"]["few_incidents"] = f"__import__('os').system('touch {marker}') == 0"
    path = write_config(cfg)

    with pytest.raises(ConfigError, match=r"rules\.few_incidents\.expr: .*is not allowed"):
        load_config(path)
    code = main(["check", str(path)])

    assert code == 2
    assert not marker.exists()
