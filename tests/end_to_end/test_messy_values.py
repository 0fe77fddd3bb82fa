"""Impossible values and empty inputs (issue 10, classes 5 and 6).

Class 5, impossible values: implausible dates (before 1950, after the run date, spreadsheet zero dates,
years typed 0017 or 2107, two-digit years read as 2068), non-finite or absurd numbers in files ('inf',
'1e999', 1e300), negative counts, coordinates out of range, and weights that are booleans, strings with a
decimal comma, or so large that the others count for nothing. Each is an error naming the file (or config
key), the column, the row and the cell, and the fix; none may end in the CLI's internal-error exit (3).

Class 6, empty inputs: a layer with no row to count (a 0-byte file, a header only, an HXL row only, none in
the window, none of the types or categories) is an error when a rule or a weighted indicator depends on it,
and an :class:`EmptyLayerWarning` otherwise (or with ``allow_empty``).

Every catalogue case runs the demo (``configs/demo.yaml`` on ``data/demo``, copied) or the real files through
``cli.main(["run", ...])``.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path
from typing import Callable

import numpy as np
import pandas as pd
import pytest
import yaml

import nexus_zones
from nexus_zones import cli

from .._support import REPO, fewer_draws, require_real_data


# ------------------------------------------------------------------------------------- the demo, copied


def _demo(tmp: Path) -> tuple[Path, dict]:
    """Copy the demo data to ``tmp/data/demo`` and return (data folder, config mapping); the config is
    written to ``tmp/configs`` so that its relative paths stay as published."""
    data = tmp / "data" / "demo"
    shutil.copytree(REPO / "data" / "demo", data)
    cfg = yaml.safe_load((REPO / "configs" / "demo.yaml").read_text(encoding="utf-8"))
    fewer_draws(cfg, 100)  # fewer draws: the catalogue is about inputs, not robustness
    return data, cfg


def _run(tmp: Path, cfg: dict, capsys) -> tuple[int, str, Path]:
    (tmp / "configs").mkdir(exist_ok=True)
    path = tmp / "configs" / "demo.yaml"
    path.write_text(yaml.safe_dump(cfg, allow_unicode=True, sort_keys=False), encoding="utf-8")
    out = tmp / "out"
    code = cli.main(["run", str(path), "--out", str(out)])
    captured = capsys.readouterr()
    err = captured.err
    assert "Traceback" not in err and "Traceback" not in captured.out
    return code, err, out


def _cell(file: str, column: str, row: int, value: str) -> Callable[[Path, dict], None]:
    """Set one cell (``row``: position among the data rows) of a demo CSV."""

    def change(data: Path, cfg: dict) -> None:
        table = pd.read_csv(data / file, dtype=str, keep_default_na=False)
        table.loc[row, column] = value
        table.to_csv(data / file, index=False)

    return change


def _key(dotted: str, value) -> Callable[[Path, dict], None]:
    def change(data: Path, cfg: dict) -> None:
        node = cfg
        keys = dotted.split(".")
        for k in keys[:-1]:
            node = node[k]
        node[keys[-1]] = value

    return change


def _header_only(file: str, keep_lines: int = 1) -> Callable[[Path, dict], None]:
    def change(data: Path, cfg: dict) -> None:
        lines = (data / file).read_text(encoding="utf-8").splitlines()
        (data / file).write_text("\n".join(lines[:keep_lines]) + "\n", encoding="utf-8")

    return change


def _both(*changes):
    def change(data: Path, cfg: dict) -> None:
        for c in changes:
            c(data, cfg)

    return change


def _ahp_off_scale(data: Path, cfg: dict) -> None:
    names = list(cfg["indicators"])
    for n in names:
        cfg["indicators"][n].pop("weight")
    cfg["model"]["ahp"] = {a: {b: (1e300 if i == 0 else 1) for b in names[i + 1:]} for i, a in enumerate(names[:-1])}


# Line numbers in messages are the file's: the header is line 1, data row k (from 0) is line k + 2.
CLASS5: list[tuple[str, Callable[[Path, dict], None], str]] = [
    # ---- dates
    ("excel-zero-date", _cell("incidents.csv", "event_date", 3, "1900-01-01"),
     r"incidents\.csv: 1 input problem:\n  - column 'event_date': found 1 dates outside the plausible range \(row 5: '1900-01-01'\); "
     r"expected dates from 1950-01-01 to \d{4}-\d\d-\d\d \(the day after the run\)\. Fix: correct the year of those cells \(1900-01-01 or 1899-12-30 is a spreadsheet's empty date"),
    ("year-typo-2107", _cell("incidents.csv", "event_date", 10, "2107-03-01"),
     r"incidents\.csv: .*column 'event_date': found 1 dates outside the plausible range \(row 12: '2107-03-01'\)"),
    # regression: a year typed 0017 overflowed pandas' nanosecond dates (exit 3, OutOfBoundsDatetime)
    ("year-typo-0017", _cell("incidents.csv", "event_date", 3, "0017-06-14"),
     r"incidents\.csv: .*column 'event_date': found 1 dates outside the plausible range \(row 5: '0017-06-14'\)"),
    ("two-digit-year-read-as-2068", _cell("access_impediments.csv", "date", 0, "05-Jan-68"),
     r"access_impediments\.csv: .*column 'date': found 1 dates outside the plausible range \(row 2: '05-Jan-68'\).*write years with four digits"),
    # ---- numbers in files
    ("fatalities-inf", _cell("incidents.csv", "fatalities", 3, "inf"),
     r"incidents\.csv: .*column 'fatalities': found 1 values that are not finite or beyond ±1e\+15 \(row 5: 'inf'\); "
     r"expected finite numbers within ±1e\+15, or blank \(or NA\) for missing\. Fix: correct those cells"),
    ("table-1e999", _cell("school_closures_2018-02-26.csv", "schools_closed", 1, "1e999"),
     r"school_closures_2018-02-26\.csv: .*column 'schools_closed': found 1 values that are not finite or beyond ±1e\+15 \(row 3: '1e999'\)"),
    ("table-1e300", _cell("school_closures_2018-02-26.csv", "schools_total", 4, "1e300"),
     r"school_closures_2018-02-26\.csv: .*column 'schools_total': found 1 values that are not finite or beyond ±1e\+15 \(row 6: '1e300'\)"),
    ("negative-fatalities", _cell("incidents.csv", "fatalities", 7, "-4"),
     r"incidents\.csv: .*column 'fatalities': found 1 negative values \(row 9: '-4'\); expected counts of 0 or more\. Fix: correct those cells \(a count cannot be below 0\)"),
    ("negative-table-count", _cell("school_closures_2018-02-26.csv", "schools_closed", 2, "-6"),
     r"school_closures_2018-02-26\.csv: .*column 'schools_closed': found 1 negative values \(row 4: '-6'\); expected values of 0 or more"),
    ("latitude-out-of-range", _cell("services_points.csv", "latitude", 2, "176.255"),
     r"services_points\.csv: .*columns 'latitude'/'longitude': found coordinates out of range \(latitude, longitude: row 4: '176\.255', '-3\.06'\)\. .*"
     r"44 of 45 rows inside the boundaries as given.*expected latitude within ±90 and longitude within ±180 .*Fix: correct those rows"),
    ("latitude-inf", _cell("incidents.csv", "latitude", 0, "inf"),
     r"incidents\.csv: .*column 'latitude': found values that are not numbers in rows 2 \(e\.g\. 'inf'\); expected decimal degrees"),
    # ---- weights and other numbers of the config
    ("weight-1e300", _key("indicators.incidents.weight", 1e300),
     r"demo\.yaml: 1 config problem:\n  - indicators\.\*\.weight: found indicators\.incidents\.weight = 1e\+300 beside indicators\.\w+\.weight = 1: "
     r"6 positive weights would count for less than 1e-06 of the total.*Fix: correct the weight that is off"),
    # regression: two weights of 1e308 overflowed their sum (exit 3, OverflowError)
    ("weights-sum-overflows", _both(_key("indicators.incidents.weight", 1e308), _key("indicators.fatalities.weight", 1e308)),
     r"indicators\.\*\.weight: found weights whose sum is too large to compute"),
    ("weight-tiny", _key("indicators.fatalities.weight", 1e-12),
     r"indicators\.\*\.weight: found indicators\.incidents\.weight = 3 beside indicators\.fatalities\.weight = 1e-12: 1 positive weights would count for less than 1e-06"),
    ("weight-decimal-comma", _key("indicators.incidents.weight", "2,5"),
     r"indicators\.incidents\.weight: found '2,5'; expected a number\. Fix: write 2\.5 \(a point as the decimal mark, unquoted\)"),
    ("weight-boolean", _key("indicators.fatalities.weight", True),
     r"indicators\.fatalities\.weight: found True; expected a number; true/false is no weight \(write 1 or 0\)"),
    ("weight-nan", _key("indicators.fatalities.weight", float("nan")), r"indicators\.fatalities\.weight: found nan; expected a finite number"),
    # regression: a negative seed reached numpy (exit 3, ValueError)
    ("seed-negative", _key("robustness.seed", -1), r"robustness\.seed: found -1; expected a number of at least 0"),
    ("seed-too-large", _key("typology.seed", 2**40), r"typology\.seed: found 1099511627776; expected a number of at most 4294967295"),
    ("goalposts-overflow", _key("indicators.schools_closed.goalposts", [-1e308, 1e308]),
     r"indicators\.schools_closed\.goalposts: found \[-1e\+308, 1e\+308\]; expected bounds whose distance is a finite number"),
    ("scale-overflows", _key("indicators.incidents.scale", 1e308),
     r"indicators\.incidents: found values too large to hold \(infinite\) for .*incidents\.count × scale 1e\+308 overflows; expected finite values\. Fix: use a smaller scale"),
    ("ahp-off-scale", _ahp_off_scale, r"model\.ahp: found judgements off Saaty's scale \(incidents vs fatalities: 1e\+300;.*expected judgements from 1/9 to 9"),
]

CLASS6_ERRORS: list[tuple[str, Callable[[Path, dict], None], str]] = [
    ("window-moved-to-2025", _both(_key("layers.incidents.start", "2025-01-01"), _key("layers.incidents.end", "2025-12-31")),
     r"layers\.incidents \(.*incidents\.csv\): found 0 of 151 rows in 2025-01-01\.\.2025-12-31 \(the file's dates run 2017-01-01\.\.2018-12-28\); "
     r"yet indicators\.incidents \(weight 3\), rules\.few_incidents \('incidents <= 5'\), indicators\.fatalities \(weight 1\) use it.*"
     r"Fix: check the file and the layer's window.*set layers\.incidents\.allow_empty: true"),
    ("types-misspelled", _key("layers.incidents.types", ["Battle", "Explosions-Remote violence"]),
     r"layers\.incidents \(.*\): found 0 of 70 rows in the window are of the types \['Battle', 'Explosions-Remote violence'\] \(types in the file: \['Battles',"),
    ("incidents-header-only", _header_only("incidents.csv"),
     r"layers\.incidents \(.*incidents\.csv\): found no data rows \(a header only\); yet indicators\.incidents"),
    ("forces-0-byte", lambda d, c: (d / "security_forces.csv").write_bytes(b""),
     r"layers\.forces \(.*security_forces\.csv\): found an empty file \(0 bytes\); yet rules\.forces_present \('forces\.police and forces\.gendarmerie and forces\.military'\) use it"),
    ("3w-hxl-row-only", _header_only("actors_3w.csv", keep_lines=2),
     r"layers\.actors \(.*actors_3w\.csv\): found no data rows \(a header and an HXL row only\); yet indicators\.humanitarian_actors \(weight 1\), "
     r"indicators\.development_actors \(weight 1\), rules\.both_actor_types \('actors\.both'\) use it"),
    ("category-misspelled", _key("layers.services.categories.health", ["Centre de snaté"]),
     r"layers\.services\.categories\.health \(.*services_points\.csv\): found no row with the category values \['Centre de snaté'\] \(did you mean 'Centre de santé'\?\).*"
     r"yet indicators\.health_facilities \(weight 1\), rules\.services_present"),
    ("coordinates-swapped-within-range", lambda d, c: _swap_coordinates(d / "access_impediments.csv"),
     r"layers\.access \(points in the window\): found 12 of 12 points outside every unit of the boundaries.*"
     r"12 of 12 inside with latitude and longitude swapped.*Fix: swap latitude and longitude"),
]


def _swap_coordinates(path: Path) -> None:
    t = pd.read_csv(path, dtype=str, keep_default_na=False)
    t.assign(latitude=t["longitude"], longitude=t["latitude"]).to_csv(path, index=False)


@pytest.mark.parametrize("case", CLASS5 + CLASS6_ERRORS, ids=[c[0] for c in CLASS5 + CLASS6_ERRORS])
def test_impossible_or_empty_input_is_a_clear_error(case, tmp_path, capsys):
    name, change, pattern = case
    data, cfg = _demo(tmp_path)
    change(data, cfg)
    code, err, out = _run(tmp_path, cfg, capsys)
    assert code == 2, err  # never 3 (internal error)
    assert err.count("error: ") == 1 and "internal error" not in err
    assert not out.exists() or not any(out.iterdir())
    assert re.search(pattern, err, flags=re.S), f"{name}: {pattern!r} not in:\n{err}"


def test_the_catalogue_has_the_variants_the_issue_asks_for():
    assert len(CLASS5) >= 12 and len(CLASS6_ERRORS) >= 5
    assert len({c[0] for c in CLASS5 + CLASS6_ERRORS}) == len(CLASS5 + CLASS6_ERRORS)


# ------------------------------------------------------------------ runs that succeed: the numbers


@pytest.fixture(scope="module")
def clean_scores(tmp_path_factory) -> pd.DataFrame:
    tmp = tmp_path_factory.mktemp("clean")
    data, cfg = _demo(tmp)
    (tmp / "configs").mkdir()
    (tmp / "configs" / "demo.yaml").write_text(yaml.safe_dump(cfg, allow_unicode=True), encoding="utf-8")
    result = nexus_zones.run(tmp / "configs" / "demo.yaml", write=False)
    assert not [w for w in result.warnings if re.match(r"layers\.\w+(\.categories\.\w+)? \(", w)]  # no empty layer in the clean demo
    return result.scores


def _scores(out: Path) -> pd.DataFrame:
    return pd.read_csv(out / "demo_scores.csv", dtype={"unit_id": str}).set_index("unit_id")


def test_a_unit_with_no_event_in_a_layer_with_events_is_normal(clean_scores):
    """Some cercles have no access impediment in 2017: that is data, not an empty layer (no warning above)."""
    counts = clean_scores["access_impediments"]
    assert (counts == 0).any() and (counts > 0).any()


def test_an_empty_layer_nothing_uses_is_a_named_warning_and_the_rest_is_unchanged(tmp_path, capsys, clean_scores):
    data, cfg = _demo(tmp_path)
    _header_only("access_impediments.csv")(data, cfg)
    cfg["indicators"]["access_impediments"]["weight"] = 0
    del cfg["rules"]["no_access_impediment"]
    code, err, out = _run(tmp_path, cfg, capsys)
    assert code == 0, err
    assert re.search(r"EmptyLayerWarning: layers\.access \(.*access_impediments\.csv\): no data rows \(a header only\); every unit counts 0 "
                     r"or nothing for it; no rule or weighted indicator uses it", err), err
    scores = _scores(out)
    assert (scores["access_impediments"] == 0).all()
    for column in ("incidents", "fatalities", "schools_closed", "health_facilities", "humanitarian_actors", "development_actors"):
        assert scores[column].to_dict() == clean_scores[column].to_dict(), column


def test_allow_empty_accepts_an_empty_window_with_a_warning(tmp_path, capsys):
    data, cfg = _demo(tmp_path)
    cfg["layers"]["incidents"].update(start="2025-01-01", end="2025-12-31", allow_empty=True)
    code, err, out = _run(tmp_path, cfg, capsys)
    assert code == 0, err
    assert re.search(r"EmptyLayerWarning: layers\.incidents \(.*incidents\.csv\): 0 of 151 rows in 2025-01-01\.\.2025-12-31 \(the file's dates run "
                     r"2017-01-01\.\.2018-12-28\); every unit counts 0 or nothing for it \(allowed by allow_empty; used by indicators\.incidents", err), err
    scores = _scores(out)
    assert (scores["incidents"] == 0).all() and (scores["fatalities"] == 0).all()
    assert scores["rule_few_incidents"].all()  # what allow_empty means: 0 incidents everywhere is believed


def test_nan_written_in_a_table_is_a_missing_value_named_in_a_warning(tmp_path, capsys, clean_scores):
    """'NaN', 'NA', 'n/a' are the usual spellings of 'no value' in exports; they read as missing (never as
    a number), and the unit is named."""
    data, cfg = _demo(tmp_path)
    _cell("school_closures_2018-02-26.csv", "schools_closed", 1, "NaN")(data, cfg)
    code, err, out = _run(tmp_path, cfg, capsys)
    assert code == 0, err
    assert "MissingValueWarning: indicator schools_closed: no value for Diré (ML0602)" in err
    scores = _scores(out)
    assert np.isnan(scores.loc["ML0602", "schools_closed"])
    others = scores.index.drop("ML0602")
    assert scores.loc[others, "schools_closed"].tolist() == clean_scores.loc[others, "schools_closed"].tolist()


# --------------------------------------------------------------------------------------- real files


@pytest.mark.realdata
def test_real_acled_with_misspelled_types_is_an_error_not_zero_incidents(tmp_path, capsys):
    real = require_real_data()
    cfg = yaml.safe_load((REPO / "configs" / "mali_2017.yaml").read_text(encoding="utf-8"))
    cfg["layers"]["incidents"]["types"] = ["Battle", "Explosions/Remote violance", "Violence against civilian"]
    path = tmp_path / "mali.yaml"
    path.write_text(yaml.safe_dump(cfg, allow_unicode=True), encoding="utf-8")
    code = cli.main(["run", str(path), "--data-dir", str(real), "--out", str(tmp_path / "out")])
    err = capsys.readouterr().err
    acled = pd.read_csv(real / "acled_mali_1997-01-06_2020-07-31_hdx.csv", usecols=["event_date", "event_type"])
    in_2017 = int((pd.to_datetime(acled["event_date"], format="mixed").dt.year == 2017).sum())
    assert code == 2, err
    assert re.search(rf"layers\.incidents \(.*acled_mali_1997-01-06_2020-07-31_hdx\.csv\): found 0 of {in_2017:,} rows in the window are of the types "
                     r"\['Battle', 'Explosions/Remote violance', 'Violence against civilian'\] \(types in the file: \['Battles',", err), err
    assert ("UnmatchedFilterWarning: " in err and "layers.incidents.types: found 'Battle' (did you mean 'Battles'?), 'Explosions/Remote violance' "
            "(did you mean 'Explosions/Remote violence'?), 'Violence against civilian' (did you mean 'Violence against civilians'?) in no row") in err
    # the same misspelling as a row filter (where:) was already refused by load.filter_rows, before any count
    del cfg["layers"]["incidents"]["types"]
    cfg["layers"]["incidents"]["where"] = {"event_type": ["Battle"]}
    path.write_text(yaml.safe_dump(cfg, allow_unicode=True), encoding="utf-8")
    assert cli.main(["run", str(path), "--data-dir", str(real), "--out", str(tmp_path / "out")]) == 2
    assert "layers.incidents.where.event_type: found no row with a value in ['Battle']" in capsys.readouterr().err


@pytest.mark.realdata
def test_real_acled_with_a_window_after_the_export_names_the_files_dates(tmp_path, capsys):
    real = require_real_data()
    cfg = yaml.safe_load((REPO / "configs" / "mali_2017.yaml").read_text(encoding="utf-8"))
    cfg["layers"]["incidents"]["year"] = 2021
    path = tmp_path / "mali.yaml"
    path.write_text(yaml.safe_dump(cfg, allow_unicode=True), encoding="utf-8")
    code = cli.main(["run", str(path), "--data-dir", str(real), "--out", str(tmp_path / "out")])
    err = capsys.readouterr().err
    dates = pd.to_datetime(pd.read_csv(real / "acled_mali_1997-01-06_2020-07-31_hdx.csv", usecols=["event_date"])["event_date"], format="mixed")
    assert code == 2, err
    assert (f"found 0 of {len(dates):,} rows in 2021-01-01..2021-12-31 (the file's dates run {dates.min().date()}..{dates.max().date()})") in err, err
