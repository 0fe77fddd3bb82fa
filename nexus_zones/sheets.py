"""What a table file holds, before its cells are read as values: the helpers of :mod:`nexus_zones.load`.

This module owns three questions every reader of tables must answer the same way:

- :func:`sniff`: is the file what its name says? An HTML page saved as ``.csv`` (a portal's login
  or error page), a workbook or a zip archive renamed ``.csv``, a file of 0 bytes where a
  GeoPackage is expected: each is named for what it is, before a parser describes its symptoms;
- :func:`read_workbook`: one reader of workbooks -- the sheet named (or the first), the header row
  stated (``header_row:``) or found under title rows, header cells left blank by merged cells
  named, Excel error cells (``#N/A``, ``#REF!``) named with their cell address, percent-formatted
  cells read from that same sheet;
- :func:`refuse_ragged`: CSV lines with more fields than the header (a trailing separator, an
  unquoted decimal comma) are an error naming the lines and the field counts, never a silent shift
  of every column;
- where expected columns are when the header read lacks them (:func:`header_elsewhere`, a title line
  padded with separators above the header; :func:`other_sheet`, a first sheet of notes), and rows
  that are not data (:func:`totals_problems`, :func:`repeated_header_problems`). A hidden first
  sheet is never read silently.

It reads only the files :mod:`nexus_zones.load` hands it.
"""

from __future__ import annotations

import csv
import io
import logging
import re
from pathlib import Path
from typing import Sequence

import pandas as pd

from . import fold
from .errors import InputDataError, Problem

logger = logging.getLogger(__name__)

#: Rows above a found header: title lines hold at most this many filled cells.
TITLE_CELLS = 1
#: Rows searched for the header when it is not stated.
HEADER_SEARCH = 20


# ------------------------------------------------------------------------------ what a file is


_TEXT_SUFFIXES = (".csv", ".txt", ".tsv")
_VECTOR_SUFFIXES = (".gpkg", ".geojson", ".json", ".shp", ".fgb", ".zip", ".kml", ".gml")


def sniff(path: Path) -> None:
    """Raise when the first bytes of ``path`` say that it is not the kind of file its suffix names:
    HTML or XML text where a table or a GeoPackage is expected, a zip archive (an ``.xlsx``
    workbook among them) where text is expected, 0 bytes where geometries are expected, text where
    a workbook is expected."""
    suffix = path.suffix.lower()
    with open(path, "rb") as fh:
        head = fh.read(2048)
    found = _what(head)
    problem = _mismatch(suffix, found, path, len(head))
    if problem is not None:
        raise InputDataError(str(path), [problem])


def _what(head: bytes) -> str:
    """'empty', 'html', 'zip', 'xlsx', 'sqlite', 'ole' (old .xls) or 'text'/'binary' from a file's first bytes."""
    if not head:
        return "empty"
    if head.startswith(b"PK\x03\x04"):
        return "xlsx" if b"[Content_Types].xml" in head or b"xl/" in head else "zip"
    if head.startswith(b"SQLite format 3\x00"):
        return "sqlite"
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        return "ole"
    if head.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"%PDF-"):
        return "pdf"
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if text.startswith((b"<!doctype html", b"<html", b"<head", b"<body")) or (text.startswith(b"<") and b"<html" in text):
        return "html"
    return "text" if b"\x00" not in head[:512] or head[:2] in (b"\xff\xfe", b"\xfe\xff") else "binary"


_NAMES = {
    "html": "an HTML web page (a portal's login, error or download page saved in place of the data)",
    "xlsx": "an Excel workbook (.xlsx) under another name",
    "zip": "a zip archive",
    "sqlite": "a SQLite database (a GeoPackage?)",
    "ole": "an old Excel workbook (.xls) or another Office file",
    "pdf": "a PDF document (a report or a printout saved in place of the data)",
    "empty": "an empty file (0 bytes)",
    "binary": "binary data, not text",
    "text": "text",
}


