"""Messages that name the real cause (issue 19, item 6), with the fix each suggests applied to show
that it works: a header under a title padded with separators, a workbook whose first sheet is a
read-me, totals rows at the foot of a table, degree coordinates in a file declared in metres.

Each case runs the demo through the CLI on a spoiled copy; the words asserted are the diagnosis and
the fix, and the numbers after the fix are compared with the clean CSV read independently by pandas.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from .._support import DEMO, _read, copy_demo
from .test_messy_readers import SCHOOLS, _run


def _closed_by_hand() -> pd.Series:
    return _read(DEMO / SCHOOLS).set_index("admin2Pcod")["schools_closed"].astype(float).sort_index()


def _problems(err: str) -> list[str]:
    return [line for line in err.splitlines() if line.startswith("  - ")]


def _assert_schools_right(table: pd.DataFrame) -> None:
    np.testing.assert_array_equal(table["schools_closed"], _closed_by_hand().reindex(table.index))


def _inputs(cfg: dict, data: Path) -> tuple[str, dict[str, bytes]]:
    """A config over a copy of the demo files, as what a run reads: the config (the copy's folder named
    ``<data>``) and the bytes of each file of the copy."""
    return json.dumps(cfg, sort_keys=True, default=str).replace(str(data), "<data>"), {f.name: f.read_bytes() for f in sorted(data.iterdir())}


@pytest.fixture(scope="module")
def _clean_runs() -> list:
    return []


@pytest.fixture
def clean_run(_clean_runs, tmp_path_factory, capsys) -> tuple[tuple, int]:
    """A run of copy_demo's config over an unspoiled copy of the demo files, made once for the module:
    (what it reads, as :func:`_inputs` gives it; its exit code). The fixes that give back exactly these
    inputs (a deleted totals row, a wrong crs removed) share it instead of running the same inputs again."""
    if not _clean_runs:
        cfg, data = copy_demo(tmp_path_factory.mktemp("clean"))
        _clean_runs.append((_inputs(cfg, data), _run(cfg, data.parent / "out", capsys)[0]))
    return _clean_runs[0]


# ----------------------------------------------------------------------- a header under a title


@pytest.mark.parametrize("title, line", [
    ("Situation des écoles – région de Tombouctou,,,,,\n", 2),  # a title padded with commas by Excel's "Save as CSV"
    ("Cluster Éducation Mali;;;;;\nFermetures au 26/02/2018,,,,,\n", 3),  # two title lines, the first padded with ';'
])
def test_a_header_under_padded_title_lines_is_found_and_header_row_fixes_it(tmp_path, capsys, title, line):
    cfg, data = copy_demo(tmp_path)
    (data / SCHOOLS).write_text(title + (DEMO / SCHOOLS).read_text(encoding="utf-8"), encoding="utf-8")
    code, err, _ = _run(cfg, tmp_path / "a", capsys)
    assert code == 2
    problems = _problems(err)
    assert len(problems) == 3  # the two measures and the unit column, each naming the line
    for problem in problems:
        assert f"the header seems to be on line {line}, which holds 'schools_closed', 'schools_total', 'admin2Pcod'" in problem
        assert f"Fix: set layers.schools.header_row: {line}, or delete the line(s) above the column names" in problem
        assert "set layers.schools.columns" not in problem and "right column name" not in problem  # not a fix that cannot work
    cfg["layers"]["schools"]["header_row"] = line
    code, err, table = _run(cfg, tmp_path / "b", capsys)
    assert code == 0, err
    _assert_schools_right(table)


def test_a_title_padded_with_fewer_separators_than_the_header_is_said_as_a_title(tmp_path, capsys):
    cfg, data = copy_demo(tmp_path)
    (data / SCHOOLS).write_text("Fermetures d'écoles,,\n" + (DEMO / SCHOOLS).read_text(encoding="utf-8"), encoding="utf-8")
    code, err, _ = _run(cfg, tmp_path / "a", capsys)
    assert code == 2
    assert "found 1 filled field on the first line (a title?) but 6 on most lines below, the first of them line 2" in err
    assert "set header_row: 2 (the line of the column names)" in err
    assert "trailing" not in err and "decimal comma" not in err  # not blamed on separators at the end of the data lines
    cfg["layers"]["schools"]["header_row"] = 2
    code, err, table = _run(cfg, tmp_path / "b", capsys)
    assert code == 0, err
    _assert_schools_right(table)


def test_a_sheet_whose_title_row_has_two_cells_points_to_the_header_row(tmp_path, capsys):
    from .test_messy_readers import _school_rows, _workbook

    cfg, data = copy_demo(tmp_path)
    _workbook(data / "schools.xlsx", {"Feuil1": [["Source :", "Cluster Éducation, 26/02/2018"], [], *_school_rows()]})
    cfg["layers"]["schools"]["path"] = str(data / "schools.xlsx")
    code, err, _ = _run(cfg, tmp_path / "a", capsys)
    assert code == 2
    assert "the header seems to be on row 3 of the sheet" in err and "Fix: set layers.schools.header_row: 3" in err
    cfg["layers"]["schools"]["header_row"] = 3
    code, err, table = _run(cfg, tmp_path / "b", capsys)
    assert code == 0, err
    _assert_schools_right(table)


# ------------------------------------------------------------------ a workbook's read-me sheet first


@pytest.mark.parametrize("first, data_sheet, written", [
    ({"Lisez-moi": [["Fermetures d'écoles, Cluster Éducation"], ["Mise à jour : 26/02/2018"], ["Contact : cluster@example.org"]]}, "Données", "Données"),
    # a notes sheet holding a two-column glossary (read as a header and rows), data on a sheet named as a year
    ({"Notes": [["Colonne", "Définition"], ["schools_closed", "écoles fermées"], ["schools_total", "écoles recensées"]]}, "2018", '"2018"'),
])
def test_a_first_sheet_of_notes_names_the_sheets_and_the_one_holding_the_columns(tmp_path, capsys, first, data_sheet, written):
    from .test_messy_readers import _school_rows, _workbook

    cfg, data = copy_demo(tmp_path)
    _workbook(data / "schools.xlsx", {**first, data_sheet: _school_rows(), "Sources": [["Cluster Éducation"]]})
    cfg["layers"]["schools"]["path"] = str(data / "schools.xlsx")
    code, err, _ = _run(cfg, tmp_path / "a", capsys)
    assert code == 2
    notes = next(iter(first))
    problem = next(p for p in _problems(err) if "'admin2Pcod'" in p)
    assert f"no such column in sheet {notes!r} (the first); the workbook's sheets are {notes!r}, {data_sheet!r}, 'Sources', and sheet {data_sheet!r} holds 'admin2Pcod' (row 1)" in problem
    assert problem.endswith(f"Fix: set layers.schools.sheet: {written}")
    cfg["layers"]["schools"]["sheet"] = data_sheet  # as YAML reads the fix: "2018" is a name, not the position 2018
    code, err, table = _run(cfg, tmp_path / "b", capsys)
    assert code == 0, err
    _assert_schools_right(table)


# ------------------------------------------------------------------------------------ totals rows


@pytest.mark.parametrize("layer, file, row, said", [
    ("schools", SCHOOLS, "Tombouctou,Total général,,2018-02-26,216,24\n", "('Total général' in column 'admin2Name', no unit in column 'admin2Pcod')"),
    ("forces", "security_forces.csv", "TOTAL,,5,5,5\n", "('TOTAL' in column 'admin2Pcod')"),
    ("actors", "actors_3w.csv", "Sous-total Tombouctou,,,,,,,\n", "('Sous-total Tombouctou' in column 'Organisation', no unit in column 'admin2Pcod')"),
])
def test_a_totals_row_is_named_as_such_and_never_read_as_a_unit(tmp_path, capsys, clean_run, layer, file, row, said):
    cfg, data = copy_demo(tmp_path)
    text = (DEMO / file).read_text(encoding="utf-8")
    (data / file).write_text(text + row, encoding="utf-8")
    line = len(text.splitlines()) + 1
    code, err, _ = _run(cfg, tmp_path / "a", capsys)
    assert code == 2
    assert f"row {line}: found a totals row {said}" in err
    assert f"Fix: delete that row (and any other totals or subtotals rows) from the file, or keep the units' rows only with layers.{layer}.where" in err
    assert "alias" not in err  # not an unknown unit to alias
    (data / file).write_text(text, encoding="utf-8")  # the fix: the row deleted
    inputs, code = clean_run
    assert _inputs(cfg, data) == inputs  # the fixed files and config are the clean ones: their run is clean_run's
    assert code == 0


def test_an_organisation_named_total_with_its_unit_is_not_a_totals_row(tmp_path, capsys):
    cfg, data = copy_demo(tmp_path)
    text = (DEMO / "actors_3w.csv").read_text(encoding="utf-8")
    (data / "actors_3w.csv").write_text(text + "Total Mali,TOTAL,Entreprise,Infrastructures,Tombouctou,Diré,ML0602,En cours\n", encoding="utf-8")
    code, err, table = _run(cfg, tmp_path / "a", capsys)
    assert code == 0, err
    clean = _read(DEMO / "actors_3w.csv").iloc[1:]  # the HXL row dropped
    dire = clean[(clean["admin2Pcod"] == "ML0602") & clean["Secteur"].isin(
        ["Relèvement précoce", "Résilience", "Gouvernance", "Moyens d'existence", "Infrastructures"])]["Acronyme"].str.upper().nunique()
    assert table.loc["ML0602", "development_actors"] == dire + 1  # one more development organisation in Diré


# ------------------------------------------------------------------ degrees in a file declared in metres


def test_degree_coordinates_read_in_a_utm_crs_name_the_crs_not_the_points(tmp_path, capsys, clean_run):
    cfg, data = copy_demo(tmp_path)
    cfg["layers"]["services"]["crs"] = "EPSG:32630"  # a colleague's guess: "Mali is UTM 30N"
    code, err, _ = _run(cfg, tmp_path / "a", capsys)
    assert code == 2
    assert "which look like degrees, in a file read (by layers.services.crs) in WGS 84 / UTM zone 30N (EPSG:32630), whose units are metres" in err
    assert "read as degrees (EPSG:4326), 45 of 45 points fall inside the boundaries" in err
    assert "or remove layers.services.crs, which is wrong for this file" in err
    assert "decimal" not in err and "outside every unit" not in err and "covers the boundaries' country" not in err
    del cfg["layers"]["services"]["crs"]
    inputs, code = clean_run
    assert _inputs(cfg, data) == inputs  # the fixed config is the clean one over clean files: its run is clean_run's
    assert code == 0


def test_a_geopackage_of_degrees_declaring_utm_names_the_crs(tmp_path, capsys):
    import geopandas as gpd

    cfg, data = copy_demo(tmp_path)
    points = _read(DEMO / "services_points.csv")
    frame = gpd.GeoDataFrame(points.drop(columns=["latitude", "longitude"]),
                             geometry=gpd.points_from_xy(points["longitude"].astype(float), points["latitude"].astype(float)), crs="EPSG:32631")
    frame.to_file(data / "services.gpkg")
    cfg["layers"]["services"]["path"] = str(data / "services.gpkg")
    code, err, _ = _run(cfg, tmp_path / "a", capsys)
    assert code == 2
    assert "in a file that declares its CRS as WGS 84 / UTM zone 31N (EPSG:32631), whose units are metres" in err
    assert f"read as degrees (EPSG:4326), {len(points)} of {len(points)} points fall inside the boundaries" in err
    assert "if the coordinates are degrees, declare EPSG:4326 (give it as layers.services.crs" in err
    assert "decimal" not in err
    cfg["layers"]["services"]["crs"] = "EPSG:4326"  # the fix offered
    code, err, table = _run(cfg, tmp_path / "b", capsys)
    assert code == 0, err
