"""Reading inputs: the only module that opens input files.

* boundaries → :class:`Boundaries` holding a GeoDataFrame in EPSG:4326 indexed by a unique string
  ``unit_id`` (the P-code) with ``name``, ``region`` and ``geometry`` columns;
* points (CSV with latitude/longitude, or any vector file GDAL reads) → GeoDataFrame in EPSG:4326
  with ``date``, ``type``, ``category`` and ``fatalities`` columns where asked for;
* per-unit tables → DataFrame indexed by ``unit_id`` (numbers, and yes/no read as 1/0);
* 3W actor tables → DataFrame of ``unit_id``, ``organisation``, ``actor_type`` rows.

Every problem is reported as a :class:`~nexus_zones.errors.InputDataError` naming the file, the
column, what was found, what was expected and the fix; problems of one file are gathered and
raised together. Inputs are only ever opened for reading.
"""

from __future__ import annotations

import hashlib
import logging
import unicodedata
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Sequence

import geopandas as gpd
import numpy as np
import pandas as pd

from .errors import InputDataError, MixedEncodingWarning, MojibakeWarning, Problem, did_you_mean, short_repr

__all__ = [
    "Boundaries",
    "read_boundaries",
    "read_points",
    "read_table",
    "read_actors",
    "file_sha256",
    "normalise_name",
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


def normalise_name(text: str) -> str:
    """Fold a place name for matching: no accents, lower case, hyphens and spaces as one space."""
    folded = unicodedata.normalize("NFKD", str(text))
    folded = "".join(c for c in folded if not unicodedata.combining(c)).lower()
    for ch in "-_'’.":
        folded = folded.replace(ch, " ")
    return " ".join(folded.split())


# ------------------------------------------------------------------------------------ helpers


def _require_file(path: Path) -> None:
    if not path.exists():
        raise InputDataError.one(
            str(path), "file", "no such file", "an existing file", "check the path in the config (relative to the config file)"
        )
    if path.is_dir():
        raise InputDataError.one(str(path), "file", "a folder", "a file", "name the file inside it")


def _read_vector(path: Path, layer: str | None) -> gpd.GeoDataFrame:
    import pyogrio

    _require_file(path)
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


def _read_csv(path: Path) -> pd.DataFrame:
    """Read a CSV as strings, dropping an HXL hashtag row if there is one.

    The text is decoded by :func:`_decode_text` (UTF-8 with or without BOM, UTF-16 with BOM,
    Windows-1252, or UTF-8 with some Windows-1252 lines), the separator found on the decoded header,
    and text encoded twice repaired by :func:`_repair_mojibake`.
    """
    import io

    _require_file(path)
    text = _decode_text(path)
    sep = _separator(text)
    try:
        frame = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False, sep=sep, engine="c" if sep else "python")
    except (pd.errors.ParserError, pd.errors.EmptyDataError, csv_error()) as exc:
        raise InputDataError.one(str(path), "file", f"not a readable CSV ({exc})", "a comma- or semicolon-separated text file with a header row") from exc
    frame.columns = [str(c).strip() for c in frame.columns]
    frame.index = pd.RangeIndex(2, len(frame) + 2, name="line")  # the file's line numbers, for messages
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
    """The field separator of a CSV, from its decoded header line: comma, semicolon or tab (None: let pandas sniff)."""
    head = text[: 1 << 16].split("\n", 1)[0]
    counts = {sep: head.count(sep) for sep in (",", ";", "\t")}
    best = max(counts, key=counts.get)
    return best if counts[best] > 0 else None


def csv_error() -> type[Exception]:
    import csv

    return csv.Error


def _is_hxl_row(row: pd.Series) -> bool:
    cells = [str(v).strip() for v in row if str(v).strip()]
    return bool(cells) and all(c.startswith("#") for c in cells)


