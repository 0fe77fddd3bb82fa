"""Messy files, concurrent runs and contrived input (issue 10, classes 7, 8 and 9).

7. Encodings: CSV inputs in UTF-8 with or without BOM, Windows-1252, UTF-16 LE/BE with BOM (Excel's
   "Unicode text", tab-separated) and UTF-8 files with some Windows-1252 lines are read to the same
   numbers as the clean UTF-8 file; text encoded twice ("Ã‰cole") is repaired with a named warning;
   bytes no encoding reads are an error naming the line and showing them.
8. Two real processes writing into one output folder leave one run's complete set: the second waits
   for the first (the overlap is forced with events, not timing), or fails naming the other run; a
   killed run's lock is taken over with a named warning.
9. Contrived config input (huge, deeply nested, alias bombs, very long rules and labels) is a
   ConfigError naming the key, with a message under 2,000 characters, refused by a size or depth check
   before the costly step.
"""

from __future__ import annotations

import json
import multiprocessing
import os
import re
import shutil
import signal
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
import yaml

from nexus_zones import cli, load, report

from .._support import DEMO, REPO, _demo_config, _double_encoded, _last_lines_cp1252, _run, _tab_separated, _text, fewer_draws, require_real_data


ENCODINGS = [
    # id, file, bytes of the variant, expected warning in stderr (or "" for a plain read)
    ("actors-utf16le-unicode-text", "actors_3w.csv", lambda t: _tab_separated(t).encode("utf-16"), ""),
    ("actors-utf16be-bom", "actors_3w.csv", lambda t: b"\xfe\xff" + _tab_separated(t).encode("utf-16-be"), ""),
    ("services-cp1252", "services_points.csv", lambda t: t.encode("cp1252"), ""),
    ("services-utf8-bom", "services_points.csv", lambda t: b"\xef\xbb\xbf" + t.encode("utf-8"), ""),
    ("services-cp1252-lines-appended", "services_points.csv", lambda t: _last_lines_cp1252(t, 6),
     r"MixedEncodingWarning: .*services_points\.csv: \d+ lines are not UTF-8 but Windows-1252.*lines \d+"),
    ("actors-double-encoded", "actors_3w.csv", _double_encoded,
     r"MojibakeWarning: .*actors_3w\.csv: \d+ cells held text encoded twice .*'RÃ©gion' read as 'Région'"),
]


@pytest.fixture(scope="module")
def clean_scores_csv(references) -> str:
    """The scores table (as written) of the demo files untouched, run once for the module: the run of
    :func:`references` into ``ref_a`` (``_demo_config`` unchanged over a copy of the demo files, run by the CLI with -q)."""
    _, _, folder = references
    assert {f.name: f.read_bytes() for f in (folder / "data").iterdir()} == {f.name: f.read_bytes() for f in DEMO.iterdir()}  # untouched
    return (folder / "ref_a" / "demo_scores.csv").read_text(encoding="utf-8")


@pytest.mark.parametrize("case", ENCODINGS, ids=[c[0] for c in ENCODINGS])
def test_encodings_give_the_clean_files_numbers(case, clean_scores_csv, tmp_path, capsys):
    name, file, make, warning = case
    messy_cfg = _demo_config(tmp_path / "messy")
    variant = make(_text(file))
    assert variant != (DEMO / file).read_bytes()
    (tmp_path / "messy" / "data" / file).write_bytes(variant)
    code, err = _run(messy_cfg, tmp_path / "messy_out", capsys, "-q")
    assert code == 0, err
    if warning:
        assert re.search(warning, err, flags=re.S), err
    else:
        assert "Warning: " not in err.replace("EventsOutsideWarning", "").replace("UnusedValueWarning", "").replace("MissingValueWarning", ""), err
    messy = (tmp_path / "messy_out" / "demo_scores.csv").read_text(encoding="utf-8")
    assert messy == clean_scores_csv  # same counts, categories, scores and ranks
    for mangled in ("Ã©", "Ã‰", "â€™", "\ufffd"):
        assert mangled not in messy


