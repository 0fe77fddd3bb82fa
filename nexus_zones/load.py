"""Reading inputs: with the readers of the layer kinds (:mod:`nexus_zones.layers`), the only code
that opens input files. This module reads the boundaries and holds what the kinds' readers share
(file and CSV decoding, HXL and column resolution, numbers, dates, repeated records, CRS checks):

* boundaries → :class:`Boundaries` holding a GeoDataFrame in EPSG:4326 indexed by a unique string
  ``unit_id`` (the P-code) with ``name``, ``region`` and ``geometry`` columns;
* (in :mod:`nexus_zones.layers`) points (CSV with latitude/longitude, or any vector file GDAL reads) → GeoDataFrame in EPSG:4326
  with ``date``, ``type``, ``category`` and ``fatalities`` columns where asked for;
* per-unit tables → DataFrame indexed by ``unit_id`` (numbers, and yes/no read as 1/0);
* 3W actor tables → DataFrame of ``unit_id``, ``organisation``, ``actor_type`` rows.

Every problem is reported as a :class:`~nexus_zones.errors.InputDataError` naming the file, the
column, what was found, what was expected and the fix; problems of one file are gathered and
raised together. Inputs are only ever opened for reading.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Sequence

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj
import shapely

from . import fold, geometry, schemas, sheets
from .fold import _DATE_FORMATS, normalise_name
from .safety import strip_bidi_columns
from .errors import DuplicateRecordWarning, EventsOutsideWarning, ImplausibleValueWarning, InputDataError, MixedEncodingWarning, MojibakeWarning, NumberFormatWarning, PcodeNestingWarning, Problem, SpellingVariantWarning, UnmatchedFilterWarning, did_you_mean, short_repr

__all__ = [
    "Boundaries",
    "read_boundaries",
    "file_sha256",
    "normalise_name",
    "no_rows_why",
]

logger = logging.getLogger(__name__)

TRUE_WORDS = {"1", "yes", "y", "true", "oui", "o", "vrai", "present", "x"}
FALSE_WORDS = {"0", "no", "n", "false", "non", "faux", "absent", ""}


@dataclass(frozen=True)
class Boundaries:
    """The study units and what is known of the file they came from.

    ``all_units`` holds every unit of the file (the study's and the others, with name, region and
    geometry), so that tables naming units outside the study can be told from tables with wrong
    codes, and points on a border with a unit outside the study go where a national run puts them.
    ``meta`` records the boundary set: file, layer, feature count and the ``validOn`` dates.
    """

    units: gpd.GeoDataFrame
    all_units: gpd.GeoDataFrame
    path: Path
    crs_in: str
    meta: dict = field(default_factory=dict)

    @property
    def all_unit_ids(self) -> frozenset[str]:
        return frozenset(self.all_units.index)


def file_sha256(path: str | Path) -> str:
    """SHA-256 of a file's bytes, read in blocks."""
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


# ------------------------------------------------------------------------------------ helpers


def _require_file(path: Path) -> None:
    if not path.exists():
        raise InputDataError.one(
            str(path), "file", "no such file", "an existing file", "check the path in the config (relative to the config file, or to data_dir when set), "
            "or give the folder that holds the files with --data-dir FOLDER"
        )
    if path.is_dir():
        raise InputDataError.one(str(path), "file", "a folder", "a file", "name the file inside it")


def _read_vector(path: Path, layer: str | None) -> gpd.GeoDataFrame:
    import pyogrio

    _require_file(path)
    if path.is_file():
        sheets.sniff(path)
    read_path = str(path)
    if path.suffix.lower() == ".zip":
        read_path = f"/vsizip/{path}"
    if layer is not None:
        try:
            layers = [str(row[0]) for row in pyogrio.list_layers(read_path)]
        except Exception as exc:  # pyogrio raises DataSourceError and others
            raise InputDataError.one(str(path), "file", f"unreadable by GDAL ({exc})", "a vector file (GeoPackage, GeoJSON, Shapefile, zipped Shapefile)") from exc
        if layer not in layers:
            raise InputDataError.one(
                str(path), f"layer {layer!r}", f"no such layer{did_you_mean(layer, layers)}", f"one of: {', '.join(layers)}", "set the layer name in the config"
            )
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # GDAL chatter on odd files; problems are checked below
            frame = gpd.read_file(read_path, layer=layer, engine="pyogrio")
    except Exception as exc:
        raise InputDataError.one(
            str(path), "file", f"unreadable by GDAL ({type(exc).__name__}: {exc})", "a vector file (GeoPackage, GeoJSON, Shapefile, zipped Shapefile)", "check the file opens in QGIS"
        ) from exc
    if not isinstance(frame, gpd.GeoDataFrame) or frame.geometry.name not in frame.columns:
        raise InputDataError.one(
            str(path), "geometry", "a table without geometry", "a vector file with geometries",
            "for boundaries use a GeoPackage, GeoJSON or Shapefile; for points a CSV with latitude/longitude columns",
        )
    return frame


def _with_crs(frame: gpd.GeoDataFrame, path: Path, source: str, *, crs: str | None, key: str, reference: gpd.GeoDataFrame | None = None) -> gpd.GeoDataFrame:
    """The layer with its CRS: the config's ``crs`` where given, else the file's; a geographic CRS
    must hold coordinates that can be degrees. ``reference`` (every unit of the boundaries) lets the
    error for points say which reading puts them inside the boundaries."""
    if crs is not None:
        logger.info("%s: coordinates read in %s (%s); the file declares %s", source, crs, key, frame.crs.to_string() if frame.crs is not None else "no CRS")
        frame = frame.set_crs(crs, allow_override=True)
    if frame.crs is None:
        raise InputDataError.one(
            source, "CRS", "no coordinate reference system", "a file that declares its CRS (e.g. EPSG:4326)",
            f"set the CRS in QGIS (Layer ▸ Set CRS) or add the .prj file, or give it as {key}; nexus_zones never guesses one",
        )
    _refuse_degrees_as_metres(frame, source, key=key, given=crs is not None, reference=reference)
    problem = geometry.degree_problem(frame.total_bounds) if frame.crs.is_geographic and len(frame) else None
    if problem is None:
        return frame
    geojson = path.suffix.lower() in (".geojson", ".json") and crs is None
    evidence = ""
    if reference is not None:
        xy = shapely.get_coordinates(frame.geometry.to_numpy())
        evidence = "; " + _readings(geometry.placements(reference, xy[:, 0], xy[:, 1], projected=True), len(xy), "points")
    raise InputDataError.one(
        source, "CRS",
        f"coordinates with {problem}, which cannot be degrees, in a file that declares the geographic CRS {frame.crs.name}"
        f"{' (a GeoJSON without a crs member is read as WGS 84, RFC 7946)' if geojson else ''}{evidence}",
        "degrees within ±180 (x, longitude) and ±90 (y, latitude)",
        f"declare the CRS the coordinates are really in (metres such as these are usually a UTM zone, e.g. EPSG:32630 for UTM 30N, "
        f"or Web Mercator, EPSG:3857): in QGIS, Layer ▸ Set CRS, then Export ▸ Save Features As; or give it as {key}",
    )


def _refuse_degrees_as_metres(frame: gpd.GeoDataFrame, source: str, *, key: str, given: bool, reference: gpd.GeoDataFrame | None = None) -> None:
    """A projected CRS (metres) over coordinates that all lie within ±180/±90 and span less than
    a few units is a file of degrees with a wrong CRS: said as such, not left to look like points
    outside every unit (or like a table's decimal mark). ``reference`` (the boundaries in EPSG:4326)
    adds how many of the points fall inside them read as degrees."""
    if not len(frame) or frame.crs.is_geographic:
        return
    west, south, east, north = frame.total_bounds
    if not (np.isfinite([west, south, east, north]).all() and -180 <= west <= east <= 180 and -90 <= south <= north <= 90 and east - west < 60):
        return
    evidence = ""
    if reference is not None and frame.geom_type.eq("Point").all():
        xy = shapely.get_coordinates(frame.geometry.to_numpy())
        evidence = f"; read as degrees (EPSG:4326), {int(geometry.inside_mask(reference, xy[:, 0], xy[:, 1]).sum())} of {len(xy)} points fall inside the boundaries"
    raise InputDataError.one(
        source, "CRS",
        f"coordinates from {west:.6g} to {east:.6g} (x) and {south:.6g} to {north:.6g} (y), which look like degrees, in a file "
        f"{'read (by ' + key + ') in' if given else 'that declares its CRS as'} {frame.crs.name} ({frame.crs.to_string()}), whose units are metres: read in it, the whole "
        f"layer would lie within a few hundred metres of that CRS's origin{evidence}",
        "coordinates in the units of the declared CRS",
        f"if the coordinates are degrees, declare EPSG:4326 (give it as {key}, or in QGIS Layer ▸ Set CRS then Save Features As)"
        + (f"; or remove {key}, which is wrong for this file" if given else ""),
    )


def _readings(found: list, n: int, what: str) -> str:
    """The evidence of :func:`geometry.placements`: as given, then the readings that put any inside."""
    given = next(p for p in found if p.label == "as given")
    others = [p for p in found if p is not given and p.inside > 0][:3]
    text = f"{given.inside} of {n} {what} inside the boundaries as given"
    if not others:
        return text + ", and none under the readings tried (" + ", ".join(p.label for p in found if p is not given) + ")"
    return text + "; " + "; ".join(f"{p.inside} of {n} {what} {p.label}" for p in others)


def _read_csv(path: Path, header_row: int | None = None) -> pd.DataFrame:
    """Read a CSV as strings, dropping an HXL hashtag row if there is one.

    A file with no text at all (0 bytes, or blank lines only) reads as a table with no rows and no
    header (``attrs['empty_file']``): the layer is then reported as empty, not as unreadable.
    Other text is decoded by :func:`_decode_text` (UTF-8 with or without BOM, UTF-16 with BOM,
    Windows-1252, or UTF-8 with some Windows-1252 lines), the separator found on the decoded header,
    and text encoded twice repaired by :func:`_repair_mojibake`.
    """
    import io

    _require_file(path)
    sheets.sniff(path)
    if _is_blank_file(path):
        return _empty_table(path)
    decoded = _decode_text(path)
    text = sheets.from_header_row(decoded, header_row, path)
    sep = _separator(text)
    try:
        frame = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False, sep=sep, engine="c" if sep else "python")
    except (pd.errors.ParserError, pd.errors.EmptyDataError, csv_error()) as exc:
        sheets.refuse_ragged(text, sep or ",", path, cause=exc, first_line=header_row or 1)
        raise InputDataError.one(str(path), "file", f"not a readable CSV ({exc})", "a comma- or semicolon-separated text file with a header row") from exc
    names = pd.read_csv(io.StringIO(text), dtype=str, header=None, nrows=1, sep=sep, engine="c" if sep else "python").iloc[0].tolist()
    try:
        fold.refuse_duplicate_headers(names, path)
    except InputDataError as exc:
        if not header_row or header_row == 1:
            raise
        first = decoded.split("\n", 1)[0].strip()[:120]
        raise InputDataError(str(path), [Problem(
            "header_row", f"{header_row}, a line read as the column names that repeats names ({exc.problems[0].found}); line 1 reads {first!r}",
            "header_row on the line of the column names", "set header_row to the line of the column names (remove it if that is line 1)")]) from exc
    if not isinstance(frame.index, pd.RangeIndex):  # pandas took the first column as an index: lines longer than the header
        sheets.refuse_ragged(text, sep or ",", path, first_line=header_row or 1)
    frame.columns = [str(c).strip() for c in frame.columns]
    first = (header_row or 1) + 1
    frame.index = pd.RangeIndex(first, len(frame) + first, name="line")  # the file's line numbers, for messages
    if header_row:
        frame.attrs["header_row"] = header_row
    return _take_hxl_row(_repair_mojibake(frame, path), path)


# ------------------------------------------------------------------------------- text encodings

_BOMS = (
    (b"\xff\xfe\x00\x00", "utf-32", "UTF-32 LE"),
    (b"\x00\x00\xfe\xff", "utf-32", "UTF-32 BE"),
    (b"\xef\xbb\xbf", "utf-8-sig", "UTF-8 with BOM"),
    (b"\xff\xfe", "utf-16", "UTF-16 LE"),
    (b"\xfe\xff", "utf-16", "UTF-16 BE"),
)
_RESAVE = "re-save the file as UTF-8 (Excel: Save As > CSV UTF-8), or correct those lines"


def _decode_text(path: Path) -> str:
    """The text of a CSV file, decoded.

    A byte-order mark decides (UTF-8, UTF-16 as in Excel's "Unicode text", UTF-32); else UTF-8;
    else each line is read as UTF-8 or, failing that, Windows-1252: a file whose lines are all
    Windows-1252 is logged, a UTF-8 file with some such lines gives a :class:`MixedEncodingWarning`
    naming them. A line neither encoding reads is an error naming the line and its bytes.
    """
    raw = path.read_bytes()
    for bom, encoding, label in _BOMS:
        if raw.startswith(bom):
            return _decode_whole(raw, encoding, label, path)
    no_bom = _utf16_without_bom(raw)
    if no_bom:
        logger.info("%s: %s text without a byte-order mark (every other byte of the header is 0)", path.name, no_bom)
        return _decode_whole(raw, no_bom.lower().replace(" ", "-"), no_bom, path)
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return _decode_lines(raw, path)


def _utf16_without_bom(raw: bytes) -> str | None:
    """'UTF-16 LE' or 'UTF-16 BE' when the header's bytes alternate with zeros; else None."""
    head = raw[:400]
    if len(head) < 4 or b"\x00" not in head:
        return None
    head = head[: len(head) // 2 * 2]
    even, odd = head[0::2], head[1::2]
    if not odd.strip(b"\x00") and even.strip(b"\x00"):
        return "UTF-16 LE"
    if not even.strip(b"\x00") and odd.strip(b"\x00"):
        return "UTF-16 BE"
    return None


def _decode_whole(raw: bytes, encoding: str, label: str, path: Path) -> str:
    try:
        return raw.decode(encoding)
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].decode(encoding, errors="replace").count("\n") + 1
        raise InputDataError.one(
            str(path), f"line {line}", f"bytes {_shown(raw, exc.start)} that are not {label} ({exc.reason})",
            f"{label} text throughout, as its byte-order mark says", _RESAVE,
        ) from None


def _shown(raw: bytes, at: int, width: int = 16) -> str:
    """The bytes around offset ``at`` (at most ``2 * width``), for messages."""
    start = max(0, at - width)
    return f"{'...' if start else ''}{raw[start: at + width]!r}{'...' if at + width < len(raw) else ''} (byte 0x{raw[at]:02x} at column {at + 1})"


