"""Reading inputs (:mod:`nexus_zones.load`): boundaries (P-codes, reprojection, zipped shapefiles,
layers, CRS, column names, regions, repairs, whole-number ids), numbers in every locale's spelling
(``parse_number``), dates, encodings (UTF-16, mojibake, mixed files), repeated records, and the
fast CSV kernels (pyarrow) that step aside where they cannot read a spelling the same way."""

from __future__ import annotations

import logging
import warnings
import zipfile
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import Point

from nexus_zones import load
from nexus_zones.errors import DuplicateRecordWarning, EventsOutsideWarning, ImplausibleValueWarning, InputDataError, MixedEncodingWarning, MojibakeWarning, NexusZonesWarning, NumberFormatWarning, SpellingVariantWarning

from ._support import DEMO, _double_encoded, _last_lines_cp1252, _tab_separated, _text, grid_units

# ----------------------------------------------------------------------------------------- load


def test_read_boundaries_indexes_by_pcode_and_keeps_name_region(grid_files):
    b = load.read_boundaries(grid_files["boundaries"], id_column="pcode", name_column="name", region_column="region")
    assert list(b.units.index) == ["A1", "A2", "B1", "B2"]
    assert b.units.index.name == "unit_id"
    assert b.units.crs.to_epsg() == 4326
    assert b.units.loc["A2", "name"] == "Alpha Two"
    assert b.units.loc["B1", "region"] == "South"


def test_read_boundaries_reprojects_to_wgs84(tmp_path):
    gdf = grid_units().reset_index().rename(columns={"unit_id": "pcode"}).to_crs(3857)
    path = tmp_path / "units_3857.gpkg"
    gdf.to_file(path, layer="adm2")
    b = load.read_boundaries(path, layer="adm2", id_column="pcode", name_column="name", region_column="region")
    assert b.units.crs.to_epsg() == 4326
    assert b.units.loc["A1"].geometry.bounds == pytest.approx((0, 1, 1, 2), abs=1e-9)
    assert b.crs_in.endswith("3857")


def test_read_boundaries_zipped_shapefile(tmp_path):
    gdf = grid_units().reset_index().rename(columns={"unit_id": "pcode"})
    shp_dir = tmp_path / "shp"
    shp_dir.mkdir()
    gdf.to_file(shp_dir / "units.shp")
    zpath = tmp_path / "units.zip"
    with zipfile.ZipFile(zpath, "w") as zf:
        for f in shp_dir.iterdir():
            zf.write(f, f.name)
    b = load.read_boundaries(zpath, id_column="pcode", name_column="name", region_column="region")
    assert len(b.units) == 4


def test_read_boundaries_wrong_layer_lists_layers(tmp_path):
    path = tmp_path / "units.gpkg"
    grid_units().reset_index().to_file(path, layer="adm2_cercles")
    with pytest.raises(InputDataError, match=r"layer 'adm2_cercle'.*did you mean 'adm2_cercles'"):
        load.read_boundaries(path, layer="adm2_cercle", id_column="unit_id", name_column="name", region_column="region")


def test_read_boundaries_problems_reported_together(tmp_path):
    gdf = grid_units().reset_index()
    gdf.loc[1, "unit_id"] = "A1"  # duplicate
    gdf.loc[2, "geometry"] = None  # empty
    path = tmp_path / "bad.gpkg"
    gdf.to_file(path)
    with pytest.raises(InputDataError) as err:
        load.read_boundaries(path, id_column="unit_id", name_column="name", region_column="region")
    text = str(err.value)
    assert "different units sharing an id (A1: 'Alpha One', 'Alpha Two')" in text and "dissolving would merge two different units" in text
    assert "1 features without geometry" in text
    assert len(err.value.problems) == 2


def test_read_boundaries_without_crs_is_an_error(tmp_path):
    gdf = grid_units().reset_index().set_crs(None, allow_override=True)
    path = tmp_path / "nocrs.shp"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        gdf.to_file(path)
    with pytest.raises(InputDataError, match="no coordinate reference system.*never guesses"):
        load.read_boundaries(path, id_column="unit_id", name_column="name", region_column="region")


