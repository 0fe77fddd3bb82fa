"""nexus_zones.sheets: what a file is, CSV field counts, the one workbook reader."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from nexus_zones import sheets
from nexus_zones.errors import InputDataError


@pytest.mark.parametrize("head, kind", [
    (b"", "empty"),
    (b"PK\x03\x04\x14\x00\x00\x00[Content_Types].xml", "xlsx"),
    (b"PK\x03\x04\x14\x00\x00\x00cercles.shp", "zip"),
    (b"SQLite format 3\x00\x10\x00", "sqlite"),
    (b"\xef\xbb\xbf  <!DOCTYPE HTML PUBLIC>", "html"),
    (b"\n<?xml version='1.0'?><html xmlns='x'>", "html"),
    (b"admin2Pcod,total\nML0601,3\n", "text"),
    (b"\xff\xfea\x00,\x00", "text"),
])
def test_what_a_file_is_from_its_first_bytes(head: bytes, kind: str) -> None:
    assert sheets._what(head) == kind


def test_sniff_accepts_what_a_name_promises(tmp_path: Path) -> None:
    for name, data in (("a.csv", b"x,y\n1,2\n"), ("b.csv", b""), ("c.gpkg", b"SQLite format 3\x00"), ("d.zip", b"PK\x03\x04shp")):
        (tmp_path / name).write_bytes(data)
        sheets.sniff(tmp_path / name)  # no error


def test_sniff_names_a_csv_renamed_xlsx(tmp_path: Path) -> None:
    path = tmp_path / "t.xlsx"
    path.write_bytes(b"admin2Pcod,total\nML0601,3\n")
    with pytest.raises(InputDataError, match=r"found text, not a workbook \(a CSV file renamed \.xlsx\?\); expected an \.xlsx workbook\. Fix: rename it t\.csv"):
        sheets.sniff(path)


def test_field_counts_respect_quotes_and_skip_blank_lines() -> None:
    text = 'a,b,c\n1,"2,5",3\n\n4,5,6,\n"x\ny",1,2\n'
    assert sheets.field_counts(text, ",") == (3, [(2, 3), (4, 4), (5, 3)])


def test_ragged_lines_are_counted_against_the_header(tmp_path: Path) -> None:
    text = "a;b\n1;2\n3;4;5\n6;7\n"
    with pytest.raises(InputDataError, match=r"1 of 3 lines: found more fields than the header's 2 \(line 13: 3\)"):
        sheets.refuse_ragged(text, ";", tmp_path / "t.csv", first_line=11)
    sheets.refuse_ragged("a;b\n1;2\n3\n", ";", tmp_path / "t.csv")  # a shorter line is no shift: not refused here


def _book(path: Path, rows: list[list]) -> Path:
    from openpyxl import Workbook

    book = Workbook()
    for row in rows:
        book.active.append(row)
    book.save(path)
    return path


def test_workbook_header_found_under_title_rows(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    path = _book(tmp_path / "t.xlsx", [["Title"], [None], ["code", "n"], ["A1", 3], [None, None], ["B2", 4]])
    with caplog.at_level(logging.INFO, logger="nexus_zones"):
        frame = sheets.read_workbook(path)
    assert list(frame.columns) == ["code", "n"] and frame.index.tolist() == [4, 6] and frame["n"].tolist() == ["3", "4"]
    assert frame.attrs["header_row"] == 3 and "the header is on row 3, under 1 title row(s) ('Title')" in caplog.text


def test_workbook_header_row_stated(tmp_path: Path) -> None:
    path = _book(tmp_path / "t.xlsx", [["code", "n"], ["x", "y"], ["A1", 3]])
    frame = sheets.read_workbook(path, header_row=2)
    assert list(frame.columns) == ["x", "y"] and frame.index.tolist() == [3]
    with pytest.raises(InputDataError, match=r"header_row: found 9, a row that is beyond the sheet; expected a row of the sheet holding the column names \(the sheet has 3 rows\)"):
        sheets.read_workbook(path, header_row=9)


def test_workbook_blank_header_cells_and_error_cells_are_recorded(tmp_path: Path) -> None:
    path = _book(tmp_path / "t.xlsx", [["code", None, "n"], ["A1", 1, "#N/A"], ["B2", 2, 5]])
    frame = sheets.read_workbook(path)
    assert frame.attrs["blank_headers"] == ["B"] and frame.attrs["error_cells"] == {"n": ["C2: #N/A"]}
    assert sheets.header_hint(frame) == " (header read on row 1; column B hold data but no name: merged header cells, or names spread over two rows)"
    problems = sheets.error_cell_problems(frame, {"k.n": "n", "k.code": "code"})
    assert [p.where for p in problems] == ["column 'n' (config key k.n)"] and problems[0].found == "1 Excel error cell (C2: #N/A)"
