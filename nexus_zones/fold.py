"""Values written several ways read as one: the shared helpers of :mod:`nexus_zones.load`.

This module owns the comparisons that must not depend on how a value happens to be spelled:

- :func:`code_spelling`: a P-code written with a hyphen or a space (``ML-0603``) found as the code
  it spells (``ML0603``), for a hint;
- :func:`comparable_cells`: rows compared as parsed values (``4523`` = ``4523.0``, ``31/12/2017`` =
  ``2017-12-31``), so that a table appended again in another spelling is still seen as a copy;
- :func:`fold_to_listed`: cells that differ from a value a config lists only by case, accents or
  spaces are read as that value, with a :class:`~nexus_zones.errors.SpellingVariantWarning`;
- :func:`refuse_duplicate_headers`: two columns of one name (after stripping spaces) are an error;
- :func:`percent_cells`: Excel cells formatted as percent, read as percentage points like the CSV
  export of the same sheet.

It reads no file of its own except, in :func:`percent_cells`, the formats of a workbook that
:mod:`nexus_zones.load` is reading.
"""

from __future__ import annotations

import logging
import unicodedata
import warnings
from datetime import datetime
from pathlib import Path
from typing import Iterable, Sequence

import geopandas as gpd
import pandas as pd

from .errors import InputDataError, Problem, SpellingVariantWarning

logger = logging.getLogger(__name__)


# ------------------------------------------------------------------------------- names and dates

#: Letters that NFKD does not decompose, as the Latin letters they are read as (Nordic, French,
#: German, Polish, Croatian, Icelandic, Turkish; Bambara's and Fulfulde's ɛ ɔ ɲ ŋ ɓ ɗ ƴ).
_LETTERS = str.maketrans({
    "ø": "o", "æ": "ae", "œ": "oe", "ß": "ss", "ł": "l", "đ": "d", "ð": "d", "þ": "th", "ı": "i", "ħ": "h",
    "ŧ": "t", "ĸ": "k", "ſ": "s", "ƒ": "f", "ɛ": "e", "ɔ": "o", "ɲ": "ny", "ŋ": "ng", "ɓ": "b", "ɗ": "d", "ƴ": "y",
})


def normalise_name(text: str) -> str:
    """Fold a place name for matching: no accents, lower case, letters NFKD keeps whole read as Latin
    letters (``ø`` = ``o``, ``œ`` = ``oe``, ``ß`` = ``ss``, ``ɛ`` = ``e``: :data:`_LETTERS`), hyphens,
    apostrophes, quotes, dots and spaces (no-break ones too) as one space, invisible format characters
    (zero-width space) dropped."""
    folded = unicodedata.normalize("NFKD", str(text))
    folded = "".join(c for c in folded if not unicodedata.combining(c) and unicodedata.category(c) != "Cf").lower().translate(_LETTERS)
    for ch in "-_'’‘ʼ`\".":
        folded = folded.replace(ch, " ")
    return " ".join(folded.split())


def code_spelling(code: str, known: Iterable) -> str | None:
    """The known code ``code`` spells with separators or another case (``ML-0603``, ``ml 0603``,
    ``ML_0603`` for ``ML0603``), else ``None``; codes are not matched so (``ML-0603`` may be another
    scheme's code), only named in a hint."""
    squeeze = lambda c: "".join(ch for ch in str(c) if ch.isalnum()).upper()  # noqa: E731
    wanted = squeeze(code)
    if not wanted or wanted == str(code):
        return None
    return next((str(k) for k in known if squeeze(k) == wanted and str(k) != str(code)), None)