def test_read_boundaries_wrong_column_did_you_mean(grid_files):
    with pytest.raises(InputDataError, match=r"column 'pcod' \(config key study.boundaries.id_column\).*did you mean 'pcode'"):
        load.read_boundaries(grid_files["boundaries"], id_column="pcod", name_column="name", region_column="region")


def test_region_filter_folds_accents_and_names_unknown_regions(grid_files):
    b = load.read_boundaries(grid_files["boundaries"], id_column="pcode", name_column="name", region_column="region", regions=["north"])
    assert list(b.units.index) == ["A1", "A2"]
    assert b.all_unit_ids == {"A1", "A2", "B1", "B2"}
    with pytest.raises(InputDataError, match=r"region 'Nort'.*did you mean 'North'"):
        load.read_boundaries(grid_files["boundaries"], id_column="pcode", name_column="name", region_column="region", regions=["Nort"])


def test_invalid_polygon_is_repaired_with_a_warning(tmp_path):
    bowtie = gpd.GeoSeries.from_wkt(["POLYGON ((0 0, 1 1, 1 0, 0 1, 0 0))"])[0]
    gdf = gpd.GeoDataFrame({"unit_id": ["X"], "name": ["x"], "region": ["r"]}, geometry=[bowtie], crs=4326)
    path = tmp_path / "bowtie.gpkg"
    gdf.to_file(path)
    with pytest.warns(NexusZonesWarning, match=r"1 unit polygon repaired with make_valid .*X \(x\)"):
        b = load.read_boundaries(path, id_column="unit_id", name_column="name", region_column="region")
    assert b.units.geometry.is_valid.all()
    assert b.units.geometry.iloc[0].area == pytest.approx(0.5)  # two triangles of 0.25 (planar, unit square)


@pytest.mark.parametrize(
    "cells, decimal, expected",
    [
        (["1,5", "2"], None, [1.5, 2.0]),
        (["1,234.5", "12"], None, [1234.5, 12.0]),
        (["142,522"], ".", [142522.0]),
        (["142,522"], ",", [142.522]),
        (["1.234,5"], ",", [1234.5]),
        (["142 522", "1\u202f000"], None, [142522.0, 1000.0]),
    ],
)
def test_decimal_marks(cells, decimal, expected, tmp_path):
    assert load.parse_number(pd.Series(cells), path=tmp_path, column="c", decimal=decimal).tolist() == pytest.approx(expected)


def test_ambiguous_thousands_comma_is_an_error(tmp_path):
    with pytest.raises(InputDataError, match=r"numbers such as '142,522'.*set layers.pop.decimal: '.' \(commas separate thousands\)"):
        load.parse_number(pd.Series(["142,522", "98,004"]), path=tmp_path, column="population", key="layers.pop.decimal")


def test_whole_number_ids_stored_as_floats(tmp_path):
    gdf = grid_units().reset_index(drop=True).assign(code=[601.0, 602.0, 701.0, 702.0])
    path = tmp_path / "num.gpkg"
    gdf.to_file(path)
    b = load.read_boundaries(path, id_column="code", name_column="name", region_column="region")
    assert list(b.units.index) == ["601", "602", "701", "702"]


def test_a_table_without_geometry_as_boundaries_is_an_error(tmp_path):
    path = tmp_path / "b.csv"
    path.write_text("pcode,name\nA1,x\n", encoding="utf-8")
    with pytest.raises(InputDataError, match="found a table without geometry; expected a vector file"):
        load.read_boundaries(path, id_column="pcode", name_column="name", region_column=None)


def test_iso_date_times_keep_the_date_as_written(tmp_path):
    dates = load.parse_dates(pd.Series(["2017-12-31T23:30:00Z", "2017-12-31 23:30", "2018-01-01T00:10:00+01:00", "2017-06-14"]), path=tmp_path, column="d")
    assert [d.date().isoformat() for d in dates] == ["2017-12-31", "2017-12-31", "2018-01-01", "2017-06-14"]


