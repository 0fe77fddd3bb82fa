"""The ``points`` kind: point features (events, facilities, posts) counted per unit.

Owns its config spec (:class:`PointsLayerSpec`), its reader (:func:`read_points`: a CSV's
latitude/longitude columns, or any vector file of points), its measures (:data:`POINT_MEASURES`,
plus one per category) and its per-unit measure (:func:`count_points`).

Point-in-polygon rule: a point inside a unit, or on its border, belongs to it; a point on a border
shared by several units belongs to the one whose ``unit_id`` sorts first, so every point is counted
once. Points outside every unit are counted and reported, never silently dropped.
"""

from __future__ import annotations

import logging
import warnings
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Annotated, Iterator, Literal, Mapping, Sequence

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pydantic import Field, ValidationInfo, field_validator, model_validator

from .. import fold, geometry, load, sheets
from ..aggregate import _report_spellings, assign_points, slug
from ..reconcile import conform_codes, match_rows
from ..errors import EventsOutsideWarning, InputDataError, MissingValueWarning, Problem, UnmatchedFilterWarning, UnusedValueWarning, did_you_mean
from ..safety import strip_bidi_columns
from .base import Identifier, MeasureContext, date_window, Measured, ReadContext, Scalar, _check_crs, _fail, _HasPath, _NumberSpelling, _resolve, _Strict

__all__ = ["PointsLayerSpec", "POINT_MEASURES", "PointReport", "read_points", "unlocated_rows", "count_points", "counted", "event_measures", "in_window", "measures", "read", "measure", "empty_parts"]

logger = logging.getLogger(__name__)

#: Measures every points layer yields (``fatalities`` only where the file has that column).
POINT_MEASURES = ("count", "fatalities")
#: Measure names a points layer uses itself; a category slug equal to one gets a ``cat_`` prefix.
RESERVED_POINT_MEASURES = ("count", "fatalities", "count_by_admin")
#: The fewest points outside every unit that can make a points layer an error (with more than half outside).
MIN_OUTSIDE_ERROR = 10
#: The map shows a points layer's points on demand (``map.point_layers``).
MAP_POINTS = True


#: The longest phrase a ``match`` entry may hold (phrases are plain text, never patterns: a pattern
#: can take exponential time on a crafted cell).
MAX_PHRASE = 200


class TextMatch(_Strict):
    """Rows whose text, in any of ``columns``, contains any of the phrases (``contains``), or none
    of them (``excludes``). Case, accents, hyphens, dots and spaces are folded before comparing."""

    columns: list[str] = Field(min_length=1, description="Columns searched (headers or HXL tags), e.g. actor1, actor2, notes.")
    contains: list[Annotated[str, Field(min_length=1, max_length=MAX_PHRASE)]] | None = Field(
        None, min_length=1, description="Keep rows where one of these phrases occurs in one of the columns."
    )
    excludes: list[Annotated[str, Field(min_length=1, max_length=MAX_PHRASE)]] | None = Field(
        None, min_length=1, description="Drop rows where one of these phrases occurs in one of the columns."
    )

    @model_validator(mode="after")
    def _one(self) -> "TextMatch":
        if (self.contains is None) == (self.excludes is None):
            raise _fail("match", "both contains and excludes, or neither", "one of contains (keep) or excludes (drop) per entry", "split it into two entries")
        return self


class PointsLayerSpec(_HasPath, _NumberSpelling):
    """Point features (events, facilities, posts) counted per unit by point-in-polygon.

    CSV files give coordinates in ``latitude``/``longitude`` columns (ACLED's names by default);
    other vector files are read with their geometry. Column names may be HXL hashtags
    (``#geo+lat``) where the file carries an HXL row.
    """

    kind: Literal["points"]
    layer: str | None = None
    latitude: str = "latitude"
    longitude: str = "longitude"
    date_column: str = Field("event_date", description="Date column; needed when year, start or end is set.")
    year: int | None = Field(None, ge=1900, le=2100, description="Count this calendar year (sets start and end).")
    start: date | None = Field(None, description="First day counted (inclusive).")
    end: date | None = Field(None, description="Last day counted (inclusive).")
    type_column: str = Field("event_type", description="Column filtered by `types`.")
    types: list[str] | None = Field(None, min_length=1, description="Keep only rows with these values.")
    where: dict[str, list[Scalar]] = Field(
        default_factory=dict, description="Keep only rows whose column has one of the values, e.g. geo_precision: [1, 2]."
    )
    match: list[TextMatch] = Field(
        default_factory=list,
        description="Keep only rows whose text columns contain one of the phrases (case, accents and punctuation folded); every entry "
        "must hold, e.g. [{columns: [actor1, assoc_actor_1, actor2, assoc_actor_2], contains: [Military Forces of Mali, Police Forces of Mali]}].",
    )
    fatalities_column: str = Field("fatalities", description="Summed per unit where the column exists.")
    category_column: str | None = Field(None, description="Column whose values are counted separately.")
    categories: dict[Identifier, list[str]] | None = Field(
        None, description="Measure name -> category values counted under it (default: each value, slugified)."
    )
    admin_column: str | None = Field(
        None, description="The file's own unit column, a name or a P-code (ACLED: admin2): counted by name beside the spatial count; rows without coordinates are counted in the unit it names, and reported."
    )
    aliases: dict[str, str] = Field(default_factory=dict, description="Names in admin_column -> unit names.")
    name_column: str | None = Field(
        None, description="Column naming each point (e.g. a facility's name), shown in the map's point tooltips."
    )
    id_column: str | None = Field(
        None, description="Column of record ids; a repeated id is counted once (default: ACLED's event_id_cnty where the file has it)."
    )
    timestamp_column: str = Field(
        "timestamp", description="Where rows share an id but differ, the row with the newest value here is kept (ACLED: timestamp); used where the column exists."
    )
    sheet: str | int | None = Field(None, description="Sheet of an .xlsx workbook of points (its name, or its position from 0); default: the first.")
    header_row: int | None = Field(None, ge=1, description="Row (line) of the column names, from 1; default: the first row, or in a workbook the first row under title rows of one cell.")
    deleted: Path | None = Field(
        None, description="A list of deleted records (CSV with event_id_cnty and, optionally, deleted_timestamp), as ACLED publishes its "
        "deleted events: rows of the layer whose id is listed are not counted, unless the row's timestamp is later than the deletion "
        "(published again). A re-downloaded export can lose events as well as gain them; relative to the config file's folder.",
    )

    @field_validator("deleted")
    @classmethod
    def _resolve_deleted(cls, value: Path | None, info: ValidationInfo) -> Path | None:
        return None if value is None else _resolve(value, info, data=True)

    def input_paths(self) -> tuple[Path, ...]:
        """The points file and the list of deleted records."""
        return (self.path,) if self.deleted is None else (self.path, self.deleted)
    allow_empty: bool = Field(
        False, description="The file may have no row in the window (of the types): every unit then counts 0, with a warning, even where rules or weighted indicators use it."
    )
    crs: str | None = Field(
        None,
        description="The CRS the coordinates are in, when not WGS 84 degrees: for a CSV, the latitude column holds y and the "
        "longitude column x in this CRS (e.g. EPSG:32630 for UTM zone 30N metres); for a vector file, overrides the CRS it declares. "
        "Default: degrees (CSV) or the file's CRS.",
    )
    outside: Literal["error", "accept"] = Field(
        "error",
        description="When more than half of the points in the window (at least 10) fall outside every unit of the boundaries file: "
        "error (default: it is usually swapped latitude/longitude, metres taken for degrees or another country's file; the error "
        "shows the evidence), or accept (they are knowingly left uncounted, e.g. a file covering more than the boundaries; "
        "an EventsOutsideWarning counts them).",
    )

    @model_validator(mode="after")
    def _window(self) -> "PointsLayerSpec":
        _check_crs(self.crs)
        if self.year is not None and (self.start or self.end):
            raise _fail("year", f"year {self.year} and start/end", "either year or start/end", "remove one of them")
        if self.start and self.end and self.start > self.end:
            raise _fail("start", f"start {self.start} after end {self.end}", "start on or before end", "swap or correct the dates")
        if self.categories and not self.category_column:
            raise _fail("categories", "categories without category_column", "category_column naming the column that holds the categories")
        if self.categories:
            clash = set(self.categories) & set(POINT_MEASURES)
            if clash:
                raise _fail("categories", f"category names {sorted(clash)}", f"names other than the built-in measures {POINT_MEASURES}", "rename them")
        return self

    @property
    def window(self) -> tuple[date | None, date | None]:
        """The inclusive date window (``year`` expanded)."""
        return date_window(self.year, self.start, self.end)