def _decode_lines(raw: bytes, path: Path) -> str:
    """Decode line by line: UTF-8, else Windows-1252; name lines neither reads, and mixed files."""
    whole = _whole_windows_1252(raw)
    if whole is not None:
        logger.info("%s is not UTF-8; read it as Windows-1252", path)
        return whole
    lines = raw.split(b"\n")
    texts: list[str] = []
    legacy: list[int] = []
    utf8_accented = 0
    problems: list[Problem] = []
    for number, line in enumerate(lines, start=1):
        try:
            text = line.decode("utf-8")
            utf8_accented += not line.isascii()
        except UnicodeDecodeError:
            try:
                text = line.decode("cp1252")
                legacy.append(number)
            except UnicodeDecodeError as exc:
                problems.append(Problem(f"line {number}", f"bytes {_shown(line, exc.start)} that are neither UTF-8 nor Windows-1252",
                                        "text in UTF-8 (or Windows-1252, or UTF-16 with a byte-order mark)", _RESAVE))
                continue
        texts.append(text)
    if problems:
        raise InputDataError(str(path), problems[:8] + ([Problem("more lines", f"{len(problems) - 8} more such lines", "none")] if len(problems) > 8 else []))
    if not utf8_accented:
        logger.info("%s is not UTF-8; read it as Windows-1252", path)
    else:
        first = legacy[0]
        warnings.warn(MixedEncodingWarning(
            f"{path}: {len(legacy)} lines are not UTF-8 but Windows-1252, unlike the {utf8_accented} other lines with accents "
            f"(lines {_rows(legacy)}; line {first}: {short_repr(lines[first - 1].strip())} read as {short_repr(texts[first - 1].strip())}); "
            "they were read as Windows-1252. Fix: re-save the file as UTF-8 to silence this"), stacklevel=4)
    return "\n".join(texts)


def _whole_windows_1252(raw: bytes) -> str | None:
    """The text of a file none of whose lines with accents is UTF-8, decoded at once as
    Windows-1252 (what :func:`_decode_lines` reads line by line, found without a loop over every
    line); ``None`` where some line is UTF-8 or not Windows-1252 (that function then says which)."""
    data = np.frombuffer(raw, dtype=np.uint8)
    accented = np.unique(np.searchsorted(np.flatnonzero(data == 0x0A), np.flatnonzero(data >= 0x80)))
    lines = raw.split(b"\n")
    for i in accented:
        try:
            lines[i].decode("utf-8")
            return None
        except UnicodeDecodeError:
            continue
    try:
        return raw.decode("cp1252")
    except UnicodeDecodeError:
        return None


def _mojibake_tables() -> tuple[dict[str, int], "re.Pattern[str]"]:
    """Characters that bytes 0x80-0xFF become when read as Windows-1252 (or Latin-1), and a pattern
    of UTF-8 sequences read that way ("Ã©" for "é", "â€™" for "’")."""
    import re

    to_byte: dict[str, int] = {}
    for b in range(0x80, 0x100):
        to_byte[chr(b)] = b  # Latin-1 reading
        to_byte[bytes([b]).decode("cp1252", errors="ignore") or chr(b)] = b
    cont = "".join(re.escape(c) for c, b in to_byte.items() if b < 0xC0)
    lead = "".join(re.escape(c) for c, b in to_byte.items() if 0xC2 <= b <= 0xF4)
    return to_byte, re.compile(f"(?:[{lead}][{cont}]{{1,3}})+")


_TO_BYTE, _MOJIBAKE = _mojibake_tables()
#: The start of :data:`_MOJIBAKE` for RE2: a lead character, then a continuation character.
_MOJIBAKE_START = "[{}][{}]".format(*("".join(f"\\x{{{ord(c):x}}}" for c, b in _TO_BYTE.items() if keep(b))
                                      for keep in (lambda b: 0xC2 <= b <= 0xF4, lambda b: b < 0xC0)))


def _unmangle(text: str) -> str:
    """Undo one level of UTF-8-read-as-Windows-1252 where the bytes form valid UTF-8 (else keep)."""

    def fix(match) -> str:
        try:
            return bytes(_TO_BYTE[c] for c in match.group(0)).decode("utf-8")
        except UnicodeDecodeError:
            return match.group(0)

    for _ in range(3):  # text encoded two or three times over
        fixed = _MOJIBAKE.sub(fix, text)
        if fixed == text:
            break
        text = fixed
    return text


def _repair_mojibake(frame: pd.DataFrame, path: Path) -> pd.DataFrame:
    """Repair headers and cells holding UTF-8 that was read as Windows-1252 and saved again
    ("SÃ©gou" -> "Ségou"), with a :class:`MojibakeWarning` naming them. Only sequences that are
    valid UTF-8 once turned back into bytes are changed."""
    found: list[tuple[str, str, str, str]] = []  # column, where, text as read, repaired
    columns = []
    for col in frame.columns:
        fixed = _unmangle(col)
        if fixed != col:
            found.append((fixed, "header", col, fixed))
        columns.append(fixed)
    frame.columns = columns
    for col in frame.columns:
        cells = frame[col].astype(str)
        hits = cells.str.contains(_MOJIBAKE, na=False).to_numpy()
        if not hits.any():
            continue
        fixed = cells[hits].map(_unmangle)
        changed = (fixed != cells[hits]).to_numpy()
        frame.loc[fixed.index[changed], col] = fixed[changed]
        found += [(col, f"line {line}", cells[line], fixed[line]) for line in fixed.index[changed]]
    if found:
        col, where, before, after = found[0]
        places = sorted({w for _, w, *_ in found}, key=lambda w: (w != "header", int(w[5:]) if w != "header" else 0))
        warnings.warn(MojibakeWarning(
            f"{path}: {len(found)} cells held text encoded twice (UTF-8 read as Windows-1252 and saved again), repaired: "
            f"column {col!r}, {where}: {short_repr(before)} read as {short_repr(after)}; in columns "
            f"{_rows(sorted({repr(c) for c, *_ in found}))}, at {_rows(places)}. Fix: export the file again as UTF-8 from its source"), stacklevel=3)
    return frame


def _is_blank_file(path: Path) -> bool:
    """True for a file of 0 bytes or of blank lines only (read at most 64 KiB)."""
    with open(path, "rb") as fh:
        head = fh.read(1 << 16)
    return not head.strip(b" \t\r\n\xef\xbb\xbf") and len(head) < (1 << 16)


def _empty_table(path: Path) -> pd.DataFrame:
    """A table with no header and no rows, marked so that the columns a config names are assumed."""
    logger.info("%s: the file is empty (%d bytes); read as a table without rows", path.name, path.stat().st_size)
    frame = pd.DataFrame(index=pd.RangeIndex(2, 2, name="line"))
    frame.attrs["empty_file"] = True
    return frame


def _take_hxl_row(frame: pd.DataFrame, path: Path) -> pd.DataFrame:
    """Drop an HXL hashtag row under the header, keeping its tags in ``frame.attrs['hxl']``."""
    if len(frame) and _is_hxl_row(frame.iloc[0]):
        tags = {col: str(tag).strip() for col, tag in frame.iloc[0].items() if str(tag).strip()}
        frame = frame.iloc[1:]
        frame.attrs["hxl"] = tags
        logger.info("%s: read the HXL hashtag row under the header (%d tags)", path.name, len(tags))
    return frame


def _hxl_parts(tag: str) -> tuple[str, frozenset[str]]:
    bits = tag.strip().lower().replace(" ", "").split("+")
    return bits[0], frozenset(b for b in bits[1:] if b)


def resolve_column(frame: pd.DataFrame, ref: str) -> str | None:
    """The column a config names: its header, or an HXL tag pattern such as ``#adm2+code``.

    A pattern matches a column whose tag has the same hashtag and at least the pattern's attributes
    (HXL's rule); the first such column is used.
    """
    if ref in frame.columns:
        return ref
    if ref.startswith("#"):
        want_tag, want_attrs = _hxl_parts(ref)
        for col, tag in frame.attrs.get("hxl", {}).items():
            has_tag, has_attrs = _hxl_parts(tag)
            if has_tag == want_tag and want_attrs <= has_attrs:
                return col
    return None


def _separator(text: str) -> str | None:
    """The field separator of a CSV, from its decoded header line: comma, semicolon, tab or pipe. A header
    with none of them is one column (a sniffer would split ``event_id_cnty`` at its letters)."""
    lines = [line for line in text[: 1 << 16].split("\n")[:20] if line.strip()] or [""]
    counts = {sep: lines[0].count(sep) for sep in (",", ";", "\t", "|")}
    # where the header holds several (``nom;valeur (1,000 personnes)``), the one every line repeats as often
    steady = [sep for sep, n in counts.items() if n > 0 and all(line.count(sep) == n for line in lines[1:])]
    best = max(steady or counts, key=counts.get)
    return best if counts[best] > 0 else ","


def csv_error() -> type[Exception]:
    import csv

    return csv.Error


def _is_hxl_row(row: pd.Series) -> bool:
    cells = [str(v).strip() for v in row if str(v).strip()]
    return bool(cells) and all(c.startswith("#") for c in cells)


def _missing_columns(path: Path, frame: pd.DataFrame, wanted: dict[str, str]) -> list[Problem]:
    """Problems for config keys whose column is not in the file. ``wanted`` maps key -> column
    (a header or an HXL tag pattern). A file without any header (``attrs['empty_file']``) gets the
    wanted columns, empty, so that it reads as a layer without rows."""
    if frame.attrs.get("empty_file"):
        for col in wanted.values():
            if col not in frame.columns:
                frame[col] = pd.Series(dtype=object)
            if col.startswith("#"):
                frame.attrs.setdefault("hxl", {})[col] = col
        return []
    problems = []
    cols = [str(c) for c in frame.columns]
    tags = list(frame.attrs.get("hxl", {}).values())
    for key, col in wanted.items():
        if col.startswith("#") and resolve_column(frame, col) is None:
            problems.append(
                Problem(
                    f"column {col!r} (config key {key})",
                    f"no column with that HXL tag{did_you_mean(col, tags)}" if tags else "no HXL hashtag row in the file",
                    f"an HXL tag of the file; it has: {', '.join(tags[:25])}" if tags else "a file whose second row holds HXL tags, or a column header",
                    f"set {key} to a column header or an existing tag",
                )
            )
        elif not col.startswith("#") and col not in cols:
            elsewhere = _column_elsewhere(path, frame, col, [c for c in wanted.values() if not c.startswith("#") and c not in cols], _layer_key(key))
            if elsewhere is not None:
                problems.append(Problem(f"column {col!r} (config key {key})", elsewhere[0], f"the column names where the header is read (it has: {', '.join(cols[:8])}"
                                        f"{' ...' if len(cols) > 8 else ''})", elsewhere[1]))
                continue
            problems.append(
                Problem(
                    f"column {col!r} (config key {key})",
                    f"no such column{sheets.header_hint(frame)}{'' if frame.attrs.get('blank_headers') else did_you_mean(col, cols)}",
                    f"a column of the file; it has: {', '.join(cols[:25])}{' ...' if len(cols) > 25 else ''}",
                    f"set {key} to the right column name" + (", or give each column its own name in one header row (unmerge the cells), "
                                                              "or set header_row to the row holding the names" if sheets.header_hint(frame) else ""),
                )
            )
    return problems


def _yaml_text(text: str) -> str:
    """``text`` as a YAML value reads it back: plain when it is a word or words, else quoted (a
    sheet named ``2018`` must not read as the position 2018)."""
    return text if re.fullmatch(r"[^\W\d][\w -]*\w", text) else json.dumps(text, ensure_ascii=False)


def _layer_key(key: str) -> str:
    """The config key of the layer (or file) a column key belongs to: ``layers.schools`` for
    ``layers.schools.columns.closed``."""
    parts = key.split(".")
    return ".".join(parts[:2]) if parts[0] == "layers" else ".".join(parts[:-1]) or key


def _column_elsewhere(path: Path, frame: pd.DataFrame, col: str, missing: list[str], layer_key: str) -> tuple[str, str] | None:
    """(found, fix) when a missing column is in the file after all: on a line under the header read
    (a title line padded with separators was read as the header), or in another sheet of the workbook."""
    workbook = path.suffix.lower() in (".xlsx", ".xlsm")
    row = sheets.header_elsewhere(frame, missing)
    if row is not None and col in row[1]:
        line, names = row
        where = f"row {line} of the sheet" if workbook else f"line {line}"
        read = frame.attrs.get("header_row", 1)
        return (f"no such column in the header read on {'row' if workbook else 'line'} {read} (a title?): the header seems to be on {where}, which holds "
                f"{', '.join(repr(n) for n in names[:6])}", f"set {layer_key}.header_row: {line}, or delete the line(s) above the column names")
    if not workbook:
        return None
    names, sheet, header = sheets.other_sheet(path, frame, missing)
    if sheet is None:
        return None
    read = frame.attrs.get("sheet")
    read = read if isinstance(read, str) else names[read or 0]
    return (f"no such column in sheet {read!r}{' (the first)' if frame.attrs.get('sheet') is None else ''}; the workbook's sheets are "
            f"{', '.join(repr(n) for n in names)}, and sheet {sheet!r} holds {col!r} (row {header})",
            f"set {layer_key}.sheet: {_yaml_text(sheet)}" + (f" and {layer_key}.header_row: {header}" if header and header > 1 else ""))


def _rows(labels: Sequence, limit: int = 8) -> str:
    labels = list(labels)
    text = ", ".join(str(x) for x in labels[:limit])
    return text + (f" and {len(labels) - limit} more" if len(labels) > limit else "")


# ------------------------------------------------------------------------------------ numbers

#: Characters that may separate thousands in any spelling: space, no-break space (U+00A0), narrow
#: no-break space (U+202F, French Excel exports), thin space (U+2009), figure space (U+2007), and
#: the apostrophes of Swiss spelling (' and ’). They are never decimal marks.
GROUP_SPACES = " \u00a0\u202f\u2009\u2007"
GROUP_APOSTROPHES = "'\u2019"
_NA_WORDS = {"na", "n/a", "nan", "nd"}
#: Cells of digits, dots, commas and signs only: none of them is, or folds to, a word above.
_NUMERAL = re.compile(r"[0-9.,+\-]*")
_MARK_NAMES = {".": "the dot", ",": "the comma"}


def _cells(text: pd.Series, mask, limit: int = 5) -> str:
    """``row 5: '-4'; row 9: 'inf'``: the file's line numbers and the cells as written."""
    picked = text[np.asarray(mask, dtype=bool)]
    shown = "; ".join(f"row {i}: {str(v).strip()!r}" for i, v in picked.head(limit).items())
    return shown + (f" and {len(picked) - limit} more" if len(picked) > limit else "")


#: The largest magnitude a value of a table may have: beyond it (1e300, 'inf', 1e999) it is a typo or an
#: export error, and sums or squares of such values overflow. No count, population or area comes near.
MAX_ABS_VALUE = 1e15