def test_fast_kernels_decline_spellings_they_cannot_read_the_same_way():
    import pyarrow as pa

    assert load.arrow_degrees(pa.chunked_array([["12.5", "-3", "1e-05", "12,5"]])).tolist() == [12.5, -3.0, 1e-05, 12.5]  # a decimal comma, as _coordinate reads it
    for other in (["5."], [" 12.5"], [".5"], [""], ["1,000.5"]):
        assert load.arrow_degrees(pa.chunked_array([other])) is None
    assert load.arrow_counts(pa.chunked_array([["0", "12"]])).tolist() == [0.0, 12.0]
    for other in (["1 000"], ["1.0"], ["-1"], ["yes"]):
        assert load.arrow_counts(pa.chunked_array([other])) is None
    dates = load.arrow_dates(pa.chunked_array([["2017-06-14"]]))
    assert dates.tolist() == [pd.Timestamp("2017-06-14").value]
    for other in (["14 June 2017"], ["2017-02-30"], ["1899-12-30"], ["2017-6-14"]):
        assert load.arrow_dates(pa.chunked_array([other])) is None
    assert load.arrow_text(pa.chunked_array([["a", " b\u00a0"]])).tolist() == ["a", "b"]


def _parse(cells: list[str], **kw) -> list[float]:
    series = pd.Series(cells, index=range(2, 2 + len(cells)))
    return load.parse_number(series, path=Path("t.csv"), column="c", **kw).tolist()


# ------------------------------------------------------------------------- 1. parse_number

NNBSP, NBSP, THIN = "\u202f", "\u00a0", "\u2009"

SPELLINGS = [
    # dot thousands, settled by a value with two dots or with a decimal comma
    (["142.522", "1.234.567"], {}, [142522.0, 1234567.0]),
    (["142.522", "1.234,5"], {}, [142522.0, 1234.5]),
    # comma thousands, settled by a decimal point
    (["1,234.5", "12"], {}, [1234.5, 12.0]),
    (["142,522", "1,234,567"], {}, [142522.0, 1234567.0]),
    # decimal commas
    (["1,5", "2"], {}, [1.5, 2.0]),
    (["0,522", "12"], {}, [0.522, 12.0]),  # a thousands group never starts with 0
    # spaces of every kind, apostrophes (Swiss)
    (["142 522", "3 000"], {}, [142522.0, 3000.0]),
    ([f"142{NBSP}522", f"1{NBSP}234{NBSP}567,5"], {}, [142522.0, 1234567.5]),
    ([f"142{NNBSP}522", f"1{NNBSP}000"], {}, [142522.0, 1000.0]),
    ([f"142{THIN}522"], {}, [142522.0]),
    (["1'234'567.50", "1\u2019000"], {}, [1234567.5, 1000.0]),
    # percent signs: read as the number written (percentage points)
    (["45 %", "45%", "12,5 %", f"7{NNBSP}%"], {}, [45.0, 45.0, 12.5, 7.0]),
    # negatives: accounting parentheses, the Unicode minus
    (["(12)", "\u22123", "5"], {}, [-12.0, -3.0, 5.0]),
    # words, blanks, NA (words among counts other than 0/1 are refused: tests/end_to_end/test_hostile_variants.py)
    (["oui", "non", "", "NA", "n/a", "1"], {}, [1.0, 0.0, float("nan"), float("nan"), float("nan"), 1.0]),
    # plain decimals that cannot be thousands
    (["151708.0", "0.125", "1234.567", "1e-05"], {}, [151708.0, 0.125, 1234.567, 0.00001]),
    # what the config states
    (["142,522"], {"decimal": "."}, [142522.0]),
    (["142,522"], {"decimal": ","}, [142.522]),
    (["142.522"], {"thousands": "."}, [142522.0]),
    (["142.522"], {"decimal": "."}, [142.522]),
    (["142.522", "142,5"], {"thousands": " "}, None),  # ' ': dots and commas are decimal marks; mixing them is refused
    (["142.522"], {"thousands": "'"}, [142.522]),
    (["1 234,5"], {"thousands": " "}, [1234.5]),
    # whole-number columns: a lone separator before three digits separates thousands
    (["142.522", "196.676"], {"whole": "it is a population"}, [142522.0, 196676.0]),
    (["142,522", "98,004"], {"whole": "it is a population"}, [142522.0, 98004.0]),
]


