"""The same record twice, and one thing written several ways (issue 10, classes 3 and 4).

Class 3: an appended re-download repeats ACLED events (``event_id_cnty``, or ``id_column``); a table or
a 3W repeats a row. Each record is counted once, with a ``DuplicateRecordWarning`` naming the rows; rows
sharing an id but differing are the newest by ``timestamp``, or an error naming id, rows and columns.

Class 4: organisation names differing by case, accents, spaces or punctuation are one organisation
(aliases join different names); P-codes in lower case, with spaces, no-break spaces, quotes or a
trailing ``.0`` are read as the boundary codes; unit names are matched with accents and case folded.
Every correction is reported (``SpellingVariantWarning`` or the join report).

Each catalogue case runs the demo (or the real ACLED file) through the CLI and asserts the message
AND that the numbers in the scores table equal those of the clean files (or hand-written ones).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Callable

import pandas as pd
import pytest
import yaml

from nexus_zones import cli

from .._support import VIOLENT, _read, copy_demo, require_real_data, run_cli, scores_table
COUNTS = ["incidents", "fatalities", "schools_closed", "health_facilities", "access_impediments", "humanitarian_actors", "development_actors"]


def _write(frame: pd.DataFrame, path: Path) -> None:
    frame.to_csv(path, index=False)


def _demo(folder: Path) -> tuple[dict, Path]:
    """A copy of the demo files and its config (absolute paths, few robustness draws)."""
    return copy_demo(folder)


def _run(cfg: dict, folder: Path, capsys) -> tuple[int, str, pd.DataFrame | None]:
    code, err, out = run_cli(cfg, folder, capsys)
    return code, err, scores_table(out, cfg["study"]["name"]) if code == 0 else None


@pytest.fixture(scope="module")
def clean_records(tmp_path_factory) -> pd.DataFrame:
    """The scores table of the untouched demo files."""
    folder = tmp_path_factory.mktemp("clean")
    cfg, _ = _demo(folder)
    config = folder / "config.yaml"
    config.write_text(yaml.safe_dump(cfg, allow_unicode=True, sort_keys=False), encoding="utf-8")
    assert cli.main(["run", str(config), "--out", str(folder / "out")]) == 0
    return pd.read_csv(folder / "out" / "demo_scores.csv").set_index("unit_id").sort_index()


# --------------------------------------------------------------------------- catalogue mutations


def _append_export_again(cfg, d):
    """An analyst appends a second download (the events of May to December) to the first."""
    t = _read(d / "incidents.csv")
    _write(pd.concat([t, t[t["event_date"] >= "2017-05-01"]]), d / "incidents.csv")
    return cfg


def _two_exports_that_differ(cfg, d):
    """Two exports concatenated: one event's fatalities were revised, and the file has no timestamp."""
    t = _read(d / "incidents.csv")
    revised = t[t["event_id_cnty"] == "DEMO0003"].assign(fatalities="7")
    _write(pd.concat([t, revised]), d / "incidents.csv")
    return cfg


def _services_listed_twice(cfg, d):
    """A facility list whose own id column (the facility name) repeats two facilities exactly."""
    t = _read(d / "services_points.csv")
    _write(pd.concat([t, t.iloc[[0, 5]]]), d / "services_points.csv")
    cfg["layers"]["services"]["id_column"] = "name"
    return cfg


def _schools_row_twice(cfg, d):
    """A per-commune style table summed per cercle (combine: sum) with one row pasted twice."""
    t = _read(d / "school_closures_2018-02-26.csv")
    _write(pd.concat([t, t.iloc[[2]]]), d / "school_closures_2018-02-26.csv")
    cfg["layers"]["schools"]["combine"] = "sum"
    return cfg


def _schools_row_twice_no_combine(cfg, d):
    t = _read(d / "school_closures_2018-02-26.csv")
    _write(pd.concat([t.iloc[[3]], t]), d / "school_closures_2018-02-26.csv")
    return cfg


def _actors_rows_twice(cfg, d):
    """3W rows repeated (the HXL row stays the first data row)."""
    t = _read(d / "actors_3w.csv")
    _write(pd.concat([t, t.iloc[[3, 7]]]), d / "actors_3w.csv")
    return cfg


def _org(t: pd.DataFrame, cercle: str, acronym: str, spelling: str) -> None:
    t.loc[(t["Cercle"] == cercle) & (t["Acronyme"] == acronym), "Acronyme"] = spelling


