"""Issue 10, class 2: numbers in every locale's spelling.

1. ``parse_number`` on every spelling, with the expected values written out: thousands with dots,
   spaces, no-break, narrow no-break and thin spaces, apostrophes; decimal commas; percent signs
   (read as written: ``45 %`` = 45); accounting parentheses (``(12)`` = -12); the spelling decided
   from the whole column, whole-number columns settling ``142.522``; the config's ``decimal:`` and
   ``thousands:``.
2. ``ImplausibleValueWarning`` where a derived rate cannot be (more facilities than people, a share
   above 100 %, an absurd density).
3. A catalogue through the CLI: the real Cadre Harmonisé file and the demo files rewritten as
   other locales write them, each asserting the message or named warning AND that the numbers
   (populations, rates per 100,000, shares) equal the clean file's.
"""

from __future__ import annotations

import re
import warnings
from pathlib import Path

import pandas as pd
import pytest
import yaml

from nexus_zones import cli
from nexus_zones.errors import NumberFormatWarning
from nexus_zones.layers import table as table_mod

from .._support import DEMO, NBSP, NNBSP, demo_mapping, run_cli


# --------------------------------------------------------------------- 3. catalogue: CLI


def _run(cfg: dict, folder: Path, capsys) -> tuple[int, str, Path]:
    return run_cli(cfg, folder, capsys)


def _scores(out: Path, name: str) -> pd.DataFrame:
    return pd.read_csv(out / f"{name}_scores.csv", index_col="unit_id").sort_index()


# ---- the real Cadre Harmonisé file, Tombouctou region, Sep-Dec 2017

CH = "cadre_harmonise_mali_cercles_2014-2020.csv"
CH_ROWS = {"exercise_year": ["2017"], "exercise_label": ["Sep-Dec"], "chtype": ["current"], "adm1_name": ["Tombouctou"]}
# the data README's figures: CH 2017 population and WHO/KEMRI public facilities per Tombouctou cercle
POPULATION = {"ML0601": 165483, "ML0602": 142522, "ML0603": 196676, "ML0604": 144305, "ML0605": 228015}
FACILITIES = {"ML0601": 23, "ML0602": 18, "ML0603": 24, "ML0604": 17, "ML0605": 24}


def _ch_config(real: Path, ch_path: Path) -> dict:
    return {
        "study": {
            "name": "ch", "title": "CH spellings",
            "boundaries": {"path": str(real / "mali_admin_boundaries_ocha_cod_2015.gpkg"), "layer": "adm2_cercles",
                           "id_column": "admin2Pcod", "name_column": "admin2Name", "region_column": "admin1Name"},
            "regions": ["Tombouctou"],
        },
        "layers": {
            "food": {"kind": "table", "path": str(ch_path), "name_column": "adm2_name", "where": {k: v for k, v in CH_ROWS.items()},
                     "columns": {"population": "population", "phase35": "phase35"}},
            "health": {"kind": "points", "path": str(real / "who_kemri_public_health_facilities_mali.csv"), "latitude": "Lat", "longitude": "Long"},
        },
        "indicators": {
            "health_rate": {"measure": "health.count", "per": "food.population", "scale": 100000, "direction": "benefit", "weight": 2},
            "food_insecure": {"measure": "food.phase35", "per": "food.population", "scale": 100, "direction": "benefit", "weight": 1},
        },
        "robustness": {"draws": 20},
    }


def _dots(value: str) -> str:
    return f"{int(float(value)):,}".replace(",", ".")


def _spaces_and_comma(value: str) -> str:
    return f"{float(value):,.1f}".replace(",", " ").replace(".", ",")


def _excel_fr(value: str) -> str:
    return f"{float(value):,.1f}".replace(",", NBSP).replace(".", ",")


def _narrow(value: str) -> str:
    return f"{int(float(value)):,}".replace(",", NNBSP)


def _rewrite_ch(real: Path, folder: Path, spell, columns=("population", "phase35"), *, sep=",", encoding="utf-8") -> Path:
    table = pd.read_csv(real / CH, dtype=str, keep_default_na=False)
    for col in columns:
        table[col] = table[col].map(spell)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / CH
    table.to_csv(path, index=False, sep=sep, encoding=encoding)
    return path


