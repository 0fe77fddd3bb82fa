"""The command line (:mod:`nexus_zones.cli`) as a user meets it: ``check`` reports every problem of
the config and its inputs in one go and writes nothing; ``run`` writes the outputs, prints the top
unit and turns an error into one readable paragraph and exit code 2, with no traceback unless
``--debug``; the console command; progress bars for long stages."""

from __future__ import annotations

import copy
import logging
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from nexus_zones import logs
from nexus_zones.cli import _WarningFold, main, top_line
from nexus_zones.config import load_config
from nexus_zones.errors import ConfigError

from ._support import REPO, cli_run, cli_run_captured
OUTPUTS = {
    "grid.html", "grid_scores.csv", "grid_scores.gpkg", "grid_run.json",
    "grid_weights.csv", "grid_ranks_by_weights.csv", "grid_leave_one_out.csv",  # the model's analyses (robustness, weights)
}


def snapshot(*folders: Path) -> dict[str, tuple[int, int]]:
    """Every file under ``folders`` with its size and modification time."""
    return {
        str(p): (p.stat().st_size, p.stat().st_mtime_ns)
        for folder in folders
        if folder.exists()
        for p in sorted(folder.rglob("*"))
    }


# ------------------------------------------------------------------------------- 5. CLI check


def test_check_demo_prints_ok_and_writes_nothing(demo_config, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    demo = load_config(demo_config)
    watched = (tmp_path, REPO / "maps")  # ./maps of the working folder is the default output folder
    before = snapshot(*watched)

    code, out, err = cli_run(capsys, "check", demo_config)

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

    code, out, err = cli_run(capsys, "check", "-q", path)

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

    code, out, err = cli_run(capsys, "run", write_config(grid_cfg), "--out", out_dir)

    assert code == 0, err
    assert {p.name for p in out_dir.iterdir()} == OUTPUTS
    # Bravo Two is best on every indicator (0 incidents, 1 health centre, 0 closed), so it scores 100.
    assert out.startswith("4 units scored; top: 1. Bravo Two (100.0, ")
    scores = pd.read_csv(out_dir / "grid_scores.csv")
    assert scores.loc[scores["rank"] == 1, "name"].tolist() == ["Bravo Two"]
    for name in ("grid.html", "grid_scores.csv", "grid_scores.gpkg", "grid_run.json"):
        assert f"{out_dir / name}\n" in out  # the main outputs one a line
    tables = sorted(OUTPUTS - {"grid.html", "grid_scores.csv", "grid_scores.gpkg", "grid_run.json"})
    line = next(x for x in out.splitlines() if x.startswith("  tables "))
    assert sorted(line.removeprefix("  tables ").split(" (in ")[0].split(", ")) == tables  # the analyses' tables on one line
    assert line.endswith(f" (in {out_dir})")
    assert not (tmp_path / "maps").exists()


def test_run_on_a_bad_config_prints_one_error_paragraph(grid_cfg, write_config, tmp_path, capsys):
    cfg = copy.deepcopy(grid_cfg)
    cfg["indicators"]["health"]["weigth"] = cfg["indicators"]["health"].pop("weight")
    path = write_config(cfg)
    out_dir = tmp_path / "out"

    code, out, err = cli_run(capsys, "run", "-q", path, "--out", out_dir)

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


def test_progress_bars_follow_long_stages(capsys):
    from nexus_zones.cli import _progress_bars

    assert _progress_bars(False) is None
    update = _progress_bars(True)("zonal statistics, layer pop")
    for done in range(1, 4):
        update(done, 3)
    err = capsys.readouterr().err
    assert "zonal statistics, layer pop" in err and "3/3" in err


# ------------------------------------------------------------------ 8. a quiet log (issue 18.6)


@pytest.fixture(scope="module")
def demo_cli_run(tmp_path_factory) -> tuple[int, str, str, Path]:
    """``nexus-zones run configs/demo.yaml --out OUT`` in-process, once for the module: (exit code, stdout,
    stderr, OUT), read by the tests of what the demo's run prints."""
    out_dir = tmp_path_factory.mktemp("demo_cli") / "out"
    return (*cli_run_captured("run", REPO / "configs" / "demo.yaml", "--out", out_dir), out_dir)


def test_the_demo_run_prints_at_most_40_lines_and_one_score_line(demo_cli_run):
    code, out, err, _ = demo_cli_run

    assert code == 0, err
    lines = out.splitlines() + err.splitlines()  # all the terminal shows (the package's log goes to stderr)
    assert len(lines) <= 40, "\n".join(lines)
    # the main run's stages once each; the 124 re-scorings of the analyses are silent
    assert err.count("INFO score: ") == 1
    assert err.count("INFO indicators: ") == 1
    assert "DEBUG" not in err
    # the demo's units fail 0, 3, 4, 5 and 6 rules: the log says once that the rules decide, and counts
    # the robustness states instead of calling every unit "robust"
    assert out.count("The rules alone decide the order: each unit fails a different number of rules (0, 3, 4, 5 and 6)") == 1
    assert "of 5 ranked units, 1 in the top 1 in every draw, 4 in none, 0 in some" in err and "robust for" not in err


def test_verbose_shows_the_analyses_inner_stages(demo_config, tmp_path, capsys):
    demo = load_config(demo_config)
    du = demo.data_uncertainty
    sources = len(du.imprecise_events) + bool(du.margins) + bool(du.imputation)
    sets = len(demo.stakeholders.sets) + bool(demo.stakeholders.participants)  # the participants pooled into one set

    code, out, err = cli_run(capsys, "run", "-v", demo_config, "--out", tmp_path / "out")

    assert code == 0, err
    assert err.count("INFO score: ") == 1
    # each data-uncertainty draw, for each source alone and all together, and each stakeholder's set re-scores
    assert err.count("DEBUG score: ") == du.draws * (sources + 1) + sets == 40 * 3 + 4


def _warning(kind: str, text: str, period: str | None = None) -> logging.LogRecord:
    record = logging.LogRecord("nexus_zones.pipeline", logging.WARNING, __file__, 1, "%s: %s", (kind, text), None)
    record.__dict__.update(logs.warning_extra(kind, text, period))
    return record


def test_warnings_repeated_over_periods_fold_into_one_line_naming_them():
    fold = _WarningFold()
    held = [fold.filter(_warning("EventsOutsideWarning", "layer health: 2 points outside", p)) for p in ("2016", "2017", "2018", "2019")]
    held.append(fold.filter(_warning("MissingValueWarning", "indicator idps: no value for Tin-Essako, Abeibara; these units get no score", "2016")))
    held.append(fold.filter(logging.LogRecord("nexus_zones.report", logging.WARNING, __file__, 1, "plain", (), None)))

    assert held == [False] * 5 + [True]  # named warnings wait for the summary; other lines pass
    assert fold.summary() == [
        "WARNING in all, 5 warnings of 2 kinds (-v shows each where it arises)",
        "WARNING EventsOutsideWarning (4 times: periods 2016, 2017, 2018, 2019): layer health: 2 points outside",
        "WARNING MissingValueWarning (period 2016): indicator idps: no value for Tin-Essako, Abeibara; these units get no score",
    ]


def test_many_warnings_of_one_kind_fold_into_a_count_and_verbose_shows_all():
    quiet, verbose = _WarningFold(), _WarningFold(show=True)
    texts = [f"indicator i{n}: no value for U{n}" for n in range(6)]
    for text in texts + texts[:1]:  # the first twice, outside a study over periods
        assert quiet.filter(_warning("MissingValueWarning", text)) is False
        assert verbose.filter(_warning("MissingValueWarning", text)) is True

    assert quiet.summary() == [
        "WARNING in all, 7 warnings of 1 kind (-v shows each where it arises)",
        "WARNING MissingValueWarning (2 times): indicator i0: no value for U0",
        "WARNING MissingValueWarning: indicator i1: no value for U1",
        "WARNING MissingValueWarning: indicator i2: no value for U2",
        f"WARNING MissingValueWarning: {7 - 2 - 1 - 1} more warnings of this kind (-v shows them)",
    ]
    # -v logged each where it arose: the summary counts them and repeats no text (each was printed twice before)
    assert verbose.summary() == ["WARNING in all, 7 warnings of 1 kind, each shown above where it arose", "WARNING MissingValueWarning: 7 warnings"]


def test_verbose_prints_each_named_warning_once(grid_cfg, write_config, tmp_path, capsys):
    config = write_config(grid_cfg)
    code, out, err = cli_run(capsys, "run", "-v", config, "--out", tmp_path / "out")
    assert code == 0, err
    *lines, head, first, second = err.splitlines()
    shown = [line for line in lines if line.startswith("WARNING ")]
    # the grid's files: a 3W row repeated, an event outside every unit; each printed once, where it arose
    assert [line.split(":")[0] for line in shown] == ["WARNING DuplicateRecordWarning", "WARNING EventsOutsideWarning"]
    assert len(set(shown)) == len(shown)
    assert [head, first, second] == ["WARNING in all, 2 warnings of 2 kinds, each shown above where it arose",
                                     "WARNING DuplicateRecordWarning: 1 warning", "WARNING EventsOutsideWarning: 1 warning"]


def test_no_warning_no_summary():
    assert _WarningFold().summary() == []


def _scores(rows: list[tuple], rules: bool = True) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=["name", "score", "rank", "rules_failed_count"])
    return frame if rules else frame.drop(columns="rules_failed_count")