@dataclass(frozen=True)
class _Spelling:
    """One way of writing a column's numbers: its decimal mark(s) and thousands separators."""

    decimal: str  # the decimal mark; ".," (either, per value) where there are no thousands separators
    groups: str  # characters allowed between groups of three digits

    @property
    def pattern(self) -> re.Pattern:
        dec = f"[{re.escape(self.decimal)}]"
        if self.groups:
            grouped = rf"[1-9]\d{{0,2}}(?P<g>[{re.escape(self.groups)}])\d{{3}}(?:(?P=g)\d{{3}})*"
            whole = rf"(?:{grouped}|\d+)"
        else:
            whole = r"\d+"
        return re.compile(rf"^(?:{whole}(?:{dec}\d+)?|{dec}\d+)(?:[eE][-+]?\d+)?$")

    def fits(self, core: pd.Series) -> pd.Series:
        pattern = self.pattern
        return core.map({s: pattern.match(s) is not None for s in pd.unique(core.to_numpy())}).astype(bool)  # once per distinct cell

    def read(self, core: pd.Series) -> pd.Series:
        """Floats of values that fit (others NaN)."""
        ok = self.fits(core)
        plain = core[ok]
        for ch in self.groups:
            plain = plain.str.replace(ch, "", regex=False)
        for ch in self.decimal:
            plain = plain.str.replace(ch, ".", regex=False)
        return pd.to_numeric(plain, errors="coerce").reindex(core.index).astype(float)

    def describe(self) -> str:
        marks = " or ".join(repr(c) for c in self.decimal)
        seps = [repr(c) for c in self.groups if c not in GROUP_SPACES + GROUP_APOSTROPHES]
        return f"decimal mark {marks}" + (f", thousands separated by {', '.join(seps)}, spaces or apostrophes" if seps else "")


def _spellings(decimal: str | None, thousands: str | None, grouping: bool) -> list[_Spelling]:
    """The spellings a column may use, given what the config states."""
    if decimal is not None and decimal == thousands:
        raise ValueError(f"decimal and thousands must differ (both {decimal!r})")
    if not grouping:
        return [_Spelling(".,", "")]
    spaces = GROUP_SPACES + GROUP_APOSTROPHES
    other = {".": ",", ",": "."}
    if thousands in (".", ","):
        decimal = decimal or other[thousands]
    marks = [decimal] if decimal else [".", ","]
    dot_comma_group = thousands not in (" ", "'")  # thousands: ' ' or "'" says dots and commas never separate thousands
    return [_Spelling(m, (other[m] if dot_comma_group else "") + spaces) for m in marks]


def _strip_marks(text: pd.Series) -> tuple[pd.Series, pd.Series, pd.Series]:
    """The number itself, without sign, accounting parentheses or percent sign; which values were
    negative, and which carried a percent sign."""
    core = text.str.replace("\u2212", "-", regex=False)
    percent = core.str.match(rf"^.*[^{GROUP_SPACES}][{GROUP_SPACES}]*%$") | (core == "%")
    core = core.where(~percent, core.str.replace(rf"[{GROUP_SPACES}]*%$", "", regex=True))
    parens = core.str.match(r"^\(.*\)$")
    core = core.where(~parens, core.str.slice(1, -1)).str.strip(GROUP_SPACES)
    minus = core.str.match(r"^[-+]")
    negative = parens | core.str.startswith("-")
    core = core.where(~minus, core.str.slice(1)).str.strip(GROUP_SPACES)
    return core, negative, percent


def parse_number(
    values: pd.Series,
    *,
    path: Path,
    column: str,
    decimal: str | None = None,
    thousands: str | None = None,
    whole: str | None = None,
    key: str = "decimal",
    whole_key: str | None = None,
    grouping: bool = True,
) -> pd.Series:
    """Parse a column of strings to floats, in whatever spelling the column uses.

    Understood: yes/no words as 1/0 (oui/non, true/false, ...), blank and NA/n/a/ND as missing;
    thousands separated by a dot, a comma, a space, a no-break space (U+00A0), a narrow no-break
    space (U+202F), a thin space (U+2009) or an apostrophe (' or ’); a decimal point or a decimal
    comma; a leading minus (or U+2212) and accounting parentheses, ``(12)`` = -12; and a percent
    sign, ``45 %`` = ``45%`` = **45**: a percentage is read as the number written (percentage
    points), never divided by 100, so that it compares with rates given ``scale: 100``.

    The spelling is decided for the whole column, not value by value: ``1.234.567``, ``1.234,5``,
    ``1,5`` or ``151708.0`` each show which mark is the decimal one, and one such value settles a
    column of ``142.522``. A column whose every separator could be either (each value like
    ``142.522`` or ``142,522``) is read as whole numbers with thousands separators when ``whole``
    says why the column holds whole numbers (a population, a count), with a
    :class:`~nexus_zones.errors.NumberFormatWarning`; otherwise it is an error asking for the
    config's ``decimal``/``thousands``. What was decided is logged (INFO) when it was not ambiguous.

    Parameters
    ----------
    decimal, thousands
        What the config states: ``decimal`` ``"."`` or ``","``; ``thousands`` ``"."``, ``","``,
        ``" "`` or ``"'"`` (the last two: dots and commas never separate thousands). They differ.
    whole
        Why the column holds whole numbers (for messages), or None.
    key, whole_key
        Config keys named in messages: the layer's ``decimal`` key (``thousands`` is its sibling),
        and the list to add a measure to when it holds whole numbers.
    grouping
        False for numbers that never have thousands separators (coordinates): a single dot or
        comma in a value is its decimal mark.

    Returns
    -------
    Series of floats with ``attrs['parenthesised']``: the index labels of values written in
    parentheses (negative), for the caller's messages.
    """
    text = values.astype(str).str.strip(GROUP_SPACES + "\t\r\n")
    # once per distinct cell, and not for a numeral (digits, marks, signs): it folds to no word
    lowered = text.map({v: v if _NUMERAL.fullmatch(v) else normalise_name(v) for v in pd.unique(text.to_numpy())})
    words_true = lowered.isin(TRUE_WORDS - {"1", ""})
    words_false = lowered.isin(FALSE_WORDS - {"0", ""})
    missing = (text == "") | lowered.isin(_NA_WORDS)
    infinite = lowered.isin({"inf", "infinity", "infini"})  # refused below, with the cells named
    numeric = ~(words_true | words_false | missing | infinite)
    core, negative, percent = _strip_marks(text[numeric])
    spelling = _choose_spelling(core, _spellings(decimal, thousands, grouping), path=path, column=column, whole=whole, key=key, whole_key=whole_key)
    number = spelling.read(core)
    out = pd.Series(np.nan, index=text.index, dtype=float)
    out[numeric] = number.where(~negative, -number)
    out = out.mask(words_true, 1.0).mask(words_false, 0.0).mask(infinite, np.inf)
    _report_unreadable(text, numeric & out.isna(), spelling, path=path, column=column, key=key)
    _refuse_words_among_numbers(text, words_true | words_false, out[numeric], path=path, column=column)
    _report_percent(text, out, percent, path=path, column=column)
    _report_beyond_range(text, out, path=path, column=column)
    out.attrs["parenthesised"] = list(core.index[text[numeric].str.contains("(", regex=False).to_numpy() & negative.to_numpy()])
    return out


def _choose_spelling(
    core: pd.Series, candidates: list[_Spelling], *, path: Path, column: str, whole: str | None, key: str, whole_key: str | None
) -> _Spelling:
    """The one spelling of the column: the config's, the only one every value fits, or (values all
    ambiguous) the whole-number reading when the column holds whole numbers; else an error."""
    fitting = [c for c in candidates if c.fits(core).all()]
    if len(fitting) != 2:  # one spelling fits (or none: the values that fit no spelling are reported)
        chosen = fitting[0] if fitting else max(candidates, key=lambda c: int(c.fits(core).sum()))
        _log_spelling(core, chosen, path=path, column=column)
        return chosen
    readings = [c.read(core) for c in candidates]
    differ = (readings[0] != readings[1]).to_numpy()
    if not differ.any():  # no dot or comma anywhere: both read the same
        _log_spelling(core, candidates[0], path=path, column=column)
        return candidates[0]
    examples = core[differ]
    integral = [c for c, r in zip(candidates, readings) if (r[differ] % 1 == 0).all()]
    if whole and len(integral) == 1:
        _warn_whole_reading(examples, integral[0], path=path, column=column, whole=whole, key=key)
        return integral[0]
    marks = sorted({ch for v in examples for ch in v if ch in ".,"}, reverse=True)
    names = " or ".join(_MARK_NAMES[m] for m in marks)
    shown = ", ".join(repr(v) for v in examples.head(3))
    raise InputDataError.one(
        str(path), f"column {column!r}",
        f"numbers such as {shown}, which could use {names} as a thousands separator or as a decimal mark (rows {_rows(examples.index)})",
        "an unambiguous decimal mark", _ambiguity_fix(marks, key, whole_key),
    )


def _ambiguity_fix(marks: list[str], key: str, whole_key: str | None) -> str:
    tkey = _sibling(key, "thousands")
    if marks == [","]:
        fix = f"set {key}: '.' (commas separate thousands) or ',' (comma is the decimal mark) for this layer"
    elif marks == ["."]:
        fix = f"set {key}: ',' (dots separate thousands) or '.' (dot is the decimal mark) for this layer"
    else:
        fix = f"write the column in one spelling, or set {key} ('.' or ',') for this layer"
    fix += f"; {tkey} ('.', ',', ' ' or \"'\") says the same from the other side"
    if whole_key:
        fix += f"; if the column holds whole numbers (a population, a count), list its measure under {whole_key}"
    return fix


def _sibling(key: str, name: str) -> str:
    """The config key ``name`` beside ``key`` (``layers.ch.decimal`` -> ``layers.ch.thousands``)."""
    head, _, _ = key.rpartition(".")
    return f"{head}.{name}" if head else name


def _warn_whole_reading(examples: pd.Series, spelling: _Spelling, *, path: Path, column: str, whole: str, key: str) -> None:
    sep = next(ch for ch in ".," if ch != spelling.decimal)
    read = spelling.read(examples.head(3))
    pairs = ", ".join(f"{v!r} as {r:.0f}" for v, r in zip(examples.head(3), read))
    warnings.warn(
        NumberFormatWarning(
            f"{Path(path).name}: column {column!r}: {len(examples)} numbers such as {', '.join(repr(v) for v in examples.head(3))} could use "
            f"{_MARK_NAMES[sep]} as a thousands separator or as a decimal mark; read as whole numbers with {_MARK_NAMES[sep]} separating thousands "
            f"({pairs}) because {whole}. If they are decimals, set {key}: '{sep}'; to state the reading and silence this warning, set "
            f"{_sibling(key, 'thousands')}: '{sep}'"
        ),
        stacklevel=4,
    )


def _log_spelling(core: pd.Series, spelling: _Spelling, *, path: Path, column: str) -> None:
    """One INFO line per decision that changes how a value reads: decimal commas, thousands separators."""
    name = Path(path).name
    if "," in spelling.decimal:
        commas = core[core.str.contains(",", regex=False) & spelling.fits(core)]
        if len(commas):
            logger.info("%s: column %r: %d values with a decimal comma read as decimals (e.g. %r)", name, column, len(commas), commas.iloc[0])
    if spelling.groups:
        grouped = core[core.str.contains(f"[{re.escape(spelling.groups)}]", regex=True) & spelling.fits(core)]
        if len(grouped):
            example = grouped.iloc[int(np.argmax(grouped.str.len().to_numpy()))]
            logger.info(
                "%s: column %r: %d values with thousands separators read as whole thousands (e.g. %r as %s; %s)",
                name, column, len(grouped), example, f"{spelling.read(pd.Series([example])).iloc[0]:.15g}", spelling.describe(),
            )


def _report_unreadable(text: pd.Series, bad: pd.Series, spelling: _Spelling, *, path: Path, column: str, key: str) -> None:
    if not bad.any():
        return
    examples = [f"row {i}: {v!r}" for i, v in text[bad].head(5).items()]
    raise InputDataError.one(
        str(path),
        f"column {column!r}",
        f"{int(bad.sum())} values that are not numbers or yes/no ({'; '.join(examples)})",
        f"numbers in one spelling for the whole column (here {spelling.describe()}), yes/no, oui/non, 1/0, or blank for missing",
        "a dash is no number: write 0 where it means none, or leave the cell blank where the value is unknown"
        if text[bad].str.strip().isin(["-", "–", "—", "--"]).all() else
        f"correct those cells, or set {key} / {_sibling(key, 'thousands')} if the column's spelling was misread",
    )


def _refuse_words_among_numbers(text: pd.Series, words: pd.Series, numbers: pd.Series, *, path: Path, column: str) -> None:
    """Yes/no words are 1/0 in a column of yes/no (or 1/0) values only: among counts or amounts
    (any number other than 0 and 1), an ``O``, ``x`` or ``oui`` is a letter typed for a digit or a
    tick, not a 1 or a 0 to count silently."""
    if not words.any() or numbers.dropna().isin([0.0, 1.0]).all():
        return
    others = numbers.dropna()
    others = others[~others.isin([0.0, 1.0])]
    raise InputDataError.one(
        str(path), f"column {column!r}",
        f"{int(words.sum())} yes/no words among numbers such as {others.iloc[0]:g} ({_cells(text, words.to_numpy())})",
        "numbers in every cell of a column of counts or amounts (yes/no words are read as 1/0 only in a column of yes/no or 1/0 values)",
        "type the number in those cells (a letter O typed for a zero? an x ticked for a count?), or leave them blank if the value is unknown",
    )


def _report_beyond_range(text: pd.Series, out: pd.Series, *, path: Path, column: str) -> None:
    """'inf', '1e999' or 1e300 is no count: values beyond ±:data:`MAX_ABS_VALUE` are refused."""
    infinite = ~(out.abs() <= MAX_ABS_VALUE).to_numpy() & out.notna().to_numpy()
    if infinite.any():
        raise InputDataError.one(
            str(path), f"column {column!r}", f"{int(infinite.sum())} values that are not finite or beyond ±{MAX_ABS_VALUE:g} ({_cells(text, infinite)})",
            f"finite numbers within ±{MAX_ABS_VALUE:g}, or blank (or NA) for missing",
            "correct those cells: 'inf', or a number too large to hold (such as 1e999), is no count; leave a cell blank if its value is unknown",
        )


def _report_percent(text: pd.Series, out: pd.Series, percent: pd.Series, *, path: Path, column: str) -> None:
    """Percent signs are read as percentages (45 % = 45); a share above 100 % is flagged."""
    if not percent.any():
        return
    rows = percent.index[percent.to_numpy()]
    logger.info("%s: column %r: %d values with a percent sign read as percentages (e.g. %r as %g, not %g)",
                Path(path).name, column, len(rows), text[rows[0]], out[rows[0]], out[rows[0]] / 100)
    above = out[rows][out[rows] > 100]
    if len(above):
        warnings.warn(
            ImplausibleValueWarning(
                f"{Path(path).name}: column {column!r}: shares above 100 % in rows {_rows(above.index)} (e.g. {above.iloc[0]:g} %); "
                "a share of a whole cannot exceed 100 %: check the cells, and the decimal mark"
            ),
            stacklevel=4,
        )


# ------------------------------------------------------------------------------------ readers