Spec = PointsLayerSpec


# ------------------------------------------------------------------------------------ the kind


def measures(spec: PointsLayerSpec) -> tuple[str, ...] | None:
    """``count``, ``fatalities`` and the configured categories; ``None`` where the categories are
    the file's own values (known only from the data)."""
    if spec.category_column and not spec.categories:
        return None
    return POINT_MEASURES + tuple(spec.categories or ())


def read(name: str, spec: PointsLayerSpec, context: ReadContext) -> gpd.GeoDataFrame:
    """Read the layer's points with the columns its spec asks for (see :func:`read_points`)."""
    need_date = spec.window != (None, None)
    points = read_points(
        spec.path, layer=spec.layer, latitude=spec.latitude, longitude=spec.longitude,
        date_column=spec.date_column if need_date else None, type_column=spec.type_column if spec.types else None,
        category_column=spec.category_column, types=spec.types, categories=spec.categories,
        fatalities_column=spec.fatalities_column, admin_column=spec.admin_column, name_column=spec.name_column,
        filters=spec.where or None, matches=[m.model_dump() for m in spec.match] or None, where=f"layers.{name}", id_column=spec.id_column, timestamp_column=spec.timestamp_column,
        decimal=spec.decimal, thousands=spec.thousands, crs=spec.crs, reference=context.reference,
        deleted=load.read_deleted_records(spec.deleted, key=f"layers.{name}.deleted") if spec.deleted else None, sheet=spec.sheet,
        header_row=spec.header_row, countable=(spec.window, spec.types) if context.countable_only else None,
        # the texts a page shows of each point (tooltips, legends): bidirectional controls removed, with a warning
        clean=lambda frame, lines: strip_bidi_columns(frame, ("type", "category", "admin", "name"), source=str(spec.path), lines=lines),
    )
    return points


def measure(name: str, spec: PointsLayerSpec, data: gpd.GeoDataFrame, context: MeasureContext) -> Measured:
    """Count the points in the window (of the types) per study unit (see :func:`count_points`)."""
    start, end = spec.window
    values, report = count_points(
        context.units, data, start=start, end=end, types=spec.types, categories=spec.categories,
        all_units=context.all_units, aliases=spec.aliases, layer=name, outside=spec.outside, source=str(spec.path),
    )
    return Measured(values, report=report, points=data)


def for_period(spec: PointsLayerSpec, period) -> PointsLayerSpec:
    """The layer in a period of a follow-up study: a dated layer (one with a window) counts the
    period's window; an undated one (facilities) stays as it is."""
    if spec.window == (None, None):
        return spec
    if period.year is not None:
        return spec.model_copy(update={"year": period.year, "start": None, "end": None})
    return spec.model_copy(update={"year": None, "start": period.window[0], "end": period.window[1]})


def empty_parts(name: str, spec: PointsLayerSpec, data: gpd.GeoDataFrame, measured: Measured, layer_measures: list[str]) -> Iterator[tuple[str, str, list[str]]]:
    """Yield ``(config key, why, measures affected)`` where no point is counted in any study unit,
    or a configured category has no row in the file."""
    why = _empty_why(spec, data, measured.report)
    if why:
        yield f"layers.{name}", why, layer_measures
    elif spec.categories and "category" in data.columns:
        facts = _located_facts(data, *spec.window, spec.types)
        present = set(facts["categories_present"]) if facts else set(data["category"].astype(str))
        for cat, values in spec.categories.items():
            if not present & set(values):
                yield (f"layers.{name}.categories.{cat}", f"no row with the category values {values}{did_you_mean(values[0], present)} "
                       f"(values in the file: {sorted(present)[:12]})", [f"{name}.{cat}"])


def _empty_why(spec: PointsLayerSpec, points: gpd.GeoDataFrame, rep: "PointReport") -> str | None:
    """Why no point of the layer is counted in any study unit, or ``None`` if some are."""
    start, end = spec.window
    in_window = rep.read - rep.outside_window
    kept = in_window - rep.other_types
    if rep.read == 0:
        return load.no_rows_why(spec.path)
    facts = _located_facts(points, start, end, spec.types)
    if in_window == 0:
        first, last = facts["dates"] if facts else (pd.to_datetime(points["date"]).min(), pd.to_datetime(points["date"]).max())
        return f"0 of {rep.read:,} rows in {start or '…'}..{end or '…'} (the file's dates run {first.date()}..{last.date()})"
    if kept == 0:
        present = sorted(map(str, facts["types_present"])) if facts else sorted(set(points["type"]))
        return f"0 of {in_window:,} rows in the window are of the types {list(spec.types or [])} (types in the file: {present[:12]})"
    if rep.counted == 0:
        return (f"none of the {kept:,} rows kept lies in a study unit ({rep.outside_units:,} outside every unit, "
                f"{rep.in_units_outside_study:,} in units outside the study); are latitude and longitude right?")
    return None


# ------------------------------------------------------------------------------------ reader


