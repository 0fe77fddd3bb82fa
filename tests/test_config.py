"""The YAML config (:mod:`nexus_zones.config`) as a user meets it.

Every config mistake must come back as one :class:`ConfigError` whose problems name the key path,
what was found, what is allowed and (where there is one) the fix or a "did you mean"; paths are
relative to the config file; YAML is loaded safely and contrived input (huge, deeply nested, alias
bombs, very long rules and labels) is refused by a size or depth check before the costly step;
cross-field checks (pillars, number spellings, weights, which rules depend on a measure).
"""

from __future__ import annotations

import copy
import json
import os
import re
import types
import typing
from pathlib import Path
from typing import Annotated, Any, Callable, Union

import pytest
import yaml
from pydantic import BaseModel

import nexus_zones
import nexus_zones.layers
from nexus_zones import config as config_mod, pipeline, report
from nexus_zones.cli import main
from nexus_zones.config import Config, config_from_mapping, IndicatorSpec, load_config, measure_dependents, PointsLayerSpec
from nexus_zones.errors import ConfigError
from nexus_zones.rules import MAX_RULE_DEPTH

from ._support import REPO, _demo_config, _run


def test_config_pillars_must_cover_every_indicator(grid_cfg):
    cfg = json.loads(json.dumps(grid_cfg))
    cfg["model"] = {"pillars": {"security": {"indicators": ["incidents", "incidnts"], "weight": 1}}}
    with pytest.raises(nexus_zones.ConfigError) as err:
        config_from_mapping(cfg)
    text = str(err.value)
    assert "model.pillars.security.indicators: found 'incidnts' (did you mean 'incidents'?)" in text
    assert "model.pillars: found indicators in no pillar: health, closed" in text


def test_year_window_and_per_year(grid_cfg):
    cfg = json.loads(json.dumps(grid_cfg))
    cfg["layers"]["events"].pop("start")
    cfg["layers"]["events"].pop("end")
    cfg["layers"]["events"]["year"] = 2017
    cfg["indicators"]["incidents"]["per_year"] = True
    result = nexus_zones.run(config_from_mapping(cfg), write=False)
    assert result.values.loc["A1", "incidents"] == 3 / 1  # one whole calendar year
    bad = json.loads(json.dumps(cfg))
    bad["indicators"]["health"]["per_year"] = True
    with pytest.raises(nexus_zones.ConfigError, match=r"indicators.health.per_year: found true; expected a measure of a points layer with both ends"):
        config_from_mapping(bad)


def setting(dotted: str, value: Any) -> Callable[[dict], None]:
    """A mutation setting ``a.b.c`` of a config mapping to ``value``."""

    def mutate(cfg: dict) -> None:
        *parents, key = dotted.split(".")
        node = cfg
        for part in parents:
            node = node[part]
        node[key] = value

    return mutate


def dropping(dotted: str) -> Callable[[dict], None]:
    """A mutation removing the key ``a.b.c`` of a config mapping."""

    def mutate(cfg: dict) -> None:
        *parents, key = dotted.split(".")
        node = cfg
        for part in parents:
            node = node[part]
        del node[key]

    return mutate


def renaming(dotted: str, new_key: str) -> Callable[[dict], None]:
    """A mutation renaming the key ``a.b.c`` to ``new_key`` (a typo)."""

    def mutate(cfg: dict) -> None:
        *parents, key = dotted.split(".")
        node = cfg
        for part in parents:
            node = node[part]
        node[new_key] = node.pop(key)

    return mutate


def all_weights_zero(cfg: dict) -> None:
    for indicator in cfg["indicators"].values():
        indicator["weight"] = 0


def config_error(write_config, cfg: dict, match: str) -> ConfigError:
    """Write ``cfg`` as YAML, load it and return the ConfigError (which must match ``match``)."""
    path = write_config(cfg)
    with pytest.raises(ConfigError, match=match) as excinfo:
        load_config(path)
    return excinfo.value


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


# --------------------------------------------------------------------- 2. every problem at once


def test_three_schema_problems_come_in_one_error(grid_cfg, write_config):
    cfg = copy.deepcopy(grid_cfg)
    cfg["indicator"] = {}
    cfg["indicators"]["health"]["weight"] = -1
    cfg["study"]["name"] = "grid study"

    err = config_error(write_config, cfg, match=r": 3 config problems:")

    assert sorted(p.where for p in err.problems) == ["indicator", "indicators.health.weight", "study.name"]
    message = str(err)
    assert message.count("\n  - ") == 3
    assert "did you mean 'indicators'?" in message and "found -1" in message and "'grid study'" in message