def test_top_line_shows_rank_score_and_rules_failed_in_the_scores_order():
    # the demo's order: rules first (0, 3, 4 failed), so 42.7 comes before 56.8
    scores = _scores([("Diré", 97.66, 1, 0), ("Tombouctou", 42.71, 2, 3), ("Niafunké", 56.84, 3, 4), ("Goundam", 60.0, 4, 5), ("Kidal", 80.0, None, 1)])

    assert top_line(scores) == (
        "5 units scored; top: 1. Diré (97.7, passes every rule), 2. Tombouctou (42.7, fails 3 rules), 3. Niafunké (56.8, fails 4 rules)"
    )
    assert top_line(scores, "fr") == (
        "5 unités notées ; en tête : 1. Diré (97,7 ; respecte toutes les règles), 2. Tombouctou (42,7 ; ne respecte pas 3 règles), "
        "3. Niafunké (56,8 ; ne respecte pas 4 règles)"
    )


def test_top_line_plurals_and_without_rules():
    one = _scores([("Diré", 50.0, 1, 1)])
    assert top_line(one) == "1 unit scored; top: 1. Diré (50.0, fails 1 rule)"
    assert top_line(one, "fr") == "1 unité notée ; en tête : 1. Diré (50,0 ; ne respecte pas 1 règle)"
    assert top_line(_scores([("A", 70.0, 1, 0), ("B", 60.0, 2, 0)], rules=False)) == "2 units scored; top: 1. A (70.0), 2. B (60.0)"
    assert top_line(_scores([("A", 70.0, None, 2)]), "fr") == "1 unité notée ; aucune classée"