def _mismatch(suffix: str, found: str, path: Path, n: int) -> Problem | None:
    """The problem when what was ``found`` is not what the ``suffix`` promises; None when it fits."""
    if suffix in _TEXT_SUFFIXES and found in ("html", "xlsx", "zip", "sqlite", "ole", "pdf"):
        fixes = {
            "html": "download the file again (sign in first if the portal asks), and check that it opens as a table",
            "xlsx": f"rename it {path.stem}.xlsx (and name the sheet with sheet: if it is not the first), or save it from Excel as CSV UTF-8",
            "ole": f"open it in Excel and save it as .xlsx or CSV UTF-8 (it is not CSV text)",
            "pdf": "get the table itself as CSV or .xlsx from its source (a PDF's tables are not read)",
        }
        return Problem("file", _NAMES[found], "CSV text (a header line, then one line per row)",
                       fixes.get(found, "extract the table from it, or point the config at the right file"))
    if suffix in (".xlsx", ".xlsm") and found not in ("xlsx", "zip", "empty"):
        fix = f"rename it {path.stem}.csv if it is CSV text" if found == "text" else "download or export the workbook again"
        return Problem("file", _NAMES[found] if found != "text" else "text, not a workbook (a CSV file renamed .xlsx?)", "an .xlsx workbook", fix)
    if suffix in _VECTOR_SUFFIXES and found in ("empty", "html", "pdf"):
        return Problem("file", _NAMES[found], f"a {suffix} file of geometries",
                       "copy or download the file again: the copy did not finish, or the download saved an error page" if found == "empty"
                       else "get the geometries themselves (GeoPackage, GeoJSON or Shapefile) from the source" if found == "pdf"
                       else "download the file again (sign in first if the portal asks)")
    if suffix == ".gpkg" and found not in ("sqlite", "empty", "html"):
        return Problem("file", _NAMES.get(found, found), "a GeoPackage (a SQLite database)", "export the layer again as GeoPackage, or name the file by its format")
    return None


# -------------------------------------------------------------------------------- CSV field counts


def from_header_row(text: str, header_row: int | None, path: Path) -> str:
    """The text of a CSV from its stated ``header_row`` (from 1) on; all of it when not stated."""
    if not header_row or header_row == 1:
        return text
    lines = text.split("\n")
    if header_row > len(lines) or not lines[header_row - 1].strip():
        raise InputDataError.one(str(path), "header_row", f"{header_row}, a line that is {'empty' if header_row <= len(lines) else 'beyond the file'}",
                                 f"the line holding the column names (the file has {len(lines)} lines)", "set header_row to the line of the column names")
    return "\n".join(lines[header_row - 1:])


def field_counts(text: str, sep: str) -> tuple[int, list[tuple[int, int]]]:
    """The header's field count and ``(line, fields)`` of every other non-blank line, as Python's CSV
    reader splits them (quotes respected; a line is where its row starts)."""
    reader = csv.reader(io.StringIO(text), delimiter=sep)
    header, rows, start = None, [], 1
    for row in reader:
        if row and any(cell.strip() for cell in row):
            if header is None:
                header = len(row)
            else:
                rows.append((start, len(row)))
        start = reader.line_num + 1
    return header or 0, rows


def _filled_first(text: str, sep: str) -> int:
    """How many fields of the first non-blank line hold text (a title padded with separators: 1)."""
    for row in csv.reader(io.StringIO(text), delimiter=sep):
        if row and any(cell.strip() for cell in row):
            return sum(1 for cell in row if cell.strip())
    return 0


def refuse_ragged(text: str, sep: str, path: Path, *, cause: Exception | None = None, first_line: int = 1) -> None:
    """Raise when lines of a CSV hold more fields than its header: pandas would take the first
    column as an index (every column shifted left, silently) or stop at the first such line.
    ``first_line`` is the file's line number of the text's first line."""
    expected, rows = field_counts(text, sep)
    rows = [(line + first_line - 1, n) for line, n in rows]
    longer = [(line, n) for line, n in rows if n > expected]
    if not longer:
        return
    counts = pd.Series([n for _, n in rows]).value_counts()
    if counts.index[0] > expected and _filled_first(text, sep) <= TITLE_CELLS:  # a title line above the header (padded with separators or not)
        first = next(line for line, n in rows if n == counts.index[0])
        problem = Problem(f"header, line {first_line}", f"{_filled_first(text, sep)} filled field on the first line (a title?) but {counts.index[0]} on most lines below, "
                          f"the first of them line {first}",
                          "the header (the column names) on the first line", f"delete the title lines above line {first}, so that the header is the first line, "
                          f"or set header_row: {first} (the line of the column names)")
        raise InputDataError(str(path), [problem]) from cause
    shown = ", ".join(f"line {line}: {n}" for line, n in longer[:6]) + (f", ... ({len(longer)} lines)" if len(longer) > 6 else "")
    decimal = "an unquoted decimal comma (12,5 in a comma-separated file)" if sep == "," else f"a {sep!r} inside an unquoted value"
    problem = Problem(
        f"{len(longer)} of {len(rows)} lines", f"more fields than the header's {expected} ({shown})",
        f"{expected} fields on every line, as the header has",
        f"remove the separator at the end of those lines (a trailing {sep!r}), or, for {decimal}, quote such values"
        + (" or save the file with ';' as separator" if sep == "," else " (Excel quotes them when it saves)") + "; the columns are not guessed",
    )
    raise InputDataError(str(path), [problem]) from cause