@pytest.fixture(scope="module")
def clean_ch(real, tmp_path_factory):
    """The clean file's run: the reference every variant must equal."""
    folder = tmp_path_factory.mktemp("clean")
    config = folder / "config.yaml"
    config.write_text(yaml.safe_dump(_ch_config(real, real / CH), sort_keys=False), encoding="utf-8")
    assert cli.main(["run", str(config), "--out", str(folder / "out"), "-q"]) == 0
    scores = _scores(folder / "out", "ch")
    # independent check against the data README's figures
    for unit, people in POPULATION.items():
        assert scores.loc[unit, "health_rate"] == pytest.approx(FACILITIES[unit] / people * 100000)
    return scores


def _assert_population(path: Path, cfg: dict, real: Path) -> None:
    """The populations read from the variant equal the clean file's (read with plain pandas)."""
    spec = cfg["layers"]["food"]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", NumberFormatWarning)
        rows = table_mod.read_table(path, columns=spec["columns"], name_column="adm2_name", where=spec["where"],
                               decimal=spec.get("decimal"), thousands=spec.get("thousands"),
                               whole={m: "whole" for m in ["population", *spec.get("whole_numbers", [])]}, layer="food")
    clean = pd.read_csv(real / CH, dtype={"exercise_year": str})
    clean = clean[(clean["exercise_year"] == "2017") & (clean["exercise_label"] == "Sep-Dec") & (clean["chtype"] == "current") & (clean["adm1_name"] == "Tombouctou")]
    assert rows.set_index("name")["population"].to_dict() == clean.set_index("adm2_name")["population"].astype(float).to_dict()
    assert rows.set_index("name")["phase35"].to_dict() == clean.set_index("adm2_name")["phase35"].astype(float).to_dict()


CH_VARIANTS = [
    # id, spelling, columns rewritten, config changes, CSV separator and encoding, outcome, pattern in stderr
    ("dot-thousands-population-inferred", _dots, ("population",), {}, (",", "utf-8"), "warning",
     r"WARNING NumberFormatWarning: cadre_harmonise_mali_cercles_2014-2020\.csv: column 'population': 5 numbers such as '165\.483', '142\.522', '196\.676' "
     r"could use the dot as a thousands separator or as a decimal mark; read as whole numbers with the dot separating thousands "
     r"\('165\.483' as 165483, '142\.522' as 142522, '196\.676' as 196676\) because food\.population is the denominator \(per\) of indicators health_rate, food_insecure"),
    ("dot-thousands-config-thousands", _dots, ("population", "phase35"), {"thousands": "."}, (",", "utf-8"), "ok",
     r"cadre_harmonise_mali_cercles_2014-2020\.csv: column 'population': 5 values with thousands separators read as whole thousands \(e\.g\. '165\.483' as 165483"),
    ("dot-thousands-whole-numbers-listed", _dots, ("population", "phase35"), {"whole_numbers": ["phase35"]}, (",", "utf-8"), "warning",
     r"column 'phase35': 5 numbers such as '6\.619', '1\.425', '3\.934' could use the dot .* because it is listed under layers\.food\.whole_numbers"),
    ("spaces-and-decimal-comma", _spaces_and_comma, ("population", "phase35"), {}, (",", "utf-8"), "ok",
     r"column 'population': 5 values with a decimal comma read as decimals \(e\.g\. '165 483,0'\)"),
    ("excel-fr-semicolon-cp1252-nbsp", _excel_fr, ("population", "phase35"), {}, (";", "cp1252"), "ok",
     r"cadre_harmonise_mali_cercles_2014-2020\.csv is not UTF-8; read it as Windows-1252.*column 'population': 5 values with thousands separators read as whole thousands"),
    ("narrow-no-break-thousands", _narrow, ("population", "phase35"), {}, (",", "utf-8"), "ok",
     r"column 'population': 5 values with thousands separators read as whole thousands \(e\.g\. '165\\u202f483' as 165483"),
    ("dot-thousands-undecidable-phase35", _dots, ("population", "phase35"), {}, (",", "utf-8"), "error",
     r"cadre_harmonise_mali_cercles_2014-2020\.csv: 1 input problem:\n  - column 'phase35': found numbers such as '6\.619', '1\.425', '3\.934', which could use the dot as a thousands "
     r"separator or as a decimal mark \(rows 1090, 1091, 1092, 1093, 1094\); expected an unambiguous decimal mark\. Fix: set layers\.food\.decimal: ',' \(dots separate thousands\).*"
     r"list its measure under layers\.food\.whole_numbers"),
    ("dot-thousands-wrong-decimal", _dots, ("population", "phase35"), {"decimal": "."}, (",", "utf-8"), "implausible",
     r"WARNING ImplausibleValueWarning: indicator health_rate: Tombouctou \(ML0601\), Dire \(ML0602\), Goundam \(ML0603\), Gourma-Rharous \(ML0604\), Niafunke \(ML0605\) "
     r"have a value per 100,000 of food\.population, which is a fraction below 1,000 there: a count of people or things is whole \(e\.g\. 13,899 per 100,000 for "
     r"Tombouctou \(ML0601\): health\.count 23 over food\.population 165\.483\)\. Likely cause: food\.population read as 165\.483: its column probably "
     r"separates thousands with a dot or a comma \(165\.483 meaning 165483\)"),
]