def read_boundaries(
    path: Path,
    *,
    layer: str | None = None,
    id_column: str | None = None,
    name_column: str | None = None,
    region_column: str | None = None,
    regions: Sequence[str] | None = None,
    crs: str | None = None,
    level: int | None = None,
    find_region: bool = False,
    keep: Mapping[str, str] | None = None,
) -> Boundaries:
    """Read the study units' polygons.

    Returns a :class:`Boundaries` whose ``units`` GeoDataFrame is in EPSG:4326, indexed by the
    string ``unit_id`` taken from ``id_column``, with ``name``, ``region`` and ``geometry``.
    Units outside ``regions`` (when given) are dropped; ``all_unit_ids`` keeps every id of the file
    so that tables naming units outside the study can be told from tables with wrong codes.
    ``crs`` (the config's ``study.boundaries.crs``) overrides the CRS the file declares.

    Where ``id_column`` or ``name_column`` is not given, they are recognised for ``level`` (default:
    the deepest level of the file) from the naming schemes of :func:`nexus_zones.schemas.boundary_columns`
    (COD-AB 2015, ITOS and 2025 names, geoBoundaries, GADM), and so is ``region_column`` with
    ``find_region``. ``meta`` records the scheme, the columns, ``validOn``/``valid_to`` and
    ``version``; P-codes that do not begin with their parent's give a :class:`PcodeNestingWarning`.
    ``keep`` (config key -> column) names columns of the file kept on the units, as text (such as an
    indicator's imputation ``group``); ``name`` and ``region`` are the units' own; a column not in
    the file is an error naming its key.
    """
    frame = _read_vector(path, layer)
    source = str(path) + (f" (layer {layer})" if layer else "")
    if frame.empty:
        raise InputDataError.one(source, "features", "no features", "at least one polygon", "check the file and the layer name")
    found = _recognised_columns(frame, source, level, need=id_column is None or name_column is None or find_region)
    id_column = id_column or found.id_column
    name_column = name_column or found.name_column
    if region_column is None and find_region and found is not None:
        region_column = found.region_column
    wanted = {"study.boundaries.id_column": id_column, "study.boundaries.name_column": name_column}
    if region_column:
        wanted["study.boundaries.region_column"] = region_column
    kept = {key: col for key, col in (keep or {}).items() if col not in UNIT_COLUMNS}
    problems = _missing_columns(path, frame, {**wanted, **kept})
    if problems:
        raise InputDataError(source, problems)
    frame = _with_crs(frame, path, source, crs=crs, key="study.boundaries.crs")
    crs_in = frame.crs.to_string()
    ids = _unit_ids(frame, id_column, source, name_column=name_column)
    if frame.crs.to_epsg() != 4326:
        frame = frame.to_crs(4326)
        logger.info("boundaries reprojected from %s to EPSG:4326", crs_in)
    units = strip_bidi_columns(_units(frame, ids, name_column, region_column, source), ("name", "region"), source=source)
    units = strip_bidi_columns(_with_kept_columns(units, frame, sorted(set(kept.values()))), kept.values(), source=source)
    _refuse_overlaps(units, source)
    all_units = units.sort_index()
    meta = _boundaries_meta(frame, path, layer, found, id_column=id_column, name_column=name_column, region_column=region_column, crs_in=crs_in)
    if found is not None and found.id_column == id_column:
        _check_nesting(frame, ids, found, source)
    if regions:
        units = _in_regions(units, regions, region_column, source)
    units = units.sort_index()
    logger.info(
        "boundaries: %d units read from %s%s%s%s", len(units), path.name,
        f" ({len(all_units)} in the file)" if len(units) != len(all_units) else "",
        f", {found.scheme} names at level {found.level}" if found is not None else "",
        f", validOn {', '.join(meta['validOn'])}" if meta["validOn"] else "",
    )
    return Boundaries(units=units, all_units=all_units, path=path, crs_in=crs_in, meta=meta)


#: The units' own columns: a ``keep`` column of this name is the units' (``group: region`` is the region).
UNIT_COLUMNS = ("name", "region", "geometry")


def _with_kept_columns(units: gpd.GeoDataFrame, frame: gpd.GeoDataFrame, columns: list[str]) -> gpd.GeoDataFrame:
    """The units with the file's ``columns`` as stripped text (an empty cell: missing), before the geometry."""
    if not columns:
        return units
    out = units.copy()
    at = list(out.columns).index(out.geometry.name)
    for offset, c in enumerate(columns):
        raw = pd.Series(frame[c].to_numpy(), index=units.index)
        text = raw.where(raw.isna(), raw.astype(str).str.strip())
        out.insert(at + offset, c, text.where(text != ""))
    return out


def _recognised_columns(frame: gpd.GeoDataFrame, source: str, level: int | None, *, need: bool) -> "schemas.BoundaryColumns | None":
    """The naming scheme of the file's columns (for ``level``); an error where none fits, or several,
    when columns are needed (else ``None`` then)."""
    try:
        found = schemas.boundary_columns([c for c in frame.columns if c != frame.geometry.name], level)
    except schemas.BoundaryColumnsError as exc:
        if not need:
            return None
        cols = [str(c) for c in frame.columns if c != frame.geometry.name]
        raise InputDataError.one(
            source, "study.boundaries" + (f".level {level}" if level is not None else ""), f"{exc} among the columns {', '.join(cols[:30])}",
            "the P-code and name columns of one admin level (admin2Pcod/admin2Name, ADM2_PCODE/ADM2_FR, adm2_pcode/adm2_name, "
            "shapeID/shapeName or GID_2/NAME_2)",
            "set study.boundaries.id_column and name_column (and region_column), or the right level",
        ) from None
    kinds = sorted(set(frame["shapeType"].astype(str))) if found.scheme == "geoBoundaries" and "shapeType" in frame.columns else []
    if level is not None and kinds and kinds != [f"ADM{level}"]:  # geoBoundaries names every level alike: its shapeType says which
        raise InputDataError.one(source, "study.boundaries.level", f"level {level}, but the file's shapeType is {', '.join(kinds)}",
                                 f"a geoBoundaries file of ADM{level}", f"download the ADM{level} file, or set level to match")
    return found


def _boundaries_meta(frame, path: Path, layer, found, *, id_column, name_column, region_column, crs_in) -> dict:
    """What run.json records of the boundaries: file, scheme, columns, validity dates and version."""
    def values(col: str | None) -> list[str]:
        if not col or col not in frame.columns:
            return []
        return sorted({str(v)[:10] for v in frame[col].dropna() if str(v).strip() not in ("", "NaT", "None", "nan")})

    on = (found.valid_on if found is not None else None) or ("validOn" if "validOn" in frame.columns else None)
    return {
        "file": path.name, "layer": layer, "features": int(len(frame)), "id_column": id_column, "name_column": name_column,
        "region_column": region_column, "scheme": found.scheme if found is not None else None, "level": found.level if found is not None else None,
        "validOn": values(on), "validTo": values(found.valid_to if found is not None else None),
        "version": values(found.version if found is not None else None), "crs": crs_in,
    }


def _check_nesting(frame: gpd.GeoDataFrame, ids: pd.Series, found, source: str) -> None:
    """A :class:`PcodeNestingWarning` where units' P-codes do not begin with their parent's."""
    if found is None or not found.parent_code_column or found.id_column not in frame.columns:
        return
    parents = _id_strings(frame[found.parent_code_column]).astype(str).str.strip()
    breaks = schemas.nesting_breaks(list(ids.str.upper()), list(parents.str.upper()))  # case is no nesting: ml0601 is under ML06
    if breaks:
        shown = ", ".join(f"{c} under {p}" for c, p in breaks[:8]) + (f" and {len(breaks) - 8} more" if len(breaks) > 8 else "")
        warnings.warn(PcodeNestingWarning(
            f"{source}: column {found.id_column!r}: {len(breaks)} of {len(ids)} P-codes do not begin with their parent's code "
            f"(column {found.parent_code_column!r}): {shown}. Codes of another vintage or a typo: tables keyed by these codes may "
            "match the wrong unit; check the file's version, or match tables by name (name_column)"), stacklevel=3)


def _unit_ids(frame: gpd.GeoDataFrame, id_column: str, source: str, *, name_column: str | None = None) -> pd.Series:
    """The units' ids as stripped text; blank or repeated ids, features without geometry and
    geometries other than polygons are problems, raised together."""
    ids = _id_strings(frame[id_column])
    problems = []
    blank = ids.isna() | (ids.astype(str).str.strip() == "")
    if blank.any():
        problems.append(_blank_id_problem(frame, blank.to_numpy(), id_column))
    ids = ids.astype(str).str.strip()
    dup = ids[~blank & ids.duplicated(keep=False)]
    if len(dup):
        problems.append(_duplicate_id_problem(frame, ids, dup, id_column, name_column))
    geom = frame.geometry
    empty = geom.isna() | geom.is_empty
    if empty.any():
        problems.append(Problem("geometry", f"{int(empty.sum())} features without geometry ({_rows(ids[empty])})", "a polygon per unit", "remove them or restore their geometry"))
    types = set(geom[~empty].geom_type)
    if types - {"Polygon", "MultiPolygon"}:
        problems.append(Problem("geometry", f"geometry types {sorted(types)}", "Polygon or MultiPolygon", "use the admin boundary polygons, not points or lines"))
    if problems:
        raise InputDataError(source, problems)
    return ids


def _blank_id_problem(frame: gpd.GeoDataFrame, blank: np.ndarray, id_column: str) -> Problem:
    """Features without an id: an outline of a higher level (it covers other features) is named as such."""
    rows = np.flatnonzero(blank) + 1
    geom = frame.geometry
    points = geom[~blank & geom.notna().to_numpy()].representative_point()
    covering = {int(r): int(points.within(g).sum()) for r, g in zip(rows, geom[blank]) if g is not None and not g.is_empty}
    outlines = {r: n for r, n in covering.items() if n >= 2}
    if outlines:
        shown = ", ".join(f"row {r} covers {n} other features" for r, n in list(outlines.items())[:5])
        return Problem(f"column {id_column!r}", f"{int(blank.sum())} features without an id ({shown}: the outline of a region or of the country in the file of units?)",
                       "one feature per unit of one level, each with its P-code", "remove those outline features from the file (filling a code would count their area twice)")
    return Problem(f"column {id_column!r}", f"{int(blank.sum())} features without an id (rows {_rows(rows)})", "a P-code on every feature", "fill the codes")


def _duplicate_id_problem(frame: gpd.GeoDataFrame, ids: pd.Series, dup: pd.Series, id_column: str, name_column: str | None) -> Problem:
    """Repeated ids: parts of one unit (same name: dissolve them) or different units sharing a code (correct one)."""
    names = frame[name_column].astype(str).str.strip() if name_column and name_column in frame.columns else None
    if names is None:
        return Problem(f"column {id_column!r}", f"duplicate ids {_rows(sorted(set(dup)))}", "one feature per unit id", "dissolve the duplicates or pick the right id column")
    groups = {code: list(dict.fromkeys(names[(ids == code).to_numpy()])) for code in sorted(set(dup))}
    different = {c: n for c, n in groups.items() if len({normalise_name(x) for x in n}) > 1}
    if different:
        shown = "; ".join(f"{c}: {', '.join(repr(x) for x in n)}" for c, n in list(different.items())[:5])
        return Problem(f"column {id_column!r}", f"different units sharing an id ({shown})", "one id per unit",
                       "correct the id of one of them (from the boundary file's source); dissolving would merge two different units into one")
    return Problem(f"column {id_column!r}", f"duplicate ids {_rows(sorted(set(dup)))}, each on several features of one name (parts of one unit)",
                   "one feature per unit id", f"dissolve the parts on {id_column!r} (QGIS: Vector > Geoprocessing > Dissolve), or pick the right id column")


def _units(frame: gpd.GeoDataFrame, ids: pd.Series, name_column: str, region_column: str | None, source: str) -> gpd.GeoDataFrame:
    """The units (EPSG:4326) indexed by ``unit_id`` with ``name`` and ``region``, invalid polygons
    repaired (checked once in EPSG:4326, so that a polygon made invalid by the reprojection is caught too)."""
    labels = [f"{i} ({n})" for i, n in zip(ids, frame[name_column].astype(str).str.strip())]
    repaired = geometry.repair(frame.geometry.to_numpy(), labels, source=source, cause="are invalid in the file")
    return gpd.GeoDataFrame(
        {
            "name": frame[name_column].astype(str).str.strip().to_numpy(),
            "region": (frame[region_column].astype(str).str.strip().to_numpy() if region_column else np.full(len(frame), "")),
        },
        geometry=repaired,
        index=pd.Index(ids.to_numpy(), name="unit_id", dtype=object),
        crs="EPSG:4326",
    )


#: Units overlapping by more than this share of the smaller one's area are refused (slivers of a
#: digitisation are not: they hold no point in practice and no area worth counting).
OVERLAP_SHARE = 0.01


def _refuse_overlaps(units: gpd.GeoDataFrame, source: str) -> None:
    """Units that overlap (beyond slivers) are an error naming the pairs: a point or an area in both
    would be counted in both, silently."""
    if len(units) < 2:
        return
    geoms = units.geometry.to_crs("EPSG:6933").to_numpy()
    left, right = shapely.STRtree(geoms).query(geoms, predicate="intersects")
    pairs = [(a, b) for a, b in zip(left, right) if a < b]
    if not pairs:
        return
    a, b = np.array(pairs).T
    shared = shapely.area(shapely.intersection(geoms[a], geoms[b]))
    smaller = np.minimum(shapely.area(geoms[a]), shapely.area(geoms[b]))
    big = shared > OVERLAP_SHARE * smaller
    if not big.any():
        return
    ids, names = units.index.to_numpy(), units["name"].to_numpy()
    shown = "; ".join(f"{ids[i]} ({names[i]}) and {ids[j]} ({names[j]}): {100 * s / m:.0f} % of the smaller"
                      for i, j, s, m in zip(a[big][:5], b[big][:5], shared[big][:5], smaller[big][:5]))
    raise InputDataError.one(source, "geometry", f"{int(big.sum())} pairs of units that overlap ({shown}{' ...' if big.sum() > 5 else ''})",
                             "units that cover the country without overlapping (each place in one unit), as an admin boundary file does",
                             "use the official boundaries (COD-AB) of one level, or correct the polygons (QGIS: Topology Checker); points and areas "
                             "in an overlap would be counted in both units")


def _in_regions(units: gpd.GeoDataFrame, regions: Sequence[str], region_column: str | None, source: str) -> gpd.GeoDataFrame:
    """The units of ``regions`` (names folded); an unknown region is an error listing the known ones."""
    known = sorted(set(units["region"]))
    folded = {normalise_name(r): r for r in known}
    unknown = [r for r in regions if normalise_name(r) not in folded]
    if unknown:
        raise InputDataError(
            source,
            [Problem("study.regions", f"region {r!r}{did_you_mean(r, known)}", f"a value of column {region_column!r}: {', '.join(known)}", "correct the region name in the config") for r in unknown],
        )
    keep = {folded[normalise_name(r)] for r in regions}
    return units[units["region"].isin(keep)]


#: Id column recognised without configuration: ACLED's event id.
DEFAULT_ID_COLUMNS = ("event_id_cnty",)


def _comparable(frame: pd.DataFrame) -> pd.DataFrame:
    """Every cell as stripped text (geometries as WKB), so that rows can be compared whole."""
    cells = pd.DataFrame(index=frame.index)
    for col in frame.columns:
        values = frame[col]
        if isinstance(values, gpd.GeoSeries):
            cells[col] = values.map(lambda g: None if g is None else g.wkb_hex)
        else:
            cells[col] = values.astype(str).str.strip()
    return cells