def test_three_cross_field_problems_come_in_one_error(grid_cfg, write_config):
    cfg = copy.deepcopy(grid_cfg)
    cfg["indicators"]["closed"]["measure"] = "forcs.closed"
    cfg["rules"]["few_incidents"] = "incidnts <= 1"
    cfg["rules"]["police"] = "forces.police >"

    err = config_error(write_config, cfg, match=r": 3 config problems:")

    assert [p.where for p in err.problems] == ["indicators.closed.measure", "rules.few_incidents.expr", "rules.police.expr"]
    message = str(err)
    assert "did you mean 'forces'?" in message
    assert "did you mean 'incidents'?" in message
    assert "'forces.police >' is not a valid expression (invalid syntax at the end)" in message


def test_schema_and_reference_problems_come_in_one_error(grid_cfg, write_config):
    cfg = copy.deepcopy(grid_cfg)
    cfg["indicators"]["health"]["weight"] = -1  # schema
    cfg["indicators"]["closed"]["measure"] = "forcs.closed"  # reference to an unknown layer

    err = config_error(write_config, cfg, match=r"indicators\.health\.weight")

    assert sorted(p.where for p in err.problems) == ["indicators.closed.measure", "indicators.health.weight"]


# ------------------------------------------------------------------------------ 3. YAML itself


def test_invalid_yaml_gives_line_and_column(tmp_path):
    path = tmp_path / "broken.yaml"
    path.write_text("study:\n  name: grid\n  title: Grid: study\n", encoding="utf-8")  # 2nd ":" is line 3, column 14

    with pytest.raises(ConfigError, match=r"line 3, column 14: found invalid YAML \(mapping values are not allowed here\)") as excinfo:
        load_config(path)

    assert [p.where for p in excinfo.value.problems] == ["line 3, column 14"]
    assert str(path) in str(excinfo.value)


def test_duplicate_keys_are_refused(tmp_path):
    path = tmp_path / "dup.yaml"
    path.write_text("study:\n  name: grid\n  title: A\n  name: other\n", encoding="utf-8")

    with pytest.raises(ConfigError, match=r"line 4, column 3: .*duplicate key 'name' \(first on line 2\)"):
        load_config(path)