@pytest.mark.parametrize("cells, kw, expected", SPELLINGS, ids=[f"{i}:{c[0][0]!r}:{c[1]}" for i, c in enumerate(SPELLINGS)])
def test_every_spelling(cells, kw, expected):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", NumberFormatWarning)
        if expected is None:
            with pytest.raises(InputDataError, match=r"values that are not numbers or yes/no \(row 3: '142,5'\)"):
                _parse(cells, **kw)
            return
        assert _parse(cells, **kw) == pytest.approx(expected, nan_ok=True)


@pytest.mark.parametrize(
    "cells, mark",
    [(["142.522", "196.676"], "dot"), (["142,522", "98,004"], "comma")],
)
def test_a_column_of_lone_separators_is_undecidable_without_the_config(cells, mark):
    with pytest.raises(InputDataError) as info:
        load.parse_number(pd.Series(cells, index=[2, 3]), path=Path("ch.csv"), column="population", key="layers.ch.decimal", whole_key="layers.ch.whole_numbers")
    text = str(info.value)
    assert f"column 'population': found numbers such as '{cells[0]}', '{cells[1]}', which could use the {mark} as a thousands separator or as a decimal mark (rows 2, 3)" in text
    assert "set layers.ch.decimal:" in text and "layers.ch.thousands" in text and "list its measure under layers.ch.whole_numbers" in text


def test_a_whole_number_column_is_read_with_thousands_and_the_reading_is_said():
    with pytest.warns(NumberFormatWarning) as record:
        got = load.parse_number(pd.Series(["142.522", "196.676"]), path=Path("ch.csv"), column="population", whole="it is a population", key="layers.ch.decimal")
    assert got.tolist() == [142522.0, 196676.0]
    message = str(record[0].message)
    assert "ch.csv: column 'population': 2 numbers such as '142.522', '196.676'" in message
    assert "read as whole numbers with the dot separating thousands ('142.522' as 142522, '196.676' as 196676) because it is a population" in message
    assert "set layers.ch.decimal: '.'" in message and "set layers.ch.thousands: '.'" in message


def test_a_whole_number_column_that_mixes_both_marks_is_still_an_error():
    # 142.522 and 5,678: whichever mark separates thousands, one value is not whole
    with pytest.raises(InputDataError, match=r"could use the dot or the comma as a thousands separator"):
        _parse(["142.522", "5,678"], whole="it is a population")


def test_decisions_are_logged(caplog):
    with caplog.at_level(logging.INFO, logger="nexus_zones"):
        _parse(["142.522", "1.234.567"])
        _parse(["1,5"])
        _parse(["45 %"])
    said = "\n".join(r.getMessage() for r in caplog.records)
    assert "t.csv: column 'c': 2 values with thousands separators read as whole thousands (e.g. '1.234.567' as 1234567; decimal mark ','" in said
    assert "t.csv: column 'c': 1 values with a decimal comma read as decimals (e.g. '1,5')" in said
    assert "t.csv: column 'c': 1 values with a percent sign read as percentages (e.g. '45 %' as 45, not 0.45)" in said


def test_mixed_spellings_and_stray_spaces_are_errors():
    with pytest.raises(InputDataError, match=r"1 values that are not numbers or yes/no \(row 4: '1,234\.5'\); expected numbers in one spelling for the whole column \(here decimal mark ','"):
        _parse(["1.234,5", "2.345,6", "1,234.5"])  # the spelling most values fit is the column's
    with pytest.raises(InputDataError, match=r"row 2: '1 5'"):
        _parse(["1 5"])  # a space separates groups of three digits, nothing else


def test_a_share_above_100_percent_is_flagged():
    with pytest.warns(ImplausibleValueWarning, match=r"t\.csv: column 'c': shares above 100 % in rows 3 \(e\.g\. 120 %\)"):
        assert _parse(["45 %", "120 %"]) == [45.0, 120.0]