def test_the_run_prints_the_top_line_of_its_scores_table(demo_cli_run):
    code, out, err, out_dir = demo_cli_run  # what the run prints on stdout is the same with or without -q

    assert code == 0, err
    scores = pd.read_csv(out_dir / "demo_scores.csv")
    ranked = scores[scores["rank"].notna()].sort_values("rank").head(3)
    said = {0: "passes every rule", 1: "fails 1 rule"} | {n: f"fails {n} rules" for n in range(2, 10)}
    expected = ", ".join(f"{int(r['rank'])}. {r['name']} ({r['score']:.1f}, {said[int(r['rules_failed_count'])]})" for _, r in ranked.iterrows())
    assert out.splitlines()[0] == f"{len(scores)} units scored; top: {expected}"
    assert not ranked["score"].is_monotonic_decreasing  # the demo's point: a lower score above a higher one, and the rules say why


# ------------------------------------------------------------ 9. filter values matching no row (issue 18.6)


def _misspelt_types(grid_cfg: dict) -> dict:
    """The grid study with two of its three ACLED types misspelt (the events CSV has Battles,
    Explosions/Remote violence, Violence against civilians and Protests)."""
    cfg = copy.deepcopy(grid_cfg)
    cfg["layers"]["events"]["types"] = ["Battles", "Explosions/Remote violance", "Violence aganst civilians"]
    return cfg


