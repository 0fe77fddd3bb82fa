"""The YAML config and the command line, as a user meets them.

Every config mistake must come back as one :class:`ConfigError` whose problems name the key path,
what was found, what is allowed and (where there is one) the fix or a "did you mean"; ``check``
must report every problem of the config and its inputs in one go and write nothing; ``run`` must
turn an error into one readable paragraph and exit code 2, with no traceback unless ``--debug``.
"""

from __future__ import annotations

import copy
import logging
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any, Callable

import pandas as pd
import pytest

from nexus_zones import pipeline
from nexus_zones.cli import main
from nexus_zones.config import Config, IndicatorSpec, PointsLayerSpec, load_config
from nexus_zones.errors import ConfigError, InputDataError, NexusZonesError

REPO = Path(__file__).resolve().parent.parent
OUTPUTS = {
    "grid.html", "grid_scores.csv", "grid_scores.gpkg", "grid_run.json",
    "grid_weights.csv", "grid_ranks_by_weights.csv", "grid_leave_one_out.csv",  # the model's analyses (robustness, weights)
}


# ----------------------------------------------------------------------------------------- helpers


@pytest.fixture(autouse=True)
def _restore_package_logger():
    """``cli.main`` configures the ``nexus_zones`` logger (handler on the captured stderr,
    ``propagate=False``); put it back so later tests (and caplog) see the usual logger."""
    logger = logging.getLogger("nexus_zones")
    handlers, level, propagate = logger.handlers[:], logger.level, logger.propagate
    yield
    logger.handlers[:] = handlers
    logger.setLevel(level)
    logger.propagate = propagate


def cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    """Run ``nexus-zones ARGV`` in-process; return (exit code, stdout, stderr)."""
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def snapshot(*folders: Path) -> dict[str, tuple[int, int]]:
    """Every file under ``folders`` with its size and modification time."""
    return {
        str(p): (p.stat().st_size, p.stat().st_mtime_ns)
        for folder in folders
        if folder.exists()
        for p in sorted(folder.rglob("*"))
    }


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


# ------------------------------------------------------------------------------- 5. CLI check