# ---------------------------------------------------------------------------------------- workbooks


def read_workbook(path: Path, sheet: str | int | None = None, header_row: int | None = None) -> pd.DataFrame:
    """A sheet (a name, a position from 0, default the first) as text under its header row, indexed by
    the sheet's row numbers; rows with no value in any cell are left out, as a CSV's blank lines are.

    ``header_row`` (from 1) states the header; else it is the first row holding more than one filled
    cell when some row does (title rows above it are logged). ``attrs`` record ``header_row``, the
    letters of ``blank_headers`` (columns with data but no name: merged or two-row headers) and the
    ``error_cells`` by column (Excel errors with their cell address).
    """
    if sheet is None:
        _refuse_hidden_first(path)
    cells = _cells(path, sheet)
    if not len(cells) or not (cells != "").to_numpy().any():
        return pd.DataFrame()
    row = _header_row(cells, path, header_row)
    frame = _under_header(cells, row, path)
    frame = fold.percent_cells(path, frame, sheet=sheet, header_row=row)
    frame.attrs.update(header_row=row, blank_headers=_blank_headers(cells, row), sheet=sheet)
    return frame


def _refuse_hidden_first(path: Path) -> None:
    """With no sheet stated the first is read: when Excel hides it (an old copy, a lookup list), the
    user sees another sheet first and would get the hidden one's numbers silently."""
    from openpyxl import load_workbook

    try:
        book = load_workbook(path, read_only=True)
    except Exception:  # noqa: BLE001 - the reader says what is wrong with the file
        return
    try:
        states = [(ws.title, ws.sheet_state) for ws in book.worksheets]
    finally:
        book.close()
    if not states or states[0][1] == "visible":
        return
    visible = [name for name, state in states if state == "visible"]
    listed = ", ".join(f"{name!r}" + ("" if state == "visible" else f" ({state})") for name, state in states)
    raise InputDataError.one(
        str(path), "sheet", f"no sheet stated, and the workbook's first sheet {states[0][0]!r} is hidden in Excel (its sheets: {listed})",
        "the sheet to read stated when the first sheet is hidden (Excel shows another one first)",
        (f"set the layer's sheet: {visible[0]} (the first sheet Excel shows)" if visible else "unhide the sheet to read in Excel")
        + f", or sheet: {states[0][0]} if the hidden sheet is the one meant")


def _cells(path: Path, sheet: str | int | None) -> pd.DataFrame:
    """Every cell of the sheet as text ('' where empty; Excel errors as their text), rows numbered from 1."""
    try:
        cells = pd.read_excel(path, dtype=str, header=None, keep_default_na=False, sheet_name=0 if sheet is None else sheet)
    except Exception as exc:  # noqa: BLE001 - any reader failure is one message
        raise InputDataError.one(str(path), "file", f"unreadable as Excel ({exc})", "an .xlsx workbook whose sheet has a header row") from exc
    cells = cells.fillna("").astype(str)
    cells.index = pd.RangeIndex(1, len(cells) + 1, name="line")
    return cells


