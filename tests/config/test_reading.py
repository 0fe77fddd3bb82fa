"""A config from YAML or a mapping (:mod:`nexus_zones.config.reading`) as a user meets it: every
problem at once, YAML loaded safely, paths relative to the config file, contrived input refused by a
size or depth check before the costly step, the data folder, copies with other weights."""

from __future__ import annotations

import copy
import json
import os
import re
from pathlib import Path

import pytest
import yaml

from nexus_zones import pipeline, report
from nexus_zones.cli import main
from nexus_zones.config import config_from_mapping, load_config, reading
from nexus_zones.errors import ConfigError
from nexus_zones.rules import MAX_RULE_DEPTH

from .._support import _demo_config, _run, config_error


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
    monkeypatch.setattr(reading, "config_from_mapping", lambda *a, **k: pytest.fail("validated a contrived config"))
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
    monkeypatch.setattr(reading.yaml, "load", lambda *a, **k: pytest.fail("parsed a 50 MB config"))
    message = _refused(path, "file: found 50.0 MB; expected a config of at most 1 MB", monkeypatch)
    assert "Fix: " in message


def test_deeply_nested_lists_refused_naming_the_key(tmp_path, monkeypatch):
    text = _health_categories(_demo_text(tmp_path), "[" * 10_000 + "]" * 10_000)
    message = _refused(_contrived(tmp_path, text), "layers.services.categories.health[0]... (line 4", monkeypatch)
    assert f"found values nested more than {reading.MAX_DEPTH} levels deep" in message


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
    if len(expr) > reading.MAX_TEXT:  # a text this long is refused while reading the YAML already
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