def _organisation_spellings(cfg, d):
    """Organisations typed by hand in several offices: case, dots, spaces, accents."""
    t = _read(d / "actors_3w.csv")
    _org(t, "Diré", "PAM", "P.A.M.")
    _org(t, "Goundam", "PAM", "pam")
    _org(t, "Diré", "NRC", "N R C")
    _org(t, "Gourma-Rharous", "CICR", "Cicr")
    _org(t, "Niafunké", "PNUD", "P.N.U.D")
    _write(t, d / "actors_3w.csv")
    return cfg


def _organisation_full_names(cfg, d):
    """The organisation column is the full name, with accents dropped in some offices."""
    t = _read(d / "actors_3w.csv")
    t.loc[t["Cercle"] == "Diré", "Organisation"] = t.loc[t["Cercle"] == "Diré", "Organisation"].map(
        lambda s: s.replace("é", "e").replace("ü", "u").upper())
    _write(t, d / "actors_3w.csv")
    cfg["layers"]["actors"]["organisation_column"] = "Organisation"
    return cfg


def _other_acronym(cfg, d):
    """WFP (English) beside PAM (French) for the same agency: two names, kept apart without an alias."""
    t = _read(d / "actors_3w.csv")
    _org(t, "Diré", "PAM", "WFP")
    t = pd.concat([t, t[(t["Cercle"] == "Goundam") & (t["Acronyme"] == "PAM")].assign(Acronyme="WFP", Secteur="Nutrition")])
    _write(t, d / "actors_3w.csv")
    return cfg


def _other_acronym_aliased(cfg, d):
    _other_acronym(cfg, d)
    cfg["layers"]["actors"]["organisation_aliases"] = {"WFP": "PAM"}
    return cfg


def _forces_codes_messy(cfg, d):
    """P-codes typed in lower case, quoted, with a no-break space inside and a trailing '.0'."""
    t = _read(d / "security_forces.csv")
    t["admin2Pcod"] = ["ml0601", '"ML0602"', "ML\u00a00603", "Ml0604", "ML0605.0"]
    _write(t, d / "security_forces.csv")
    return cfg


def _actors_codes_lower(cfg, d):
    t = _read(d / "actors_3w.csv")
    t.loc[1:, "admin2Pcod"] = t.loc[1:, "admin2Pcod"].str.lower() + " "
    _write(t, d / "actors_3w.csv")
    return cfg


def _schools_by_name(cfg, d):
    """The table without codes, names spelled as in ACLED or in capitals, and Timbuktu in English."""
    t = _read(d / "school_closures_2018-02-26.csv")
    t["admin2Name"] = ["Timbuktu", "DIRE", "goundam", "Gourma Rharous", "Niafunke\u00a0"]
    _write(t.drop(columns=["admin2Pcod"]), d / "school_closures_2018-02-26.csv")
    layer = cfg["layers"]["schools"]
    layer.pop("unit_column")
    layer["name_column"] = "admin2Name"
    layer["aliases"] = {"Timbuktu": "Tombouctou"}
    return cfg


Case = tuple[str, Callable, str, str, dict | None]  # id, mutate, outcome, pattern, changed numbers (None: as clean)