def test_check_demo_prints_ok_and_writes_nothing(demo_config, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    demo = load_config(demo_config)
    watched = (tmp_path, REPO / "maps")  # ./maps of the working folder is the default output folder
    before = snapshot(*watched)

    code, out, err = cli(capsys, "check", demo_config)

    assert code == 0, err
    assert out.startswith(f"{demo_config}: OK. ")
    assert f"{len(demo.layers)} layers, {len(demo.indicators)} indicators, {len(demo.rules)} rules;" in out
    assert "Traceback" not in err
    assert snapshot(*watched) == before
    assert not (tmp_path / "maps").exists()


def test_check_reports_every_input_problem_at_once(grid_cfg, grid_files, write_config, capsys):
    events = pd.read_csv(grid_files["events"]).rename(columns={"latitude": "lat"})
    no_latitude = grid_files["events"].with_name("events_no_latitude.csv")
    events.to_csv(no_latitude, index=False)
    missing = grid_files["boundaries"].with_name("missing.geojson")
    cfg = copy.deepcopy(grid_cfg)
    cfg["study"]["boundaries"]["path"] = str(missing)
    cfg["layers"]["events"]["path"] = str(no_latitude)
    path = write_config(cfg)

    code, out, err = cli(capsys, "check", "-q", path)

    assert code == 2
    assert "OK" not in out
    assert "Traceback" not in err
    assert err.count("\n  - ") == 2  # exactly the two problems, in one run
    assert f"{missing}: 1 input problem:\n  - file: found no such file" in err
    assert f"{no_latitude}: 1 input problem:" in err
    assert "column 'latitude' (config key layers.events.latitude): found no such column" in err
    assert "it has: event_date, event_type, lat, longitude, fatalities" in err


# --------------------------------------------------------------------------------- 6. CLI run


def test_run_writes_the_outputs_and_prints_the_top_unit(grid_cfg, write_config, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    out_dir = tmp_path / "out"

    code, out, err = cli(capsys, "run", write_config(grid_cfg), "--out", out_dir)

    assert code == 0, err
    assert {p.name for p in out_dir.iterdir()} == OUTPUTS
    # Bravo Two is best on every indicator (0 incidents, 1 health centre, 0 closed), so it scores 100.
    assert out.startswith("4 units scored; top: Bravo Two (100.0), ")
    scores = pd.read_csv(out_dir / "grid_scores.csv")
    assert scores.loc[scores["rank"] == 1, "name"].tolist() == ["Bravo Two"]
    for name in OUTPUTS:
        assert str(out_dir / name) in out
    assert not (tmp_path / "maps").exists()


def test_run_on_a_bad_config_prints_one_error_paragraph(grid_cfg, write_config, tmp_path, capsys):
    cfg = copy.deepcopy(grid_cfg)
    cfg["indicators"]["health"]["weigth"] = cfg["indicators"]["health"].pop("weight")
    path = write_config(cfg)
    out_dir = tmp_path / "out"

    code, out, err = cli(capsys, "run", "-q", path, "--out", out_dir)

    assert code == 2
    assert out == ""
    assert err.startswith(f"error: {path}: 2 config problems:\n")
    assert "Traceback" not in err
    assert "\n\n" not in err.strip()  # one paragraph
    assert "indicators.health.weigth: found unknown key 'weigth' (did you mean 'weight'?)" in err
    assert "indicators.health.weight: found nothing (the key is missing)" in err
    assert not out_dir.exists()


def test_run_with_debug_lets_the_error_propagate(grid_cfg, write_config, tmp_path):
    cfg = copy.deepcopy(grid_cfg)
    cfg["indicators"]["health"]["weigth"] = cfg["indicators"]["health"].pop("weight")
    path = write_config(cfg)

    with pytest.raises(ConfigError, match=r"did you mean 'weight'\?") as excinfo:
        main(["run", "--debug", str(path), "--out", str(tmp_path / "out")])

    # the exception itself, with its traceback, not the CLI's one-paragraph summary
    assert excinfo.traceback[-1].name != "main"
    assert "Traceback" not in str(excinfo.value)


# ------------------------------------------------------------------ 7. the installed command


def nexus_zones_command() -> list[str]:
    """The console script of the running interpreter's environment, else ``python -m nexus_zones.cli``."""
    script = shutil.which("nexus-zones", path=os.path.dirname(sys.executable))
    return [script] if script else [sys.executable, "-m", "nexus_zones.cli"]


def test_console_command_on_a_bad_config_exits_2_without_traceback(grid_cfg, write_config, tmp_path):
    cfg = copy.deepcopy(grid_cfg)
    cfg["indicators"]["health"]["normalisation"] = "min-max"
    path = write_config(cfg)

    proc = subprocess.run(
        [*nexus_zones_command(), "run", str(path), "--out", str(tmp_path / "out")],
        capture_output=True, text=True, cwd=tmp_path, timeout=120,
    )

    assert proc.returncode == 2, proc.stderr
    assert "Traceback" not in proc.stderr
    assert f"error: {path}: 1 config problem:" in proc.stderr
    assert "indicators.health.normalisation: found 'min-max' (did you mean 'minmax'?)" in proc.stderr
    assert not (tmp_path / "out").exists()


# --------------------------------------------------------------- 8. references known from the data


def test_check_reports_a_category_the_data_does_not_have(grid_cfg, write_config, capsys):
    cfg = copy.deepcopy(grid_cfg)
    cfg["indicators"]["health"]["measure"] = "services.water"  # services.csv has Health and School only
    path = write_config(cfg)

    report = pipeline.check(path)
    code, _, err = cli(capsys, "check", "-q", path)

    assert not report.ok
    (problem,) = report.problems
    assert "indicators.health.measure: found 'services.water'" in problem
    assert "a measure the data of layer 'services' gives: count, health, school" in problem
    assert code == 2
    assert problem in err
    with pytest.raises(InputDataError, match=r"indicators\.health\.measure: found 'services\.water'"):
        pipeline.compute(path)


def test_progress_bars_follow_long_stages(capsys):
    from nexus_zones.cli import _progress_bars

    assert _progress_bars(False) is None
    update = _progress_bars(True)("zonal statistics, layer pop")
    for done in range(1, 4):
        update(done, 3)
    err = capsys.readouterr().err
    assert "zonal statistics, layer pop" in err and "3/3" in err