def test_parenthesised_rows_are_kept_for_messages():
    got = load.parse_number(pd.Series(["(12)", "-3", "5"], index=[2, 3, 4]), path=Path("t.csv"), column="c")
    assert got.tolist() == [-12.0, -3.0, 5.0] and got.attrs["parenthesised"] == [2]


def test_coordinates_take_either_decimal_mark_and_no_thousands(tmp_path):
    got = load._coordinate(pd.Series(["16,2717", "-3.0717", "\u22122,5"]), tmp_path, "latitude")
    assert got.tolist() == [16.2717, -3.0717, -2.5]
    with pytest.raises(InputDataError, match=r"column 'latitude': found values that are not numbers in rows 0 \(e\.g\. '1\.234,5'\)"):
        load._coordinate(pd.Series(["1.234,5"]), tmp_path, "latitude")


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


def test_repeated_ids_in_a_vector_file_are_compared_with_their_geometry(tmp_path):
    import geopandas as gpd
    from shapely.geometry import Point

    from nexus_zones import load

    frame = gpd.GeoDataFrame({"event_id_cnty": ["A", "A", "B"]}, geometry=[Point(0, 0), Point(1, 1), Point(2, 2)], crs=4326)
    with pytest.raises(InputDataError, match=r"id 'A' in rows 0, 1: found 2 rows for one record that differ in columns geometry"):
        load.drop_repeated_records(frame, tmp_path / "x.gpkg", id_column=None, timestamp_column="timestamp", key="layers.x")
    same = gpd.GeoDataFrame({"event_id_cnty": ["A", "A", "B"]}, geometry=[Point(0, 0), Point(0, 0), Point(2, 2)], crs=4326)
    with pytest.warns(DuplicateRecordWarning, match=r"1 of 3 rows repeat a record id"):
        out = load.drop_repeated_records(same, tmp_path / "x.gpkg", id_column=None, timestamp_column="timestamp", key="layers.x")
    assert out.index.tolist() == [0, 2]
    assert np.array_equal(same.geometry.x, [0, 0, 2])  # the input is not modified


# ------------------------------------------------------------------------------ the stages, in memory


def test_dates_are_plausible_from_1950_to_the_day_after_the_run(tmp_path):
    path = tmp_path / "e.csv"
    today = pd.Timestamp("2020-07-31")
    values = pd.Series(["1950-01-01", "2020-08-01", "31/07/2020"], index=[2, 3, 4])
    parsed = load.parse_dates(values, path=path, column="d", today=today)
    assert parsed.tolist() == [pd.Timestamp("1950-01-01"), pd.Timestamp("2020-08-01"), pd.Timestamp("2020-07-31")]
    with pytest.raises(InputDataError, match=r"column 'd': found 2 dates outside the plausible range \(row 2: '1949-12-31'; row 3: '2020-08-02'\); "
                                             r"expected dates from 1950-01-01 to 2020-08-01"):
        load.parse_dates(pd.Series(["1949-12-31", "2020-08-02", "2020-01-01"], index=[2, 3, 4]), path=path, column="d", today=today)


# ------------------------------------------------------------------------- lists of deleted records


@pytest.mark.parametrize("header", ["event_id_cnty", "latitude"])
def test_a_one_column_csv_is_one_column(tmp_path, header):
    """A header without separator is one column: the sniffer used to split it at letters (``even``, ``_id_cn``, ``y``)."""
    path = tmp_path / "one.csv"
    path.write_text(f"{header}\nMLI3\nMLI4\n")
    frame = load._read_csv(path)
    assert list(frame.columns) == [header] and frame[header].tolist() == ["MLI3", "MLI4"]


def test_the_separator_is_the_one_every_line_repeats(tmp_path):
    # the header holds a semicolon and a comma (one in a label); the rows show which one separates
    path = tmp_path / "t.csv"
    path.write_text("admin2Name;valeur (1,000 personnes)\nDire;12\nGoundam;4\n", encoding="utf-8")
    frame = load._read_csv(path)
    assert list(frame.columns) == ["admin2Name", "valeur (1,000 personnes)"] and frame["admin2Name"].tolist() == ["Dire", "Goundam"]