@pytest.mark.realdata
@pytest.mark.parametrize("case", CH_VARIANTS, ids=[c[0] for c in CH_VARIANTS])
def test_cadre_harmonise_in_other_spellings(case, real, clean_ch, tmp_path, capsys):
    name, spell, columns, changes, (sep, encoding), outcome, pattern = case
    path = _rewrite_ch(real, tmp_path / "inputs", spell, columns, sep=sep, encoding=encoding)
    cfg = _ch_config(real, path)
    cfg["layers"]["food"].update(changes)
    code, err, out = _run(cfg, tmp_path, capsys)
    assert re.search(pattern, err, flags=re.S), f"{name}: {pattern!r} not in:\n{err}"
    if outcome == "error":
        assert code == 2 and err.count("error: ") == 1
        assert not out.exists() or not any(out.iterdir())  # nothing half-written
        return
    assert code == 0, err
    scores = _scores(out, "ch")
    if outcome == "implausible":  # decimal: '.' on dot thousands: every population 1000 times too small, and said
        expected = clean_ch["health_rate"] * 1000
        assert scores["health_rate"].to_dict() == pytest.approx(expected.to_dict())
        assert scores.loc["ML0602", "health_rate"] == pytest.approx(18 / 142.522 * 100000)
        return
    assert ("NumberFormatWarning" in err) == (outcome == "warning")
    assert scores["health_rate"].to_dict() == clean_ch["health_rate"].to_dict()
    assert scores["food_insecure"].to_dict() == clean_ch["food_insecure"].to_dict()
    assert scores.loc["ML0602", "health_rate"] == pytest.approx(18 / 142522 * 100000)
    _assert_population(path, cfg, real)


def _demo_config(folder: Path) -> dict:
    """configs/demo.yaml with its relative paths made absolute and few robustness draws."""
    cfg = demo_mapping(draws=20)
    cfg["output"] = {"dir": str(folder / "out")}
    return cfg


def _with_share(cfg: dict, folder: Path, cells) -> tuple[dict, pd.DataFrame]:
    """The schools table with a closed_share column written as percentages, and an indicator on it."""
    schools = pd.read_csv(DEMO / "school_closures_2018-02-26.csv", dtype=str, keep_default_na=False)
    closed, total = schools["schools_closed"].astype(int), schools["schools_total"].astype(int)
    schools["closed_share"] = [cells(c, t) for c, t in zip(closed, total)]
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "school_closures_2018-02-26.csv"
    schools.to_csv(path, index=False)
    cfg["layers"]["schools"].update(path=str(path), columns=["schools_closed", "schools_total", "closed_share"])
    cfg["indicators"]["closed_share"] = {"measure": "schools.closed_share", "direction": "cost", "weight": 1}
    cfg["indicators"]["closed_rate"] = {"measure": "schools.schools_closed", "per": "schools.schools_total", "scale": 100, "direction": "cost", "weight": 0}
    return cfg, schools


def test_demo_schools_with_percentages_equal_the_clean_shares(tmp_path, capsys):
    cfg, schools = _with_share(_demo_config(tmp_path), tmp_path / "inputs", lambda c, t: f"{100 * c / t:.1f} %".replace(".", ","))
    code, err, out = _run(cfg, tmp_path, capsys)
    assert code == 0, err
    assert "school_closures_2018-02-26.csv: column 'closed_share': 5 values with a percent sign read as percentages (e.g. '4,9 %' as 4.9, not 0.049)" in err
    scores = _scores(out, "demo")
    written = {u: round(100 * int(c) / int(t), 1) for u, c, t in zip(schools["admin2Pcod"], schools["schools_closed"], schools["schools_total"])}
    assert scores["closed_share"].to_dict() == pytest.approx(written)  # 45 % reads as 45: percentage points
    # and they agree with the rate the clean columns give (schools_closed per schools_total, scale 100), to the written precision
    assert (scores["closed_share"] - scores["closed_rate"]).abs().max() <= 0.05
    assert "ImplausibleValueWarning" not in err


