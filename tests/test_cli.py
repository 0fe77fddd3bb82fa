"""The command line (:mod:`nexus_zones.cli`) as a user meets it: ``check`` reports every problem of
the config and its inputs in one go and writes nothing; ``run`` writes the outputs, prints the top
unit and turns an error into one readable paragraph and exit code 2, with no traceback unless
``--debug``; the console command; progress bars for long stages."""

from __future__ import annotations

import copy
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from nexus_zones.cli import main
from nexus_zones.config import load_config
from nexus_zones.errors import ConfigError

from ._support import REPO, cli_run
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