def _missing_columns(path: Path, frame: pd.DataFrame, wanted: dict[str, str]) -> list[Problem]:
    """Problems for config keys whose column is not in the file. ``wanted`` maps key -> column
    (a header or an HXL tag pattern)."""
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
            problems.append(
                Problem(
                    f"column {col!r} (config key {key})",
                    f"no such column{did_you_mean(col, cols)}",
                    f"a column of the file; it has: {', '.join(cols[:25])}{' ...' if len(cols) > 25 else ''}",
                    f"set {key} to the right column name",
                )
            )
    return problems


def _rows(labels: Sequence, limit: int = 8) -> str:
    labels = list(labels)
    text = ", ".join(str(x) for x in labels[:limit])
    return text + (f" and {len(labels) - limit} more" if len(labels) > limit else "")


_THOUSANDS_COMMA = r"^[-+]?\d{1,3}(,\d{3})+(\.\d+)?$"


def parse_number(values: pd.Series, *, path: Path, column: str, decimal: str | None = None, key: str = "decimal") -> pd.Series:
    """Parse strings to floats: yes/no words read as 1/0, blank = missing; spaces (thousands) ignored.

    ``decimal`` is the decimal mark: ``"."`` (commas are thousands separators), ``","`` (dots are
    thousands separators), or ``None``: a comma is a decimal mark (``1,5``), unless the column shows
    commas as thousands separators (``1,234.5``). A column whose only commas could be either
    (``142,522``) is an error: say which with ``decimal`` (``key`` names that config key).
    """
    text = values.astype(str).str.strip().str.replace("\u202f", "", regex=False).str.replace("\xa0", "", regex=False).str.replace(" ", "", regex=False)
    lowered = text.map(lambda s: normalise_name(s))
    has_comma = text.str.contains(",", regex=False)
    if decimal is None and has_comma.any():
        thousands_like = text[has_comma].str.match(_THOUSANDS_COMMA)
        if thousands_like.all():
            if text[has_comma].str.contains(".", regex=False).any():
                decimal = "."
            else:
                examples = ", ".join(repr(v) for v in text[has_comma].head(3))
                raise InputDataError.one(
                    str(path), f"column {column!r}", f"numbers such as {examples}, which could use the comma as a thousands separator or as a decimal mark",
                    "an unambiguous decimal mark", f"set {key}: '.' (commas separate thousands) or ',' (comma is the decimal mark) for this layer",
                )
        else:
            decimal = ","
            logger.info("%s: column %r: %d values with a decimal comma read as decimals (e.g. %r)", Path(path).name, column, int(has_comma.sum()), text[has_comma].iloc[0])
    if decimal == ".":
        cleaned = text.str.replace(",", "", regex=False)
    elif decimal == ",":
        cleaned = text.str.replace(".", "", regex=False).str.replace(",", ".", regex=False)
    else:
        cleaned = text
    out = pd.to_numeric(cleaned, errors="coerce")
    out = out.where(text != "", np.nan)
    words_true = lowered.isin(TRUE_WORDS - {"1", ""})
    words_false = lowered.isin(FALSE_WORDS - {"0", ""})
    out = out.mask(words_true, 1.0).mask(words_false, 0.0)
    bad = out.isna() & (text != "") & ~lowered.isin({"na", "n/a", "nan", "nd"})
    if bad.any():
        examples = [f"row {i}: {v!r}" for i, v in text[bad].head(5).items()]
        raise InputDataError.one(
            str(path),
            f"column {column!r}",
            f"{int(bad.sum())} values that are not numbers or yes/no ({'; '.join(examples)})",
            "numbers (one decimal mark: point or comma), yes/no, oui/non, 1/0, or blank for missing",
            "correct those cells",
        )
    return out.astype(float)


# ------------------------------------------------------------------------------------ readers