def test_check_exits_2_when_listed_types_match_no_row_with_did_you_mean(grid_cfg, write_config, capsys):
    code, out, err = cli_run(capsys, "check", write_config(_misspelt_types(grid_cfg)))

    assert code == 2, out
    assert "OK" not in out
    events = grid_cfg["layers"]["events"]["path"]
    assert f"{events}: 1 input problem:\n  - layers.events.types: found 'Explosions/Remote violance' (did you mean 'Explosions/Remote violence'?), " \
           "'Violence aganst civilians' (did you mean 'Violence against civilians'?) in no row; expected values of the type column" in err


def test_check_exits_2_on_a_where_value_in_no_row_and_0_once_corrected(grid_cfg, write_config, capsys):
    cfg = copy.deepcopy(grid_cfg)
    del cfg["layers"]["events"]["types"]
    cfg["layers"]["events"]["where"] = {"event_type": ["Battles", "Violence aganst civilians"]}

    code, out, err = cli_run(capsys, "check", write_config(cfg))
    assert code == 2, out
    assert "layers.events.where.event_type: found 'Violence aganst civilians' (did you mean 'Violence against civilians'?) in no row" in err

    cfg["layers"]["events"]["where"]["event_type"][1] = "Violence against civilians"
    code, out, err = cli_run(capsys, "check", write_config(cfg))
    assert code == 0, err
    assert "OK" in out


def test_run_warns_of_types_in_no_row_by_name_and_still_scores(grid_cfg, write_config, tmp_path, capsys):
    code, out, err = cli_run(capsys, "run", write_config(_misspelt_types(grid_cfg)), "--out", tmp_path / "out")

    assert code == 0, err
    assert "WARNING " in err
    assert "WARNING UnmatchedFilterWarning: " in err and "layers.events.types: found 'Explosions/Remote violance' (did you mean" in err
    # only Battles counted: A1 (2017-03-01) and A2 (2017-07-01); the Explosions and Violence rows in A1 are not
    scores = pd.read_csv(tmp_path / "out" / "grid_scores.csv", dtype={"unit_id": str}).set_index("unit_id")
    assert scores["incidents"].to_dict() == {"A1": 1.0, "A2": 1.0, "B1": 0.0, "B2": 0.0}


def test_check_says_an_unmatched_filter_once_as_a_problem_and_other_warnings_before_it(grid_cfg, write_config, capsys):
    cfg = _misspelt_types(grid_cfg)  # the grid's events also have one point outside every unit: an EventsOutsideWarning

    code, out, err = cli_run(capsys, "check", write_config(cfg))

    assert code == 2, out
    assert err.count("Explosions/Remote violance") == 1  # in the problem, not again in the warnings' summary
    assert "WARNING UnmatchedFilterWarning" not in err
    assert err.index("WARNING EventsOutsideWarning: layer events: 1 of") < err.index("1 input problem:")
    assert err.rstrip().endswith("Fix: correct the value in the config, or remove it")  # the problem is the last thing said


def test_debug_ends_with_the_stage_times_costliest_first(grid_cfg, write_config, tmp_path, capsys):
    path = write_config(grid_cfg)
    assert main(["run", "--debug", str(path), "--out", str(tmp_path / "out")]) == 0
    err = capsys.readouterr().err
    line = next(line for line in err.splitlines() if "stage times, costliest first: " in line)
    shown = line.split("costliest first: ", 1)[1]
    stages = re.findall(r"([a-z][a-z ]+?) (\d+\.\d\d) s", shown.rsplit(" (", 1)[0])
    names = [name.strip(", ") for name, _ in stages]
    assert "read boundaries" in names and "map" in names and any(n.startswith("read layer ") for n in names) and any(n.startswith("measure layer ") for n in names)
    seconds = [float(s) for _, s in stages]
    assert seconds == sorted(seconds, reverse=True)
    total = float(re.search(r"\((\d+\.\d\d) s in all\)", line).group(1))
    assert abs(total - sum(seconds)) <= 0.01 * len(seconds)  # each shown rounded to 0.01 s