def _newest(stamps: pd.Series) -> pd.Series:
    """Timestamps as comparable numbers: Unix seconds (ACLED) or ISO dates; NaN where neither."""
    text = stamps.astype(str).str.strip()
    number = pd.to_numeric(text, errors="coerce")
    dates = pd.to_datetime(text.where(number.isna()), format="ISO8601", errors="coerce", utc=True)
    seconds = (dates - pd.Timestamp("1970-01-01", tz="UTC")).dt.total_seconds()
    return number.fillna(seconds)


#: Unix times beyond this many seconds (the year 5138) are milliseconds, not seconds.
MAX_UNIX_SECONDS = 1e11


def readable_times(stamps: pd.Series, path: Path, column: str) -> pd.Series:
    """:func:`_newest` of cells that must all be read: blank cells are NaN (time unknown); a cell that is
    neither Unix seconds nor an ISO date (``15/04/2022``), or Unix milliseconds, is an error naming it."""
    when = _newest(stamps)
    text = stamps.astype(str).str.strip()
    problems = []
    bad = (when.isna() & (text != "") & (text.str.lower() != "nan")).to_numpy()
    if bad.any():
        problems.append(Problem(f"column {column!r}", f"{int(bad.sum())} cells that are no readable time ({_cells(text, bad)})",
                                "Unix seconds (ACLED: 1650010000) or an ISO date (2022-04-15, 2022-04-15T10:00:00)",
                                "write those times as ISO dates (year first) or Unix seconds, or leave a cell blank where the time is unknown"))
    millis = (when > MAX_UNIX_SECONDS).to_numpy()
    if millis.any():
        problems.append(Problem(f"column {column!r}", f"{int(millis.sum())} Unix times in milliseconds ({_cells(text, millis)})", "Unix seconds (10 digits in our era)",
                                "divide those times by 1000 (keep their first 10 digits)"))
    if problems:
        raise InputDataError(str(path), problems)
    return when


def read_deleted_records(path: Path, *, key: str) -> pd.Series:
    """A list of deleted records, as ACLED publishes its deleted events (``event_id_cnty``,
    ``deleted_timestamp``): the time of each deletion (Unix seconds or ISO; NaN where the list gives
    none) by record id; an id listed twice keeps its latest deletion. ``key`` is the config key
    naming the list, for messages."""
    table = _read_csv(path)
    if _missing_columns(path, table, {key: "event_id_cnty"}):
        cols = [str(c) for c in table.columns]
        raise InputDataError.one(
            str(path), f"column 'event_id_cnty' (config key {key})", f"no such column{did_you_mean('event_id_cnty', cols)}; the list has: {', '.join(cols[:25])}",
            "a list of deleted records whose id column is headed event_id_cnty (ACLED's name), deleted_timestamp optional",
            f"head the list's id column event_id_cnty, or set {key} to such a list")
    ids = table["event_id_cnty"].astype(str).str.strip()
    when = readable_times(table["deleted_timestamp"], path, "deleted_timestamp") if "deleted_timestamp" in table.columns else pd.Series(np.nan, index=table.index)
    listed = pd.Series(when.to_numpy(), index=ids.to_numpy())
    return listed[listed.index != ""].groupby(level=0).max()


def deleted_rows(ids: pd.Series, stamps: pd.Series | None, deleted: pd.Series, *, path: Path | None = None, column: str = "", key: str = "") -> np.ndarray:
    """Rows whose record id is in ``deleted`` (:func:`read_deleted_records`), unless the row is
    stamped after the deletion (the record was published again). An id listed in another case
    (``mli3`` for ``MLI3``) is matched, with a :class:`~nexus_zones.errors.SpellingVariantWarning`
    naming ``path``'s ``column`` and the list's config ``key``."""
    ids, listed = _listed_ids(_id_strings(ids).astype(str).str.strip(), deleted, path=path, column=column, key=key)
    if stamps is None or not listed.any():
        return listed
    when = pd.Series(np.nan, index=stamps.index)
    when.loc[stamps.index[listed]] = readable_times(stamps[listed], path or Path("?"), column=f"{stamps.name}").to_numpy()  # listed rows must be dated
    later = (when.to_numpy() > ids.map(deleted).to_numpy(dtype=float))
    return listed & ~later


def _listed_ids(ids: pd.Series, deleted: pd.Series, *, path: Path | None, column: str, key: str) -> tuple[pd.Series, np.ndarray]:
    """Which ``ids`` the list holds, case and spaces aside (:func:`id_key`); those listed only in
    another spelling are spelled as the list does, and said."""
    listed_ids = pd.Series(deleted.index.astype(str))
    spelled = pd.Series(listed_ids.to_numpy(), index=id_key(listed_ids).to_numpy())
    found = id_key(ids).map(spelled[~spelled.index.duplicated()])
    listed = found.notna().to_numpy()
    other = listed & (found != ids).to_numpy()
    other[other] = ~ids[other].isin(deleted.index).to_numpy()  # not listed as written either
    if not other.any():
        return ids, listed
    pairs = list(dict.fromkeys(zip(ids[other], found[other])))
    warnings.warn(SpellingVariantWarning(
        f"{path}: column {column!r}: {int(other.sum())} record ids differ from ids of the list of deleted records ({key}) only by case (or spaces) and "
        f"were matched to them ({', '.join(f'{a!r} as {b!r}' for a, b in pairs[:5])}). Fix: nothing if that is right; otherwise correct the ids "
        "of the file or of the list"), stacklevel=4)
    return ids.where(~other, found), listed


def drop_repeated_records(frame: pd.DataFrame, path: Path, *, id_column: str | None, timestamp_column: str | None, key: str) -> pd.DataFrame:
    """Keep one row per record id: an appended re-download or two concatenated exports repeat rows.

    A row identical to an earlier one in every column is dropped. Rows that share an id but differ are
    versions of one record: the one with the newest ``timestamp_column`` value is kept where that
    column exists and one version is strictly newest (ACLED revises events and stamps each revision);
    otherwise they are an error naming the id, the rows and the columns that differ. What was dropped
    is reported in a :class:`~nexus_zones.errors.DuplicateRecordWarning`. Without ``id_column`` the
    first of :data:`DEFAULT_ID_COLUMNS` the file has is used; a file with none is returned as it is.
    """
    col = resolve_column(frame, id_column) if id_column else next((c for c in DEFAULT_ID_COLUMNS if c in frame.columns), None)
    if col is None:
        return frame
    ids = one_spelling_of_ids(frame[col].astype(str).str.strip(), path=path, column=col)
    stamp_col = resolve_column(frame, timestamp_column) if timestamp_column else None
    repeated = ((ids != "") & ids.duplicated(keep=False)).to_numpy()
    if not repeated.any():
        warn_same_content(_comparable(frame), ids, path=path, id_col=col, stamp_col=stamp_col)
        return frame
    cells = _comparable(frame).assign(**{col: ids})
    copies = repeated & cells.duplicated(keep="first").to_numpy()
    versions = ids[repeated & ~copies]
    revised = versions[versions.duplicated(keep=False)]
    older, notes, problems = _older_versions(cells, ids, revised, stamp_col, path=path, id_col=col, key=key)
    if problems:
        raise InputDataError(str(path), problems)
    drop = list(frame.index[copies]) + older
    _warn_repeated(frame, ids, copies, notes, path=path, id_col=col, stamp_col=stamp_col, dropped=len(drop))
    out = frame.drop(index=drop)
    out.attrs = frame.attrs
    warn_same_content(cells.drop(index=drop), ids.drop(index=drop), path=path, id_col=col, stamp_col=stamp_col)
    return out


def id_key(ids: pd.Series) -> pd.Series:
    """Record ids as compared: without case or spaces (``mli 123`` = ``MLI123``)."""
    import pyarrow.compute as pc

    cells = _arrow_text(ids)
    if cells is not None and pc.all(pc.string_is_ascii(cells)).as_py() is not False:  # by pyarrow: the same for ASCII text
        keyed = pc.utf8_upper(pc.replace_substring_regex(cells, r"[\t-\r\x1c-\x1f ]+", ""))
        return pd.Series(pd.arrays.ArrowStringArray(keyed, dtype=ids.dtype), index=ids.index, name=ids.name)
    return ids.astype(str).str.replace(r"\s+", "", regex=True).str.upper()


def _all_distinct(values: pd.Series) -> bool:
    import pyarrow.compute as pc

    cells = _arrow_text(values)
    return len(pc.unique(cells)) == len(cells) if cells is not None else not values.duplicated().any()


def one_spelling_of_ids(ids: pd.Series, *, path: Path, column: str) -> pd.Series:
    """Ids spelled several ways (case, spaces) read as their first spelling, the merges named in one
    :class:`~nexus_zones.errors.SpellingVariantWarning`."""
    keys = id_key(ids)
    if _all_distinct(keys):  # every id alone in its spelling: nothing to merge
        return ids
    first = ids.groupby(keys.to_numpy(), sort=False).transform("first")
    other = (first != ids) & (ids != "")
    if not other.any():
        return ids
    pairs = list(dict.fromkeys(zip(ids[other], first[other])))
    warnings.warn(SpellingVariantWarning(
        f"{path}: column {column!r}: {int(other.sum())} record ids differ from an earlier id only by case or spaces and were read as it, so that "
        f"each record is counted once ({', '.join(f'{a!r} as {b!r}' for a, b in pairs[:5])}{' ...' if len(pairs) > 5 else ''}). "
        "Fix: nothing if that is right; otherwise give those records ids that differ by more than case or spaces"), stacklevel=4)
    return first


def warn_same_content(cells: pd.DataFrame, ids: pd.Series, *, path: Path, id_col: str, stamp_col: str | None) -> None:
    """A :class:`~nexus_zones.errors.DuplicateRecordWarning` naming rows equal to an earlier row in every
    column but the id (and the timestamp): the same record exported again under a new id? They are
    counted, as different records may coincide; the warning says which."""
    others = [c for c in cells.columns if c not in (id_col, stamp_col)]
    if len(others) < 2 or not len(cells):
        return
    maybe = repeated_rows([(a, True) for c in others if (a := _arrow_text(cells[c])) is not None], len(cells), lambda values, _: np.arange(len(values)))
    if not maybe.any():
        return
    cells, ids = cells[maybe], ids[maybe]  # the only rows that can repeat one another
    same = cells.duplicated(subset=others, keep="first").to_numpy() & (ids != "").to_numpy()
    if not same.any():
        return
    first = cells[~cells.duplicated(subset=others, keep="first")]
    origin = {tuple(r): (i, rid) for i, rid, r in zip(first.index, ids[first.index], first[others].itertuples(index=False))}
    pairs = [f"{rid!r} (row {i}) = {origin[tuple(r)][1]!r} (row {origin[tuple(r)][0]})"
             for i, rid, r in zip(cells.index[same], ids[same], cells[same][others].itertuples(index=False))]
    warnings.warn(DuplicateRecordWarning(
        f"{path}: {len(pairs)} rows repeat an earlier row in every column but {id_col!r}"
        f"{f' and {stamp_col!r}' if stamp_col in cells.columns else ''} under another id ({'; '.join(pairs[:5])}{' ...' if len(pairs) > 5 else ''}); "
        "they were counted as different records. Fix: if they are the same records exported again under new ids, remove the copies "
        "(or list the old ids in the layer's deleted: list); if they are different records, nothing"), stacklevel=4)


def _older_versions(cells, ids, revised, stamp_col, *, path, id_col, key) -> tuple[list, list[str], list[Problem]]:
    """For each id with differing versions: the rows to drop (all but the newest), notes, or problems."""
    older: list = []
    notes: list[str] = []
    problems: list[Problem] = []
    stamps = _newest(cells[stamp_col]) if stamp_col else None
    for rid, rows in revised.groupby(revised, sort=False).groups.items():
        group = cells.loc[rows]
        differ = [c for c in group.columns if group[c].nunique() > 1]
        where = f"column {id_col!r}, id {rid!r} in rows {', '.join(str(r) for r in rows)}"
        if stamps is not None:
            times = stamps.loc[rows]
            if times.notna().all() and (times == times.max()).sum() == 1:
                newest = times.idxmax()
                older.extend(r for r in rows if r != newest)
                notes.append(f"{rid} (rows {', '.join(str(r) for r in rows)}; {', '.join(differ)} differ; kept row {newest})")
                continue
        shown = "; ".join(f"{c}: {' / '.join(repr(v) for v in group[c])}" for c in [c for c in differ if c != stamp_col][:3] or differ[:3])
        problems.append(Problem(
            where, f"{len(rows)} rows for one record that differ in columns {', '.join(differ)} ({shown})",
            "each record once, or versions told apart by a newer " + (f"{stamp_col!r}" if stamp_col else "'timestamp' column"),
            "keep one version of each record: a new export replaces the old one rather than being appended to it "
            "(ACLED's timestamp column tells the newest version); or, if these are different records, give them different ids"
            + (f" or name the right column in {key}.id_column" if key else ""),
        ))
    if len(problems) > 10:
        problems = problems[:10] + [Problem(f"column {id_col!r}", f"{len(problems) - 10} more ids with differing rows", "each record once", "as above")]
    return older, notes, problems


def _warn_repeated(frame, ids, copies, notes, *, path, id_col, stamp_col, dropped) -> None:
    parts = []
    if copies.any():
        copied = ids[copies]
        first = {rid: ids.index[(ids == rid).to_numpy()][0] for rid in copied.head(5)}
        examples = ", ".join(f"{rid} (row {r} = row {first[rid]})" for r, rid in copied.head(5).items())
        parts.append(f"{int(copies.sum())} rows repeat an earlier row exactly, e.g. {examples}{' ...' if copies.sum() > 5 else ''}")
    if notes:
        parts.append(f"{len(notes)} records came in several versions; the newest by {stamp_col!r} was kept: {'; '.join(notes[:5])}{' ...' if len(notes) > 5 else ''}")
    warnings.warn(
        DuplicateRecordWarning(
            f"{path}: column {id_col!r}: {dropped} of {len(frame)} rows repeat a record id and were dropped, so each record is counted once: {'; '.join(parts)}"
        ),
        stacklevel=3,
    )


def drop_exact_copies(table: pd.DataFrame, path: Path, *, effect: str, keys: Sequence[str | None] = ()) -> pd.DataFrame:
    """Drop rows identical in every column to an earlier row, with a :class:`~nexus_zones.errors.DuplicateRecordWarning`
    naming them; ``effect`` says what keeping them would have done. Rows are compared as values
    (:func:`~nexus_zones.fold.comparable_cells`: ``4523`` = ``4523.0``, ``31/12/2017`` = ``2017-12-31``),
    the ``keys`` columns (unit codes and names) as text."""
    key_columns = [resolve_column(table, k) for k in keys if k]
    maybe = _maybe_copies(table, key_columns)
    if not maybe.any():
        return table
    cells = fold.comparable_cells(table[maybe], keys=key_columns)  # each row as values, where a copy may be
    copies = np.zeros(len(table), dtype=bool)
    copies[maybe] = cells.duplicated(keep="first").to_numpy()
    if not copies.any():
        return table
    first = cells.drop_duplicates(keep="first")
    origin = {tuple(row): i for i, row in zip(first.index, first.itertuples(index=False))}
    found = copies[maybe]
    pairs = [f"row {i} = row {origin[tuple(row)]}" for i, row in zip(cells.index[found], cells[found].itertuples(index=False))]
    warnings.warn(
        DuplicateRecordWarning(
            f"{path}: {len(pairs)} rows are exact copies of an earlier row and were dropped ({_rows(pairs)}); {effect}"
        ),
        stacklevel=3,
    )
    out = table[~copies]
    out.attrs = table.attrs
    return out