def read_boundaries(
    path: Path,
    *,
    layer: str | None = None,
    id_column: str,
    name_column: str,
    region_column: str | None,
    regions: Sequence[str] | None = None,
) -> Boundaries:
    """Read the study units' polygons.

    Returns a :class:`Boundaries` whose ``units`` GeoDataFrame is in EPSG:4326, indexed by the
    string ``unit_id`` taken from ``id_column``, with ``name``, ``region`` and ``geometry``.
    Units outside ``regions`` (when given) are dropped; ``all_unit_ids`` keeps every id of the file
    so that tables naming units outside the study can be told from tables with wrong codes.
    """
    frame = _read_vector(path, layer)
    source = str(path) + (f" (layer {layer})" if layer else "")
    wanted = {"study.boundaries.id_column": id_column, "study.boundaries.name_column": name_column}
    if region_column:
        wanted["study.boundaries.region_column"] = region_column
    if frame.empty:
        raise InputDataError.one(source, "features", "no features", "at least one polygon", "check the file and the layer name")
    problems = _missing_columns(path, frame, wanted)
    if problems:
        raise InputDataError(source, problems)
    if frame.crs is None:
        raise InputDataError.one(
            source, "CRS", "no coordinate reference system", "a file that declares its CRS (e.g. EPSG:4326)",
            "set the CRS in QGIS (Layer ▸ Set CRS) or add the .prj file; nexus_zones never guesses one",
        )
    crs_in = frame.crs.to_string()
    ids = _id_strings(frame[id_column])
    problems = []
    blank = ids.isna() | (ids.astype(str).str.strip() == "")
    if blank.any():
        problems.append(Problem(f"column {id_column!r}", f"{int(blank.sum())} features without an id (rows {_rows(np.flatnonzero(blank) + 1)})", "a P-code on every feature", "fill the codes"))
    ids = ids.astype(str).str.strip()
    dup = ids[~blank & ids.duplicated(keep=False)]
    if len(dup):
        problems.append(Problem(f"column {id_column!r}", f"duplicate ids {_rows(sorted(set(dup)))}", "one feature per unit id", "dissolve the duplicates or pick the right id column"))
    geom = frame.geometry
    empty = geom.isna() | geom.is_empty
    if empty.any():
        problems.append(Problem("geometry", f"{int(empty.sum())} features without geometry ({_rows(ids[empty])})", "a polygon per unit", "remove them or restore their geometry"))
    types = set(geom[~empty].geom_type)
    if types - {"Polygon", "MultiPolygon"}:
        problems.append(Problem("geometry", f"geometry types {sorted(types)}", "Polygon or MultiPolygon", "use the admin boundary polygons, not points or lines"))
    if problems:
        raise InputDataError(source, problems)
    invalid = ~geom.is_valid
    if invalid.any():
        from .errors import NexusZonesWarning

        names = ids[invalid].tolist()
        warnings.warn(NexusZonesWarning(f"{source}: {len(names)} invalid polygons repaired with make_valid (polygonal parts kept): {_rows(names)}"), stacklevel=2)
        frame = frame.set_geometry(gpd.GeoSeries([_polygonal(g) if bad else g for g, bad in zip(geom, invalid)], index=frame.index, crs=frame.crs))
    if frame.crs.to_epsg() != 4326:
        frame = frame.to_crs(4326)
        logger.info("boundaries reprojected from %s to EPSG:4326", crs_in)
    units = gpd.GeoDataFrame(
        {
            "name": frame[name_column].astype(str).str.strip().to_numpy(),
            "region": (frame[region_column].astype(str).str.strip().to_numpy() if region_column else np.full(len(frame), "")),
        },
        geometry=frame.geometry.to_numpy(),
        index=pd.Index(ids.to_numpy(), name="unit_id", dtype=object),
        crs="EPSG:4326",
    )
    all_units = units.sort_index()
    valid_on = sorted({str(v)[:10] for v in frame["validOn"].dropna()}) if "validOn" in frame.columns else []
    meta = {"file": path.name, "layer": layer, "features": int(len(frame)), "id_column": id_column, "validOn": valid_on, "crs": crs_in}
    if regions:
        known = sorted(set(units["region"]))
        folded = {normalise_name(r): r for r in known}
        unknown = [r for r in regions if normalise_name(r) not in folded]
        if unknown:
            raise InputDataError(
                source,
                [Problem("study.regions", f"region {r!r}{did_you_mean(r, known)}", f"a value of column {region_column!r}: {', '.join(known)}", "correct the region name in the config") for r in unknown],
            )
        keep = {folded[normalise_name(r)] for r in regions}
        units = units[units["region"].isin(keep)]
    units = units.sort_index()
    logger.info(
        "boundaries: %d units read from %s%s%s", len(units), path.name,
        f" ({len(all_units)} in the file)" if len(units) != len(all_units) else "",
        f", validOn {', '.join(valid_on)}" if valid_on else "",
    )
    return Boundaries(units=units, all_units=all_units, path=path, crs_in=crs_in, meta=meta)