def test_a_list_of_deleted_ids_without_timestamps_is_read(tmp_path):
    path = tmp_path / "deleted.csv"
    path.write_text("event_id_cnty\nMLI3\n MLI4 \n")
    deleted = load.read_deleted_records(path, key="layers.e.deleted")
    assert sorted(deleted.index) == ["MLI3", "MLI4"] and deleted.isna().all()


def test_a_list_of_deleted_records_with_another_id_header_says_which_header_it_needs(tmp_path):
    path = tmp_path / "deleted.csv"
    path.write_text("id,deleted_timestamp\nMLI3,1650000000\n")
    with pytest.raises(InputDataError, match=r"(?s)deleted\.csv.*column 'event_id_cnty' \(config key layers\.e\.deleted\): found no such column; "
                       r"the list has: id, deleted_timestamp.*Fix: head the list's id column event_id_cnty") as info:
        load.read_deleted_records(path, key="layers.e.deleted")
    assert "set layers.e.deleted to the right column name" not in str(info.value)


def test_deleted_ids_match_whole_number_ids_stored_as_floats():
    """A vector file's id column with a gap comes as floats (3.0); the list says 3."""
    ids = pd.Series([1.0, 3.0, np.nan, 4.5])
    deleted = pd.Series([np.nan, np.nan], index=["3", "4.5"])
    assert load.deleted_rows(ids, None, deleted).tolist() == [False, True, False, True]


# ------------------------------------------------------------------------------------- workbooks


def _workbook(path: Path, sheets: dict[str, list[list]]) -> Path:
    from openpyxl import Workbook

    book = Workbook()
    book.remove(book.active)
    for title, rows in sheets.items():
        sheet = book.create_sheet(title)
        for row in rows:
            sheet.append(row)
    book.save(path)
    return path


@pytest.mark.parametrize("notes", [[], [["a", "a"]]], ids=["empty", "repeated-header"])
def test_a_named_sheet_is_read_whatever_the_first_sheet_holds(tmp_path, notes):
    """The header check read the first sheet: an empty one was an IndexError, a repeated header an error about the wrong sheet."""
    path = _workbook(tmp_path / "events.xlsx", {"notes": notes, "events": [["latitude", "longitude"], [16.27, -3.07]]})
    frame = load._read_xlsx(path, "events")
    assert list(frame.columns) == ["latitude", "longitude"] and frame["latitude"].tolist() == ["16.27"]


def test_blank_rows_of_a_sheet_are_left_out_and_rows_keep_their_numbers(tmp_path):
    """As a CSV's blank lines: not two 'exact copies' of an empty row, not rows without coordinates."""
    path = _workbook(tmp_path / "events.xlsx", {"s": [["id", "latitude"], ["A", 16.0], [], ["B", 15.0], [None, None], ["C", 14.0]]})
    frame = load._read_xlsx(path)
    assert frame["id"].tolist() == ["A", "B", "C"] and list(frame.index) == [2, 4, 6]


# ------------------------------------------------------------- issue 19: identity by meaning


def test_unreadable_times_are_named_and_blank_ones_unknown(tmp_path: Path) -> None:
    stamps = pd.Series(["1650010000", "2022-04-15", "", "15/04/2022", "1650010000123"], index=[2, 3, 4, 5, 6])
    with pytest.raises(InputDataError) as caught:
        load.readable_times(stamps, tmp_path / "d.csv", "deleted_timestamp")
    text = str(caught.value)
    assert "found 1 cells that are no readable time (row 5: '15/04/2022')" in text and "found 1 Unix times in milliseconds (row 6: '1650010000123')" in text
    ok = load.readable_times(stamps.iloc[:3], tmp_path / "d.csv", "deleted_timestamp")
    assert ok.iloc[0] == 1650010000 and ok.iloc[1] == (pd.Timestamp("2022-04-15") - pd.Timestamp("1970-01-01")).total_seconds() and np.isnan(ok.iloc[2])