def _header_row(cells: pd.DataFrame, path: Path, stated: int | None) -> int:
    """The stated header row (checked), or the first with more than one filled cell (title rows skipped)."""
    filled = (cells.apply(lambda col: col.str.strip()) != "").sum(axis=1)
    if stated is not None:
        if stated not in filled.index or not filled[stated]:
            raise InputDataError.one(str(path), "header_row", f"{stated}, a row that is {'empty' if stated in filled.index else 'beyond the sheet'}",
                                     f"a row of the sheet holding the column names (the sheet has {len(cells)} rows)", "set header_row to the row of the column names")
        return stated
    head = filled.iloc[:HEADER_SEARCH]
    if head.max() <= TITLE_CELLS:
        return int(head[head > 0].index[0])
    row = int(head[head > TITLE_CELLS].index[0])
    if row > 1:
        above = [c for c in cells.loc[: row - 1].to_numpy().ravel() if str(c).strip()]
        logger.info("%s: the header is on row %d, under %d title row(s) (%s); set header_row: %d to state it",
                    path.name, row, len(above), "; ".join(repr(str(c)[:40]) for c in above[:3]), row)
    return row


def _under_header(cells: pd.DataFrame, row: int, path: Path) -> pd.DataFrame:
    """The rows under the header row, named by it (blank names as pandas names them, 'Unnamed: k')."""
    names = cells.loc[row].tolist()
    fold.refuse_duplicate_headers(names, path)
    columns = [str(n).strip() or f"Unnamed: {k}" for k, n in enumerate(names)]
    frame = cells.loc[row + 1:].copy()
    frame.columns = columns
    return frame[frame.apply(lambda col: col.str.strip() != "").any(axis=1)]


def _blank_headers(cells: pd.DataFrame, row: int) -> list[str]:
    """Letters of the columns with data under the header but no name in it."""
    from openpyxl.utils import get_column_letter

    names = cells.loc[row]
    below = cells.loc[row + 1:]
    return [get_column_letter(k + 1) for k, col in enumerate(cells.columns)
            if not str(names[col]).strip() and (below[col].str.strip() != "").any()]


def header_hint(frame: pd.DataFrame) -> str:
    """Words for a missing column's message about the header read: its row when not the first, and
    blank (merged) names; '' for a header on row 1 with every column named."""
    if frame.attrs.get("header_row", 1) == 1 and not frame.attrs.get("blank_headers"):
        return ""
    blank = frame.attrs.get("blank_headers") or []
    text = f" (header read on row {frame.attrs['header_row']}"
    if blank:
        text += f"; column{'s' if len(blank) > 1 else ''} {', '.join(blank)} hold data but no name: merged header cells, or names spread over two rows"
    return text + ")"


def error_cell_problems(frame: pd.DataFrame, wanted: dict[str, str]) -> list[Problem]:
    """Problems for Excel error cells (``#N/A``, ``#REF!``...) in the columns a config uses."""
    errors: dict = frame.attrs.get("error_cells") or {}
    problems = []
    for key, col in wanted.items():
        found: Sequence[str] = errors.get(col, [])
        if found:
            problems.append(Problem(
                f"column {col!r} (config key {key})", f"{len(found)} Excel error cell{'s' if len(found) > 1 else ''} ({', '.join(found[:6])}{' ...' if len(found) > 6 else ''})",
                "values (a formula that failed leaves an error, not a value)",
                "correct the formulas in Excel (or replace them by their values), or empty the cells whose value is unknown"))
    return problems


# ------------------------------------------------------------------- where the expected columns are


def header_elsewhere(frame: pd.DataFrame, missing: Sequence[str]) -> tuple[int, list[str]] | None:
    """The line (a CSV's) or row (a sheet's) among the first :data:`HEADER_SEARCH` rows read as
    data whose cells hold the most of the ``missing`` column names, and those names; ``None`` when
    none does. A title line padded with separators (``Title,,,,,``) is read as the header, and the
    real header as the first row of data: this finds it."""
    wanted = {str(m).strip() for m in missing}
    best: tuple[int, list[str]] | None = None
    for line, row in frame.head(HEADER_SEARCH).iterrows():
        cells = {str(c).strip() for c in row.tolist()}
        cells |= {part.strip().strip('"') for c in row.tolist() for part in re.split(r"[,;\t|]", str(c))}  # a title line set the separator
        hits = [m for m in missing if str(m).strip() in cells]
        if hits and (best is None or len(hits) > len(best[1])):
            best = (int(line), hits)
    return best