def test_missing_config_file_names_the_path(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    path = tmp_path / "nowhere" / "study.yaml"

    with pytest.raises(ConfigError, match=re.escape(str(path))) as excinfo:
        load_config(path)

    (problem,) = excinfo.value.problems
    assert (problem.where, problem.found) == ("file", "no such file")
    assert f"working folder: {tmp_path}" in problem.fix


def test_yaml_is_loaded_safely(tmp_path, monkeypatch):
    marker = tmp_path / "pwned"
    monkeypatch.chdir(tmp_path)
    path = tmp_path / "evil.yaml"
    path.write_text(f"study: !!python/object/apply:os.system ['touch {marker}']\n", encoding="utf-8")

    with pytest.raises(ConfigError, match=r"found a YAML tag that is not allowed \('tag:yaml.org,2002:python/object/apply:os\.system'\).*Fix: remove the tag"):
        load_config(path)

    assert not marker.exists()


# ------------------------------------------------------------------- 4. paths and the config file


def _relative_config(grid_cfg: dict, grid_files: dict[str, Path]) -> dict:
    cfg = copy.deepcopy(grid_cfg)
    cfg["study"]["boundaries"]["path"] = f"../inputs/{grid_files['boundaries'].name}"
    for layer in ("events", "services", "forces", "actors"):
        cfg["layers"][layer]["path"] = f"../inputs/{grid_files[layer].name}"
    return cfg


def test_relative_paths_are_relative_to_the_config_file(grid_cfg, grid_files, write_config, tmp_path, monkeypatch):
    (tmp_path / "configs").mkdir()
    write_config(_relative_config(grid_cfg, grid_files), "configs/study.yaml")
    elsewhere = tmp_path / "elsewhere" / "deeper"  # from here ../inputs does not exist
    elsewhere.mkdir(parents=True)
    monkeypatch.chdir(elsewhere)
    relative = Path("..", "..", "configs", "study.yaml")

    config = load_config(relative)
    report = pipeline.check(relative)

    assert config.study.boundaries.path == grid_files["boundaries"].resolve()
    for layer in ("events", "services", "forces", "actors"):
        assert config.layers[layer].path == grid_files[layer].resolve()
    assert report.ok, report.problems


def test_absolute_paths_are_kept(grid_cfg, grid_files, write_config, tmp_path, monkeypatch):
    assert all(Path(p).is_absolute() for p in grid_files.values())
    (tmp_path / "configs").mkdir()
    path = write_config(grid_cfg, "configs/study.yaml")
    monkeypatch.chdir(tmp_path / "configs")

    config = load_config(path)
    report = pipeline.check(path)

    assert config.study.boundaries.path == grid_files["boundaries"].resolve()
    assert config.layers["events"].path == grid_files["events"].resolve()
    assert report.ok, report.problems


def test_config_decimal_and_thousands_must_differ(grid_cfg):
    cfg = copy.deepcopy(grid_cfg)
    cfg["layers"]["forces"].update(decimal=",", thousands=",")
    cfg["layers"]["events"].update(decimal=".", thousands=".")
    with pytest.raises(ConfigError) as info:
        config_from_mapping(cfg)
    text = str(info.value)
    assert "layers.forces.thousands: found ',', the same as decimal; expected a thousands separator other than the decimal mark" in text
    assert "layers.events.thousands: found '.', the same as decimal" in text
    cfg["layers"]["forces"].update(decimal=",", thousands=" ", whole_numbers=["closd"])
    cfg["layers"]["events"].update(decimal=None, thousands=".")
    with pytest.raises(ConfigError, match=r"layers\.forces\.whole_numbers: found 'closd' \(did you mean 'closed'\?\); expected a measure of this layer: police, closed"):
        config_from_mapping(cfg)


# ------------------------------------------------------------------- 9. contrived input


def _contrived(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "contrived.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def _demo_text(tmp_path: Path) -> str:
    return _demo_config(tmp_path).read_text(encoding="utf-8")


def _health_categories(text: str, value: str) -> str:
    """The demo config's text with ``layers.services.categories.health`` set to ``value`` (YAML text)."""
    changed, n = re.subn(r"health:\n\s*- Centre de santé\n", f"health: {value}\n", text, count=1)
    assert n == 1
    return changed


def _refused(path: Path, key: str, monkeypatch) -> str:
    """Load ``path``; it must be a ConfigError naming ``key``, of bounded size, refused before the
    config is validated (the costly walk)."""
    monkeypatch.setattr(config_mod, "config_from_mapping", lambda *a, **k: pytest.fail("validated a contrived config"))
    with pytest.raises(ConfigError) as info:
        load_config(path)
    message = str(info.value)
    assert f"\n  - {key}" in message, message
    assert len(message) < 2_000
    return message


def test_huge_config_refused_by_size_before_parsing(tmp_path, monkeypatch):
    path = _contrived(tmp_path, _demo_text(tmp_path))
    with open(path, "r+b") as fh:
        fh.seek(0, os.SEEK_END)
        fh.write(b"\n# padding\n")
        fh.truncate(50_000_000)  # 50 MB
    monkeypatch.setattr(config_mod.yaml, "load", lambda *a, **k: pytest.fail("parsed a 50 MB config"))
    message = _refused(path, "file: found 50.0 MB; expected a config of at most 1 MB", monkeypatch)
    assert "Fix: " in message


def test_deeply_nested_lists_refused_naming_the_key(tmp_path, monkeypatch):
    text = _health_categories(_demo_text(tmp_path), "[" * 10_000 + "]" * 10_000)
    message = _refused(_contrived(tmp_path, text), "layers.services.categories.health[0]... (line 4", monkeypatch)
    assert f"found values nested more than {config_mod.MAX_DEPTH} levels deep" in message


def test_billion_laughs_in_a_label_refused_naming_the_key(tmp_path, monkeypatch):
    anchors = "lol0: &l0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n" + "".join(
        f"lol{i}: &l{i} [{', '.join([f'*l{i - 1}'] * 9)}]\n" for i in range(1, 9))
    text = _demo_text(tmp_path).replace("\nindicators:", f"\n{anchors}indicators:", 1)
    text = text.replace("label:\n      en: Health centres\n      fr: Centres de santé", "label: *l8")
    assert "label: *l8" in text
    message = _refused(_contrived(tmp_path, text), "indicators.health_facilities.label: found values that expand to", monkeypatch)
    assert f"{9 ** 9 + sum(9 ** k for k in range(9)):,} items through aliases" in message  # 9^9 lols under 1 + 9 + ... + 9^8 lists


def test_an_alias_inside_its_own_anchor_is_refused(tmp_path, monkeypatch):
    text = _health_categories(_demo_text(tmp_path), "&loop [a, *loop]")
    _refused(_contrived(tmp_path, text), "layers.services.categories.health", monkeypatch)


def test_a_100_000_character_label_is_refused_quoting_little(tmp_path, monkeypatch):
    label = "Centres de santé " * 6_000
    text = _demo_text(tmp_path).replace("label:\n      en: Health centres\n      fr: Centres de santé", f"label: '{label}'")
    message = _refused(_contrived(tmp_path, text), f"indicators.health_facilities.label: found a text of {len(label):,} characters", monkeypatch)
    assert message.count("Centres de santé") <= 80 // len("Centres de santé") + 1


@pytest.mark.parametrize("expr, found", [
    ("(" * 10_000 + "incidents <= 5" + ")" * 10_000, "has 20,014 characters, more than the 1,000"),
    (" and ".join(["incidents <= 5"] * 7_000), f"has {7_000 * 14 + 6_999 * 5:,} characters"),
    ("(" * 200 + "incidents <= 5" + ")" * 200, f"nests parentheses 200 deep, more than {MAX_RULE_DEPTH}"),
    ("not " * 240 + "incidents", f"nested more than {MAX_RULE_DEPTH} operations deep"),
    ("-" * 900 + "incidents <= 5", f"nested more than {MAX_RULE_DEPTH} operations deep"),
])
def test_contrived_rules_are_config_errors(expr, found, tmp_path, capsys):
    """Through the CLI: each is exit code 2 naming the rule's key, in under 2,000 characters."""
    cfg = _demo_config(tmp_path, **{"rules.few_incidents.expr": expr})
    if len(expr) > config_mod.MAX_TEXT:  # a text this long is refused while reading the YAML already
        found = f"found a text of {len(expr):,} characters"
    code, err = _run(cfg, tmp_path / "out", capsys)
    assert code == 2
    assert "rules.few_incidents.expr: found " in err and found in err, err
    assert len(err) < 2_000


def test_many_problems_make_a_bounded_message(tmp_path):
    text = _demo_text(tmp_path) + "".join(f"unknown_key_{i}: 1\n" for i in range(5_000))
    with pytest.raises(ConfigError) as info:
        load_config(_contrived(tmp_path, text))
    message = str(info.value)
    assert "5000 config problems" in message and "and 4970 more problems" in message
    assert message.count("\n  - ") == 31 and len(message) < 31 * 700


def test_which_rules_and_indicators_depend_on_a_measure():
    cfg = yaml.safe_load((REPO / "configs" / "demo.yaml").read_text(encoding="utf-8"))
    cfg["indicators"]["fatalities"]["weight"] = 0  # no longer counts
    cfg["rules"]["deadly"] = "fatalities < 10"  # but a rule reads it
    config = config_from_mapping(cfg, base_dir=REPO / "configs")
    deps = measure_dependents(config)
    assert deps["incidents.count"] == ["indicators.incidents (weight 3)", "rules.few_incidents ('incidents <= 5')"]
    assert deps["incidents.fatalities"] == ["rules.deadly ('fatalities < 10')"]
    assert deps["forces.police"] == ["rules.forces_present ('forces.police and forces.gendarmerie and forces.military')"]
    assert "units.area_km2" not in deps


def test_pillar_weights_of_absurd_scale_are_refused():
    cfg = yaml.safe_load((REPO / "configs" / "demo.yaml").read_text(encoding="utf-8"))
    names = list(cfg["indicators"])
    cfg["model"]["pillars"] = {"security": {"indicators": names[:2], "weight": 1e9}, "rest": {"indicators": names[2:], "weight": 1}}
    with pytest.raises(ConfigError, match=r"model\.pillars\.\*\.weight: found model\.pillars\.security\.weight = 1e\+09 beside model\.pillars\.rest\.weight = 1"):
        config_from_mapping(cfg, base_dir=REPO / "configs")


def test_a_deleted_list_outside_the_config_folder_is_said_with_the_other_inputs(grid_cfg, tmp_path, caplog):
    """The log of paths outside the config's folder names every file a layer reads (its input_paths), not only ``path``."""
    import logging

    listed = tmp_path / "elsewhere" / "deleted.csv"
    listed.parent.mkdir()
    listed.write_text("event_id_cnty\nMLI3\n")
    (tmp_path / "configs").mkdir()
    config = tmp_path / "configs" / "c.yaml"
    cfg = copy.deepcopy(grid_cfg)
    cfg["layers"]["events"]["deleted"] = "../elsewhere/deleted.csv"
    config.write_text(yaml.safe_dump(cfg), encoding="utf-8")
    with caplog.at_level(logging.INFO, logger="nexus_zones"):
        loaded = load_config(config)
    assert loaded.layers["events"].deleted == listed.resolve()
    said = [r.getMessage() for r in caplog.records if "outside the config's folder" in r.getMessage()]
    assert len(said) == 1 and str(listed.resolve()) in said[0]


# ------------------------------------------------------------------ the data folder and --data-dir


def test_a_missing_data_folder_names_data_dir_as_the_fix(tmp_path, grid_cfg):
    """A config whose data_dir does not exist says to run with --data-dir (the README's first-hour case)."""
    cfg = json.loads(json.dumps(grid_cfg))
    cfg["data_dir"] = "downloads"
    with pytest.raises(ConfigError) as err:
        config_from_mapping(cfg, base_dir=tmp_path)
    (problem,) = err.value.problems
    assert problem.where == "data_dir"
    assert problem.found == f"{str(tmp_path / 'downloads')!r}, which is not a folder"
    assert "run with --data-dir FOLDER" in problem.fix and "absolute path" in problem.fix


def test_a_missing_data_dir_option_names_the_working_folder(tmp_path, grid_cfg, capsys):
    """``--data-dir`` naming no folder: the CLI's paragraph names the option, and relative paths' base."""
    config = tmp_path / "study.yaml"
    config.write_text(yaml.safe_dump(grid_cfg), encoding="utf-8")
    code = main(["check", str(config), "--data-dir", str(tmp_path / "nowhere")])
    err = capsys.readouterr().err
    assert code == 2
    assert "--data-dir: found" in err and "which is not a folder" in err
    assert f"give --data-dir the folder that holds the input files (an absolute path, or relative to the working folder {Path.cwd()})" in err


# ------------------------------------------------------------------ weights pasted from the map


def test_a_weights_block_replaces_only_the_weights(grid_cfg):
    """``weights:`` (the map's "Copy as YAML") sets the weights it names; every other key of the indicators stays."""
    cfg = json.loads(json.dumps(grid_cfg))
    plain = config_from_mapping(cfg)
    cfg["weights"] = {"incidents": 5, "health": 0}
    pasted = config_from_mapping(cfg)
    assert pasted.indicator_weights() == {**plain.indicator_weights(), "incidents": 5.0, "health": 0.0}
    assert {n: i.model_dump(exclude={"weight"}) for n, i in pasted.indicators.items()} == {
        n: i.model_dump(exclude={"weight"}) for n, i in plain.indicators.items()
    }
    assert pasted.weights is None  # consumed: each weight is held once, so with_weights changes it
    assert pasted.with_weights({"incidents": 2}).indicator_weights()["incidents"] == 2.0


def test_a_pillar_weights_block_replaces_the_pillars_weights(grid_cfg):
    cfg = json.loads(json.dumps(grid_cfg))
    cfg["model"] = {"pillars": {"security": {"indicators": ["incidents", "closed"], "weight": 2}, "services": {"indicators": ["health"], "weight": 1}}}
    cfg["pillar_weights"] = {"services": 3}
    config = config_from_mapping(cfg)
    assert config.pillar_weights() == {"security": 2.0, "services": 3.0}
    assert config.model.pillars["services"].indicators == ["health"]


@pytest.mark.parametrize(
    ("key", "block", "found"),
    [
        ("weights", {"incidnts": 1}, "'incidnts' (did you mean 'incidents'?)"),
        ("pillar_weights", {"security": 1}, "'security'"),
    ],
)
def test_a_weights_block_naming_nothing_known_is_an_error(grid_cfg, key, block, found):
    cfg = json.loads(json.dumps(grid_cfg))
    cfg[key] = block
    with pytest.raises(ConfigError) as err:
        config_from_mapping(cfg)
    (problem,) = err.value.problems
    assert (problem.where, problem.found) == (key, found)


def test_a_weights_block_is_checked_like_weights(grid_cfg):
    cfg = json.loads(json.dumps(grid_cfg))
    cfg["weights"] = {"incidents": -1}
    with pytest.raises(ConfigError, match=r"indicators\.incidents\.weight: found -1"):
        config_from_mapping(cfg)


# ------------------------------------------------------------------ the reference: docs/config.md


def _models_in(annotation: Any) -> list[type[BaseModel]]:
    """The pydantic models an annotation holds (inside dicts, lists, unions, Annotated)."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [annotation]
    return [m for arg in typing.get_args(annotation) for m in _models_in(arg)]


def _holds_many(annotation: Any) -> bool:
    """True where a field holds models by name or in a list (``indicators``, ``periods``): their keys are written ``.*.``."""
    origin = typing.get_origin(annotation)
    if origin is Annotated:
        return _holds_many(typing.get_args(annotation)[0])
    if origin in (dict, list):
        return True
    return origin in (Union, types.UnionType) and any(_holds_many(arg) for arg in typing.get_args(annotation))


def _schema_keys(model: type[BaseModel], prefix: str = "") -> set[str]:
    """Every key a config may hold, as docs/config.md writes it: dotted paths, ``*`` for a chosen name or
    a list's item, ``layers.*[kind].key`` for each kind of the registry."""
    keys: set[str] = set()
    for name, field in model.model_fields.items():
        key = prefix + (field.alias or name)
        if config_mod._RegisteredLayer in typing.get_args(field.annotation):
            for kind, spec in config_mod.layer_kinds().items():
                keys |= _schema_keys(spec, f"{key}.*[{kind}].")
            continue
        models = _models_in(field.annotation)
        if not models:
            keys.add(key)
        for sub in models:
            keys |= _schema_keys(sub, key + (".*." if _holds_many(field.annotation) else "."))
    return keys


def _documented_keys(text: str) -> list[str]:
    """The keys of the tables headed ``| key | default | meaning |``: the first cell, in backticks;
    ``layers.*[points,table].x`` stands for ``layers.*[points].x`` and ``layers.*[table].x``."""
    keys: list[str] = []
    in_table = False
    for line in text.splitlines():
        if line.startswith("| key | default | meaning |"):
            in_table = True
            continue
        if not line.startswith("|"):
            in_table = False
        if not in_table or line.startswith("| ---"):
            continue
        cell = re.fullmatch(r"\| `([^`]+)` \|.*", line)
        assert cell, f"docs/config.md: a row of a key table whose first cell is not a key in backticks: {line}"
        kinds = re.search(r"\[([a-z_,]+)\]", cell.group(1))
        spelled = [cell.group(1).replace(kinds.group(0), f"[{k}]") for k in kinds.group(1).split(",")] if kinds else [cell.group(1)]
        keys += spelled
    return keys


def test_the_schema_walk_finds_the_keys_a_config_is_written_with():
    """The walk itself: nested models, named items, list items, every registered kind, aliases."""
    keys = _schema_keys(Config)
    assert {"robustness.top_k", "study.boundaries.id_column", "indicators.*.weight", "model.pillars.*.weight", "periods.*.as_of",
            "layers.*[points].match.*.contains", "layers.*[raster].period_paths", "pillar_weights", "weights"} <= keys
    assert {key.split("[")[1].split("]")[0] for key in keys if key.startswith("layers.*[")} == set(nexus_zones.layers.KINDS)
    assert not any(key in keys for key in ("study", "study.boundaries", "layers", "indicators", "model", "pillar_weight_overrides"))


def test_the_doc_parser_reads_key_rows_and_expands_kinds():
    text = "| key | default | meaning |\n| --- | --- | --- |\n| `a.b` | 1 | x |\n| `layers.*[points,table].path` | required | y |\n\n| `not.a.key` |"
    assert _documented_keys(text) == ["a.b", "layers.*[points].path", "layers.*[table].path"]


def test_docs_config_documents_every_key_of_the_schema_and_no_other():
    """docs/config.md is the config reference: a key added to the schema needs its line there, and a
    line there for a key that does not exist (renamed, removed, misspelt) fails too."""
    documented = _documented_keys((REPO / "docs" / "config.md").read_text(encoding="utf-8"))
    schema = _schema_keys(Config)
    repeated = sorted({key for key in documented if documented.count(key) > 1})
    assert not repeated, f"documented twice in docs/config.md: {repeated}"
    assert not sorted(schema - set(documented)), f"keys of the config schema missing from docs/config.md: {sorted(schema - set(documented))}"
    assert not sorted(set(documented) - schema), f"docs/config.md documents keys the schema does not have: {sorted(set(documented) - schema)}"


def test_a_weights_block_has_one_spelling_and_leaves_no_trace_in_the_config(grid_cfg):
    cfg = json.loads(json.dumps(grid_cfg))
    cfg["pillar_weight_overrides"] = {"security": 1}  # the attribute's name is not a key of the YAML
    with pytest.raises(ConfigError, match="unknown key 'pillar_weight_overrides'"):
        config_from_mapping(cfg)
    cfg = {**json.loads(json.dumps(grid_cfg)), "weights": {"incidents": 5}}
    dumped = config_from_mapping(cfg).model_dump(mode="json")
    assert "weights" not in dumped and "pillar_weight_overrides" not in dumped and dumped["indicators"]["incidents"]["weight"] == 5


# ------------------------------------------------------- issue 19: decision keys checked before any draw


def test_decision_keys_naming_no_measure_or_colliding_are_config_errors(grid_cfg):
    cfg = json.loads(json.dumps(grid_cfg))
    cfg["data_uncertainty"] = {"draws": 10, "margins": {"events.cont": 0.1, "evnts.count": 0.1}}
    cfg["stakeholders"] = {"sets": {"participants": {"incidents": 1}}, "participants": ["nz1.eyJ3Ijp7ImluY2lkZW50cyI6MS4wfX0"]}
    with pytest.raises(ConfigError) as err:
        config_from_mapping(cfg)
    text = str(err.value)
    assert "data_uncertainty.margins.events.cont: found 'events.cont': layer 'events' has no measure 'cont' (did you mean 'count'?)" in text
    assert "data_uncertainty.margins.evnts.count: found 'evnts.count' names unknown layer 'evnts' (did you mean 'events'?)" in text
    assert "stakeholders.pooled_name: found 'participants', also the name of a set in stakeholders.sets" in text


def test_periods_must_run_from_oldest_to_newest(grid_cfg):
    cfg = json.loads(json.dumps(grid_cfg))
    cfg["periods"] = [2017, {"name": "h1", "start": "2016-01-01", "end": "2016-06-30"}]
    with pytest.raises(ConfigError, match=re.escape("periods[1]: found 'h1' (2016-06-30) listed after '2017' (2017-12-31); expected periods from the oldest")):
        config_from_mapping(cfg)
    cfg["periods"] = [{"name": "h1", "start": "2016-01-01", "end": "2016-06-30"}, 2017]
    assert [p.name for p in config_from_mapping(cfg).periods] == ["h1", "2017"]


def test_stakeholders_labels_name_known_sets_and_count_as_texts(grid_cfg):
    """Weight sets are shown by their label in the page's language; a label naming no set is an error,
    and a set with no French label is named in the French run's LanguageWarning."""
    from nexus_zones.config import untranslated_texts

    cfg = json.loads(json.dumps(grid_cfg))
    cfg["stakeholders"] = {"sets": {"peace": {"incidents": 1}, "aid": {"health": 1}}, "labels": {"peace": {"fr": "paix", "en": "peace"}}}
    cfg["language"] = "fr"
    config = config_from_mapping(cfg)
    assert [key for key, _ in untranslated_texts(config) if key.startswith("stakeholders")] == ["stakeholders.labels.aid"]
    cfg["stakeholders"]["labels"]["piece"] = "x"
    with pytest.raises(ConfigError, match=r"stakeholders\.labels\.piece: found 'piece', which names no weight set \(did you mean 'peace'\?\)"):
        config_from_mapping(cfg)


@pytest.mark.parametrize("name", ["Few_Incidents", "few_incidnts"])
def test_a_pilots_requirement_naming_no_rule_is_a_config_error(grid_cfg, name):
    """A bare name under pilots.require that is not a rule (another case, a typo) was an internal KeyError (exit 3)."""
    cfg = json.loads(json.dumps(grid_cfg))
    cfg["rules"] = {"few_incidents": {"expr": "events.count <= 5"}}
    cfg["pilots"] = {"k": 1, "require": [name]}
    with pytest.raises(ConfigError, match=rf"pilots\.require\[0\]: found '{name}', which names no rule \(did you mean 'few_incidents'\?"):
        config_from_mapping(cfg)