def test_ids_differing_by_case_or_spaces_take_their_first_spelling(tmp_path: Path) -> None:
    ids = pd.Series(["MLI1", "mli 1", "MLI2", "", "Mli2 "], index=[2, 3, 4, 5, 6])
    with pytest.warns(SpellingVariantWarning, match=r"2 record ids differ from an earlier id only by case or spaces and were read as it, .*\('mli 1' as 'MLI1', 'Mli2 ' as 'MLI2'\)"):
        out = load.one_spelling_of_ids(ids, path=tmp_path / "e.csv", column="event_id_cnty")
    assert out.tolist() == ["MLI1", "MLI1", "MLI2", "", "MLI2"]


def test_rows_equal_but_for_the_id_are_reported_not_dropped(tmp_path: Path) -> None:
    cells = pd.DataFrame({"id": ["A", "B", "C"], "date": ["d1", "d1", "d2"], "n": ["1", "1", "1"], "timestamp": ["5", "6", "7"]}, index=[2, 3, 4])
    with pytest.warns(DuplicateRecordWarning, match=r"1 rows repeat an earlier row in every column but 'id' and 'timestamp' under another id \('B' \(row 3\) = 'A' \(row 2\)\)"):
        load.warn_same_content(cells, cells["id"], path=tmp_path / "e.csv", id_col="id", stamp_col="timestamp")


def test_points_inside_only_when_swapped_are_named(tmp_path: Path) -> None:
    b2 = grid_units().loc[["B2"]]  # the unit square from (1, 0) to (2, 1)
    inside, swapped, abroad = (0.5, 1.5), (1.5, 0.5), (5.0, 0.2)  # (lat, lon): inside; inside only swapped; outside either way
    def check(points, **kw):
        lat, lon = (np.array(c, dtype=float) for c in zip(*points))
        load.refuse_swapped_rows(lat, lon, list(range(2, len(points) + 2)), tmp_path / "p.csv", "lat", "lon", where="layers.p", reference=b2)
    check([inside, abroad])  # nothing to say
    check([swapped] * 3 + [inside] * 3)  # half the rows: left to the count per unit, which says "swap the columns"
    with pytest.raises(InputDataError, match=r"found 2 of 5 rows outside the boundaries as written but inside them with latitude and longitude swapped "
                                             r"\(latitude, longitude: row 2: 1\.5, 0\.5; row 3: 1\.5, 0\.5\); .* Fix: swap the two values in those rows"):
        check([swapped, swapped, inside, inside, abroad])
    with pytest.warns(EventsOutsideWarning, match=r"1 of 3 rows outside the boundaries as written .* they fall in no unit and were not counted"):
        check([swapped, inside, inside])


def test_month_first_dates_and_excel_serials_are_named(tmp_path: Path) -> None:
    with pytest.raises(InputDataError, match=r"row 3: '04/15/2017'\): month first, as US software writes dates .* the 1 other cells such as '04/05/2017' were read day first"):
        load.parse_dates(pd.Series(["04/05/2017", "04/15/2017"], index=[2, 3]), path=tmp_path / "e.csv", column="date")
    with pytest.raises(InputDataError, match=r"Excel serial day numbers \('42736' = 2017-01-01\)"):
        load.parse_dates(pd.Series(["42736", "42737.0"], index=[2, 3]), path=tmp_path / "e.csv", column="date")


def test_overlapping_units_are_refused_slivers_are_not() -> None:
    from shapely.geometry import box

    units = grid_units()
    load._refuse_overlaps(units, "grid")  # squares sharing edges only
    sliver = units.copy()
    sliver.loc["A1", "geometry"] = box(0, 1, 1.005, 2)  # 0.5 % of A2 under A1
    load._refuse_overlaps(sliver, "grid")
    over = units.copy()
    over.loc["A1", "geometry"] = box(0, 1, 1.5, 2)  # half of A2
    with pytest.raises(InputDataError, match=r"found 1 pairs of units that overlap \(A1 \(Alpha One\) and A2 \(Alpha Two\): 50 % of the smaller\)"):
        load._refuse_overlaps(over, "grid")