CATALOGUE: list[Case] = [
    # ---- class 3: the same record twice
    ("events-export-appended", _append_export_again, "warning",
     r"DuplicateRecordWarning: .*incidents\.csv: column 'event_id_cnty': (\d+) of (\d+) rows repeat a record id and were dropped, so each "
     r"record is counted once: \1 rows repeat an earlier row exactly, e\.g\. DEMO\d+ \(row 1\d\d = row \d+\)", None),
    ("events-two-exports-differ", _two_exports_that_differ, "error",
     r"incidents\.csv: 1 input problem:\n  - column 'event_id_cnty', id 'DEMO0003' in rows 4, 153: found 2 rows for one record that differ "
     r"in columns fatalities \(fatalities: '2' / '7'\); expected each record once, or versions told apart by a newer 'timestamp' column\. "
     r"Fix: keep one version of each record.*ACLED's timestamp column tells the newest.*layers\.incidents\.id_column", None),
    ("points-id-column-configured", _services_listed_twice, "warning",
     r"DuplicateRecordWarning: .*services_points\.csv: column 'name': 2 of 47 rows repeat a record id and were dropped.*"
     r"CSCOM Tombouctou 1 \(row 47 = row 2\)", None),
    ("table-row-twice-summed", _schools_row_twice, "warning",
     r"DuplicateRecordWarning: .*school_closures_2018-02-26\.csv: 1 rows are exact copies of an earlier row and were dropped \(row 7 = row 4\); "
     r"kept, they would have been counted twice", None),
    ("table-row-twice-one-row-per-unit", _schools_row_twice_no_combine, "warning",
     r"school_closures_2018-02-26\.csv: 1 rows are exact copies of an earlier row and were dropped \(row 6 = row 2\)", None),
    ("actors-rows-twice", _actors_rows_twice, "warning",
     r"DuplicateRecordWarning: .*actors_3w\.csv: 2 rows are exact copies of an earlier row and were dropped \(row 18 = row 5, row 19 = row 9\); "
     r"an organisation is counted once per unit", None),
    # ---- class 4: one thing, several spellings
    ("actors-organisation-spellings", _organisation_spellings, "warning",
     r"SpellingVariantWarning: layer actors: organisation names written several ways were counted as one organisation .*"
     r"'P\.A\.M\.', 'pam' → 'PAM'; 'Cicr' → 'CICR'; 'N R C' → 'NRC'; 'P\.N\.U\.D' → 'PNUD'\n", None),
    ("actors-organisation-accents", _organisation_full_names, "warning",
     r"SpellingVariantWarning: layer actors: .*: 'PROGRAMME ALIMENTAIRE MONDIAL' → 'Programme alimentaire mondial'; "
     r"'NORWEGIAN REFUGEE COUNCIL' → 'Norwegian Refugee Council'; "
     r"'PROGRAMME DES NATIONS UNIES POUR LE DEVELOPPEMENT' → 'Programme des Nations unies pour le développement'\n", None),
    # WFP and PAM are two names: no alias, two organisations in Goundam (PAM, WFP, ACF) -> 3; Diré unchanged (WFP replaces PAM)
    ("actors-other-acronym-kept-apart", _other_acronym, "ok", r"layer actors: 16 rows, 9 organisations", {"humanitarian_actors": {"ML0603": 2 + 1}}),
    ("actors-other-acronym-aliased", _other_acronym_aliased, "warning",
     r"SpellingVariantWarning: layer actors: .*'WFP' \(alias\) → 'PAM'", None),
    ("table-pcodes-messy", _forces_codes_messy, "warning",
     r"SpellingVariantWarning: layer forces: 5 P-codes of .*security_forces\.csv \(admin2Pcod\) are written otherwise than in the boundaries .*"
     r"'\"ML0602\"' → 'ML0602' \(row 3\); 'ML0605\.0' → 'ML0605' \(row 6\); 'ML\\xa00603' → 'ML0603' \(row 4\); 'Ml0604' → 'ML0604' \(row 5\); "
     r"'ml0601' → 'ML0601' \(row 2\)\n", None),
    ("actors-pcodes-lower-case", _actors_codes_lower, "warning",
     r"SpellingVariantWarning: layer actors: 5 P-codes of .*actors_3w\.csv \(admin2Pcod\) .*'ml0601' → 'ML0601' \(rows 3, 4, 5, 6\)", None),
    ("table-names-folded-and-aliased", _schools_by_name, "ok",
     r"layer schools: 5 names matched a unit once accents, case and punctuation were folded, or by alias: 'Timbuktu' → Tombouctou \(ML0601, alias\); "
     r"'DIRE' → Diré \(ML0602, folded\); 'goundam' → Goundam \(ML0603, folded\); 'Gourma Rharous' → Gourma-Rharous \(ML0604, folded\); "
     r"'Niafunke' → Niafunké \(ML0605, folded\)", None),
]


def test_each_class_has_at_least_two_variants():
    assert len({c[0] for c in CATALOGUE}) == len(CATALOGUE)
    assert sum("DuplicateRecordWarning" in c[3] or "exact copies" in c[3] or "record" in c[3] for c in CATALOGUE) >= 2
    assert sum("SpellingVariantWarning" in c[3] or "folded" in c[3] for c in CATALOGUE) >= 2


@pytest.mark.parametrize("case", CATALOGUE, ids=[c[0] for c in CATALOGUE])
def test_messy_records(case, clean_records, tmp_path, capsys):
    name, mutate, outcome, pattern, changed = case
    cfg, data = _demo(tmp_path)
    cfg = mutate(cfg, data)
    code, err, table = _run(cfg, tmp_path, capsys)
    assert re.search(pattern, err, flags=re.S), f"{name}: {pattern!r} not in:\n{err}"
    if outcome == "error":
        assert code == 2 and err.count("error: ") == 1
        return
    assert code == 0, err
    assert ("WARNING " in err) == (outcome == "warning")
    expected = clean_records[COUNTS].copy()
    for column, values in (changed or {}).items():
        for unit, value in values.items():
            assert expected.at[unit, column] != value  # the case does change this number
            expected.at[unit, column] = value
    pd.testing.assert_frame_equal(table[COUNTS], expected, check_dtype=False)