def read_points(
    path: Path,
    *,
    layer: str | None = None,
    latitude: str = "latitude",
    longitude: str = "longitude",
    date_column: str | None = None,
    type_column: str | None = None,
    category_column: str | None = None,
    fatalities_column: str | None = "fatalities",
    admin_column: str | None = None,
    filters: dict | None = None,
    where: str = "layer",
) -> gpd.GeoDataFrame:
    """Read points with the columns asked for.

    CSV files take coordinates from ``latitude``/``longitude``; other files are read as vector
    data and reprojected to EPSG:4326. The result has ``geometry`` and, where asked for, ``date``
    (datetime64), ``type``, ``category``, ``admin`` (the file's own unit name) and ``fatalities``
    (float; only when the file has that column). Rows not passing ``filters`` (column -> accepted
    values) are dropped; their number is kept in ``attrs['dropped_by_filters']``. ``where`` is the
    config key prefix used in messages (e.g. ``layers.incidents``). Column names may be HXL tags.
    """
    is_csv = path.suffix.lower() in (".csv", ".txt", ".tsv")
    wanted: dict[str, str] = {}
    if date_column:
        wanted[f"{where}.date_column"] = date_column
    if type_column:
        wanted[f"{where}.type_column"] = type_column
    if category_column:
        wanted[f"{where}.category_column"] = category_column
    if admin_column:
        wanted[f"{where}.admin_column"] = admin_column
    for col in filters or {}:
        wanted[f"{where}.where.{col}"] = col
    dropped = 0
    if is_csv:
        table = _read_csv(path)
        problems = _missing_columns(path, table, {f"{where}.latitude": latitude, f"{where}.longitude": longitude, **wanted})
        if problems:
            raise InputDataError(str(path), problems)
        if filters:
            n_before = len(table)
            table = filter_rows(table, filters, path=path, key=f"{where}.where")
            dropped = n_before - len(table)
        latitude, longitude = resolve_column(table, latitude), resolve_column(table, longitude)
        lat = _coordinate(table[latitude], path, latitude)
        lon = _coordinate(table[longitude], path, longitude)
        problems = []
        missing = lat.isna() | lon.isna()
        if missing.all() and len(table):
            problems.append(Problem(f"columns {latitude!r}/{longitude!r}", "no row with coordinates", "decimal degrees in every row"))
        out_lat = lat.abs() > 90
        out_lon = lon.abs() > 180
        if out_lat.any() or out_lon.any():
            swapped = out_lat & (lon.abs() <= 90)
            hint = " Latitude and longitude look swapped." if swapped.any() else ""
            rows = table.index[(out_lat | out_lon).to_numpy()]
            problems.append(Problem(f"columns {latitude!r}/{longitude!r}", f"coordinates out of range in rows {_rows(rows)}.{hint}", "latitude within ±90 and longitude within ±180 (decimal degrees, WGS84)", "correct or swap the columns in the config"))
        if problems:
            raise InputDataError(str(path), problems)
        if missing.any():
            from .errors import EventsOutsideWarning

            warnings.warn(EventsOutsideWarning(f"{path}: {int(missing.sum())} rows without coordinates were not counted (rows {_rows(table.index[missing.to_numpy()])})"), stacklevel=2)
        attrs = table.attrs
        table = table[~missing]
        frame = gpd.GeoDataFrame(table, geometry=gpd.points_from_xy(lon[~missing], lat[~missing]), crs="EPSG:4326")
        frame.attrs = attrs
    else:
        frame = _read_vector(path, layer)
        problems = _missing_columns(path, frame, wanted)
        if problems:
            raise InputDataError(str(path), problems)
        if frame.crs is None:
            raise InputDataError.one(str(path), "CRS", "no coordinate reference system", "a file that declares its CRS", "set the CRS of the file; nexus_zones never guesses one")
        if filters:
            n_before = len(frame)
            frame = filter_rows(frame, filters, path=path, key=f"{where}.where")
            dropped = n_before - len(frame)
        empty = (frame.geometry.isna() | frame.geometry.is_empty).to_numpy()
        if empty.any():
            from .errors import EventsOutsideWarning

            warnings.warn(EventsOutsideWarning(f"{path}: {int(empty.sum())} features without geometry were not counted"), stacklevel=2)
        frame = frame[~empty]
        if set(frame.geom_type) - {"Point", "MultiPoint"}:
            raise InputDataError.one(str(path), "geometry", f"geometry types {sorted(set(frame.geom_type))}", "points")
        frame = frame.explode(index_parts=False).to_crs(4326)
    out = gpd.GeoDataFrame(geometry=frame.geometry.to_numpy(), crs="EPSG:4326", index=pd.RangeIndex(len(frame)))
    out.attrs["dropped_by_filters"] = dropped

    def col(ref: str) -> pd.Series:
        return frame[resolve_column(frame, ref)]

    if date_column:
        out["date"] = parse_dates(col(date_column), path=path, column=date_column).to_numpy()
    if type_column:
        out["type"] = col(type_column).astype(str).str.strip().to_numpy()
    if category_column:
        out["category"] = col(category_column).astype(str).str.strip().to_numpy()
    if admin_column:
        out["admin"] = col(admin_column).astype(str).str.strip().to_numpy()
    fatalities_column = resolve_column(frame, fatalities_column) if fatalities_column else None
    if fatalities_column:
        fat = parse_number(frame[fatalities_column].astype(str), path=path, column=fatalities_column)
        if (fat < 0).any():
            raise InputDataError.one(str(path), f"column {fatalities_column!r}", f"negative values in rows {_rows(fat.index[(fat < 0).to_numpy()])}", "counts of 0 or more")
        out["fatalities"] = fat.fillna(0.0).to_numpy()
    return out