def test_bytes_no_encoding_reads_are_refused_naming_the_line(tmp_path, capsys):
    """A line with a byte that is neither UTF-8 nor Windows-1252 (0x81, e.g. from a DOS code page)."""
    cfg = _demo_config(tmp_path)
    services = tmp_path / "data" / "services_points.csv"
    lines = services.read_bytes().splitlines(keepends=True)
    bad_line = 4
    lines[bad_line - 1] = lines[bad_line - 1].replace("é".encode(), b"\x82").replace(b"CSCOM", b"CS\x81OM")
    services.write_bytes(b"".join(lines))
    code, err = _run(cfg, tmp_path / "out", capsys)
    assert code == 2
    assert f"services_points.csv: 1 input problem:\n  - line {bad_line}: found bytes b'" in err
    assert r"\x81" in err and "(byte 0x81 at column 3)" in err
    assert "neither UTF-8 nor Windows-1252" in err and "Fix: re-save the file as UTF-8" in err
    assert not (tmp_path / "out").exists()


def test_real_health_facilities_with_a_windows_1252_tail(tmp_path, capsys):
    """The real WHO/KEMRI facility list whose last 200 lines were appended from a Windows-1252 export:
    same health counts and scores as the clean file, with the lines named (the 2017 config, few draws)."""
    real = require_real_data()
    messy = tmp_path / "real"
    messy.mkdir()
    for f in real.iterdir():
        if f.is_file():
            (messy / f.name).symlink_to(f)
    health = "who_kemri_public_health_facilities_mali.csv"
    (messy / health).unlink()
    text = (real / health).read_text(encoding="utf-8")
    tail = text.splitlines(keepends=True)[-200:]
    accented = [line for line in tail if not line.isascii()]
    assert accented  # the tail holds names such as 'Salakoïra', so the encodings differ there
    (messy / health).write_bytes(_last_lines_cp1252(text, 200))
    cfg = tmp_path / "mali_2017.yaml"
    cfg.write_text(yaml.safe_dump(fewer_draws(yaml.safe_load((REPO / "configs" / "mali_2017.yaml").read_text(encoding="utf-8"))),
                                  allow_unicode=True, sort_keys=False), encoding="utf-8")
    assert cli.main(["run", str(cfg), "--data-dir", str(real), "--out", str(tmp_path / "clean"), "-q"]) == 0
    capsys.readouterr()
    code = cli.main(["run", str(cfg), "--data-dir", str(messy), "--out", str(tmp_path / "messy"), "-q"])
    err = capsys.readouterr().err
    assert code == 0, err
    assert re.search(rf"MixedEncodingWarning: .*{health}: {len(accented)} lines are not UTF-8 but Windows-1252", err), err
    clean = pd.read_csv(tmp_path / "clean" / "mali_2017_scores.csv")
    read = pd.read_csv(tmp_path / "messy" / "mali_2017_scores.csv")
    pd.testing.assert_frame_equal(read, clean)
    assert "Salakoïra Community Health Centre" in load._read_csv(messy / health)["Facility name"].tolist()


# ----------------------------------------------------------------------- 8. concurrent runs

def _child(config: str, out: str, role: str, started, proceed) -> None:
    """A real second process running the CLI. ``first`` pauses while writing (holding the lock) until
    ``proceed`` is set; ``second`` sets ``proceed`` when it finds the folder locked."""
    if role == "first":
        real = report._gpkg_writer

        def paused(result, layer):
            write = real(result, layer)

            def wrapped(path):
                started.set()
                assert proceed.wait(120), "the other process never came"
                write(path)

            return wrapped

        report._gpkg_writer = paused
    else:
        report._on_busy = lambda folder, holder: proceed.set()
    raise SystemExit(cli.main(["run", config, "--out", out, "-q"]))


def _scores_and_run(out: Path) -> tuple[str, dict, pd.DataFrame]:
    run = json.loads((out / "demo_run.json").read_text(encoding="utf-8"))
    gpkg = gpd.read_file(out / "demo_scores.gpkg")
    return (out / "demo_scores.csv").read_text(encoding="utf-8"), run, pd.DataFrame(gpkg.drop(columns="geometry"))


def _one_run(out: Path, reference: Path) -> None:
    """Every output in ``out`` is the one the reference run wrote (tables, gpkg, run metadata)."""
    csv, run, gpkg = _scores_and_run(out)
    ref_csv, ref_run, ref_gpkg = _scores_and_run(reference)
    assert csv == ref_csv
    assert run["config"]["sha256"] == ref_run["config"]["sha256"] and run["weights"] == ref_run["weights"]
    pd.testing.assert_frame_equal(gpkg, ref_gpkg)
    for name in ("demo_weights.csv", "demo_ranks_by_weights.csv", "demo_leave_one_out.csv", "demo_profiles.csv"):
        assert (out / name).read_bytes() == (reference / name).read_bytes()
    assert not [p.name for p in out.iterdir() if p.name.startswith(".")]  # no lock, temporary file or backup left