#: The date formats :func:`nexus_zones.load.parse_dates` reads (and :func:`_dates` recognises).
_DATE_FORMATS = ("%Y-%m-%d", "%d %B %Y", "%d/%m/%Y", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M:%S", "%d-%b-%y", "%d %b %Y")


# ------------------------------------------------------------------------------- rows as values


def _dates(text: pd.Series) -> pd.Series:
    """Cells read as dates (ISO text) under the formats :func:`nexus_zones.load.parse_dates` knows; None elsewhere."""
    def one(cell) -> str | None:
        for fmt in _DATE_FORMATS:
            try:
                return datetime.strptime(cell, fmt).isoformat()
            except (TypeError, ValueError):
                continue
        return None

    # every format starts with a day or a year and a separator: cells that do not (record ids such as
    # ``MLI1234``, names) are no date, and a million of them must not each be tried seven times
    cells = pd.Series(list(set(text.dropna())), dtype=object)
    known = {cell: one(cell) for cell in cells[cells.str.match(r"\d{1,4}[-/\s]", na=False)]}
    return text.map(lambda c: known.get(c) if isinstance(c, str) else None)


def comparable_cells(frame: pd.DataFrame, keys: Sequence[str] = ()) -> pd.DataFrame:
    """Every cell as a canonical string, so that rows can be compared whole as values.

    ``keys`` (unit codes, names) are compared as stripped text (``007`` is not ``7``); other cells
    that read as numbers are compared as numbers (``4523`` = ``4523.0``), then those that read as
    dates as dates (``31/12/2017`` = ``2017-12-31``), the rest as stripped text; geometries as WKB.
    """
    cells = pd.DataFrame(index=frame.index)
    for col in frame.columns:
        values = frame[col]
        if isinstance(values, gpd.GeoSeries):
            cells[col] = values.map(lambda g: None if g is None else g.wkb_hex)
            continue
        text = values.astype(str).str.strip()
        if col in keys:
            cells[col] = "t" + text
            continue
        codes, distinct = pd.factorize(text)  # each distinct cell read once (a column of types or dates has few)
        cells[col] = _canonical(pd.Series(distinct.astype(object), dtype=object)).to_numpy()[codes]
    return cells


def _canonical(text: pd.Series) -> pd.Series:
    """Cells as ``n`` + the number, else ``d`` + the ISO date, else ``t`` + the text."""
    number = pd.to_numeric(text.where(text != ""), errors="coerce")
    date = _dates(text.where(number.isna() & (text != "")))
    return ("n" + number.map(repr).astype(str)).where(number.notna(), ("d" + date.astype(str)).where(date.notna(), "t" + text))


# ------------------------------------------------------------------------- values a config lists


def fold_to_listed(values: pd.Series, listed: Iterable[str], *, path: Path | str, column: str, key: str) -> pd.Series:
    """Cells equal to a listed value once case, accents and spaces are folded, read as that value.

    A cell that is exactly a listed value, or that folds to no listed value or to several, is left as
    it is. Each folded spelling is reported in one :class:`SpellingVariantWarning` (what was read as
    what, in how many rows); exact matches are silent.
    """
    listed = [str(v) for v in listed]
    by_fold: dict[str, set[str]] = {}
    for value in listed:
        by_fold.setdefault(normalise_name(value), set()).add(value)
    text = values.astype(str)
    exact = set(listed)
    variants = {v: by_fold.get(normalise_name(v), set()) for v in pd.unique(text.to_numpy()) if v not in exact}
    renames = {v: next(iter(m)) for v, m in variants.items() if len(m) == 1}
    if not renames:
        return values
    counts = text[text.isin(list(renames))].value_counts()
    said = "; ".join(f"{v!r} read as {renames[v]!r} ({int(counts[v])} rows)" for v in sorted(renames))
    warnings.warn(SpellingVariantWarning(
        f"{path}: column {column!r}: values differing from those listed in {key} only by case, accents or spaces "
        f"were read as the listed values: {said}. Fix: nothing if that is right; otherwise correct the file or {key}"), stacklevel=3)
    return text.map(lambda v: renames.get(v, v)).where(values.notna(), values)


def folds_to_listed(distinct: Iterable[str], listed: Iterable[str]) -> bool:
    """True when one of the ``distinct`` cell values is not listed but equals a listed value once
    case, accents and spaces are folded (so :func:`fold_to_listed` would read it as that value)."""
    listed = [str(v) for v in listed]
    exact, folded = set(listed), {normalise_name(v) for v in listed}
    return any(str(v) not in exact and normalise_name(v) in folded for v in distinct)


# ---------------------------------------------------------------------------------- header rows


def refuse_duplicate_headers(names: Sequence, path: Path | str) -> None:
    """Raise when two columns carry one name once surrounding spaces are stripped (blank names aside)."""
    seen: dict[str, list[int]] = {}
    for position, name in enumerate(names, start=1):
        text = "" if name is None or (isinstance(name, float) and pd.isna(name)) else str(name).strip()
        if text:
            seen.setdefault(text, []).append(position)
    problems = [
        Problem(
            f"header, columns {', '.join(str(p) for p in positions)}",
            f"{len(positions)} columns named {name!r} ("
            + ", ".join(f"column {p}: {str(names[p - 1])!r}" for p in positions) + ")",
            "each column name once (spaces around a name do not make it another name)",
            "rename or delete one of them, so that the column the config names is not a guess",
        )
        for name, positions in seen.items() if len(positions) > 1
    ]
    if problems:
        raise InputDataError(str(path), problems)


# ----------------------------------------------------------------------------- Excel percentages


def percent_cells(path: Path, frame: pd.DataFrame, *, sheet: str | int | None = None, header_row: int = 1) -> pd.DataFrame:
    """Numbers in cells formatted as percent (Excel stores 37.9 % as 0.379) as percentage points
    (``37.9``), as the CSV export of the sheet writes them and :func:`nexus_zones.load.parse_number`
    reads them; an INFO line names the columns. ``frame`` is the ``sheet`` (a name, a position from
    0, default the first) read as text under its header on ``header_row``, its index the sheet's row
    numbers: the formats are read from that same sheet."""
    from openpyxl import load_workbook

    book = load_workbook(path, read_only=True, data_only=True)
    try:
        sheet = book[sheet] if isinstance(sheet, str) else book.worksheets[sheet or 0]
        found: dict[str, int] = {}
        errors: dict[str, list[str]] = {}
        out = frame.copy()
        for row in sheet.iter_rows(min_row=header_row + 1):
            for position, cell in enumerate(row):
                value = getattr(cell, "value", None)
                if position >= len(frame.columns) or getattr(cell, "row", None) not in out.index:
                    continue
                col = frame.columns[position]
                if getattr(cell, "data_type", None) == "e":
                    errors.setdefault(col, []).append(f"{cell.coordinate}: {value}")
                    out.loc[cell.row, col] = str(value)
                    continue
                if isinstance(value, bool) or not isinstance(value, (int, float)) or "%" not in str(getattr(cell, "number_format", "")):
                    continue
                out.loc[cell.row, col] = f"{value * 100:.12g}"
                found[col] = found.get(col, 0) + 1
    finally:
        book.close()
    out.attrs["error_cells"] = errors
    if found:
        logger.info("%s: %s formatted as percent in Excel, read as percentage points (0.379 = 37.9 %%)",
                    path.name, ", ".join(f"column {c!r} ({n} cells)" for c, n in found.items()))
    return out
