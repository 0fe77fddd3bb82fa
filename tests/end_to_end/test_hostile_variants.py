"""Regression tests of a fresh hostile-input hunt at the close of issue 19 (variants of its classes
tried as a careless colleague would, none of them the issue's own examples).

V1 letters for digits: an ``O`` or an ``x`` among counts is refused, not counted as 1; a yes/no column
still reads ``x``. V2 which sheet: a hidden first sheet is not read silently. V3 decision inputs: a
``pilots.require`` expression naming an unknown measure or indicator is a clean error (it was an
internal error), an unknown ``decision.focus`` unit is named under its own key. V4 messages: a ``;``
inside a value of a ``;``-separated file, a repeated header line, a dash for zero, a PDF named
``.csv``. V5 bidirectional controls in point names and categories never reach the page. V6 names
that fold through ł, đ, æ count one organisation.

Each case runs the demo through the CLI and asserts the message's words, or the numbers against a
count by hand from the demo's files.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
import yaml

from .._support import DEMO, _read, copy_demo, run_cli, scores_table

SCHOOLS = "school_closures_2018-02-26.csv"
HUMANITARIAN = {"Sécurité alimentaire", "Santé", "Nutrition", "Protection", "WASH", "Abris", "Éducation"}


def _check(cfg: dict, folder: Path, capsys) -> tuple[int, str]:
    from nexus_zones import cli

    folder.mkdir(parents=True, exist_ok=True)
    config = folder / "config.yaml"
    config.write_text(yaml.safe_dump(cfg, allow_unicode=True, sort_keys=False), encoding="utf-8")
    code = cli.main(["check", str(config)])
    captured = capsys.readouterr()
    assert code in (0, 2) and "internal error" not in captured.err, captured.err
    return code, captured.err


def _replace(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


# ----------------------------------------------------------------------------- V1 letters for digits


@pytest.mark.parametrize("file, old, new, words", [
    (SCHOOLS, "ML0602,2018-02-26,38,0", "ML0602,2018-02-26,38,O",
     "column 'schools_closed': found 1 yes/no words among numbers such as 3 (row 3: 'O')"),  # a letter O typed for a zero
    ("incidents.csv", None, "x", "column 'fatalities': found 1 yes/no words among numbers such as"),  # a tick for "some"
], ids=["letter-O-for-zero", "x-among-fatalities"])
def test_yes_no_words_among_counts_are_refused_not_counted_as_one(tmp_path, capsys, file, old, new, words):
    cfg, data = copy_demo(tmp_path)
    if old is None:
        incidents = _read(DEMO / file)
        assert (pd.to_numeric(incidents["fatalities"]) > 1).any()  # counts, not a yes/no column
        incidents.loc[4, "fatalities"] = new
        incidents.to_csv(data / file, index=False)
    else:
        _replace(data / file, old, new)
    code, err = _check(cfg, tmp_path / "a", capsys)
    assert code == 2
    assert words in err
    assert "Fix: type the number in those cells (a letter O typed for a zero? an x ticked for a count?), or leave them blank if the value is unknown" in err


def test_a_yes_no_column_still_reads_x_as_yes(tmp_path, capsys):
    cfg, data = copy_demo(tmp_path)
    forces = _read(DEMO / "security_forces.csv").set_index("admin2Pcod")
    assert forces.loc["ML0605", ["police", "gendarmerie", "military"]].tolist() == ["oui", "non", "oui"]  # Niafunké fails forces_present
    _replace(data / "security_forces.csv", "ML0605,Niafunké,oui,non,oui", "ML0605,Niafunké,oui,x,oui")  # gendarmerie ticked
    code, err, out = run_cli(cfg, tmp_path, capsys)
    assert code == 0, err
    failed = scores_table(out)["failed_rules"].fillna("").str.split("; ")
    assert "forces_present" not in failed["ML0605"]  # police, gendarmerie (x) and military: all three present
    assert "forces_present" in failed["ML0604"]  # Gourma-Rharous: still no police


# ------------------------------------------------------------------------------------ V2 which sheet


def test_a_hidden_first_sheet_is_not_read_silently(tmp_path, capsys):
    from openpyxl import load_workbook

    from .test_messy_readers import _school_rows, _workbook

    cfg, data = copy_demo(tmp_path)
    book = _workbook(data / "schools.xlsx", {"Ancien": [["admin2Pcod", "schools_closed", "schools_total"], ["ML0601", 99, 99]], "Données": _school_rows()})
    wb = load_workbook(book)
    wb["Ancien"].sheet_state = "hidden"
    wb.save(book)
    cfg["layers"]["schools"]["path"] = str(book)
    code, err = _check(cfg, tmp_path / "a", capsys)
    assert code == 2
    assert "found no sheet stated, and the workbook's first sheet 'Ancien' is hidden in Excel (its sheets: 'Ancien' (hidden), 'Données')" in err
    assert "Fix: set the layer's sheet: Données (the first sheet Excel shows), or sheet: Ancien if the hidden sheet is the one meant" in err
    cfg["layers"]["schools"]["sheet"] = "Données"
    code, err, out = run_cli(cfg, tmp_path / "b", capsys)
    assert code == 0, err
    by_hand = _read(DEMO / SCHOOLS).set_index("admin2Pcod")["schools_closed"].astype(float)
    table = scores_table(out)
    assert table["schools_closed"].to_dict() == by_hand.reindex(table.index).to_dict()  # 3 closed in Tombouctou, not the hidden 99


# ---------------------------------------------------------------------------------- V3 decision inputs


@pytest.mark.parametrize("require, words", [
    ("forces.polise", "pilots.require[0]: found 'forces.polise': layer 'forces' has no measure 'polise' (did you mean 'police'?)"),
    ("incidens <= 10", "pilots.require[0]: found unknown indicator 'incidens' (did you mean 'incidents'?)"),
    ("services.hospital >= 1", "pilots.require[0]: found 'services.hospital': layer 'services' has no measure 'hospital'"),
], ids=["misspelt-measure", "misspelt-indicator", "category-not-in-data"])
def test_a_pilot_requirement_naming_nothing_is_a_clean_error(tmp_path, capsys, require, words):
    cfg, _ = copy_demo(tmp_path)
    cfg["pilots"]["require"] = [require]
    code, err = _check(cfg, tmp_path / "a", capsys)  # was: internal error: KeyError
    assert code == 2
    assert words in err


def test_an_unknown_focus_unit_is_named_under_decision_focus(tmp_path, capsys):
    cfg, _ = copy_demo(tmp_path)
    cfg["decision"]["focus"] = ["Diré", "Tombouctou-ville"]
    code, err = _check(cfg, tmp_path / "a", capsys)
    assert code == 2
    assert "decision.focus[1]: found 'Tombouctou-ville' (did you mean 'Tombouctou'?); expected a unit id or name of the study" in err
    assert "typology.reference" not in err  # it was blamed on another key


# ------------------------------------------------------------------------------------------ V4 messages


def test_a_semicolon_inside_a_value_of_a_semicolon_file_is_not_told_to_use_semicolons(tmp_path, capsys):
    cfg, data = copy_demo(tmp_path)
    text = (DEMO / SCHOOLS).read_text(encoding="utf-8").replace(",", ";").replace("Gourma-Rharous", "Gourma; Rharous")
    (data / SCHOOLS).write_text(text, encoding="utf-8")
    code, err = _check(cfg, tmp_path / "a", capsys)
    assert code == 2
    assert "1 of 5 lines: found more fields than the header's 6 (line 5: 7)" in err
    assert "for a ';' inside an unquoted value, quote such values (Excel quotes them when it saves)" in err
    assert "save the file with ';' as separator" not in err  # it already is


def test_a_header_line_repeated_under_appended_rows_is_named(tmp_path, capsys):
    cfg, data = copy_demo(tmp_path)
    lines = (DEMO / SCHOOLS).read_text(encoding="utf-8").splitlines()
    (data / SCHOOLS).write_text("\n".join(lines[:3] + [lines[0]] + lines[3:]) + "\n", encoding="utf-8")
    code, err = _check(cfg, tmp_path / "a", capsys)
    assert code == 2
    assert "row 4: found the header line repeated (files appended one under the other, each with its header?)" in err
    assert "decimal" not in err and "thousands" not in err


def test_a_dash_for_zero_is_told_to_write_zero_or_blank(tmp_path, capsys):
    cfg, data = copy_demo(tmp_path)
    _replace(data / SCHOOLS, "ML0602,2018-02-26,38,0", "ML0602,2018-02-26,38,–")
    code, err = _check(cfg, tmp_path / "a", capsys)
    assert code == 2
    assert "column 'schools_closed': found 1 values that are not numbers or yes/no (row 3: '–')" in err
    assert "Fix: a dash is no number: write 0 where it means none, or leave the cell blank where the value is unknown" in err


def test_a_pdf_saved_as_csv_is_named_as_a_pdf(tmp_path, capsys):
    cfg, data = copy_demo(tmp_path)
    (data / "security_forces.csv").write_bytes(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nendobj\n")
    code, err = _check(cfg, tmp_path / "a", capsys)
    assert code == 2
    assert "security_forces.csv: 1 input problem:\n  - file: found a PDF document (a report or a printout saved in place of the data)" in err
    assert "no such column" not in err


# ------------------------------------------------------------------- V5 bidirectional controls of points


def test_bidi_controls_in_point_names_and_categories_never_reach_the_page(tmp_path, capsys):
    cfg, data = copy_demo(tmp_path)
    _replace(data / "services_points.csv", "CSCOM Tombouctou 1", "CSCOM \u202eTombouctou 1")
    category = _read(DEMO / "access_impediments.csv")["category"].iloc[0]
    _replace(data / "access_impediments.csv", category, "\u2067" + category)
    cfg["layers"]["services"]["name_column"] = "name"
    code, err, out = run_cli(cfg, tmp_path, capsys)
    assert code == 0, err
    assert "BidiControlWarning" in err and "'CSCOM \\u202eTombouctou 1' (U+202E)" in err
    page = (out / "demo.html").read_text(encoding="utf-8")
    for control in ("\u202e", "\u2067"):
        assert control not in page and f"\\u{ord(control):04x}" not in page.lower()
    assert "CSCOM Tombouctou 1" in page
    # the category still counts where it did
    access = _read(DEMO / "access_impediments.csv")
    assert int(scores_table(out)["access_impediments"].sum()) == int(access["date"].between("2017-01-01", "2017-12-31").sum())


# ---------------------------------------------------------------------- V6 names that fold (ł, đ, æ)


@pytest.mark.parametrize("spellings", [("Đồng Hành Łódź", "Dong Hanh Lodz"), ("Ærø Hjælp", "AERO HJAELP")], ids=["d-and-l-stroke", "ae-ligature"])
def test_organisations_spelled_with_stroked_letters_or_ligatures_count_once(tmp_path, capsys, spellings):
    cfg, data = copy_demo(tmp_path)
    actors = _read(DEMO / "actors_3w.csv")
    extra = pd.DataFrame([{**actors.iloc[2].to_dict(), "Organisation": s, "Acronyme": s, "Secteur": "Santé", "admin2Pcod": "ML0602", "Cercle": "Diré"}
                          for s in spellings])
    pd.concat([actors, extra]).to_csv(data / "actors_3w.csv", index=False)
    code, err, out = run_cli(cfg, tmp_path, capsys)
    assert code == 0, err
    rows = actors.iloc[1:]  # under the HXL row
    by_hand = rows[(rows["admin2Pcod"] == "ML0602") & rows["Secteur"].isin(HUMANITARIAN)]["Acronyme"].nunique() + 1  # one organisation, two spellings
    assert scores_table(out).at["ML0602", "humanitarian_actors"] == by_hand
    assert f"{spellings[1]!r} → {spellings[0]!r}" in err


def test_a_header_row_stated_on_a_data_line_is_named_as_such(tmp_path, capsys):
    cfg, _ = copy_demo(tmp_path)
    cfg["layers"]["schools"]["header_row"] = 2  # the header is on line 1: line 2 is Tombouctou's row
    code, err = _check(cfg, tmp_path / "a", capsys)
    assert code == 2
    assert "header_row: found 2, a line read as the column names that repeats names (2 columns named 'Tombouctou'" in err
    assert "line 1 reads 'admin1Name,admin2Name,admin2Pcod,date,schools_total,schools_closed'" in err
    assert "Fix: set header_row to the line of the column names (remove it if that is line 1)" in err


def test_a_totals_row_of_a_workbook_is_named_and_where_keeps_the_units(tmp_path, capsys):
    cfg, data = copy_demo(tmp_path)
    schools = _read(DEMO / SCHOOLS)
    with_total = pd.concat([schools, pd.DataFrame([{"admin1Name": "Total", "schools_total": "216", "schools_closed": "24"}])]).fillna("")
    with_total.to_excel(data / "schools.xlsx", index=False)
    cfg["layers"]["schools"]["path"] = str(data / "schools.xlsx")
    code, err = _check(cfg, tmp_path / "a", capsys)
    assert code == 2
    assert f"row {len(schools) + 2}: found a totals row ('Total' in column 'admin1Name', no unit in column 'admin2Pcod')" in err  # the sheet's row
    cfg["layers"]["schools"]["where"] = {"admin1Name": ["Tombouctou"]}  # the other fix offered
    code, err, out = run_cli(cfg, tmp_path / "b", capsys)
    assert code == 0, err
    table = scores_table(out)
    assert table["schools_closed"].sum() == schools["schools_closed"].astype(int).sum() == 24  # 3 + 0 + 6 + 11 + 4, once