# ------------------------------------------------------------------------------- real ACLED file


ACLED = "acled_mali_1997-01-06_2020-07-31_hdx.csv"


def _acled_config(events: Path, real: Path) -> dict:
    return {
        "study": {"name": "acled", "title": "ACLED 2017",
                  "boundaries": {"path": str(real / "mali_admin_boundaries_ocha_cod_2015.gpkg"), "layer": "adm2_cercles",
                                 "id_column": "admin2Pcod", "name_column": "admin2Name", "region_column": "admin1Name"}},
        "layers": {"incidents": {"kind": "points", "path": str(events), "year": 2017, "types": VIOLENT}},
        "indicators": {"incidents": {"measure": "incidents.count", "direction": "cost", "weight": 2},
                       "fatalities": {"measure": "incidents.fatalities", "direction": "cost", "weight": 1}},
        "robustness": {"draws": 0, "leave_one_out": False},
    }


@pytest.fixture(scope="module")
def acled(tmp_path_factory):
    """The real export, and the scores of a 2017 run on it as published."""
    real = require_real_data()
    export = _read(real / ACLED)
    folder = tmp_path_factory.mktemp("acled_clean")
    config = folder / "config.yaml"
    config.write_text(yaml.safe_dump(_acled_config(real / ACLED, real)), encoding="utf-8")
    assert cli.main(["run", str(config), "--out", str(folder / "out")]) == 0
    return real, export, pd.read_csv(folder / "out" / "acled_scores.csv").set_index("unit_id").sort_index()


def test_real_acled_with_its_2017_events_appended_again(acled, tmp_path, capsys):
    real, export, clean_scores = acled
    again = export[export["year"] == "2017"]
    pd.concat([export, again]).to_csv(tmp_path / "acled_twice.csv", index=False)
    code, err, table = _run(_acled_config(tmp_path / "acled_twice.csv", real), tmp_path, capsys)
    assert code == 0, err
    n = len(again)  # 473 rows of 2017, every event type (the README's figure)
    assert n == 473
    assert f"column 'event_id_cnty': {n} of {len(export) + n} rows repeat a record id and were dropped" in err
    assert f"{n} rows repeat an earlier row exactly, e.g. {again['event_id_cnty'].iloc[0]} (row {len(export) + 2} = row {again.index[0] + 2})" in err
    pd.testing.assert_series_equal(table["incidents"], clean_scores["incidents"])
    pd.testing.assert_series_equal(table["fatalities"], clean_scores["fatalities"])


def test_real_acled_revised_events_keep_the_newest(acled, tmp_path, capsys):
    real, export, clean_scores = acled
    old = export[(export["year"] == "2017") & export["event_type"].isin(VIOLENT)].head(3)
    revised = old.assign(fatalities=(old["fatalities"].astype(int) + 2).astype(str), timestamp=(old["timestamp"].astype(int) + 86400).astype(str))
    pd.concat([export, revised]).to_csv(tmp_path / "acled_revised.csv", index=False)
    code, err, table = _run(_acled_config(tmp_path / "acled_revised.csv", real), tmp_path, capsys)
    assert code == 0, err
    first = old.index[0] + 2
    assert (f"3 records came in several versions; the newest by 'timestamp' was kept: {old['event_id_cnty'].iloc[0]} "
            f"(rows {first}, {len(export) + 2}; fatalities, timestamp differ; kept row {len(export) + 2})") in err
    pd.testing.assert_series_equal(table["incidents"], clean_scores["incidents"])
    assert table["fatalities"].sum() == clean_scores["fatalities"].sum() + 3 * 2


def test_real_acled_versions_with_the_same_timestamp_are_an_error(acled, tmp_path, capsys):
    real, export, _ = acled
    old = export[export["year"] == "2017"].head(1)
    pd.concat([export, old.assign(event_type="Riots")]).to_csv(tmp_path / "acled_clash.csv", index=False)
    code, err, _ = _run(_acled_config(tmp_path / "acled_clash.csv", real), tmp_path, capsys)
    assert code == 2
    assert (f"column 'event_id_cnty', id {old['event_id_cnty'].iloc[0]!r} in rows {old.index[0] + 2}, {len(export) + 2}: "
            f"found 2 rows for one record that differ in columns event_type (event_type: {old['event_type'].iloc[0]!r} / 'Riots')") in err