def _maybe_copies(table: pd.DataFrame, key_columns: Sequence[str | None] = ()) -> np.ndarray:
    """Rows that may be equal to another row as :func:`~nexus_zones.fold.comparable_cells` compares
    them; the others cannot be. Each column is read coarsely (:func:`_coarse_keys`), so that two
    cells equal as values always read the same (two cells that read the same may still differ);
    rows repeated in the coarse reading are the only candidates, checked by ``comparable_cells`` itself."""
    columns = {col: _arrow_text(table[col]) for col in table.columns}
    arrays = [(a, col in key_columns) for col, a in columns.items() if a is not None]
    return repeated_rows(arrays, len(table), lambda values, text: _coarse_keys(values, text=text))


def _arrow_text(values: pd.Series):
    """A text column as a pyarrow array (no copy for pandas' pyarrow-backed text), or ``None`` for
    other columns (geometries, numbers of a vector file), which :func:`repeated_rows` leaves out."""
    import pyarrow as pa

    if isinstance(values, gpd.GeoSeries):
        return None
    if isinstance(values.array, pd.arrays.ArrowStringArray):
        array = values.array.__arrow_array__()
        array = array if isinstance(array, pa.ChunkedArray) else pa.chunked_array([array])
        return array if not array.null_count else None
    if values.dtype == object and all(isinstance(v, str) for v in values.to_numpy()):
        return pa.chunked_array([pa.array(values.to_numpy(), type=pa.large_string())])
    return None


def repeated_rows(arrays: list, n: int, keys) -> np.ndarray:
    """Rows whose cells read the same as another row's in every column of ``arrays`` (pairs of a
    pyarrow text array and a flag passed to ``keys``). ``keys(distinct values, flag)`` gives one
    integer per distinct value (equal integers: values that read the same), or ``None`` to leave the
    column out. Columns with the most distinct values come first and each narrows the candidates,
    so that a column of ids settles most files at once; later columns are read only on the rows
    still in question."""
    if not n:
        return np.zeros(0, dtype=bool)
    import pyarrow.compute as pc

    sample = min(n, 20_000)  # the most distinct values first, judged on the first rows
    arrays = sorted(arrays, key=lambda a: -pc.count_distinct(a[0].slice(0, sample)).as_py())
    rows = np.arange(n)
    group = np.zeros(n, dtype=np.int64)
    for array, flag in arrays:
        if len(rows) < n:
            array = array.take(rows)
        enc = array.combine_chunks().dictionary_encode() if hasattr(array, "combine_chunks") else array.dictionary_encode()
        values, inverse = enc.dictionary, enc.indices.to_numpy(zero_copy_only=False)
        read = keys(values, flag)
        if read is None:
            continue
        read = np.asarray(read, dtype=np.int64)
        group = pd.factorize(group * (int(read.max(initial=0)) + 1) + read[inverse])[0].astype(np.int64)
        again = pd.Series(group).duplicated(keep=False).to_numpy()
        rows, group = rows[again], group[again]
        if not len(rows):
            break
    out = np.zeros(n, dtype=bool)
    out[rows] = True
    return out


#: White space at the edges of a cell: every character Python's ``str.strip`` or pyarrow's trim
#: (pandas' ``str.strip`` of pyarrow-backed text) removes, for RE2.
_ARROW_EDGE_RUN = r"^[\t-\r\x1c-\x1f\x{85}\p{Z}]+|[\t-\r\x1c-\x1f\x{85}\p{Z}]+$"
_PLAIN_NUMBER = r"^[-+]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][-+]?[0-9]+)?$"
#: What :func:`~nexus_zones.fold._dates` tries as a date (Python's ``\d{1,4}[-/\s]``: any digit, any space).
_DATE_START = r"^\p{Nd}{1,4}[-/\t-\r\x1c-\x1f\x{85}\p{Z}]"


def _stripped(values):
    import pyarrow.compute as pc

    return pc.replace_substring_regex(values, _ARROW_EDGE_RUN, "")


def _coarse_keys(values, *, text: bool) -> np.ndarray | None:
    """One integer per distinct cell for :func:`_maybe_copies` (``None``: the column is left out):
    text as written (always, for the ``text`` columns), plain numbers by value, ISO dates as written
    unless the column writes dates otherwise too (then every date reads the same)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    cells = _stripped(values)  # values are distinct: unless stripping made some equal, each is its own text
    same = pc.all(pc.equal(cells, values)).as_py() is not False
    as_text = np.arange(len(values), dtype=np.int64) if same else cells.dictionary_encode().indices.to_numpy(zero_copy_only=False).astype(np.int64)
    if text:
        return as_text
    # a cell whose first character is no digit, sign, dot, e or i is text to comparable_cells
    first = pc.utf8_slice_codeunits(cells, 0, 1)
    maybe = pc.or_(pc.is_in(first, value_set=pa.array(list("+-.0123456789eEiI"))), pc.match_substring_regex(first, r"^\p{Nd}"))
    if not pc.any(maybe).as_py():
        return as_text
    if not pc.all(maybe).as_py():
        read = _coarse_keys(values.filter(maybe), text=False)
        if read is None:
            return None
        out = as_text + 1 + int(read.max(initial=0))
        out[maybe.to_numpy(zero_copy_only=False)] = read
        return out
    number = pc.and_(pc.match_substring_regex(cells, _PLAIN_NUMBER), pc.less_equal(pc.count_substring_regex(cells, "[0-9]"), 15))
    infinite = pc.match_substring_regex(cells, r"^[-+]?(inf|infinity)$", ignore_case=True)
    dated = pc.and_(pc.match_substring_regex(cells, _DATE_START), pc.invert(number))
    numeric = pc.or_(number, infinite)
    # cells of number characters only that are no plain number ("1.2.3", "1e"): a spelling to_numeric
    # might read; no reading of the column is then safe. Any other cell is text to comparable_cells.
    odd = pc.and_(pc.invert(pc.or_(numeric, dated)), pc.match_substring_regex(cells, r"^[-+.0-9eE]*$"))
    if pc.any(odd).as_py():
        return None
    try:
        value = pc.filter(cells, numeric).cast(pa.float64()).to_numpy()
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return None
    out = as_text + 2  # 0 and 1: classes below
    is_number = numeric.to_numpy(zero_copy_only=False)
    out[is_number] = -2 - pd.factorize(value)[0]
    dates = dated.to_numpy(zero_copy_only=False)
    iso = pc.match_substring_regex(cells, r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$").to_numpy(zero_copy_only=False)
    if (dates & ~iso).any():  # 31/12/2017 = 2017-12-31: every date in one class
        out[dates] = 0
    return out - out.min()


def _negative_problem(values: pd.Series, text: pd.Series, column: str, expected: str) -> Problem | None:
    """A problem naming the rows and cells of negative values, or ``None``; accounting parentheses,
    ``(12)`` = -12, are said."""
    negative = (values < 0).to_numpy()
    if not negative.any():
        return None
    parens = [r for r in values.index[negative] if r in set(values.attrs.get("parenthesised", ()))]
    said = f"; {_rows(parens)} written in parentheses, which mean a negative number: (12) = -12" if parens else ""
    return Problem(f"column {column!r}", f"{int(negative.sum())} negative values ({_cells(text, negative)}{said})", expected,
                   "correct those cells (a count cannot be below 0), or leave a cell blank if the value is unknown")


def _csv_points(table: pd.DataFrame, path: Path, latitude: str, longitude: str, *, where: str, crs: str | None, reference: gpd.GeoDataFrame | None,
                keep_unlocated: bool = False) -> gpd.GeoDataFrame:
    """Points from a CSV's coordinate columns, in EPSG:4326 (from ``crs`` where given); rows without
    coordinates are reported and left out (with ``keep_unlocated``: kept, without a geometry, to be
    counted by the unit they name); coordinates that cannot be degrees are an error."""
    lat = _coordinate(table[latitude], path, latitude)
    lon = _coordinate(table[longitude], path, longitude)
    missing = lat.isna() | lon.isna()
    if keep_unlocated:
        return _points_kept_unlocated(table, path, lat, lon, missing, (latitude, longitude), where=where, crs=crs, reference=reference)
    if missing.all() and len(table):
        raise InputDataError.one(str(path), f"columns {latitude!r}/{longitude!r}", "no row with coordinates", "decimal degrees in every row")
    if crs is None or pyproj.CRS.from_user_input(crs).is_geographic:
        _check_degrees(table, lat, lon, path, latitude, longitude, where=where, reference=reference)
        refuse_swapped_rows(lat.to_numpy(dtype=float), lon.to_numpy(dtype=float), table.index, path, latitude, longitude, where=where, reference=reference)
    if missing.any():
        warnings.warn(EventsOutsideWarning(f"{path}: {int(missing.sum())} rows without coordinates were not counted (rows {_rows(table.index[missing.to_numpy()])})"), stacklevel=3)
    attrs = table.attrs
    table = table[~missing]
    frame = gpd.GeoDataFrame(table, geometry=gpd.points_from_xy(lon[~missing], lat[~missing]), crs=crs or "EPSG:4326")
    if crs is not None:
        _refuse_degrees_as_metres(frame, str(path), key=f"{where}.crs", given=True, reference=reference)
        logger.info("%s: x/y read from columns %r/%r in %s (%s.crs) and reprojected to EPSG:4326", path.name, longitude, latitude, crs, where)
        frame = frame.to_crs(4326)
    frame.attrs = attrs
    return frame


def _points_kept_unlocated(table: pd.DataFrame, path: Path, lat: pd.Series, lon: pd.Series, missing: pd.Series, columns: tuple[str, str], *, where: str,
                           crs: str | None, reference: gpd.GeoDataFrame | None) -> gpd.GeoDataFrame:
    """Every row, those without coordinates with no geometry (the points layer counts them by the
    unit its ``admin_column`` names, and reports them)."""
    located = ~missing.to_numpy()
    if (crs is None or pyproj.CRS.from_user_input(crs).is_geographic) and located.any():
        _check_degrees(table[located], lat[located], lon[located], path, *columns, where=where, reference=reference)
        refuse_swapped_rows(lat[located].to_numpy(dtype=float), lon[located].to_numpy(dtype=float), table.index[located], path, *columns,
                            where=where, reference=reference)
    if missing.any():
        logger.info("%s: %d rows without coordinates, kept to be counted by the unit %s.admin_column names", path.name, int(missing.sum()), where)
    geometry = np.array([None] * len(table), dtype=object)
    geometry[located] = gpd.points_from_xy(lon[located], lat[located])
    frame = gpd.GeoDataFrame(table, geometry=geometry, crs=crs or "EPSG:4326")
    if crs is not None:
        _refuse_degrees_as_metres(frame[located], str(path), key=f"{where}.crs", given=True, reference=reference)
        frame = frame.to_crs(4326)
    frame.attrs = table.attrs
    return frame


def refuse_swapped_rows(lat: np.ndarray, lon: np.ndarray, lines: Sequence, path: Path, latitude: str, longitude: str, *, where: str,
                        reference: gpd.GeoDataFrame | None) -> None:
    """Rows outside every unit as given but inside one with latitude and longitude swapped are an
    error naming them: they would be counted nowhere (or in the wrong place), silently."""
    if reference is None or not len(lat):
        return
    swapped = geometry.inside_mask(reference, lat, lon)  # inside when swapped (usually none: Mali swapped lies in the Indian Ocean)...
    swapped[swapped] = ~geometry.inside_mask(reference, lon[swapped], lat[swapped])  # ...and not as given
    n, rows_with = int(swapped.sum()), int((np.isfinite(lat) & np.isfinite(lon)).sum())
    if not n or n * 2 >= rows_with:  # none; or most rows, which the count per unit reports with its evidence (swap the columns)
        return
    rows = np.asarray(lines)[swapped]
    shown = "; ".join(f"row {r}: {la:g}, {lo:g}" for r, la, lo in zip(rows[:5], lat[swapped][:5], lon[swapped][:5]))
    found = (f"{n} of {len(lat)} rows outside the boundaries as written but inside them with latitude and longitude swapped "
             f"(latitude, longitude: {shown}{' ...' if len(rows) > 5 else ''})")
    if n < 2 or n * 20 < rows_with:  # a stray row or two near the diagonal may be a point abroad: said, not refused
        warnings.warn(EventsOutsideWarning(f"{path}: columns {latitude!r}/{longitude!r}: {found}; they fall in no unit and were not counted. "
                                           "Fix: swap the two values in those rows if they are swapped"), stacklevel=4)
        return
    raise InputDataError.one(
        str(path), f"columns {latitude!r}/{longitude!r}", found, "latitude in the latitude column and longitude in the longitude column, in every row",
        "swap the two values in those rows (a copy from a source that writes longitude first?); they are not guessed",
    )


def _check_degrees(table: pd.DataFrame, lat: pd.Series, lon: pd.Series, path: Path, latitude: str, longitude: str, *, where: str, reference: gpd.GeoDataFrame | None) -> None:
    """Coordinates out of degree range are an error showing which reading of them fits the boundaries."""
    out_lat = lat.abs() > 90
    out_lon = lon.abs() > 180
    if not (out_lat.any() or out_lon.any()):
        return
    swapped = out_lat & np.isfinite(lat) & (lon.abs() <= 90)
    hint = " Latitude and longitude look swapped." if swapped.any() else ""
    out_range = (out_lat | out_lon).to_numpy()
    pairs = "; ".join(f"row {i}: {la!r}, {lo!r}" for i, la, lo in zip(table.index[out_range][:5], table[latitude][out_range], table[longitude][out_range]))
    more = f" and {int(out_range.sum()) - 5} more" if out_range.sum() > 5 else ""
    fix = f"correct those rows, or swap the columns in the config, or give the CRS of x/y metres as {where}.crs"
    evidence = f" Values: latitude from {lat.min():.6g} to {lat.max():.6g}, longitude from {lon.min():.6g} to {lon.max():.6g}"
    if reference is not None:
        ok = (lat.notna() & lon.notna()).to_numpy()
        metres_likely = int(out_range.sum()) * 2 > int(ok.sum())  # metres are out of degree range in most rows, not in one typo
        found = geometry.placements(reference, lon.to_numpy()[ok], lat.to_numpy()[ok], projected=metres_likely)
        evidence += "; " + _readings(found, int(ok.sum()), "rows")
        best = found[0]
        if best.label != "as given" and best.inside * 2 > ok.sum():
            fix = (f"swap the columns: set {where}.latitude: {longitude!r} and {where}.longitude: {latitude!r}" if best.swapped else
                   f"the columns hold metres: set {where}.crs: {best.crs} (x in {longitude!r}, y in {latitude!r}), or convert them to degrees")
    raise InputDataError.one(
        str(path), f"columns {latitude!r}/{longitude!r}", f"coordinates out of range (latitude, longitude: {pairs}{more}).{hint}{evidence}",
        "latitude within ±90 and longitude within ±180 (decimal degrees, WGS84)", fix,
    )


def _coordinate(values: pd.Series, path: Path, column: str) -> pd.Series:
    """Decimal degrees; a coordinate has no thousands separators, so a dot or a comma is its decimal mark."""
    text = values.astype(str).str.strip(GROUP_SPACES + "\t").str.replace("\u2212", "-", regex=False)
    sign = text.str.match(r"^[-+]")
    num = _Spelling(".,", "").read(text.where(~sign, text.str.slice(1)))
    num = num.where(~text.str.startswith("-"), -num)
    bad = num.isna() & (text != "")
    if bad.any():
        raise InputDataError.one(str(path), f"column {column!r}", f"values that are not numbers in rows {_rows(text.index[bad.to_numpy()])} (e.g. {text[bad].iloc[0]!r})", "decimal degrees such as 16.27", "correct those cells")
    return num.astype(float)




#: The first plausible date of an event or a round: earlier ones are typos or spreadsheet zero dates
#: (Excel shows an empty date cell as 1900-01-00 or 1899-12-30).
FIRST_PLAUSIBLE_DATE = pd.Timestamp("1950-01-01")


def parse_dates(values: pd.Series, *, path: Path, column: str, today: pd.Timestamp | None = None) -> pd.Series:
    """Parse dates written in the usual export formats (ISO ``2017-06-14``, with or without a time
    and offset, where the date as written is kept; ACLED's ``14 June 2017``; ``14/06/2017`` day
    first). Each value may use any of them; a value none fits is an error.

    Dates must be plausible: from :data:`FIRST_PLAUSIBLE_DATE` (1950-01-01) to the day after
    ``today`` (the run date; one day of slack for time zones). Others (an Excel zero date, a year
    typed 2107 or 0017, a two-digit year read as 2068) are an error naming the rows and the cells.
    """
    text = values.astype(str).str.strip()
    latest = (today or pd.Timestamp.now()).normalize() + pd.Timedelta(days=1)
    result = pd.Series(pd.NaT, index=text.index, dtype="datetime64[ns]")
    implausible = pd.Series(False, index=text.index)
    todo = text != ""
    for fmt in _DATE_FORMATS:
        if not todo.any():
            break
        _take_dates(pd.to_datetime(text[todo], format=fmt, errors="coerce"), result, implausible, latest)
        todo &= result.isna() & ~implausible
    if todo.any():  # ISO date-times with a time, fraction or offset: the date as written (local date)
        head = text[todo].str.extract(r"^(\d{4}-\d{2}-\d{2})[T ]\d{1,2}:\d{2}", expand=False)
        _take_dates(pd.to_datetime(head, format="%Y-%m-%d", errors="coerce"), result, implausible, latest)
        todo &= result.isna() & ~implausible
    if implausible.any():
        raise InputDataError.one(
            str(path), f"column {column!r}", f"{int(implausible.sum())} dates outside the plausible range ({_cells(text, implausible)})",
            f"dates from {FIRST_PLAUSIBLE_DATE.date()} to {latest.date()} (the day after the run)",
            "correct the year of those cells (1900-01-01 or 1899-12-30 is a spreadsheet's empty date; write years with four digits), or remove the rows",
        )
    blank = text == ""
    if todo.any() or blank.any():
        bad = todo | blank
        examples = ", ".join(f"row {i}: {text[i]!r}" for i in text[bad].index[:5])
        raise InputDataError.one(
            str(path), f"column {column!r}", f"{int(bad.sum())} dates that cannot be read ({examples}){_date_hint(text, bad)}",
            "dates such as 2017-06-14, 14 June 2017 or 14/06/2017", _date_fix(text, bad),
        )
    return result


_MONTH_FIRST = r"^\d{1,2}/(1[3-9]|2\d|3[01])/\d{4}$"
_SERIAL = r"^[1-6]\d{4}(\.0+)?$"


def _date_hint(text: pd.Series, bad: pd.Series) -> str:
    """What unreadable dates look like: month first (US), or Excel serial day numbers."""
    unread = text[bad]
    if unread.str.match(_MONTH_FIRST).any():
        ambiguous = text[~bad & text.str.match(r"^\d{1,2}/\d{1,2}/\d{4}$")]
        said = f"; the {len(ambiguous)} other cells such as {ambiguous.iloc[0]!r} were read day first and may be wrong too" if len(ambiguous) else ""
        return f": month first, as US software writes dates ({unread[unread.str.match(_MONTH_FIRST)].iloc[0]!r} has a day above 12 in second place){said}"
    if unread.str.match(_SERIAL).all():
        first = unread.iloc[0]
        return f": Excel serial day numbers ({first!r} = {(pd.Timestamp('1899-12-30') + pd.Timedelta(days=int(float(first)))).date()}), a date column saved without its date format"
    return ""


def _date_fix(text: pd.Series, bad: pd.Series) -> str:
    unread = text[bad]
    if unread.str.match(_MONTH_FIRST).any():
        return "export the dates again as ISO dates (2017-04-15), or in Excel format the column as yyyy-mm-dd before saving; the column is not guessed"
    if unread.str.match(_SERIAL).all():
        return "format the column as dates (yyyy-mm-dd) in Excel before saving the CSV"
    return "correct those cells or remove the rows"


def warn_year_mismatch(dates, years: pd.Series, *, path: Path, date_column: str, year_column: str = "year") -> None:
    """An :class:`~nexus_zones.errors.ImplausibleValueWarning` naming rows whose year column (ACLED's
    ``year``) is a year other than their date's: the date decides the window, and one of them is wrong."""
    year = pd.to_numeric(years.astype(str).str.strip(), errors="coerce")
    when = pd.Series(pd.to_datetime(np.asarray(dates)), index=years.index)
    differ = (year.notna() & when.notna() & (year != when.dt.year)).to_numpy()
    if not differ.any():
        return
    shown = "; ".join(f"row {i}: {year_column} {int(y)}, {date_column} {d.date()}" for i, y, d in zip(years.index[differ][:5], year[differ][:5], when[differ][:5]))
    warnings.warn(ImplausibleValueWarning(
        f"{path}: {int(differ.sum())} rows whose {year_column!r} is not the year of their {date_column!r} ({shown}{' ...' if differ.sum() > 5 else ''}); "
        f"the date placed them in the window. Fix: correct the date or the year of those rows (a date typed with the wrong year, "
        "or day and month swapped?)"), stacklevel=4)