def _coordinate(values: pd.Series, path: Path, column: str) -> pd.Series:
    text = values.astype(str).str.strip()
    num = pd.to_numeric(text.str.replace(",", ".", regex=False), errors="coerce")
    bad = num.isna() & (text != "")
    if bad.any():
        raise InputDataError.one(str(path), f"column {column!r}", f"values that are not numbers in rows {_rows(text.index[bad.to_numpy()])} (e.g. {text[bad].iloc[0]!r})", "decimal degrees such as 16.27", "correct those cells")
    return num.astype(float)


_DATE_FORMATS = ("%Y-%m-%d", "%d %B %Y", "%d/%m/%Y", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M:%S", "%d-%b-%y", "%d %b %Y")


def parse_dates(values: pd.Series, *, path: Path, column: str) -> pd.Series:
    """Parse dates written in the usual export formats (ISO ``2017-06-14``, with or without a time
    and offset, where the date as written is kept; ACLED's ``14 June 2017``; ``14/06/2017`` day
    first). Each value may use any of them; a value none fits is an error."""
    text = values.astype(str).str.strip()
    result = pd.Series(pd.NaT, index=text.index, dtype="datetime64[ns]")
    todo = text != ""
    for fmt in _DATE_FORMATS:
        if not todo.any():
            break
        parsed = pd.to_datetime(text[todo], format=fmt, errors="coerce")
        ok = parsed.notna()
        result.loc[parsed.index[ok]] = parsed[ok].astype("datetime64[ns]")
        todo &= result.isna()
    if todo.any():  # ISO date-times with a time, fraction or offset: the date as written (local date)
        head = text[todo].str.extract(r"^(\d{4}-\d{2}-\d{2})[T ]\d{1,2}:\d{2}", expand=False)
        parsed = pd.to_datetime(head, format="%Y-%m-%d", errors="coerce")
        ok = parsed.notna()
        result.loc[parsed.index[ok]] = parsed[ok].astype("datetime64[ns]")
        todo &= result.isna()
    blank = text == ""
    if todo.any() or blank.any():
        bad = todo | blank
        examples = ", ".join(f"row {i}: {text[i]!r}" for i in text[bad].index[:5])
        raise InputDataError.one(
            str(path), f"column {column!r}", f"{int(bad.sum())} dates that cannot be read ({examples})",
            "dates such as 2017-06-14, 14 June 2017 or 14/06/2017", "correct those cells or remove the rows",
        )
    return result


def _id_strings(values: pd.Series) -> pd.Series:
    """Ids as text; whole numbers stored as floats (a GPKG REAL column) lose their ``.0``."""
    if pd.api.types.is_float_dtype(values):
        return values.map(lambda v: None if pd.isna(v) else (str(int(v)) if float(v).is_integer() else str(v)))
    return values


def _polygonal(geometry):
    """Repair a polygon with make_valid and keep only its polygonal parts."""
    import shapely

    fixed = shapely.make_valid(geometry)
    parts = [p for p in shapely.get_parts(fixed) if p.geom_type in ("Polygon", "MultiPolygon")]
    return shapely.union_all(parts) if parts else fixed



def _key_columns(frame: pd.DataFrame, keys: dict[str, str | None]) -> pd.DataFrame:
    """The row-key columns (code, name, parent) under fixed names, as stripped strings."""
    out = pd.DataFrame(index=frame.index)
    for name, ref in keys.items():
        if ref:
            out[name] = frame[resolve_column(frame, ref)].astype(str).str.strip()
    return out


def read_table(
    path: Path,
    *,
    columns: dict[str, str],
    unit_column: str | None = None,
    name_column: str | None = None,
    parent_column: str | None = None,
    where: dict | None = None,
    round_column: str | None = None,
    as_of=None,
    decimal: str | None = None,
    layer: str = "layer",
) -> pd.DataFrame:
    """Read a per-unit table: one row per unit (or per part of a unit, e.g. communes).

    Returns rows with ``code``/``name``/``parent`` key columns (those configured) and one float
    column per measure (``columns`` maps measure -> header or HXL tag): numbers with a decimal point
    or comma, yes/no words as 1/0, blank as missing. With ``round_column`` and ``as_of`` only the
    latest round dated on or before ``as_of`` is kept.
    """
    where_key = f"layers.{layer}"
    wanted = {f"{where_key}.columns.{m}": c for m, c in columns.items()}
    for key, ref in (("unit_column", unit_column), ("name_column", name_column), ("parent_column", parent_column), ("round_column", round_column)):
        if ref:
            wanted[f"{where_key}.{key}"] = ref
    table = read_rows(path, wanted, where=where, where_key=f"{where_key}.where")
    if round_column:
        col = resolve_column(table, round_column)
        dates = parse_dates(table[col], path=path, column=col).dt.normalize()  # a round is a day, whatever its time
        rounds = sorted(set(dates))
        eligible = [d for d in rounds if d <= pd.Timestamp(as_of)]
        if not eligible:
            raise InputDataError.one(
                str(path), f"{where_key}.as_of", f"{as_of}, before every round ({', '.join(str(d.date()) for d in rounds)})",
                "a date on or after the first round", "choose another date",
            )
        chosen = eligible[-1]
        table = table[(dates == chosen).to_numpy()]
        logger.info("layer %s: round of %s chosen (latest on or before %s; %d rounds in the file)", layer, chosen.date(), as_of, len(rounds))
    out = _key_columns(table, {"code": unit_column, "name": name_column, "parent": parent_column})
    problems = []
    for measure, ref in columns.items():
        col = resolve_column(table, ref)
        try:
            values = parse_number(table[col], path=path, column=col, decimal=decimal, key=f"{where_key}.decimal")
        except InputDataError as exc:
            problems.extend(exc.problems)
            continue
        if (values < 0).any():
            problems.append(Problem(f"column {col!r}", f"negative values in rows {_rows(values.index[(values < 0).to_numpy()])}", "values of 0 or more", "correct those cells"))
        out[measure] = values.to_numpy()
    blank = np.zeros(len(out), dtype=bool)
    for key in ("code", "name"):
        if key in out:
            blank |= (out[key] == "").to_numpy()
    if blank.all() and len(out):
        problems.append(Problem(f"{where_key}.unit_column / name_column", "no row with a unit code or name", "a code or a name in every row"))
    if problems:
        raise InputDataError(str(path), problems)
    return out


def _read_xlsx(path: Path) -> pd.DataFrame:
    _require_file(path)
    try:
        frame = pd.read_excel(path, dtype=str, keep_default_na=False)
    except Exception as exc:
        raise InputDataError.one(str(path), "file", f"unreadable as Excel ({exc})", "an .xlsx workbook whose first sheet has a header row") from exc
    frame.columns = [str(c).strip() for c in frame.columns]
    frame.index = pd.RangeIndex(2, len(frame) + 2, name="line")
    return _take_hxl_row(_repair_mojibake(frame, path), path)


def read_rows(path: Path, wanted: dict[str, str], *, where: dict | None = None, where_key: str = "layer.where") -> pd.DataFrame:
    """Read a CSV or XLSX table as strings, check that the ``wanted`` columns exist (config key ->
    header or HXL tag) and keep the rows passing ``where``. Columns keep their headers; HXL tags stay
    in ``attrs['hxl']`` for :func:`resolve_column`."""
    table = _read_xlsx(path) if path.suffix.lower() in (".xlsx", ".xls") else _read_csv(path)
    wanted = dict(wanted)
    for col in (where or {}):
        wanted[f"{where_key}.{col}"] = col
    problems = _missing_columns(path, table, wanted)
    if problems:
        raise InputDataError(str(path), problems)
    if where:
        table = filter_rows(table, where, path=path, key=where_key)
    return table


def filter_rows(table: pd.DataFrame, where: dict, *, path: Path, key: str) -> pd.DataFrame:
    """Keep the rows whose columns hold one of the listed values (numbers compared as numbers)."""
    keep = np.ones(len(table), dtype=bool)
    for ref, values in where.items():
        col = resolve_column(table, ref) or ref
        cells = table[col].astype(str).str.strip()
        ok = cells.isin([str(v) for v in values]).to_numpy()
        numbers = [float(v) for v in values if isinstance(v, (int, float)) and not isinstance(v, bool)]
        if numbers:
            ok = ok | pd.to_numeric(cells, errors="coerce").isin(numbers).to_numpy()
        if not ok.any():
            present = sorted(set(cells))[:12]
            raise InputDataError.one(str(path), f"{key}.{ref}", f"no row with a value in {list(values)}", f"values present in the column: {present}", "correct the values in the config")
        keep &= ok
    out = table[keep]
    out.attrs = table.attrs
    if not len(out):
        raise InputDataError.one(str(path), key, "no row passes every condition together", "at least one row", "loosen the conditions")
    logger.info("%s: %d of %d rows kept by %s", path.name, len(out), len(table), key)
    return out


def read_actors(
    path: Path,
    *,
    organisation_column: str,
    type_column: str,
    humanitarian: Sequence[str],
    development: Sequence[str],
    unit_column: str | None = None,
    name_column: str | None = None,
    parent_column: str | None = None,
    where: dict | None = None,
    layer: str = "layer",
) -> pd.DataFrame:
    """Read a 3W table into rows of key columns, ``organisation``, ``actor_type`` and ``type_value``.

    ``actor_type`` is ``humanitarian`` or ``development`` where the type column's value (folded for
    accents and case) is in the matching list, and missing otherwise; the caller reports those.
    """
    key = f"layers.{layer}"
    wanted = {f"{key}.organisation_column": organisation_column, f"{key}.type_column": type_column}
    for name, ref in (("unit_column", unit_column), ("name_column", name_column), ("parent_column", parent_column)):
        if ref:
            wanted[f"{key}.{name}"] = ref
    table = read_rows(path, wanted, where=where, where_key=f"{key}.where")
    hum = {normalise_name(v) for v in humanitarian}
    dev = {normalise_name(v) for v in development}
    both = hum & dev
    if both:
        raise InputDataError.one(str(path), f"{key}.humanitarian / {key}.development", f"values in both lists: {sorted(both)}", "each type value in one list only")
    type_values = table[resolve_column(table, type_column)].astype(str)
    folded = type_values.map(normalise_name)
    out = _key_columns(table, {"code": unit_column, "name": name_column, "parent": parent_column})
    out["organisation"] = table[resolve_column(table, organisation_column)].astype(str).str.strip()
    out["actor_type"] = np.where(folded.isin(hum), "humanitarian", np.where(folded.isin(dev), "development", None))
    out["type_value"] = type_values.to_numpy()
    blank = (out["organisation"] == "").to_numpy()
    if blank.any():
        raise InputDataError.one(str(path), f"column {organisation_column!r}", f"blank cells in rows {_rows(out.index[blank])}", "an organisation in every row", "fill or remove those rows")
    return out


@dataclass(frozen=True)
class RasterInfo:
    """A raster checked to open: what :mod:`nexus_zones.aggregate` needs to read it by windows."""

    path: Path
    band: int
    crs: str
    nodata: float | None
    width: int
    height: int
    bounds: tuple[float, float, float, float]
    dtype: str


def read_raster(path: Path, *, band: int = 1, nodata: float | None = None, layer: str = "layer") -> RasterInfo:
    """Open a raster and check it: a CRS, the band, a nodata value (the file's, else ``nodata``)."""
    import rasterio
    from rasterio.errors import RasterioIOError

    _require_file(path)
    try:
        with rasterio.open(path) as src:
            problems = []
            if src.crs is None:
                problems.append(Problem("CRS", "no coordinate reference system", "a raster that declares its CRS", "set it with gdal_edit.py -a_srs; nexus_zones never guesses one"))
            if band > src.count:
                problems.append(Problem(f"layers.{layer}.band", str(band), f"a band from 1 to {src.count}"))
            if problems:
                raise InputDataError(str(path), problems)
            declared = src.nodatavals[band - 1]
            return RasterInfo(
                path=path, band=band, crs=src.crs.to_string(), nodata=declared if declared is not None else nodata,
                width=src.width, height=src.height, bounds=tuple(src.bounds), dtype=src.dtypes[band - 1],
            )
    except RasterioIOError as exc:
        raise InputDataError.one(str(path), "file", f"unreadable as a raster ({exc})", "a GeoTIFF or another raster GDAL reads") from exc