def read_points(
    path: Path,
    *,
    layer: str | None = None,
    latitude: str = "latitude",
    longitude: str = "longitude",
    date_column: str | None = None,
    type_column: str | None = None,
    category_column: str | None = None,
    types: Sequence[str] | None = None,
    categories: Mapping[str, Sequence[str]] | None = None,
    fatalities_column: str | None = "fatalities",
    admin_column: str | None = None,
    name_column: str | None = None,
    filters: dict | None = None,
    matches: Sequence[Mapping] | None = None,
    where: str = "layer",
    id_column: str | None = None,
    timestamp_column: str | None = "timestamp",
    decimal: str | None = None,
    thousands: str | None = None,
    crs: str | None = None,
    reference: gpd.GeoDataFrame | None = None,
    deleted: pd.Series | None = None,
    sheet: str | int | None = None,
    header_row: int | None = None,
    countable: tuple[tuple[date | None, date | None], Sequence[str] | None] | None = None,
    clean=None,
) -> gpd.GeoDataFrame:
    """Read points with the columns asked for.

    CSV files and workbooks (``.xlsx``, its ``sheet``, default the first) take coordinates from
    ``latitude``/``longitude``; other files are read as vector data and reprojected to EPSG:4326. The result has ``geometry`` and, where asked for, ``date``
    (datetime64), ``type``, ``category``, ``admin`` (the file's own unit name), ``name`` (each point's name) and ``fatalities``
    (float; only when the file has that column). Rows not passing ``filters`` (column -> accepted
    values) are dropped; their number is kept in ``attrs['dropped_by_filters']``. ``where`` is the
    config key prefix used in messages (e.g. ``layers.incidents``). Column names may be HXL tags.
    Type and category cells that differ from a value in ``types`` or ``categories`` (measure -> values)
    only by case, accents or spaces are read as that value, with a ``SpellingVariantWarning``
    (:func:`~nexus_zones.fold.fold_to_listed`); so are the cells of ``filters``.

    Each record is counted once: where ``id_column`` is given (or, by default, the file has ACLED's
    ``event_id_cnty``), rows repeating an id are dropped before any filter, as
    :func:`~nexus_zones.load.drop_repeated_records` says; rows equal in every column to an earlier row
    are dropped too (:func:`~nexus_zones.load.drop_exact_copies`), with or without an id column.
    ``decimal`` and ``thousands`` state the spelling of the fatalities (see :func:`~nexus_zones.load.parse_number`);
    coordinates take a dot or a comma as their decimal mark whatever these say.
    ``crs`` is the CRS of the coordinates when not WGS 84 degrees (for a CSV, ``longitude`` holds x
    and ``latitude`` y in it; for a vector file it overrides the declared CRS). Coordinates that
    cannot be degrees are an error; with ``reference`` (every unit of the boundaries) the error
    says how many points fall inside as given, swapped, or read as metres of the usual CRSs.
    ``deleted`` (:func:`~nexus_zones.load.read_deleted_records`) drops the rows of deleted records,
    before any filter; their number is kept in ``attrs['deleted']``.
    ``clean`` (a function of the frame and of each row's line in the file) is applied to the points
    read (before those without coordinates are set aside), e.g. to remove bidirectional controls.
    ``countable`` (``((start, end), types)``, the window and types of the one measure that will count
    the points): only the located points it can count are kept, and given geometries; what
    :func:`count_points` reports of the others is kept in ``attrs`` (see :func:`_keep_countable`).
    """
    wanted = _wanted(where, date_column=date_column, type_column=type_column, category_column=category_column,
                     admin_column=admin_column, name_column=name_column, filters=filters, id_column=id_column)
    for i, entry in enumerate(matches or ()):
        wanted.update({f"{where}.match[{i}].columns[{j}]": col for j, col in enumerate(entry["columns"])})
    filters = {**(filters or {}), **({_MATCH: list(matches)} if matches else {})} or None
    records = dict(id_column=id_column, timestamp_column=timestamp_column, key=where)
    keep = admin_column is not None  # rows without coordinates are counted by the unit they name
    place = dict(where=where, crs=crs, reference=reference, filters=filters, records=records, deleted=deleted, keep_unlocated=keep)
    if path.suffix.lower() in (".csv", ".txt", ".tsv") and crs is None and header_row is None:
        fast = _read_csv_points_fast(path, latitude, longitude, wanted, fatalities_column, where=where, filters=filters, records=records,
                                     columns=dict(date_column=date_column, type_column=type_column, category_column=category_column, admin_column=admin_column,
                                                  name_column=name_column, types=types, categories=categories, where=where),
                                     decimal=decimal, thousands=thousands, deleted=deleted, reference=reference, keep_unlocated=keep,
                                     lazy=countable is not None)
        if fast is not None:
            fast, xy, xy_lines = fast
            fast = _cleaned(fast, clean, xy_lines)
            return _keep_countable(fast if xy is not None else _set_unlocated_aside(fast), countable, xy)
    if path.suffix.lower() in _TABLES:
        table = load.read_table_file(path, sheet=sheet, header_row=header_row)
        problems = sheets.error_cell_problems(table, {**wanted, f"{where}.latitude": latitude, f"{where}.longitude": longitude})
        if problems:
            raise InputDataError(str(path), problems)
        frame, dropped = _read_csv_points(table, path, latitude, longitude, wanted, fatalities_column, **place)
    else:
        frame, dropped = _read_vector_points(path, layer, wanted, **place)
    out = gpd.GeoDataFrame(geometry=frame.geometry.to_numpy(), crs="EPSG:4326", index=pd.RangeIndex(len(frame)))
    out.attrs["dropped_by_filters"] = dropped
    out.attrs["deleted"] = int(frame.attrs.get("deleted", 0))
    _take_columns(out, frame, path, date_column=date_column, type_column=type_column, category_column=category_column, admin_column=admin_column,
                  name_column=name_column, types=types, categories=categories, where=where)
    _take_fatalities(out, frame, path, fatalities_column, decimal=decimal, thousands=thousands, where=where)
    if "geo_precision" in frame.columns:  # ACLED's location precision (1 exact, 2 near, 3 region), read when present
        out["geo_precision"] = pd.to_numeric(frame["geo_precision"], errors="coerce").to_numpy()
    return _keep_countable(_set_unlocated_aside(_cleaned(out, clean, frame.index.to_numpy())), countable)


def _cleaned(points: gpd.GeoDataFrame, clean, lines) -> gpd.GeoDataFrame:
    """``clean(points, lines)`` (``lines``: each row's line in the file, by position), where given."""
    return points if clean is None else clean(points, lines)


def _keep_countable(points: gpd.GeoDataFrame, countable, xy: tuple[np.ndarray, np.ndarray] | None = None) -> gpd.GeoDataFrame:
    """The located points that ``countable`` (``((start, end), types)``) can count, given their
    geometry from ``xy`` (``(lon, lat)`` of every row) where it is not built yet; rows without
    coordinates stay in ``attrs['unlocated']`` as they are. What :func:`count_points` and
    :func:`empty_parts` say of the located points, with the window and types they were chosen by,
    in ``attrs['countable']`` (see :func:`_located_facts`): the number read, outside the window and
    of other types, the date range and the types and categories present."""
    if countable is None:
        return points
    (start, end), types = countable
    window = in_window(points, start, end)
    keep = window & _of_types(points, types)
    dates = pd.to_datetime(points["date"]) if "date" in points.columns else None
    facts = dict(
        window=(start, end), types=tuple(types) if types else None, read=len(points), outside_window=int((~window).sum()),
        other_types=int((window & ~keep).sum()),
        dates=(dates.min(), dates.max()) if dates is not None else None,
        types_present=tuple(points["type"].unique()) if "type" in points.columns else None,
        categories_present=tuple(sorted(set(points["category"].astype(str)))) if "category" in points.columns else None,
    )
    out = points[keep].reset_index(drop=True)
    if xy is not None:
        out = out.set_geometry(gpd.points_from_xy(xy[0][keep], xy[1][keep]), crs="EPSG:4326")
    out.attrs = {**points.attrs, "countable": tuple(facts.items())}
    logger.debug("%d of %d located points kept before their geometry is built: those the layer's window and types can count", len(out), len(points))
    return out


def _located_facts(points: pd.DataFrame, start: date | None, end: date | None, types: Sequence[str] | None) -> dict | None:
    """What :func:`_keep_countable` kept of the located points read, where they were chosen by this
    window and these types (``None`` where every located point is in the frame)."""
    kept = points.attrs.get("countable")
    if not kept:
        return None
    facts = dict(kept)
    if facts["window"] != (start, end) or facts["types"] != (tuple(types) if types else None):
        raise ValueError(f"points kept for the window {facts['window']} and types {facts['types']}, counted for {(start, end)} and {types}")
    return facts