@pytest.fixture(scope="module")
def references(tmp_path_factory) -> tuple[Path, Path, Path]:
    """Two demo configs with different weights (so different scores), each run alone once for the module
    into ``ref_a`` and ``ref_b`` of the returned folder (read, copied, never written to by a test)."""
    folder = tmp_path_factory.mktemp("references")
    a = _demo_config(folder)
    b = _demo_config(folder, **{"indicators.incidents.weight": 1, "indicators.health_facilities.weight": 4})
    for cfg, ref in ((a, "ref_a"), (b, "ref_b")):
        assert cli.main(["run", str(cfg), "--out", str(folder / ref), "-q"]) == 0
    assert (folder / "ref_a" / "demo_scores.csv").read_bytes() != (folder / "ref_b" / "demo_scores.csv").read_bytes()
    return a, b, folder


@pytest.fixture()
def two_configs(references, tmp_path):
    """The two reference configs; their reference outputs copied to ``tmp_path/ref_a`` and ``ref_b``."""
    a, b, folder = references
    for ref in ("ref_a", "ref_b"):
        shutil.copytree(folder / ref, tmp_path / ref)
    return a, b


def test_a_second_run_waits_and_the_folder_holds_one_runs_outputs(two_configs, tmp_path):
    a, b = two_configs
    out = tmp_path / "shared"
    ctx = multiprocessing.get_context("spawn")
    started, proceed = ctx.Event(), ctx.Event()
    first = ctx.Process(target=_child, args=(str(a), str(out), "first", started, proceed))
    first.start()
    assert started.wait(120), "the first run did not start writing"
    second = ctx.Process(target=_child, args=(str(b), str(out), "second", started, proceed))
    second.start()  # it finds the folder locked, says so (proceed), waits, then writes its own set
    first.join(180)
    second.join(180)
    assert (first.exitcode, second.exitcode) == (0, 0)
    _one_run(out, tmp_path / "ref_b")


def test_a_second_run_that_cannot_wait_fails_naming_the_other_run(two_configs, tmp_path, capsys):
    a, _ = two_configs
    out = tmp_path / "shared"
    ctx = multiprocessing.get_context("spawn")
    started, proceed = ctx.Event(), ctx.Event()
    first = ctx.Process(target=_child, args=(str(a), str(out), "first", started, proceed))
    first.start()
    try:
        assert started.wait(120)
        impatient = _demo_config(tmp_path, **{"output.lock_wait": 0, "indicators.incidents.weight": 1})
        code, err = _run(impatient, out, capsys)
        assert code == 2
        assert f"error: output folder {out}: found another run writing there (pid {first.pid} on host " in err
        assert re.search(r"started \d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00 UTC", err)
        assert "Fix: wait for that run to finish and run again, pass another --out, or raise output.lock_wait" in err
    finally:
        proceed.set()
        first.join(180)
    assert first.exitcode == 0
    _one_run(out, tmp_path / "ref_a")  # the refused run changed nothing


def test_a_killed_runs_lock_is_taken_over_with_a_warning(two_configs, tmp_path, capsys):
    a, b = two_configs
    out = tmp_path / "shared"
    shutil.copytree(tmp_path / "ref_a", out)  # earlier outputs in the folder
    ctx = multiprocessing.get_context("spawn")
    started, proceed = ctx.Event(), ctx.Event()
    victim = ctx.Process(target=_child, args=(str(b), str(out), "first", started, proceed))
    victim.start()
    assert started.wait(120)  # holding the lock, with its temporary files written
    assert [p for p in out.iterdir() if ".tmp" in p.name]
    os.kill(victim.pid, signal.SIGKILL)
    victim.join(60)
    lock = json.loads((out / report.LOCK_NAME).read_text(encoding="utf-8"))
    assert lock["pid"] == victim.pid
    before_takeover = (out / "demo_scores.csv").read_bytes()
    assert before_takeover == (tmp_path / "ref_a" / "demo_scores.csv").read_bytes()  # the killed run placed nothing
    code, err = _run(a, out, capsys, "-q")
    assert code == 0, err
    assert f"StaleLockWarning: output folder {out}: the lock of an earlier run (pid {victim.pid} on host" in err
    assert "temporary files removed (" in err
    _one_run(out, tmp_path / "ref_a")