def other_sheet(path: Path, frame: pd.DataFrame, missing: Sequence[str]) -> tuple[list[str], str | None, int | None]:
    """For a workbook read without the ``missing`` columns: its sheet names, and the other sheet
    (with its header row) whose first :data:`HEADER_SEARCH` rows hold the most of them (``None``
    when no sheet does)."""
    from openpyxl import load_workbook

    try:
        book = load_workbook(path, read_only=True, data_only=True)
    except Exception:  # noqa: BLE001 - the hint is a bonus; the read itself succeeded
        return [], None, None
    try:
        names = list(book.sheetnames)
        read = frame.attrs.get("sheet")
        read = read if isinstance(read, str) else names[read or 0] if names else None
        wanted = {str(m).strip() for m in missing}
        best: tuple[int, str | None, int | None] = (0, None, None)
        for name in names:
            if name == read:
                continue
            for number, row in enumerate(book[name].iter_rows(max_row=HEADER_SEARCH, values_only=True), start=1):
                hits = len(wanted & {str(c).strip() for c in row if c is not None})
                if hits > best[0]:
                    best = (hits, name, number)
    finally:
        book.close()
    return names, best[1], best[2]


# ----------------------------------------------------------------------------------- totals rows

#: Words a totals (or subtotals) row is labelled with, folded (French and English).
TOTAL_WORDS = frozenset({"total", "totals", "totaux", "totale", "grand total", "total general", "total generale", "sous total", "sous totaux",
                         "subtotal", "sub total", "sum", "somme", "ensemble", "overall", "all"})


def _is_total(cell: str) -> bool:
    folded = fold.normalise_name(cell).strip(" :")
    return folded in TOTAL_WORDS or folded.startswith(("total ", "sous total ", "subtotal ")) or folded.endswith((" total", " totaux"))


def totals_problems(frame: pd.DataFrame, keys: dict[str, str], *, layer_key: str) -> list[Problem]:
    """Problems for totals rows: a row whose unit key columns (``keys``: config key -> column) are
    blank or read "Total" ("TOTAL", "Grand total", "Sous-total", "Tombouctou Total"...) while one of
    its cells reads so. Read as data, such a row would be an unmatched unit, or (dropped, combined,
    or under a name the boundaries know) the units counted twice."""
    if not keys or not len(frame):
        return []
    columns = [c for c in keys.values() if c in frame.columns]
    if not columns:
        return []
    key_cells = frame[columns].astype(str).apply(lambda col: col.str.strip())
    candidates = (key_cells.map(lambda c: c == "" or _is_total(c))).all(axis=1)
    problems = []
    for line in frame.index[candidates.to_numpy()]:
        row = frame.loc[line]
        hit = next(((col, str(v).strip()) for col, v in row.items() if str(v).strip() and _is_total(str(v))), None)
        if hit is None:
            continue
        col, word = hit
        blank = [c for c in columns if not key_cells.loc[line, c]]
        problems.append(Problem(
            f"row {line}", f"a totals row ({word!r} in column {col!r}" + (f", no unit in column {', '.join(map(repr, blank))})" if blank else ")"),
            "rows about units, not totals: nexus_zones adds the units up itself, and a totals row read as data would be an unknown unit or count the units twice",
            f"delete that row (and any other totals or subtotals rows) from the file, or keep the units' rows only with {layer_key}.where"))
    return problems


def repeated_header_problems(frame: pd.DataFrame) -> list[Problem]:
    """A problem for rows that repeat the header (two exports appended, each with its header): read
    as data, their cells are words where numbers and units are expected."""
    if not len(frame) or len(frame.columns) < 2:
        return []
    names = pd.Series([str(c).strip() for c in frame.columns], index=frame.columns)
    cells = frame.astype(str).apply(lambda col: col.str.strip())
    same = cells.eq(names, axis=1) | (cells == "")
    repeated = frame.index[(same.all(axis=1) & (cells != "").sum(axis=1).gt(len(frame.columns) // 2)).to_numpy()]
    if not len(repeated):
        return []
    rows = ", ".join(str(r) for r in repeated[:8]) + (f" and {len(repeated) - 8} more" if len(repeated) > 8 else "")
    return [Problem(f"row{'s' if len(repeated) > 1 else ''} {rows}", "the header line repeated (files appended one under the other, each with its header?)",
                    "one header line, at the top", "delete the repeated header lines; rows then appearing twice are dropped as copies, with a warning")]