def _take_dates(parsed: pd.Series, result: pd.Series, implausible: pd.Series, latest: pd.Timestamp) -> None:
    """Store the plausible dates of ``parsed`` in ``result`` and mark the others in ``implausible``
    (compared before any conversion, so that a year such as 0017 cannot overflow)."""
    ok = parsed.notna()
    if not ok.any():
        return
    found = parsed[ok]
    bad = (found < FIRST_PLAUSIBLE_DATE) | (found > latest)
    implausible.loc[found.index[bad]] = True
    good = found[~bad]
    result.loc[good.index] = good.astype("datetime64[ns]")


def _id_strings(values: pd.Series) -> pd.Series:
    """Ids as text; whole numbers stored as floats (a GPKG REAL column) lose their ``.0``."""
    if pd.api.types.is_float_dtype(values):
        return values.map(lambda v: None if pd.isna(v) else (str(int(v)) if float(v).is_integer() else str(v)))
    return values


def _key_columns(frame: pd.DataFrame, keys: dict[str, str | None]) -> pd.DataFrame:
    """The row-key columns (code, name, parent) under fixed names, as stripped strings."""
    out = pd.DataFrame(index=frame.index)
    for name, ref in keys.items():
        if ref:
            out[name] = frame[resolve_column(frame, ref)].astype(str).str.strip()
    return out


def _read_xlsx(path: Path, sheet: str | int | None = None, header_row: int | None = None) -> pd.DataFrame:
    """A sheet of a workbook (default the first) as strings under its header row (stated, or found
    under title rows), indexed by the sheet's row numbers, by :func:`nexus_zones.sheets.read_workbook`;
    rows with no value in any cell are left out, as a CSV's blank lines are."""
    _require_file(path)
    sheets.sniff(path)
    if sheet is not None:
        _check_sheet(path, sheet)
    frame = sheets.read_workbook(path, sheet, header_row)
    if frame.columns.empty:
        return _empty_table(path)
    return _take_hxl_row(_repair_mojibake(frame, path), path)


def _check_sheet(path: Path, sheet: str | int) -> None:
    """An unknown sheet is an error listing the workbook's sheets."""
    try:
        with pd.ExcelFile(path) as book:
            names = book.sheet_names
    except Exception as exc:  # noqa: BLE001 - reported by the reader
        raise InputDataError.one(str(path), "file", f"unreadable as Excel ({exc})", "an .xlsx workbook") from exc
    ok = sheet in names if isinstance(sheet, str) else 0 <= sheet < len(names)
    if not ok:
        raise InputDataError.one(str(path), f"sheet {sheet!r}", f"no such sheet{did_you_mean(str(sheet), names) if isinstance(sheet, str) else ''}",
                                 f"a sheet of the workbook: {', '.join(repr(n) for n in names)} (or its position from 0)", "set the layer's sheet to one of them")


def read_header(path: Path, *, sheet: str | int | None = None, header_row: int | None = None) -> list[str]:
    """The column headers of a CSV or XLSX table (after the encoding, separator and HXL handling of
    :func:`read_rows`)."""
    return [str(c) for c in read_rows(path, {}, sheet=sheet, header_row=header_row).columns]


def read_table_file(path: Path, *, sheet: str | int | None = None, header_row: int | None = None) -> pd.DataFrame:
    """A CSV or a workbook's sheet as strings, by its suffix (the one choice of reader)."""
    if path.suffix.lower() in (".xlsx", ".xls", ".xlsm"):
        return _read_xlsx(path, sheet, header_row)
    return _read_csv(path, header_row)


def read_rows(path: Path, wanted: dict[str, str], *, where: dict | None = None, where_key: str = "layer.where", sheet: str | int | None = None,
              header_row: int | None = None) -> pd.DataFrame:
    """Read a CSV or XLSX table (its ``sheet``, default the first; its header on ``header_row``, default
    found) as strings, check that the ``wanted`` columns exist (config key -> header or HXL tag) and
    hold no Excel error cell, and keep the rows passing ``where``. Columns keep their headers; HXL
    tags stay in ``attrs['hxl']`` for :func:`resolve_column`."""
    table = read_table_file(path, sheet=sheet, header_row=header_row)
    wanted = dict(wanted)
    for col in (where or {}):
        wanted[f"{where_key}.{col}"] = col
    problems = _missing_columns(path, table, wanted)
    problems += sheets.error_cell_problems(table, {k: resolve_column(table, c) or c for k, c in wanted.items()})
    if problems:
        raise InputDataError(str(path), problems)
    if where:
        table = filter_rows(table, where, path=path, key=where_key)
    keys = {k: resolve_column(table, c) or c for k, c in wanted.items() if k.endswith((".unit_column", ".name_column"))}
    totals = sheets.repeated_header_problems(table) + sheets.totals_problems(table, keys, layer_key=_layer_key(next(iter(keys), "layer.x")))
    if totals:
        raise InputDataError(str(path), totals)
    return table


def filter_rows(table: pd.DataFrame, where: dict, *, path: Path, key: str) -> pd.DataFrame:
    """Keep the rows whose columns hold one of the listed values (numbers compared as numbers; text
    differing only by case, accents or spaces matches, with a ``SpellingVariantWarning``)."""
    keep = np.ones(len(table), dtype=bool)
    for ref, values in where.items():
        col = resolve_column(table, ref) or ref
        cells = fold.fold_to_listed(table[col].astype(str).str.strip(), [str(v) for v in values], path=path, column=col, key=f"{key}.{ref}")
        ok = cells.isin([str(v) for v in values]).to_numpy()
        numbers = [float(v) for v in values if isinstance(v, (int, float)) and not isinstance(v, bool)]
        if numbers:
            ok = ok | pd.to_numeric(cells, errors="coerce").isin(numbers).to_numpy()
        if not ok.any():
            present = sorted(set(cells))[:12]
            raise InputDataError.one(str(path), f"{key}.{ref}", f"no row with a value in {list(values)} in column {col!r}", f"values of the column (it has: {present})",
                                     f"set {key}.{ref} in the config to the values of the rows to keep (it replaces a recognised format's default filter on that column)")
        _warn_unmatched(path, f"{key}.{ref}", _values_in_no_row(values, cells), set(cells), f"values of column {col!r}")
        keep &= ok
    out = table[keep]
    out.attrs = table.attrs
    if not len(out):
        raise InputDataError.one(str(path), key, "no row passes every condition together", "at least one row", "loosen the conditions")
    logger.info("%s: %d of %d rows kept by %s", path.name, len(out), len(table), key)
    return out


def fold_cells(cells: pd.Series) -> pd.Series:
    """:func:`normalise_name` of every cell, computed once per distinct value (fast on long columns
    of few values, such as actor names)."""
    codes, uniques = pd.factorize(cells.astype(str), use_na_sentinel=False)
    folded = np.array([normalise_name(u) for u in uniques], dtype=object)
    return pd.Series(folded[codes] if len(uniques) else np.array([], dtype=object), index=cells.index)


def match_text(table: pd.DataFrame, matches: Sequence[Mapping], *, path: Path, key: str) -> np.ndarray:
    """Rows passing every text match: ``{columns, contains}`` keeps rows where one phrase occurs in
    one column, ``{columns, excludes}`` drops them (case, accents and punctuation folded by
    :func:`normalise_name`; phrases are plain text, not patterns). A ``contains`` no row passes is an error."""
    keep = np.ones(len(table), dtype=bool)
    for i, entry in enumerate(matches):
        listed = list(entry.get("contains") or entry.get("excludes") or [])
        phrases = [normalise_name(p) for p in listed]
        hits = np.zeros((len(phrases), len(table)), dtype=bool)
        columns = [fold_cells(table[resolve_column(table, ref) or ref]) for ref in entry["columns"]]
        for folded in columns:
            for j, phrase in enumerate(phrases):
                hits[j] |= folded.str.contains(phrase, regex=False).to_numpy()
        hit = hits.any(axis=0)
        if entry.get("contains") and not hit.any():
            raise InputDataError.one(
                str(path), f"{key}[{i}]", f"no row whose columns {entry['columns']} contain any of {entry['contains']}",
                "phrases occurring in those columns (compared without case, accents or punctuation)", "correct the phrases or the columns",
            )
        unmatched = [p for p, h in zip(listed, hits) if not h.any()]
        if unmatched:
            words = {w for folded in columns for cell in pd.unique(folded) for w in str(cell).split()}
            _warn_unmatched(path, f"{key}[{i}]", unmatched, words, f"phrases occurring in columns {entry['columns']}", compare=normalise_name)
        keep &= hit if entry.get("contains") else ~hit
    logger.info("%s: %d of %d rows kept by %s", path.name, int(keep.sum()), len(keep), key)
    return keep


