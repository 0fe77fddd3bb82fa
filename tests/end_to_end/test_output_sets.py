"""A study's outputs in a folder are one consistent set, whichever command wrote them (issue 19, item 5).

``run`` owns the map, the tables, the GeoPackage and ``<study>_run.json``; ``brief`` owns
``<study>_brief.html``, ``<study>_map.png`` and ``<study>_scores.xlsx``. Each records a stamp of
the inputs it was computed from (config file, data files); a command that finds the other's files
made from other inputs moves them to ``.previous/`` and says so, and keeps them when they match.
"""

from __future__ import annotations

import json

import pandas as pd

from nexus_zones import report

from .._support import cli_run

RUN = {"grid.html", "grid_scores.csv", "grid_scores.gpkg", "grid_run.json"}
BRIEF = {"grid_brief.html", "grid_map.png", "grid_scores.xlsx"}


def _files(out):
    return {p.name for p in out.iterdir() if p.is_file()}


def _tables(out):
    return {p.name for p in out.iterdir() if p.is_file() and p.name.endswith(".csv") and p.name != "grid_scores.csv"}


def test_brief_then_run_on_the_same_inputs_keeps_both_sets(grid_cfg, write_config, tmp_path, capsys):
    config, out = write_config(grid_cfg), tmp_path / "out"
    assert cli_run(capsys, "brief", config, "--out", out)[0] == 0
    brief = {name: (out / name).read_bytes() for name in BRIEF}
    code, _, err = cli_run(capsys, "run", config, "--out", out)
    assert code == 0, err
    assert BRIEF | RUN <= _files(out) and not (out / report.PREVIOUS).exists()
    assert {name: (out / name).read_bytes() for name in BRIEF} == brief  # untouched
    assert "moved to" not in err
    # both carry the same stamp of the inputs
    stamp = json.loads((out / "grid_run.json").read_text(encoding="utf-8"))["inputs_stamp"]
    assert f'<meta name="nexus-zones-inputs" content="{stamp}">' in brief["grid_brief.html"].decode("utf-8")
    # and a brief again, still on the same inputs, leaves the run's files where they are
    assert cli_run(capsys, "brief", config, "--out", out)[0] == 0
    assert BRIEF | RUN <= _files(out) and not (out / report.PREVIOUS).exists()


def test_run_on_changed_data_moves_the_earlier_brief_aside_and_says_so(grid_cfg, grid_files, write_config, tmp_path, capsys):
    config, out = write_config(grid_cfg), tmp_path / "out"
    assert cli_run(capsys, "brief", config, "--out", out)[0] == 0
    brief = {name: (out / name).read_bytes() for name in BRIEF}
    # the forces table is corrected after the brief: A2 no longer has 2 closed schools but 0
    forces = pd.read_csv(grid_files["forces"], dtype=str)
    forces.loc[forces["pcode"] == "A2", "closed"] = "0"
    forces.to_csv(grid_files["forces"], index=False)

    code, _, err = cli_run(capsys, "run", config, "--out", out)

    assert code == 0, err
    assert _files(out) == RUN | _tables(out)  # no brief of the old numbers beside the new map
    assert {p.name: p.read_bytes() for p in (out / report.PREVIOUS).iterdir()} == brief  # moved, not lost
    line = next(x for x in err.splitlines() if "moved to" in x)
    assert line.startswith("WARNING outputs: 3 file(s) of study grid written by an earlier `nexus-zones brief` from other inputs")
    assert all(name in line for name in BRIEF) and "run `nexus-zones brief` again" in line
    scores = pd.read_csv(out / "grid_scores.csv").set_index("unit_id")
    assert scores.loc["A2", "closed"] == 0  # the run's numbers are the corrected ones


def test_brief_on_a_changed_config_moves_the_earlier_run_aside_and_says_so(grid_cfg, write_config, tmp_path, capsys):
    out = tmp_path / "out"
    assert cli_run(capsys, "run", write_config(grid_cfg), "--out", out)[0] == 0
    run = {p.name: p.read_bytes() for p in out.iterdir() if p.is_file()}
    assert RUN <= set(run) and len(run) > len(RUN)  # the analyses' tables too
    grid_cfg["indicators"]["incidents"]["weight"] = 5  # other weights: the map would rank otherwise than the brief

    code, _, err = cli_run(capsys, "brief", write_config(grid_cfg), "--out", out)

    assert code == 0, err
    assert _files(out) == BRIEF
    assert {p.name: p.read_bytes() for p in (out / report.PREVIOUS).iterdir()} == run
    line = next(x for x in err.splitlines() if "moved to" in x)
    assert line.startswith(f"WARNING outputs: {len(run)} file(s) of study grid written by an earlier `nexus-zones run` from other inputs")
    # the run again, on the brief's inputs, keeps the brief
    code, _, err = cli_run(capsys, "run", write_config(grid_cfg), "--out", out)
    assert code == 0 and "moved to" not in err
    assert BRIEF | RUN <= _files(out)


def test_files_of_the_other_command_without_a_readable_stamp_are_moved_aside(grid_cfg, write_config, tmp_path, capsys):
    out = tmp_path / "out"
    out.mkdir()
    (out / "grid_map.png").write_bytes(b"\x89PNG from an older version")  # no brief beside it to say what it was made from
    (out / "grid_other_study.csv").write_text("kept\n", encoding="utf-8")  # not a file of this study's commands
    code, _, err = cli_run(capsys, "run", write_config(grid_cfg), "--out", out)
    assert code == 0, err
    assert [p.name for p in (out / report.PREVIOUS).iterdir()] == ["grid_map.png"]
    assert (out / "grid_other_study.csv").read_text(encoding="utf-8") == "kept\n"
    assert "1 file(s) of study grid written by an earlier `nexus-zones brief`" in err