def test_demo_share_above_100_percent_is_a_named_warning(tmp_path, capsys):
    cfg, _ = _with_share(_demo_config(tmp_path), tmp_path / "inputs", lambda c, t: "120 %" if t == 44 else f"{100 * c / t:.0f}%")
    code, err, out = _run(cfg, tmp_path, capsys)
    assert code == 0, err
    assert re.search(r"WARNING ImplausibleValueWarning: school_closures_2018-02-26\.csv: column 'closed_share': shares above 100 % in rows 4 \(e\.g\. 120 %\)", err)
    assert _scores(out, "demo").loc["ML0603", "closed_share"] == 120.0


def test_demo_more_closed_schools_than_schools_is_a_named_warning(tmp_path, capsys):
    cfg, _ = _with_share(_demo_config(tmp_path), tmp_path / "inputs", lambda c, t: f"{100 * c / t:.1f}%")
    path = Path(cfg["layers"]["schools"]["path"])
    table = pd.read_csv(path, dtype=str, keep_default_na=False)
    table.loc[table["admin2Pcod"] == "ML0603", "schools_closed"] = "60"  # Goundam has 44 schools
    table.to_csv(path, index=False)
    code, err, out = _run(cfg, tmp_path, capsys)
    assert code == 0, err
    assert re.search(
        r"WARNING ImplausibleValueWarning: indicator closed_rate: Goundam \(ML0603\) has a value above 100 %: more schools\.schools_closed than "
        r"schools\.schools_total, which cannot be \(e\.g\. 136 % for Goundam \(ML0603\): schools\.schools_closed 60 over schools\.schools_total 44\)", err)
    assert _scores(out, "demo").loc["ML0603", "closed_rate"] == pytest.approx(60 / 44 * 100)


def test_demo_negative_in_parentheses_is_refused_with_the_reason(tmp_path, capsys):
    cfg = _demo_config(tmp_path)
    schools = pd.read_csv(DEMO / "school_closures_2018-02-26.csv", dtype=str, keep_default_na=False)
    schools.loc[schools["admin2Pcod"] == "ML0603", "schools_closed"] = "(6)"
    (tmp_path / "inputs").mkdir()
    path = tmp_path / "inputs" / "school_closures_2018-02-26.csv"
    schools.to_csv(path, index=False)
    cfg["layers"]["schools"]["path"] = str(path)
    code, err, out = _run(cfg, tmp_path, capsys)
    assert code == 2 and (not out.exists() or not any(out.iterdir()))
    assert ("school_closures_2018-02-26.csv: 1 input problem:\n  - column 'schools_closed': found 1 negative values (row 4: '(6)'; "
            "4 written in parentheses, which mean a negative number: (12) = -12); expected values of 0 or more, as a count's (or layers.schools.signed "
            "listing 'schools_closed'). Fix: correct those cells (a count cannot be below 0)") in err
    assert "list it under layers.schools.signed" in err  # the fix names the key for a measure that may be below 0


def test_demo_incidents_through_french_excel_equal_the_clean_counts(tmp_path, capsys):
    """ACLED-shaped incidents saved by a French Excel: semicolons, Windows-1252, decimal-comma
    coordinates, fatalities with a decimal comma; counts and fatalities equal the clean file's."""
    clean_code, clean_err, clean_out = _run(_demo_config(tmp_path / "clean"), tmp_path / "clean", capsys)
    assert clean_code == 0, clean_err
    events = pd.read_csv(DEMO / "incidents.csv", dtype=str, keep_default_na=False)
    for col in ("latitude", "longitude"):
        events[col] = events[col].str.replace(".", ",", regex=False)
    events["fatalities"] = events["fatalities"].map(lambda v: f"{int(v)},0")
    (tmp_path / "fr").mkdir()
    path = tmp_path / "fr" / "incidents.csv"
    events.to_csv(path, index=False, sep=";", encoding="cp1252")
    cfg = _demo_config(tmp_path / "fr")
    cfg["layers"]["incidents"]["path"] = str(path)
    code, err, out = _run(cfg, tmp_path / "fr", capsys)
    assert code == 0, err
    assert "incidents.csv: column 'fatalities':" in err and "values with a decimal comma read as decimals (e.g. '5,0')" in err
    got, clean = _scores(out, "demo"), _scores(clean_out, "demo")
    assert got[["incidents", "fatalities"]].to_dict() == clean[["incidents", "fatalities"]].to_dict()
    assert clean["fatalities"].sum() > 0 and clean["incidents"].sum() > 0
