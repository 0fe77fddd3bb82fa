"""Hostile-input variants of issue 19 (items 2, 3 and 6): every reader reads the sheet, rows and
columns it says; names and ids are compared by meaning; files are named for what they are.

R1 workbooks: the chosen sheet's own formats, title rows above the header, a stated ``header_row``,
merged header cells, Excel error cells; R2 CSV lines longer than the header (a trailing separator, an
unquoted decimal comma, some lines only); R3 files that are not what their name says (an HTML page,
a workbook renamed ``.csv``, an empty GeoPackage).

Each case runs the demo through the CLI and asserts the message's words or the numbers against the
clean CSV's (read independently with pandas).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from .._support import DEMO, _read, copy_demo, run_cli, scores_table

SCHOOLS = "school_closures_2018-02-26.csv"


def _run(cfg: dict, folder: Path, capsys) -> tuple[int, str, pd.DataFrame | None]:
    code, err, out = run_cli(cfg, folder, capsys)
    return code, err, scores_table(out) if code == 0 else None


def _schools_by_hand() -> pd.DataFrame:
    return _read(DEMO / SCHOOLS).set_index("admin2Pcod").sort_index()


def _workbook(path: Path, sheets: dict[str, list[list]], *, percent: dict[str, list[str]] | None = None, merged: dict[str, str] | None = None) -> Path:
    """A workbook of ``sheets`` (name -> rows), cells formatted as percent and ranges merged per sheet."""
    from openpyxl import Workbook

    book = Workbook()
    book.remove(book.active)
    for name, rows in sheets.items():
        sheet = book.create_sheet(name)
        for row in rows:
            sheet.append(row)
        for ref in (percent or {}).get(name, []):
            sheet[ref].number_format = "0%"
        if (merged or {}).get(name):
            sheet.merge_cells(merged[name])
    book.save(path)
    return path


def _school_rows() -> list[list]:
    schools = _read(DEMO / SCHOOLS)
    return [list(schools.columns)] + [[v if c not in ("schools_total", "schools_closed") else int(v) for c, v in row.items()] for _, row in schools.iterrows()]


# ----------------------------------------------------------------------- R1: the sheet it says


def test_percent_formats_of_another_sheet_do_not_touch_the_chosen_sheet(tmp_path, capsys):
    cfg, data = copy_demo(tmp_path)
    rows = _school_rows()
    notes = [["note", "a", "b", "c", "d", "e"]] + [["x", 0.5, 0.5, 0.5, 0.5, 0.5] for _ in rows[1:]]
    percent = {"notes": [f"{col}{r}" for col in "BCDEF" for r in range(2, len(rows) + 1)]}
    path = _workbook(data / "schools.xlsx", {"notes": notes, "data": rows}, percent=percent)
    cfg["layers"]["schools"].update(path=str(path), sheet="data")
    code, err, table = _run(cfg, tmp_path, capsys)
    assert code == 0, err
    by_hand = _schools_by_hand()["schools_closed"].astype(float)
    np.testing.assert_array_equal(table["schools_closed"].to_numpy(), by_hand.reindex(table.index).to_numpy())  # [3, 0, 6, 11, 4], not 50s
    assert "formatted as percent" not in err


def test_percent_formats_are_read_from_the_chosen_sheet_by_position(tmp_path, capsys):
    cfg, data = copy_demo(tmp_path)
    rows = _school_rows()
    shares = [rows[0] + ["closed_share"]] + [r + [round(r[5] / r[4], 4)] for r in rows[1:]]
    percent = {"data": [f"G{r}" for r in range(2, len(rows) + 1)]}
    path = _workbook(data / "schools.xlsx", {"cover": [["Education Cluster"]], "data": shares}, percent=percent)
    cfg["layers"]["schools"].update(path=str(path), sheet=1, columns=["schools_closed", "schools_total", "closed_share"])
    cfg["indicators"]["closed_share"] = {"measure": "schools.closed_share", "direction": "cost", "normalisation": "minmax", "weight": 1}
    code, err, table = _run(cfg, tmp_path, capsys)
    assert code == 0, err
    by_hand = _schools_by_hand()
    expected = (by_hand["schools_closed"].astype(float) / by_hand["schools_total"].astype(float)).round(4) * 100
    np.testing.assert_allclose(table["closed_share"], expected.reindex(table.index), atol=1e-9)
    assert "column 'closed_share' (5 cells) formatted as percent" in err


def test_title_rows_above_a_workbook_header_are_skipped_and_said(tmp_path, capsys):
    cfg, data = copy_demo(tmp_path)
    rows = [["Cluster Éducation — fermetures d'écoles au 26/02/2018"], [], *_school_rows()]
    cfg["layers"]["schools"]["path"] = str(_workbook(data / "schools.xlsx", {"Feuil1": rows}))
    code, err, table = _run(cfg, tmp_path, capsys)
    assert code == 0, err
    assert "schools.xlsx: the header is on row 3, under 1 title row(s)" in err and "set header_row: 3 to state it" in err
    by_hand = _schools_by_hand()
    np.testing.assert_array_equal(table["schools_closed"], by_hand["schools_closed"].astype(float).reindex(table.index))


def test_csv_title_lines_need_header_row_and_then_read_right(tmp_path, capsys):
    cfg, data = copy_demo(tmp_path)
    text = (DEMO / SCHOOLS).read_text(encoding="utf-8")
    (data / SCHOOLS).write_text("Fermetures d'écoles au 26 février 2018\nSource : Cluster Éducation\n" + text, encoding="utf-8")
    code, err, _ = _run(cfg, tmp_path / "a", capsys)
    assert code == 2
    assert "found 1 filled field on the first line (a title?) but 6 on most lines below, the first of them line 3" in err
    assert "delete the title lines above line 3" in err and "set header_row: 3 (the line of the column names)" in err  # the fix that works
    cfg["layers"]["schools"]["header_row"] = 3
    code, err, table = _run(cfg, tmp_path / "b", capsys)
    assert code == 0, err
    np.testing.assert_array_equal(table["schools_closed"], _schools_by_hand()["schools_closed"].astype(float).reindex(table.index))


def test_merged_header_cells_are_named_not_guessed(tmp_path, capsys):
    cfg, data = copy_demo(tmp_path)
    rows = _school_rows()
    rows[0] = ["admin1Name", "admin2Name", "admin2Pcod", "date", "schools", None]  # "schools" merged over E1:F1
    cfg["layers"]["schools"]["path"] = str(_workbook(data / "schools.xlsx", {"data": rows}, merged={"data": "E1:F1"}))
    code, err, _ = _run(cfg, tmp_path, capsys)
    assert code == 2
    assert "column 'schools_closed' (config key layers.schools.columns.schools_closed): found no such column (header read on row 1; " in err
    assert "column F hold data but no name: merged header cells" in err and "did you mean" not in err
    assert "unmerge the cells" in err


def test_excel_error_cells_are_named_with_their_address(tmp_path, capsys):
    cfg, data = copy_demo(tmp_path)
    rows = _school_rows()
    rows[3][5] = "#N/A"
    rows[5][5] = "#REF!"
    cfg["layers"]["schools"]["path"] = str(_workbook(data / "schools.xlsx", {"data": rows}))
    code, err, _ = _run(cfg, tmp_path, capsys)
    assert code == 2
    assert "column 'schools_closed' (config key layers.schools.columns.schools_closed): found 2 Excel error cells (F4: #N/A, F6: #REF!)" in err
    assert "correct the formulas in Excel" in err


def test_excel_error_cells_in_an_unused_column_are_no_problem(tmp_path, capsys):
    cfg, data = copy_demo(tmp_path)
    rows = _school_rows()
    rows[2][3] = "#VALUE!"  # the date column, which the config does not use
    cfg["layers"]["schools"]["path"] = str(_workbook(data / "schools.xlsx", {"data": rows}))
    code, err, table = _run(cfg, tmp_path, capsys)
    assert code == 0, err
    np.testing.assert_array_equal(table["schools_closed"], _schools_by_hand()["schools_closed"].astype(float).reindex(table.index))


# ------------------------------------------------------------- R2: lines longer than the header


@pytest.mark.parametrize("spoil, words", [
    (lambda line: line + ",", "remove the separator at the end of those lines (a trailing ',')"),
    (lambda line: line + ",5", "an unquoted decimal comma (12,5 in a comma-separated file)"),
], ids=["trailing-comma", "decimal-comma"])
def test_every_data_line_one_field_longer_is_refused(tmp_path, capsys, spoil, words):
    cfg, data = copy_demo(tmp_path)
    lines = (DEMO / SCHOOLS).read_text(encoding="utf-8").splitlines()
    (data / SCHOOLS).write_text("\n".join([lines[0]] + [spoil(line) for line in lines[1:]]) + "\n", encoding="utf-8")
    code, err, _ = _run(cfg, tmp_path, capsys)
    assert code == 2
    n = len(lines) - 1
    assert f"{n} of {n} lines: found more fields than the header's 6 (line 2: 7, line 3: 7" in err and words in err


def test_some_lines_longer_than_the_header_are_named(tmp_path, capsys):
    cfg, data = copy_demo(tmp_path)
    lines = (DEMO / "services_points.csv").read_text(encoding="utf-8").splitlines()
    lines[4] = lines[4] + ",x"  # one stray field on line 5
    lines[9] = lines[9] + ",x,y"
    (data / "services_points.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    code, err, _ = _run(cfg, tmp_path, capsys)
    assert code == 2
    assert f"2 of {len(lines) - 1} lines: found more fields than the header's 4 (line 5: 5, line 10: 6)" in err


# ------------------------------------------------------------------ R3: files named for what they are


def test_an_html_page_saved_as_csv_is_named(tmp_path, capsys):
    cfg, data = copy_demo(tmp_path)
    (data / SCHOOLS).write_text("<!DOCTYPE html>\n<html><head><title>Sign in - HDX</title></head><body>Please sign in</body></html>\n", encoding="utf-8")
    code, err, _ = _run(cfg, tmp_path, capsys)
    assert code == 2
    assert "found an HTML web page (a portal's login, error or download page saved in place of the data); expected CSV text" in err
    assert "download the file again" in err


def test_a_workbook_renamed_csv_is_named(tmp_path, capsys):
    cfg, data = copy_demo(tmp_path)
    _workbook(data / SCHOOLS, {"data": _school_rows()})
    code, err, _ = _run(cfg, tmp_path, capsys)
    assert code == 2
    assert "found an Excel workbook (.xlsx) under another name; expected CSV text" in err
    assert "rename it school_closures_2018-02-26.xlsx" in err


def test_an_empty_geopackage_of_boundaries_is_named(tmp_path, capsys):
    cfg, data = copy_demo(tmp_path)
    (data / "cercles.gpkg").write_bytes(b"")
    cfg["study"]["boundaries"]["path"] = str(data / "cercles.gpkg")
    code, err, _ = _run(cfg, tmp_path, capsys)
    assert code == 2
    assert "found an empty file (0 bytes); expected a .gpkg file of geometries" in err and "the copy did not finish" in err


def test_an_html_page_saved_as_geojson_is_named(tmp_path, capsys):
    cfg, data = copy_demo(tmp_path)
    (data / "cercles.geojson").write_text("<html><body><h1>404 Not Found</h1></body></html>", encoding="utf-8")
    code, err, _ = _run(cfg, tmp_path, capsys)
    assert code == 2
    assert "found an HTML web page" in err and "expected a .geojson file of geometries" in err


# ------------------------------------------------------------ R4: names that fold through ø, œ, ß, ɛ


@pytest.mark.parametrize("spellings", [("Kirkens Nødhjelp", "Kirkens Nodhjelp"), ("Cœur Solidaire", "COEUR SOLIDAIRE"), ("Straßenkinder e.V.", "Strassenkinder eV")],
                         ids=["o-slash", "oe-ligature", "sharp-s"])
def test_organisations_spelled_with_letters_nfkd_keeps_count_once(tmp_path, capsys, spellings):
    cfg, data = copy_demo(tmp_path)
    actors = _read(DEMO / "actors_3w.csv")
    extra = pd.DataFrame([{**actors.iloc[2].to_dict(), "Organisation": s, "Acronyme": s, "Secteur": "Santé", "admin2Pcod": "ML0602", "Cercle": "Diré"}
                          for s in spellings])
    pd.concat([actors, extra]).to_csv(data / "actors_3w.csv", index=False)
    code, err, table = _run(cfg, tmp_path, capsys)
    assert code == 0, err
    rows = actors.iloc[1:]  # under the HXL row
    hum = {"Sécurité alimentaire", "Santé", "Nutrition", "Protection", "WASH", "Abris", "Éducation"}
    by_hand = rows[(rows["admin2Pcod"] == "ML0602") & rows["Secteur"].isin(hum)]["Acronyme"].nunique() + 1  # one organisation, two spellings
    assert table.at["ML0602", "humanitarian_actors"] == by_hand
    assert f"{spellings[1]!r} → {spellings[0]!r}" in err


# --------------------------------------------------- R5: ids compared by meaning, records repeated


def test_record_ids_differing_by_case_or_spaces_are_one_record(tmp_path, capsys):
    cfg, data = copy_demo(tmp_path)
    incidents = _read(DEMO / "incidents.csv")
    counted = incidents[incidents["event_date"].between("2017-01-01", "2017-12-31") & incidents["event_type"].isin(cfg["layers"]["incidents"]["types"])]
    again = counted.head(3).assign(event_id_cnty=lambda f: f["event_id_cnty"].str.lower().str.replace("demo", "demo ", regex=False))
    pd.concat([incidents, again]).to_csv(data / "incidents.csv", index=False)
    code, err, table = _run(cfg, tmp_path, capsys)
    assert code == 0, err
    assert "3 record ids differ from an earlier id only by case or spaces and were read as it" in err
    assert f"{again['event_id_cnty'].iloc[0]!r} as {counted['event_id_cnty'].iloc[0]!r}" in err
    assert int(table["incidents"].sum()) == len(counted)  # each of the 3 counted once, not twice


def test_records_repeated_under_new_ids_are_reported(tmp_path, capsys):
    cfg, data = copy_demo(tmp_path)
    incidents = _read(DEMO / "incidents.csv")
    again = incidents.head(2).assign(event_id_cnty=["DEMO9001", "DEMO9002"])
    pd.concat([incidents, again]).to_csv(data / "incidents.csv", index=False)
    code, err, _ = _run(cfg, tmp_path, capsys)
    assert code == 0, err
    assert (f"2 rows repeat an earlier row in every column but 'event_id_cnty' under another id ('DEMO9001' (row {len(incidents) + 2}) = "
            f"{incidents['event_id_cnty'].iloc[0]!r} (row 2)") in err
    assert "they were counted as different records" in err


# ----------------------------------------------------------------- R6: deletion times that cannot be read


@pytest.mark.parametrize("stamp, words", [
    ("15/04/2022", "found 1 cells that are no readable time (row 2: '15/04/2022')"),
    ("1650010000000", "found 1 Unix times in milliseconds (row 2: '1650010000000')"),
], ids=["day-first-date", "milliseconds"])
def test_unreadable_deletion_times_name_the_cell(tmp_path, capsys, stamp, words):
    from .._support import deleted_list

    cfg, data = copy_demo(tmp_path)
    first = _read(DEMO / "incidents.csv")["event_id_cnty"].iloc[0]
    cfg["layers"]["incidents"]["deleted"] = str(deleted_list(data / "deleted.csv", [(first, stamp)]))
    code, err, _ = _run(cfg, tmp_path, capsys)
    assert code == 2
    assert "deleted.csv: 1 input problem:\n  - column 'deleted_timestamp': " + words in err