def _values_in_no_row(values: Sequence, cells: pd.Series) -> list[str]:
    """The listed values no cell holds (as text, or as a number for a listed number)."""
    present = set(cells)
    numbers = set(pd.to_numeric(pd.Series(list(present), dtype=object), errors="coerce").dropna())
    return [str(v) for v in values
            if str(v) not in present and not (isinstance(v, (int, float)) and not isinstance(v, bool) and float(v) in numbers)]


def _warn_unmatched(path: Path, key: str, unmatched: Sequence[str], present: set, expected: str, *, compare=str) -> None:
    """An :class:`UnmatchedFilterWarning` naming the listed values that match no row, each with a
    did-you-mean among ``present`` (for ``compare(value)``: a phrase is compared folded)."""
    if not unmatched:
        return
    choices = sorted(map(str, present))
    found = ", ".join(f"{v!r}{did_you_mean(compare(v), choices)}" for v in unmatched)
    warnings.warn(UnmatchedFilterWarning(str(path), Problem(
        key, f"{found} in no row", f"{expected} (e.g. {[c for c in choices if len(c) <= 60][:8]})", "correct the value in the config, or remove it",
    )), stacklevel=4)


def no_rows_why(path: Path) -> str:
    """Why a file gave no row: 0 bytes, no header, a header (and HXL row) only, or no features."""
    if path.stat().st_size == 0:
        return "an empty file (0 bytes)"
    if path.suffix.lower() not in (".csv", ".txt", ".tsv", ".xlsx", ".xls"):
        return "no features in the file"
    attrs = read_rows(path, {}).attrs
    if attrs.get("empty_file"):
        return "an empty file (no header, no rows)"
    return f"no data rows (a header{' and an HXL row' if attrs.get('hxl') else ''} only)"


def read_weights_file(path: Path, *, key: str) -> object:
    """A participant's weights saved by the map: the parsed JSON (checked by :func:`nexus_zones.decision.weights_body`)."""
    import json

    where = f"{key} ({path})"
    try:
        return json.loads(Path(path).read_text(encoding="utf-8-sig"))
    except FileNotFoundError:
        raise InputDataError(str(path), [Problem(where, "no such file", "a weights file saved from the map", "check the path (relative to the config file)")]) from None
    except (ValueError, UnicodeDecodeError) as exc:
        raise InputDataError(str(path), [Problem(where, f"not JSON ({str(exc)[:120]})", 'JSON {"w": {indicator: weight}} as the map saves it', "save the weights again from the map")]) from None


# ------------------------------------------------------------------------- fast CSV reading (pyarrow)
#
# A reader built for large event files: pyarrow's multi-threaded CSV parser reads only the columns a
# layer needs, and columns written in the common clean spellings (ISO dates, decimal degrees with a
# dot, whole counts) are parsed by vectorised kernels. Wherever it cannot decide that its reading is
# the one the general path would give -- another encoding, a BOM other than UTF-8's, an unclear
# separator, repeated headers, text encoded twice, any value outside those spellings -- it steps
# aside: the caller reads the file (or the column) the general way, with the same messages.


@dataclass
class ArrowColumns:
    """Every column of a CSV read by pyarrow: ``arrays`` maps each header (stripped) to a string
    array; ``lines`` holds each row's line number in the file (as the general reader numbers them);
    ``attrs`` is what :func:`_read_csv` keeps (the HXL tags); ``resolved`` maps each ref asked for
    (a header or an HXL tag) to its header."""

    arrays: dict
    lines: np.ndarray
    attrs: dict = field(default_factory=dict)
    resolved: dict = field(default_factory=dict)

    def frame(self, columns: Sequence[str]) -> pd.DataFrame:
        """Some columns as the general reader gives them (text indexed by line number, HXL tags in attrs)."""
        out = pd.DataFrame({c: self.series(c) for c in dict.fromkeys(columns)}, index=pd.Index(self.lines, name="line"))
        out.attrs = dict(self.attrs)
        return out

    def series(self, column: str) -> pd.Series:
        """One column as the general reader gives it: text, indexed by line number."""
        return pd.Series(self.arrays[column].to_numpy(zero_copy_only=False), index=pd.Index(self.lines, name="line"), dtype=object)

    def table(self) -> pd.DataFrame:
        """Every column exactly as :func:`_read_csv` gives it (pandas' pyarrow-backed text, the
        same index and attrs), without copying the text: what the general record functions take."""
        import pyarrow as pa

        dtype = pd.StringDtype(storage="pyarrow", na_value=np.nan)
        columns = {c: pd.arrays.ArrowStringArray(a.cast(pa.large_string()), dtype=dtype) for c, a in self.arrays.items()}
        out = pd.DataFrame(columns, index=pd.RangeIndex(int(self.lines[0]), int(self.lines[0]) + len(self.lines), name="line") if self._contiguous()
                           else pd.Index(self.lines, name="line"), copy=False)
        out.attrs = dict(self.attrs)
        return out

    def _contiguous(self) -> bool:
        return len(self.lines) > 0 and int(self.lines[-1]) - int(self.lines[0]) == len(self.lines) - 1

    def take(self, keep: np.ndarray) -> "ArrowColumns":
        """The rows where ``keep`` is True."""
        import pyarrow as pa

        if keep.all():
            return self
        mask = pa.array(keep)
        return ArrowColumns({c: a.filter(mask) for c, a in self.arrays.items()}, self.lines[keep], self.attrs, self.resolved)

    def take_lines(self, lines: pd.Index) -> "ArrowColumns":
        """The rows whose line numbers are in ``lines``."""
        return self.take(np.isin(self.lines, np.asarray(lines)))


#: Files smaller than this are read the general way (pyarrow's start-up costs more than it saves).
FAST_MIN_BYTES = 1 << 20


def read_csv_arrow(path: Path, refs: Sequence[str], *, optional: Sequence[str] = (), min_bytes: int | None = None) -> ArrowColumns | None:
    """Every column of a CSV read by pyarrow, with ``refs`` (headers or HXL tags) and those of
    ``optional`` the file has resolved; or ``None`` where the general reader :func:`_read_csv` must
    decide (see the section's comment). A column of ``refs`` not found gives ``None`` too: the
    general reader then reports it. The file is decoded as :func:`_decode_text` decodes it (any
    byte-order mark, UTF-16, Windows-1252 or mixed lines), with the same warnings, given only
    once this reader answers."""
    try:
        import pyarrow  # noqa: F401
    except ImportError:  # pragma: no cover - pyarrow is a dependency
        return None
    _require_file(path)
    if path.stat().st_size < (FAST_MIN_BYTES if min_bytes is None else min_bytes):
        return None
    sheets.sniff(path)
    with warnings.catch_warnings(record=True) as said:
        warnings.simplefilter("always")
        raw = _arrow_utf8(path)
    head = _arrow_head(raw) if raw is not None else None
    if head is None:
        return None
    sep, names, attrs = head
    resolved = _arrow_resolve(names, attrs, refs)
    if resolved is None:
        return None
    for ref in optional:
        resolved.update(_arrow_resolve(names, attrs, [ref]) or {})
    arrays = _arrow_read(raw, sep, names, skip=1 if attrs else 0)
    if arrays is None or (not raw.isascii() and any(_has_mojibake(a) for a in arrays.values())):
        return None  # text encoded twice: the general reader repairs and reports it
    for w in said:  # the decoding's warnings, as the general reader gives them
        warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)
    n = len(next(iter(arrays.values()))) if arrays else 0
    lines = np.arange(n, dtype=np.int64) + (3 if attrs else 2)
    logger.info("%s: %d rows of %d columns read by pyarrow", path.name, n, len(arrays))
    return ArrowColumns(arrays, lines, {"hxl": attrs} if attrs else {}, resolved)


def _arrow_utf8(path: Path) -> bytes | None:
    """The file's text as UTF-8 bytes without a byte-order mark, decoded as :func:`_decode_text`
    decodes it (its warnings and errors included); ``None`` where text encoded twice needs the
    general reader's repair."""
    raw = path.read_bytes()
    if raw.isascii():
        return raw
    if any(raw.startswith(bom) for bom, *_ in _BOMS) or _utf16_without_bom(raw):
        text = _decode_text(path)
        if text.startswith("\ufeff"):
            text = text[1:]
        raw = None
    else:
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            text = _decode_lines(raw, path)
            raw = None
    return raw if raw is not None else text.encode("utf-8")


def _has_mojibake(array) -> bool:
    """True when a cell holds a start of :data:`_MOJIBAKE` (a lead and a continuation character of
    UTF-8 read as Windows-1252), found by RE2."""
    import pyarrow.compute as pc

    return bool(pc.any(pc.match_substring_regex(array, _MOJIBAKE_START)).as_py())


def _arrow_head(raw: bytes) -> tuple[str, list[str], dict] | None:
    """Separator, raw header names and HXL tags of UTF-8 text, read from its first lines by pandas
    as :func:`_read_csv` does; ``None`` where the general reader must decide."""
    import io

    if not raw[: 1 << 16].strip():
        return None
    cut = raw[: 1 << 16].split(b"\n", 3)
    text = b"\n".join(cut[:3]).decode("utf-8", errors="replace")
    sep = _separator(text)
    if not sep:
        return None
    try:
        frame = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False, sep=sep, engine="c")
    except Exception:  # noqa: BLE001 - the general reader reports it
        return None
    names = [str(c) for c in frame.columns]
    if len(set(c.strip() for c in names)) != len(names) or any(_unmangle(c) != c for c in names) or any(c.startswith("Unnamed: ") for c in names):
        return None
    attrs = {}
    if len(frame) and _is_hxl_row(frame.iloc[0]):
        attrs = {col.strip(): str(tag).strip() for col, tag in frame.iloc[0].items() if str(tag).strip()}
    return sep, names, attrs


def _probe(names: list[str], attrs: dict) -> pd.DataFrame:
    probe = pd.DataFrame(columns=[n.strip() for n in names])
    probe.attrs["hxl"] = attrs
    return probe


def _arrow_resolve(names: list[str], attrs: dict, refs: Sequence[str]) -> dict[str, str] | None:
    """Ref -> stripped header for every column ``refs`` name; ``None`` when one is missing."""
    probe = _probe(names, attrs)
    out = {}
    for ref in refs:
        col = resolve_column(probe, ref)
        if col is None:
            return None
        out[ref] = col
    return out


def _arrow_read(raw: bytes, sep: str, names: list[str], *, skip: int) -> dict | None:
    """Every column as pyarrow string arrays under its stripped header; ``None`` where pyarrow
    refuses the file (lines longer or shorter than the header among them: the general reader says which)."""
    import pyarrow as pa
    import pyarrow.csv as pacsv

    try:
        table = pacsv.read_csv(
            pa.BufferReader(raw),
            read_options=pacsv.ReadOptions(skip_rows_after_names=skip, block_size=1 << 24),
            parse_options=pacsv.ParseOptions(delimiter=sep),
            convert_options=pacsv.ConvertOptions(column_types={n: pa.string() for n in names}, strings_can_be_null=False),
        )
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError, pa.ArrowKeyError) as exc:
        logger.info("pyarrow did not read the file (%s); read the general way", exc)
        return None
    if table.column_names != names:
        return None
    return {name.strip(): table.column(i) for i, name in enumerate(names)}


_ARROW_DEGREES = r"^-?[0-9]{1,3}([.,][0-9]+)?([eE][-+]?[0-9]{1,3})?$"
_ARROW_COUNT = r"^[0-9]{1,15}$"
_ARROW_ISO_DATE = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"


def _arrow_all(array, pattern: str) -> bool:
    import pyarrow.compute as pc

    return len(array) == 0 or bool(pc.all(pc.match_substring_regex(array, pattern)).as_py())


def arrow_degrees(array) -> np.ndarray | None:
    """Decimal degrees with a dot or a decimal comma (as :func:`_coordinate` reads them), or ``None``
    for other spellings."""
    import pyarrow as pa
    import pyarrow.compute as pc

    if not _arrow_all(array, _ARROW_DEGREES):
        return None
    return pc.replace_substring(array, ",", ".").cast(pa.float64()).to_numpy()


def arrow_counts(array) -> np.ndarray | None:
    """Whole numbers written with digits only (as :func:`parse_number` reads them), else ``None``."""
    import pyarrow as pa

    if not _arrow_all(array, _ARROW_COUNT):
        return None
    return array.cast(pa.float64()).to_numpy()


def arrow_dates(array, *, today: pd.Timestamp | None = None) -> np.ndarray | None:
    """ISO dates (``2017-06-14``) in the plausible range of :func:`parse_dates`, else ``None``."""
    import pyarrow as pa
    import pyarrow.compute as pc

    if not _arrow_all(array, _ARROW_ISO_DATE):
        return None
    try:
        parsed = pc.strptime(array, format="%Y-%m-%d", unit="ns", error_is_null=False)
    except (pa.ArrowInvalid, ValueError):
        return None
    day = pc.cast(pc.utf8_slice_codeunits(array, 8, 10), pa.int64())
    if not pc.all(pc.equal(pc.day(parsed), day)).as_py():  # 2017-02-30 is not rolled over to March
        return None
    values = parsed.to_numpy().astype("datetime64[ns]")
    latest = (today or pd.Timestamp.now()).normalize() + pd.Timedelta(days=1)
    if len(values) and (values.min() < FIRST_PLAUSIBLE_DATE.to_datetime64() or values.max() > latest.to_datetime64()):
        return None
    return values


def arrow_text(array) -> np.ndarray:
    """Cells as stripped text (Python's ``str.strip``), as object array; each distinct value is
    converted once (columns of types or names hold few)."""
    import pyarrow as pa

    encoded = array.combine_chunks().dictionary_encode() if isinstance(array, pa.ChunkedArray) else array.dictionary_encode()
    values = np.array([str(v).strip() for v in encoded.dictionary.to_pylist()], dtype=object)
    return values[encoded.indices.to_numpy(zero_copy_only=False)] if len(values) else np.array([], dtype=object)


def arrow_is_in(array, values: Sequence) -> np.ndarray | None:
    """Which cells equal one of ``values`` (all text), as :func:`filter_rows` decides it for cells
    written without surrounding spaces; ``None`` where that function must decide (numbers among the
    values, cells with spaces, or no cell matching, which it reports)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    if not all(isinstance(v, str) for v in values):
        return None
    encoded = array.combine_chunks().dictionary_encode() if isinstance(array, pa.ChunkedArray) else array.dictionary_encode()
    distinct = encoded.dictionary.to_pylist()
    if any(v != v.strip() for v in distinct) or fold.folds_to_listed(distinct, values):
        return None  # filter_rows reads spelling variants as the listed values, and says so
    if not set(map(str, values)) <= set(distinct):
        return None  # filter_rows names the listed values in no row
    wanted = np.array([v in set(map(str, values)) for v in distinct], dtype=bool)
    ok = wanted[encoded.indices.to_numpy(zero_copy_only=False)] if len(distinct) else np.zeros(len(array), dtype=bool)
    return ok if ok.any() else None