def _set_unlocated_aside(points: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """The points with a location; the rows without coordinates (kept where the layer has an
    ``admin_column``) in ``attrs['unlocated']`` (their columns, no geometry): :func:`count_points`
    counts them by the unit they name, and nothing else sees them."""
    missing = (points.geometry.isna() | points.geometry.is_empty).to_numpy()
    if not missing.any():
        return points
    out = points[~missing].reset_index(drop=True)
    rows = pd.DataFrame(points[missing].drop(columns="geometry"))
    # as plain tuples: pandas compares attrs when it combines frames, which a frame in them would break
    out.attrs = {**points.attrs, "unlocated": (tuple(rows.columns), tuple(rows.itertuples(index=False, name=None)))}
    return out


def unlocated_rows(points: gpd.GeoDataFrame) -> pd.DataFrame | None:
    """The rows without coordinates that :func:`read_points` set aside (``None`` where there are none)."""
    kept = points.attrs.get("unlocated")
    if not kept:
        return None
    columns, rows = kept
    frame = pd.DataFrame(list(rows), columns=list(columns))
    if "date" in frame.columns:
        frame["date"] = pd.to_datetime(frame["date"])
    return frame


def _wanted(where: str, *, filters: dict | None, **columns: str | None) -> dict[str, str]:
    """Config key -> column for every column the reading needs besides the coordinates."""
    wanted = {f"{where}.{key}": col for key, col in columns.items() if col and key != "id_column"}
    for col in filters or {}:
        wanted[f"{where}.where.{col}"] = col
    if columns.get("id_column"):
        wanted[f"{where}.id_column"] = columns["id_column"]
    return wanted


#: Key of the text matches among the filters handed down the readers.
_MATCH = "\x00match"


def _filtered(frame: pd.DataFrame, filters: dict | None, path: Path, where: str) -> tuple[pd.DataFrame, int]:
    """The rows passing ``filters`` (and the text matches), and how many were dropped."""
    if not filters:
        return frame, 0
    filters = dict(filters)
    matches = filters.pop(_MATCH, None)
    kept = load.filter_rows(frame, filters, path=path, key=f"{where}.where") if filters else frame
    if matches:
        keep = load.match_text(kept, matches, path=path, key=f"{where}.match")
        out = kept[keep]
        out.attrs = kept.attrs
        kept = out
    return kept, len(frame) - len(kept)


#: Files whose points are rows with coordinate columns (the others are vector files).
_TABLES = (".csv", ".txt", ".tsv", ".xlsx", ".xls")


def _read_csv_points(table, path, latitude, longitude, wanted, fatalities_column, *, where, crs, reference, filters, records, deleted,
                     keep_unlocated=False) -> tuple[gpd.GeoDataFrame, int]:
    """Points from the coordinate columns of a table read from a CSV or a workbook, one per record, filtered."""
    if table.attrs.get("empty_file") and fatalities_column:  # no header: the optional column is assumed too
        wanted[f"{where}.fatalities_column"] = fatalities_column
    problems = load._missing_columns(path, table, {f"{where}.latitude": latitude, f"{where}.longitude": longitude, **wanted})
    if problems:
        raise InputDataError(str(path), problems)
    table = _drop_deleted(load.drop_repeated_records(table, path, **records), path, deleted, **records)
    table = load.drop_exact_copies(table, path, effect=_POINT_COPIES)
    table, dropped = _filtered(table, filters, path, where)
    lat, lon = load.resolve_column(table, latitude), load.resolve_column(table, longitude)
    return load._csv_points(table, path, lat, lon, where=where, crs=crs, reference=reference, keep_unlocated=keep_unlocated), dropped


def _read_csv_points_fast(path, latitude, longitude, wanted, fatalities_column, *, where, filters, records, columns, decimal, thousands, deleted,
                          reference=None, keep_unlocated=False, lazy=False) -> tuple[gpd.GeoDataFrame, tuple | None, np.ndarray] | None:
    """:func:`read_points` of a large CSV by pyarrow (:func:`~nexus_zones.load.read_csv_arrow`), in
    the general path's steps and with its functions: records once (repeated ids, exact copies,
    deleted records: the general functions, on every column), filters, coordinates, columns.
    Columns in the common clean spellings (ISO dates, degrees, whole counts, text) are read by
    vectorised kernels; a column in another spelling (dates such as ``14 June 2017``, counts with
    separators, coordinates with blanks) by the general function for that column, so that results
    and messages are the same. ``None`` only where the file itself needs the general reader
    (see :func:`~nexus_zones.load.read_csv_arrow`). With ``lazy``, where every row has plain degrees,
    the geometries are left to be built (empty) and their ``(lon, lat)`` returned beside the frame;
    then each row's line in the file."""
    optional = [c for c in (fatalities_column, "geo_precision", "year") if c]
    cols = load.read_csv_arrow(path, [latitude, longitude, *wanted.values()], optional=optional)
    if cols is None:
        return None
    cols, n_deleted = _arrow_records(cols, path, deleted, records)
    cols, dropped = _arrow_filtered(cols, filters, path, where)
    cols, geometry = _arrow_points(cols, path, latitude, longitude, where=where, reference=reference, keep_unlocated=keep_unlocated, lazy=lazy)
    xy = geometry if isinstance(geometry, tuple) else None
    if xy is not None:
        geometry = np.full(len(cols.lines), None, dtype=object)  # built for the rows kept (:func:`_keep_countable`)
    out = gpd.GeoDataFrame(geometry=geometry, crs="EPSG:4326", index=pd.RangeIndex(len(cols.lines)))
    out.attrs["dropped_by_filters"] = dropped
    out.attrs["deleted"] = n_deleted
    _arrow_columns(out, cols, path, **columns)
    fat = cols.resolved.get(fatalities_column) if fatalities_column else None
    counts = load.arrow_counts(cols.arrays[fat]) if fat else None
    if counts is not None and counts.max(initial=0) <= load.MAX_ABS_VALUE:
        out["fatalities"] = counts
    elif fat:
        _take_fatalities(out, cols.frame([fat]), path, fatalities_column, decimal=decimal, thousands=thousands, where=where)
    if "geo_precision" in cols.arrays:  # ACLED's location precision, as the general path reads it
        out["geo_precision"] = pd.to_numeric(pd.Series(load.arrow_text(cols.arrays["geo_precision"])), errors="coerce").to_numpy()
    return out, xy, cols.lines


def _arrow_records(cols: "load.ArrowColumns", path: Path, deleted: pd.Series | None, records: dict) -> tuple["load.ArrowColumns", int]:
    """Each record once, as :func:`_read_csv_points` decides it: the general functions on every
    column of the file (they compare whole rows); the rows kept, and how many were deleted records."""
    table = cols.table()
    table = _drop_deleted(load.drop_repeated_records(table, path, **records), path, deleted, **records)
    table = load.drop_exact_copies(table, path, effect=_POINT_COPIES)
    kept = cols if len(table) == len(cols.lines) else cols.take_lines(table.index)
    return kept, int(table.attrs.get("deleted", 0))


def _arrow_points(cols: "load.ArrowColumns", path: Path, latitude: str, longitude: str, *, where: str, reference,
                  keep_unlocated: bool = False, lazy: bool = False) -> tuple["load.ArrowColumns", np.ndarray | tuple[np.ndarray, np.ndarray]]:
    """The points of the rows, as :func:`~nexus_zones.load._csv_points` makes them: plain degrees by
    pyarrow, other spellings (blanks, signs, degrees out of range) by that function itself. With
    ``lazy``, plain degrees are returned as ``(lon, lat)``, to build only the points kept."""
    lat_col, lon_col = cols.resolved[latitude], cols.resolved[longitude]
    lat, lon = load.arrow_degrees(cols.arrays[lat_col]), load.arrow_degrees(cols.arrays[lon_col])
    if lat is None or lon is None or (np.abs(lat) > 90).any() or (np.abs(lon) > 180).any():
        frame = load._csv_points(cols.frame([lat_col, lon_col]), path, lat_col, lon_col, where=where, crs=None, reference=reference, keep_unlocated=keep_unlocated)
        return cols.take_lines(frame.index), frame.geometry.to_numpy()
    load.refuse_swapped_rows(lat, lon, cols.lines, path, latitude, longitude, where=where, reference=reference)
    return cols, ((lon, lat) if lazy else gpd.points_from_xy(lon, lat))


def _drop_deleted(frame: pd.DataFrame, path: Path, deleted: pd.Series | None, *, id_column: str | None, timestamp_column: str | None, key: str) -> pd.DataFrame:
    """``frame`` without the rows of deleted records (:func:`~nexus_zones.load.deleted_rows`); their
    number in ``attrs['deleted']``."""
    if deleted is None:
        return frame
    col = _id_column(path, list(frame.columns), id_column, key, resolve=lambda ref: load.resolve_column(frame, ref))
    stamp = load.resolve_column(frame, timestamp_column) if timestamp_column else None
    drop = load.deleted_rows(frame[col], frame[stamp] if stamp else None, deleted, path=path, column=col, key=f"{key}.deleted")
    _log_deleted(path, key, int(drop.sum()), deleted, frame[col])
    out = frame[~drop]
    out.attrs = {**frame.attrs, "deleted": int(drop.sum())}
    return out


def _id_column(path: Path, columns: list[str], id_column: str | None, key: str, *, resolve) -> str:
    """The record id column a list of deleted records is matched on: the configured one, else ACLED's."""
    ref = id_column or next((c for c in load.DEFAULT_ID_COLUMNS if c in columns), None)
    col = resolve(ref) if ref else None
    if col is None:
        raise InputDataError.one(
            str(path), f"{key}.deleted", f"a list of deleted records, but no record id column in the file (looked for {id_column or load.DEFAULT_ID_COLUMNS[0]!r})",
            "the column of the ids the list names", f"set {key}.id_column to the file's id column, or remove {key}.deleted")
    return col


def _log_deleted(path: Path, key: str, dropped: int, deleted: pd.Series, ids: pd.Series) -> None:
    """Log what the list of deleted records removed; an empty list, or one none of whose ids is a
    record of the file, is a warning (a list of another country or export, or the wrong column)."""
    listed = len(deleted)
    if not listed:
        warnings.warn(UnusedValueWarning(f"{key}.deleted: the list of deleted records holds no id, so no record of {path.name} was removed. "
                                         "Fix: download the list again, or remove the deleted: key"), stacklevel=3)
    elif not dropped and len(ids):
        file_ids = ", ".join(repr(v) for v in pd.unique(ids.astype(str))[:3])
        warnings.warn(UnusedValueWarning(
            f"{key}.deleted: none of the {listed} ids of the list of deleted records is a record id of {path.name} (the list has "
            f"{', '.join(repr(v) for v in list(deleted.index)[:3])}; the file has {file_ids}), so no record was removed. Fix: use the list "
            "published with this export (same country and period), or name the file's id column in id_column"), stacklevel=3)
    logger.info("%s: %d rows not counted: their records are in the list of deleted records (%s.deleted, %d ids)", path.name, dropped, key, listed)


def _arrow_filtered(cols: "load.ArrowColumns", filters: dict | None, path: Path, where: str) -> tuple["load.ArrowColumns", int]:
    """The rows passing ``filters`` (decided by :func:`~nexus_zones.load.filter_rows` on those columns only)."""
    if not filters:
        return cols, 0
    if _MATCH in filters:  # the general functions on the filtered columns only
        refs = [r for r in filters if r != _MATCH] + [c for m in filters[_MATCH] for c in m["columns"]]
        frame = cols.frame([cols.resolved[r] for r in refs])
        kept, dropped = _filtered(frame, filters, path, where)
        return cols.take(frame.index.isin(kept.index)), dropped
    masks = [load.arrow_is_in(cols.arrays[cols.resolved[ref]], values) if isinstance(values, list) else None for ref, values in filters.items()]
    if all(m is not None for m in masks):
        keep = np.logical_and.reduce(masks)
        if keep.any():
            logger.info("%s: %d of %d rows kept by %s.where", path.name, int(keep.sum()), len(keep), where)
            return cols.take(keep), int((~keep).sum())
    frame = cols.frame([cols.resolved[ref] for ref in filters])
    kept = load.filter_rows(frame, filters, path=path, key=f"{where}.where")
    return cols.take(frame.index.isin(kept.index)), len(frame) - len(kept)


def _arrow_columns(out: gpd.GeoDataFrame, cols: "load.ArrowColumns", path: Path, *, date_column, type_column, category_column, admin_column,
                   name_column=None, types=None, categories=None, where: str = "layer") -> None:
    """:func:`_take_columns` from pyarrow columns: ISO dates and text by pyarrow, other dates the general
    way; types and categories folded to the config's spelling as there."""
    if date_column:
        dates = load.arrow_dates(cols.arrays[cols.resolved[date_column]])
        if dates is None:
            _take_columns(out, cols.frame([cols.resolved[date_column]]), path, date_column=date_column, type_column=None, category_column=None, admin_column=None)
        else:
            out["date"] = dates
        if "year" in cols.arrays and cols.resolved[date_column] != "year":
            load.warn_year_mismatch(out["date"].to_numpy(), cols.series("year"), path=path, date_column=date_column)
    listed = {"type": (types or (), "types"), "category": ([v for values in (categories or {}).values() for v in values], "categories")}
    for name, ref in (("type", type_column), ("category", category_column), ("admin", admin_column), ("name", name_column)):
        if ref:
            cells = pd.Series(load.arrow_text(cols.arrays[cols.resolved[ref]]))
            if name in listed:
                values, key = listed[name]
                cells = fold.fold_to_listed(cells, values, path=path, column=ref, key=f"{where}.{key}")
            out[name] = cells.to_numpy()


def _read_vector_points(path, layer, wanted, *, where, crs, reference, filters, records, deleted, keep_unlocated=False) -> tuple[gpd.GeoDataFrame, int]:
    """Points of a vector file in EPSG:4326, one per record, filtered; features without geometry
    are reported and left out (``keep_unlocated`` applies to tables only), other geometry types are an error."""
    frame = load._read_vector(path, layer)
    problems = load._missing_columns(path, frame, wanted)
    if problems:
        raise InputDataError(str(path), problems)
    frame = load._with_crs(frame, path, str(path), crs=crs, key=f"{where}.crs", reference=reference)
    frame = _drop_deleted(load.drop_repeated_records(frame, path, **records), path, deleted, **records)
    frame, dropped = _filtered(frame, filters, path, where)
    empty = (frame.geometry.isna() | frame.geometry.is_empty).to_numpy()
    if empty.any():
        warnings.warn(EventsOutsideWarning(f"{path}: {int(empty.sum())} features without geometry were not counted"), stacklevel=3)
    frame = load.drop_exact_copies(frame[~empty], path, effect=_POINT_COPIES)
    if set(frame.geom_type) - {"Point", "MultiPoint"}:
        raise InputDataError.one(str(path), "geometry", f"geometry types {sorted(set(frame.geom_type))}", "points")
    return frame.explode(index_parts=False).to_crs(4326), dropped


#: What an exact copy of a point would have done: a row equal in EVERY column (names, notes, sources
#: included) is one record written twice (a list appended to itself), not two events.
_POINT_COPIES = "each would have been counted twice; two real records differ in at least one column (an id, a date, a name, a note)"


def _take_columns(out: gpd.GeoDataFrame, frame: pd.DataFrame, path: Path, *, date_column, type_column, category_column, admin_column,
                  name_column=None, types=None, categories=None, where: str = "layer") -> None:
    """Copy the asked-for columns under their fixed names: ``date`` parsed, the others as stripped text;
    types and categories folded to the config's spelling (:func:`~nexus_zones.fold.fold_to_listed`)."""
    if date_column:
        out["date"] = load.parse_dates(frame[load.resolve_column(frame, date_column)], path=path, column=date_column).to_numpy()
        if "year" in frame.columns and load.resolve_column(frame, date_column) != "year":
            load.warn_year_mismatch(out["date"].to_numpy(), frame["year"], path=path, date_column=date_column)
    listed = {"type": (types or (), "types"), "category": ([v for values in (categories or {}).values() for v in values], "categories")}
    for name, ref in (("type", type_column), ("category", category_column), ("admin", admin_column), ("name", name_column)):
        if ref:
            cells = frame[load.resolve_column(frame, ref)].astype(str).str.strip()
            if name in listed:
                values, key = listed[name]
                cells = fold.fold_to_listed(cells, values, path=path, column=ref, key=f"{where}.{key}")
            out[name] = cells.to_numpy()


def _take_fatalities(out: gpd.GeoDataFrame, frame: pd.DataFrame, path: Path, column: str | None, *, decimal, thousands, where: str) -> None:
    """Fatalities (counts of people, 0 where blank) where the file has the column."""
    column = load.resolve_column(frame, column) if column else None
    if not column:
        return
    text = frame[column].astype(str)
    fat = load.parse_number(text, path=path, column=column, decimal=decimal, thousands=thousands,
                            whole="fatalities are counts of people", key=f"{where}.decimal")
    negative = load._negative_problem(fat, text, column, "counts of 0 or more")
    if negative:
        raise InputDataError(str(path), [negative])
    _warn_blank(frame, text, path, column)
    out["fatalities"] = fat.fillna(0.0).to_numpy()


def _warn_blank(frame: pd.DataFrame, text: pd.Series, path: Path, column: str) -> None:
    """A blank fatalities cell (or a line cut short before it) is counted as 0: say so, naming the lines."""
    blank = text.str.strip().isin(["", "nan", "None"]).to_numpy()
    if blank.any():
        lines = [str(i) for i in frame.index[blank][:8]]
        more = f" and {int(blank.sum()) - 8} more" if blank.sum() > 8 else ""
        warnings.warn(MissingValueWarning(
            f"{path}: column {column!r} is blank in {int(blank.sum())} of {len(blank)} rows (line {', '.join(lines)}{more}), counted as 0 "
            f"fatalities; check those lines (a line cut short before its last fields reads as blank)"), stacklevel=3)


# ------------------------------------------------------------------------------------ measure


@dataclass(frozen=True)
class PointReport:
    """What happened to the points of one layer."""

    read: int
    outside_window: int
    other_types: int
    counted: int
    outside_units: int
    on_shared_border: int
    in_units_outside_study: int = 0
    outside_examples: tuple[str, ...] = field(default=())
    dropped_by_filters: int = 0
    by_admin: dict = field(default_factory=dict)
    without_coordinates: dict = field(default_factory=dict)

    def as_dict(self) -> dict[str, object]:
        return {k: (list(v) if isinstance(v, tuple) else v) for k, v in self.__dict__.items()}


def count_points(
    units: gpd.GeoDataFrame,
    points: gpd.GeoDataFrame,
    *,
    start: date | None = None,
    end: date | None = None,
    types: Sequence[str] | None = None,
    categories: Mapping[str, Sequence[str]] | None = None,
    all_units: pd.DataFrame | None = None,
    aliases: Mapping[str, str] | None = None,
    layer: str = "points",
    outside: str = "error",
    source: str | None = None,
) -> tuple[pd.DataFrame, PointReport]:
    """Count points (and sum ``fatalities``) per unit, within a date window and type filter.

    Parameters
    ----------
    units
        Study units indexed by ``unit_id`` (EPSG:4326).
    points
        Output of :func:`read_points`: ``geometry`` and optional ``date``, ``type``, ``category``,
        ``fatalities`` columns.
    start, end
        Inclusive date window; needs a ``date`` column.
    types
        Keep only points whose ``type`` is one of these.
    categories
        Measure name → category values counted under it. Where ``points`` has a ``category``
        column and this is ``None``, each distinct value is counted under its :func:`~nexus_zones.aggregate.slug`.
    all_units, aliases
        Where ``points`` has an ``admin`` column (the file's own unit names, e.g. ACLED's
        ``admin2``): every unit of the boundaries (``name``, ``region``) to match those names to, and
        name aliases. The count by name is returned as ``count_by_admin`` beside the spatial count,
        and the report lists where the two disagree.
    layer
        Layer name, for messages.
    outside, source
        When most points in the window fall outside every unit of the boundaries (more than half,
        and at least :data:`MIN_OUTSIDE_ERROR`), ``"error"`` raises an :class:`InputDataError` on
        ``source`` (the file) with the evidence: how many fall inside as given, with latitude and
        longitude swapped, and how many lie far beyond the boundaries; ``"accept"`` only warns.

    Returns
    -------
    measures, report
        ``measures`` has ``count``, ``fatalities`` (where the points carry them) and one column
        per category, for every unit (0 where none fell); ``report`` says what was filtered.
    """
    keep, outside_window, other_types = _selection(points, start=start, end=end, types=types, layer=layer, source=source)
    kept = points[keep]
    # assign against every unit of the boundaries file, so that a point on the border between a study
    # unit and a unit outside the study goes where it would in a national run
    reference = all_units if isinstance(all_units, gpd.GeoDataFrame) else units
    owner_ref, shared = assign_points(reference, kept.geometry)
    study_pos = units.index.get_indexer(reference.index)  # each reference unit's position in the study, or -1
    owner = np.where(owner_ref >= 0, study_pos[np.maximum(owner_ref, 0)], -1).astype(np.int64)
    unlocated = unlocated_rows(points)
    named, named_owner, without = _unlocated(units, unlocated, start=start, end=end, types=types, all_units=all_units, aliases=aliases, layer=layer)
    measures = _tally(units, points, pd.concat([pd.DataFrame(kept.drop(columns="geometry")), named]) if len(named) else kept, np.concatenate([owner, named_owner]), categories=categories, layer=layer)
    by_admin: dict = {}
    if "admin" in kept.columns:
        measures["count_by_admin"], by_admin = _count_by_admin(units, kept, owner, all_units, aliases, layer)
    nowhere = owner_ref < 0
    if outside == "error":
        _refuse_mostly_outside(reference, kept.geometry, nowhere, layer=layer, source=source or f"layers.{layer}")
    facts = _located_facts(points, start, end, types)
    report = PointReport(
        read=facts["read"] if facts else len(points), outside_window=outside_window, other_types=other_types, counted=int((owner >= 0).sum()),
        outside_units=int(nowhere.sum()), in_units_outside_study=int(((owner_ref >= 0) & (owner < 0)).sum()), on_shared_border=shared,
        outside_examples=_warn_outside(kept.geometry, nowhere, layer=layer), dropped_by_filters=int(points.attrs.get("dropped_by_filters", 0)),
        by_admin=by_admin, without_coordinates=without,
    )
    _log_counts(layer, report, measures)
    return measures, report


def _say_unlocated(layer: str, report: dict) -> None:
    """Rows without coordinates: logged when every one is counted by name, else an
    :class:`EventsOutsideWarning` saying how many are left out and why."""
    years = ", ".join(f"{y}: {n}" for y, n in report["years"].items())
    left = report["rows"] - report["counted_by_name"]
    if not left:
        logger.info("layer %s: %d rows without coordinates counted in the unit their admin column names (by year: %s)", layer, report["rows"], years)
        return
    why = []
    if report["naming_no_unit"]:
        why.append(f"{report['naming_no_unit']} name no unit")
    if report["unmatched_names"]:
        why.append(f"names matching no unit: {', '.join(map(repr, report['unmatched_names'][:8]))}")
    if report["outside_study"]:
        why.append(f"{report['outside_study']} name a unit outside the study")
    warnings.warn(EventsOutsideWarning(
        f"layer {layer}: {report['rows']} rows in the window have no coordinates (by year: {years}); {report['counted_by_name']} counted in the "
        f"study unit their admin column names, {left} not counted ({'; '.join(why)}). Fix: give those rows coordinates or a unit's P-code or name"),
        stacklevel=4)


def _unlocated(units, rows: pd.DataFrame | None, *, start, end, types, all_units, aliases, layer: str) -> tuple[pd.DataFrame, np.ndarray, dict]:
    """The rows without coordinates in the window (of the types), each given the study unit its
    admin column names (-1: none, or a unit outside the study), and their report: how many, how
    many counted by name, by year, and the names that match no unit. Said in an
    :class:`EventsOutsideWarning` when some are not counted."""
    if rows is None or not len(rows):
        return pd.DataFrame(), np.zeros(0, dtype=np.int64), {}
    keep = in_window(rows, start, end)
    if types is not None and "type" in rows.columns:
        keep &= rows["type"].isin(list(types)).to_numpy()
    chosen = rows[keep]
    positions, _, _, unmatched = _admin_positions(units, chosen["admin"], all_units, aliases, layer, "the admin column of the rows without coordinates")
    years = pd.to_datetime(chosen["date"]).dt.year if "date" in chosen.columns else pd.Series(np.nan, index=chosen.index)
    unnamed = chosen["admin"].isna() | chosen["admin"].astype(str).str.strip().isin(["", "nan", "None"])
    report = {
        "rows": int(len(chosen)), "counted_by_name": int((positions >= 0).sum()), "naming_no_unit": int(unnamed.sum()),
        "unmatched_names": sorted(unmatched),
        "outside_study": int(((positions < 0) & ~unnamed.to_numpy() & ~chosen["admin"].astype(str).isin(unmatched).to_numpy()).sum()),
        "years": {str(int(y)) if y == y else "no date": int(n) for y, n in years.value_counts(dropna=False).sort_index().items()},
        "by_unit": {str(units.index[p]): int(n) for p, n in zip(*np.unique(positions[positions >= 0], return_counts=True))},
    }
    _say_unlocated(layer, report)
    return chosen, positions, report


def in_window(points: pd.DataFrame, start: date | None, end: date | None) -> np.ndarray:
    """Which points' dates fall in the inclusive window (every point where there is no window)."""
    keep = np.ones(len(points), dtype=bool)
    if (start is not None or end is not None) and "date" in points.columns:
        dates = pd.to_datetime(points["date"]).dt.normalize()
        if start is not None:
            keep &= (dates >= pd.Timestamp(start)).to_numpy()
        if end is not None:
            keep &= (dates <= pd.Timestamp(end)).to_numpy()
    return keep


def counted(points: pd.DataFrame, spec: PointsLayerSpec) -> np.ndarray:
    """Which points the layer counts, as :func:`count_points` selects them (in the window, of the
    types), without its report or warnings: the map's points."""
    return in_window(points, *spec.window) & _of_types(points, spec.types)


def _of_types(points: pd.DataFrame, types: Sequence[str] | None) -> np.ndarray:
    """Which points are of the types (every point where there are none, or no type column)."""
    if types and "type" in points.columns:
        return points["type"].isin(list(types)).to_numpy()
    return np.ones(len(points), dtype=bool)


def _selection(points: gpd.GeoDataFrame, *, start: date | None, end: date | None, types: Sequence[str] | None, layer: str,
               source: str | None = None) -> tuple[np.ndarray, int, int]:
    """Which points are in the date window and of the types; how many fell outside the window, and
    how many in it were of other types (types occurring in no row are warned of, with a did-you-mean).
    Of points kept by :func:`_keep_countable`, the figures are those of every located point read."""
    facts = _located_facts(points, start, end, types)
    n_read = facts["read"] if facts else len(points)
    keep = in_window(points, start, end)
    outside_window = facts["outside_window"] if facts else int((~keep).sum())
    other_types = 0
    if types is not None:
        present = set(facts["types_present"]) if facts else set(points["type"].unique())
        unknown = [t for t in types if t not in present]
        if unknown and n_read:  # a layer without rows is reported as empty by the pipeline
            warnings.warn(UnmatchedFilterWarning(source or f"layers.{layer}", Problem(
                f"layers.{layer}.types", f"{', '.join(f'{t!r}{did_you_mean(t, present)}' for t in unknown)} in no row",
                f"values of the type column (it has: {sorted(map(str, present))[:12]})", "correct the value in the config, or remove it",
            )), stacklevel=3)
        is_type = points["type"].isin(list(types)).to_numpy()
        other_types = facts["other_types"] if facts else int((keep & ~is_type).sum())
        keep &= is_type
    return keep, outside_window, other_types


def _tally(units: gpd.GeoDataFrame, points: gpd.GeoDataFrame, kept: gpd.GeoDataFrame, owner: np.ndarray, *, categories, layer: str) -> pd.DataFrame:
    """``count``, ``fatalities`` (where the points carry them) and one count per category, per unit."""
    inside = owner >= 0
    n_units = len(units)
    measures = pd.DataFrame(index=units.index.copy())
    measures["count"] = np.bincount(owner[inside], minlength=n_units).astype(float)
    if "fatalities" in kept.columns:
        measures["fatalities"] = np.bincount(owner[inside], weights=kept["fatalities"].to_numpy()[inside], minlength=n_units)
    if "category" in kept.columns:
        cats = kept["category"].astype(str).to_numpy()
        for name, values in category_mapping(_every_category(points), cats[inside], categories, layer=layer).items():
            sel = inside & np.isin(cats, values)
            measures[name] = np.bincount(owner[sel], minlength=n_units).astype(float)
    return measures


def event_measures(points: pd.DataFrame, events: pd.DataFrame, spec: PointsLayerSpec) -> dict[str, np.ndarray]:
    """What each of ``events`` (rows of the layer's ``points``, as read) adds to each measure the layer
    gives, by measure name (``count``, ``fatalities`` where the points carry them, one per category
    as :func:`count_points` names them, from the layer's ``categories`` or the file's values): the
    measures an event moved to another unit moves. Says nothing: the layer's count has said it."""
    parts = {"count": np.ones(len(events))}
    if "fatalities" in events.columns:
        parts["fatalities"] = events["fatalities"].to_numpy(dtype=float)
    if "category" in events.columns:
        cats = events["category"].astype(str).to_numpy()
        for name, values in _category_names(_every_category(points), spec.categories).items():
            parts[name] = np.isin(cats, values).astype(float)
    return parts


def _every_category(points: pd.DataFrame) -> pd.Series:
    """Every category value of the layer's file (of its located points before they were narrowed to
    the countable ones, where :func:`_keep_countable` kept that fact)."""
    facts = points.attrs.get("countable")
    return pd.Series(dict(facts)["categories_present"]) if facts else points["category"]


def _category_names(all_values: pd.Series, categories: Mapping[str, Sequence[str]] | None) -> dict[str, list[str]]:
    """Measure name -> category values: the configured ``categories``, or each value of the file under
    its slug (``cat_`` before a slug that is a reserved measure name)."""
    if categories is not None:
        return {k: list(v) for k, v in categories.items()}
    mapping: dict[str, list[str]] = {}
    for value in sorted(set(all_values.astype(str))):
        name = slug(value)
        mapping.setdefault(f"cat_{name}" if name in RESERVED_POINT_MEASURES else name, []).append(value)
    return mapping


def category_mapping(all_values: pd.Series, counted: np.ndarray, categories: Mapping[str, Sequence[str]] | None, *, layer: str) -> dict[str, list[str]]:
    """Measure name -> category values (:func:`_category_names`); with configured ``categories``,
    values of counted features in none of them are warned of."""
    mapping = _category_names(all_values, categories)
    if categories is None:
        return mapping
    listed = {v for vals in mapping.values() for v in vals}
    unlisted = sorted(set(counted) - listed)
    if unlisted:
        warnings.warn(
            UnusedValueWarning(f"layer {layer}: category values {unlisted} are in no configured category; those points count only in 'count'"),
            stacklevel=4,
        )
    return mapping


def _warn_outside(points: gpd.GeoSeries, nowhere: np.ndarray, *, layer: str) -> tuple[str, ...]:
    """Warn of the points outside every unit; return up to five of them as ``(lat, lon)`` texts."""
    outside = int(nowhere.sum())
    if not outside:
        return ()
    xy = shapely.get_coordinates(points.to_numpy()[nowhere])
    examples = tuple(f"({y:.4f}, {x:.4f})" for x, y in xy[:5])
    warnings.warn(
        EventsOutsideWarning(
            f"layer {layer}: {outside} of {len(points)} points in the window fell outside every unit of the boundaries and were not counted "
            f"(lat, lon: {', '.join(examples)}{' ...' if outside > 5 else ''})"
        ),
        stacklevel=3,
    )
    return examples


def _log_counts(layer: str, report: PointReport, measures: pd.DataFrame) -> None:
    shared = report.on_shared_border
    logger.info(
        "layer %s: %d points read, %d outside the date window, %d of other types, %d counted in %d units, %d in units outside the study, %d outside every unit%s",
        layer, report.read, report.outside_window, report.other_types, report.counted, int((measures["count"] > 0).sum()),
        report.in_units_outside_study, report.outside_units, f", {shared} on a shared border (given to the first unit by id)" if shared else "",
    )


def _refuse_mostly_outside(reference: gpd.GeoDataFrame, points: gpd.GeoSeries, nowhere: np.ndarray, *, layer: str, source: str) -> None:
    """Raise when most points fall outside every unit, with the evidence of the likely cause."""
    n, n_out = len(points), int(nowhere.sum())
    if n_out < MIN_OUTSIDE_ERROR or n_out * 2 <= n:
        return
    xy = shapely.get_coordinates(points.to_numpy())
    found = geometry.placements(reference, xy[:, 0], xy[:, 1], projected=False)
    given = next(p for p in found if p.label == "as given")
    evidence = [f"{given.inside} of {n} inside the boundaries as given"]
    evidence += [f"{p.inside} of {n} inside {p.label}" for p in found if p is not given]
    bounds = reference.total_bounds
    far = int(geometry.far_from(bounds, xy[nowhere, 0], xy[nowhere, 1]).sum())
    evidence.append(
        f"{far} of the {n_out} outside lie more than {geometry.FAR_DEGREES:g}° (about 110 km) beyond the boundaries' extent "
        f"(longitude {bounds[0]:.2f} to {bounds[2]:.2f}, latitude {bounds[1]:.2f} to {bounds[3]:.2f})"
    )
    key = f"layers.{layer}"
    examples = ", ".join(f"({y:.4f}, {x:.4f})" for x, y in xy[nowhere][:3])
    raise InputDataError.one(
        source, f"{key} (points in the window)",
        f"{n_out} of {n} points outside every unit of the boundaries (lat, lon: {examples} ...); " + "; ".join(evidence),
        "most points inside the boundaries", _outside_fix(found, given, far, n_out, key, bounds),
    )


def _outside_fix(found: list, given, far: int, n_out: int, key: str, bounds) -> str:
    """The likely fix for points mostly outside: swap the columns (unless the boundaries are the
    swapped ones), keep the right country, or check."""
    best = found[0]
    if best.swapped and best.inside > given.inside:
        fix = f"swap latitude and longitude: exchange the column names of {key}.latitude and {key}.longitude in the config"
        fix += geometry.swapped_boundaries_note(bounds)
    elif far * 2 > n_out:
        fix = f"check that the file covers the boundaries' country, or keep its rows for it with {key}.where (e.g. country: [Mali])"
    else:
        fix = "check the coordinates and the boundaries file (does it cover the whole area of the points?)"
    return fix + f"; if the points are right and lie beyond the boundaries, set {key}.outside: accept (only those inside are counted, the others are reported)"


def _admin_positions(units, admin: pd.Series, all_units, aliases, layer: str, what: str = "the points' admin column") -> tuple[np.ndarray, object, int]:
    """Each row's study unit (its position in ``units``, -1 for none) by the unit its admin column
    names: a P-code or a name of the boundaries (:func:`~nexus_zones.reconcile.match_rows`, aliases
    applied); with the match report and how many distinct names there were."""
    reference = all_units if all_units is not None else pd.DataFrame(units[["name", "region"]])
    values = pd.Series(sorted(set(admin.dropna().astype(str)) - {"", "nan", "None"}), dtype=object)  # a blank cell names no unit
    is_code = conform_codes(values, reference.index)[0].isin(reference.index)  # the column may hold P-codes rather than names
    names = pd.DataFrame({"code": values.where(is_code, ""), "name": values.where(~is_code, "")})
    ids, rep = match_rows(names, reference, code_column="code", name_column="name", aliases=aliases)
    _report_spellings(rep, layer, what)
    name_to_unit = dict(zip(values, ids))
    admin_unit = admin.astype(object).where(admin.notna(), None).map(lambda a: name_to_unit.get(str(a)) if a is not None else None).to_numpy(dtype=object)
    positions = {u: i for i, u in enumerate(units.index)}
    unmatched = [v for v, u in name_to_unit.items() if u is None]
    return np.array([positions.get(u, -1) if u is not None else -1 for u in admin_unit], dtype=np.int64), rep, len(names), unmatched


def _count_by_admin(units, kept, owner, all_units, aliases, layer) -> tuple[np.ndarray, dict]:
    """Count points by their own admin-name column and compare with the spatial count."""
    admin_pos, rep, n_names, _ = _admin_positions(units, kept["admin"], all_units, aliases, layer)
    counts = np.bincount(admin_pos[admin_pos >= 0], minlength=len(units)).astype(float)
    spatial = np.bincount(owner[owner >= 0], minlength=len(units)).astype(float)
    disagree = [
        {"unit_id": u, "name": units.at[u, "name"], "point_in_polygon": int(spatial[i]), "by_admin_name": int(counts[i])}
        for i, u in enumerate(units.index) if spatial[i] != counts[i]
    ]
    in_study = owner >= 0
    elsewhere = int(((admin_pos != owner) & in_study).sum())
    report = {
        "names": n_names,
        "unmatched_names": list(rep.unmatched) + list(rep.ambiguous),
        "codes_corrected": list(rep.codes_corrected),
        "by_name_spelling": list(rep.by_name_spelling),
        "units_that_disagree": disagree,
        "points_whose_name_names_another_unit": elsewhere,
        "agreement": round(1.0 - elsewhere / max(int(in_study.sum()), 1), 4),
    }
    logger.info(
        "layer %s: by the file's own names %d points in study units; %d points (%.1f %%) lie in another unit than their name says; %d units disagree%s",
        layer, int(counts.sum()), elsewhere, 100.0 * elsewhere / max(int(in_study.sum()), 1), len(disagree),
        f"; names matching no unit: {', '.join(report['unmatched_names'][:8])}" if report["unmatched_names"] else "",
    )
    return counts, report
