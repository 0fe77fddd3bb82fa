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

from nexus_zones import cli, config as config_mod, load, report
from nexus_zones.config import load_config
from nexus_zones.errors import ConfigError, InputDataError, MixedEncodingWarning, MojibakeWarning
from nexus_zones.rules import MAX_RULE_CHARS, MAX_RULE_DEPTH, RuleSyntaxError, parse_rule

from .conftest import REPO, require_real_data

DEMO = REPO / "data" / "demo"


def _demo_config(root: Path, **changes) -> Path:
    """The demo config and a copy of its data under ``root`` (fewer draws, same model)."""
    data = root / "data"
    if not data.exists():
        shutil.copytree(DEMO, data)
    cfg = yaml.safe_load((REPO / "configs" / "demo.yaml").read_text(encoding="utf-8"))
    cfg["study"]["boundaries"]["path"] = str(data / "cercles.geojson")
    for layer in cfg["layers"].values():
        layer["path"] = str(data / Path(layer["path"]).name)
    cfg["robustness"]["draws"] = 200
    for dotted, value in changes.items():
        node = cfg
        *head, last = dotted.split(".")
        for key in head:
            node = node.setdefault(key, {})
        node[last] = value
    path = root / f"demo_{len(list(root.glob('demo_*.yaml')))}.yaml"
    path.write_text(yaml.safe_dump(cfg, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def _run(config: Path, out: Path, capsys, *extra: str) -> tuple[int, str]:
    code = cli.main(["run", str(config), "--out", str(out), *extra])
    err = capsys.readouterr().err
    assert "Traceback" not in err and "internal error" not in err
    return code, err


# ------------------------------------------------------------------------------ 7. encodings

def _text(name: str) -> str:
    return (DEMO / name).read_text(encoding="utf-8")


def _tab_separated(text: str) -> str:
    """A comma-separated demo file as tab-separated text (fields with commas are quoted in the demo files)."""
    frame = pd.read_csv(pd.io.common.StringIO(text), dtype=str, keep_default_na=False)
    return frame.to_csv(sep="\t", index=False, lineterminator="\r\n")


def _last_lines_cp1252(text: str, n: int) -> bytes:
    lines = text.splitlines(keepends=True)
    return "".join(lines[:-n]).encode("utf-8") + "".join(lines[-n:]).encode("cp1252")


def _double_encoded(text: str) -> bytes:
    """UTF-8 bytes read as Windows-1252 and saved again as UTF-8 ("École" -> "Ã‰cole")."""
    return text.encode("utf-8").decode("cp1252", errors="strict").encode("utf-8")


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


@pytest.mark.parametrize("case", ENCODINGS, ids=[c[0] for c in ENCODINGS])
def test_encodings_give_the_clean_files_numbers(case, tmp_path, capsys):
    name, file, make, warning = case
    clean_cfg = _demo_config(tmp_path / "clean")
    assert _run(clean_cfg, tmp_path / "clean_out", capsys, "-q")[0] == 0
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
    clean = (tmp_path / "clean_out" / "demo_scores.csv").read_text(encoding="utf-8")
    messy = (tmp_path / "messy_out" / "demo_scores.csv").read_text(encoding="utf-8")
    assert messy == clean  # same counts, categories, scores and ranks
    for mangled in ("Ã©", "Ã‰", "â€™", "\ufffd"):
        assert mangled not in messy


def test_categories_in_windows_1252_are_counted(tmp_path):
    """'École' and 'Centre de santé' read from Windows-1252 match the config's categories: the counts
    equal an independent count of the clean file's rows."""
    text = _text("services_points.csv")
    path = tmp_path / "services.csv"
    path.write_bytes(text.encode("cp1252"))
    points = load.read_points(path, category_column="category", fatalities_column=None)
    clean = pd.read_csv(DEMO / "services_points.csv", dtype=str)
    assert points["category"].value_counts().to_dict() == clean["category"].value_counts().to_dict()
    assert (points["category"] == "École").sum() == text.count(",École,")


def test_unicode_text_separator_is_found_on_the_decoded_header(tmp_path):
    path = tmp_path / "actors.txt"
    path.write_bytes(_tab_separated(_text("actors_3w.csv")).encode("utf-16"))
    text = load._decode_text(path)
    assert load._separator(text) == "\t"
    frame = load._read_csv(path)
    assert list(frame.columns) == list(pd.read_csv(DEMO / "actors_3w.csv", nrows=0).columns)
    assert frame.attrs["hxl"]["Région"] == "#adm1+name"


def test_utf16_without_bom_is_read(tmp_path):
    text = _tab_separated(_text("actors_3w.csv"))
    for codec in ("utf-16-le", "utf-16-be"):
        path = tmp_path / f"{codec}.csv"
        path.write_bytes(text.encode(codec))
        assert load._read_csv(path).equals(load._read_csv(DEMO / "actors_3w.csv"))


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


def test_bad_bytes_in_utf16_are_refused_naming_the_line(tmp_path):
    path = tmp_path / "actors.csv"
    raw = _tab_separated(_text("actors_3w.csv")).encode("utf-16")
    path.write_bytes(raw[:-1])  # an odd number of bytes: a truncated file
    with pytest.raises(InputDataError, match=r"line \d+: found bytes .* that are not UTF-16 LE \(truncated data\)"):
        load._read_csv(path)


@pytest.mark.parametrize("text, repaired", [
    ("SÃ©gou", "Ségou"), ("Ã‰cole", "École"), ("lâ€™eau", "l’eau"), ("DirÃ©", "Diré"),
    ("ÃƒÂ©", "é"),  # encoded three times
    ("Ségou", "Ségou"), ("Ã  la", "Ã  la"), ("Ã©t€", "ét€"), ("naïve ½", "naïve ½"),
])
def test_mojibake_repair_only_where_the_bytes_are_utf8(text, repaired):
    assert load._unmangle(text) == repaired


def test_mixed_and_double_encoded_files_warn_by_name(tmp_path):
    path = tmp_path / "services.csv"
    path.write_bytes(_last_lines_cp1252(_text("services_points.csv"), 3))
    with pytest.warns(MixedEncodingWarning, match=r"3 lines are not UTF-8 but Windows-1252"):
        frame = load._read_csv(path)
    assert frame.equals(load._read_csv(DEMO / "services_points.csv"))
    path.write_bytes(_double_encoded(_text("services_points.csv")))
    with pytest.warns(MojibakeWarning, match=r"repaired: column 'name', line \d+: 'Ã‰cole fondamentale .*' read as 'École fondamentale .*'; in columns 'category', 'name'"):
        frame = load._read_csv(path)
    assert frame.equals(load._read_csv(DEMO / "services_points.csv"))


def test_real_health_facilities_with_a_windows_1252_tail(tmp_path, capsys):
    """The real WHO/KEMRI facility list whose last 200 lines were appended from a Windows-1252 export:
    same health counts and scores as the clean file, with the lines named."""
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
    cfg = REPO / "configs" / "mali_2017.yaml"
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


@pytest.fixture()
def two_configs(tmp_path, capsys):
    """Two demo configs with different weights (so different scores), each run alone for reference."""
    a = _demo_config(tmp_path)
    b = _demo_config(tmp_path, **{"indicators.incidents.weight": 1, "indicators.health_facilities.weight": 4})
    for cfg, ref in ((a, "ref_a"), (b, "ref_b")):
        assert _run(cfg, tmp_path / ref, capsys, "-q")[0] == 0
    assert (tmp_path / "ref_a" / "demo_scores.csv").read_bytes() != (tmp_path / "ref_b" / "demo_scores.csv").read_bytes()
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


def test_the_lock_is_released_on_error_and_records_its_holder(tmp_path):
    with report.output_lock(tmp_path, wait=0) as holder:
        recorded = json.loads((tmp_path / report.LOCK_NAME).read_text(encoding="utf-8"))
        assert recorded == holder and recorded["pid"] == os.getpid()
    assert not (tmp_path / report.LOCK_NAME).exists()
    with pytest.raises(ZeroDivisionError):
        with report.output_lock(tmp_path, wait=0):
            1 / 0
    assert not (tmp_path / report.LOCK_NAME).exists()


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


def test_rule_bounds_are_checked_before_parsing(monkeypatch):
    monkeypatch.setattr("nexus_zones.rules.ast.parse", lambda *a, **k: pytest.fail("parsed a contrived rule"))
    for expr in ("x <= 1 or " * (MAX_RULE_CHARS // 10 + 1) + "x", "(" * (MAX_RULE_DEPTH + 1) + "x" + ")" * (MAX_RULE_DEPTH + 1)):
        with pytest.raises(RuleSyntaxError) as info:
            parse_rule(expr)
        assert len(str(info.value)) < 300


def test_many_problems_make_a_bounded_message(tmp_path):
    text = _demo_text(tmp_path) + "".join(f"unknown_key_{i}: 1\n" for i in range(5_000))
    with pytest.raises(ConfigError) as info:
        load_config(_contrived(tmp_path, text))
    message = str(info.value)
    assert "5000 config problems" in message and "and 4970 more problems" in message
    assert message.count("\n  - ") == 31 and len(message) < 31 * 700