def test_lower_case_pcodes_are_no_nesting_problem(tmp_path: Path) -> None:
    from ._support import require_real_data

    cercles = gpd.read_file(require_real_data() / "mali_adm2_cercles_ocha_cod_2015.geojson")
    assert {"admin2Pcod", "admin1Pcod"} <= set(cercles.columns)
    cercles["admin2Pcod"] = cercles["admin2Pcod"].str.lower()
    path = tmp_path / "lower.geojson"
    cercles.to_file(path, driver="GeoJSON")
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no PcodeNestingWarning: ml0602 is under ML06
        units = load.read_boundaries(path).units
    assert "ml0602" in units.index and len(units) == len(cercles)


def test_deleted_ids_are_matched_without_case_or_spaces(tmp_path: Path) -> None:
    deleted = pd.Series([np.nan, np.nan], index=["MLI3", "MLI 7"])
    ids = pd.Series(["MLI1", "mli3", "MLI7", "MLI3"], index=[2, 3, 4, 5])
    with pytest.warns(SpellingVariantWarning, match=r"2 record ids differ .* only by case \(or spaces\) .*'mli3' as 'MLI3', 'MLI7' as 'MLI 7'"):
        drop = load.deleted_rows(ids, None, deleted, path=tmp_path / "e.csv", column="event_id_cnty", key="layers.e.deleted")
    assert drop.tolist() == [False, True, True, True]


# ------------------------------------------------------------------------------ rows compared by columns

#: Cells that are equal as values in several spellings (numbers, dates, infinities), and text near them.
_SPELLINGS = ["4523", "4523.0", "4.523e3", " 4523", "+4523", "04523", "4523\u00a0", "2017-12-31", "31/12/2017", "31 December 2017", "31\tDecember\t2017",
              "2017-12-31T00:00:00", "inf", "Infinity", "-inf", "1e999", "nan", "NaN", "", " ", "abc", "Abc", "B12", "b12", "12,5", "1.2.3", "-", "+1",
              "1", "1.0", "0.1", "0.10000000000000001", "١٢/١٢/٢٠١٧", "e5", "iPhone"]


def _copies_by_the_definition(table: pd.DataFrame, keys=()) -> np.ndarray:
    from nexus_zones import fold

    return fold.comparable_cells(table, keys=list(keys)).duplicated(keep=False).to_numpy()


@pytest.mark.parametrize("seed", range(12))
def test_the_coarse_reading_never_hides_a_copy(seed):
    """Rows equal as values (fold.comparable_cells, on every row) are always among the candidates
    _maybe_copies keeps, whatever the spellings; and drop_exact_copies drops what comparing every row drops."""
    rng = np.random.default_rng(seed)
    n = 300
    table = pd.DataFrame({f"c{i}": rng.choice(_SPELLINGS[: 6 + 5 * i], n) for i in range(3)}, dtype="str")
    table.index = pd.RangeIndex(2, n + 2, name="line")
    keys = ["c0"] if seed % 3 == 0 else []
    truth = _copies_by_the_definition(table, keys)
    maybe = load._maybe_copies(table, keys)
    assert truth.any() and not (truth & ~maybe).any()
    with warnings.catch_warnings(record=True):
        warnings.simplefilter("always")
        kept = load.drop_exact_copies(table, Path("t.csv"), effect="", keys=keys)
    from nexus_zones import fold

    expected = ~fold.comparable_cells(table, keys=keys).duplicated(keep="first").to_numpy()
    assert list(kept.index) == list(table.index[expected])


def test_rows_repeated_are_found_column_by_column():
    import pyarrow as pa

    a = pa.chunked_array([["x", "y", "x", "z", "x"]])
    b = pa.chunked_array([["1", "2", "1", "1", "2"]])
    exact = lambda values, _: np.arange(len(values))  # noqa: E731
    assert load.repeated_rows([(a, True), (b, True)], 5, exact).tolist() == [True, False, True, False, False]  # rows 0 and 2 only
    assert load.repeated_rows([(a, True)], 5, exact).tolist() == [True, False, True, False, True]
    assert load.repeated_rows([(a, True)], 5, lambda values, _: None).all()  # a column left out narrows nothing
