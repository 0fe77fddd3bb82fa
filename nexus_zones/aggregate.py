"""Raw per-unit measures: point counts by point-in-polygon, table joins, 3W actor counts.

Every function takes in-memory frames (so tests build them by hand) and returns a DataFrame
indexed by the study units' ``unit_id`` holding exactly those units, plus a report of what was
counted, filtered out, or left outside every unit.

Point-in-polygon rule: a point inside a unit, or on its border, belongs to it; a point on a border
shared by several units belongs to the one whose ``unit_id`` sorts first, so every point is counted
once. Points outside every unit are counted and reported, never silently dropped.
"""

from __future__ import annotations

import logging
import math
import re
import unicodedata
import warnings
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Mapping, Sequence

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from .errors import EventsOutsideWarning, InputDataError, MissingValueWarning, Problem, UnusedValueWarning, did_you_mean
from .reconcile import MatchReport, closest_names, match_rows

__all__ = ["PointReport", "count_points", "match_table", "join_table", "count_actors", "unit_areas_km2", "zonal_stats", "slug"]

logger = logging.getLogger(__name__)


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

    def as_dict(self) -> dict[str, object]:
        return {k: (list(v) if isinstance(v, tuple) else v) for k, v in self.__dict__.items()}


#: Measure names a points layer uses itself; a category slug equal to one gets a ``cat_`` prefix.
RESERVED_POINT_MEASURES = ("count", "fatalities", "count_by_admin")


def slug(text: str) -> str:
    """Turn a category value into a measure name: ``'Centre de santé'`` → ``'centre_de_sante'``."""
    folded = unicodedata.normalize("NFKD", str(text))
    folded = "".join(c for c in folded if not unicodedata.combining(c)).lower()
    name = re.sub(r"[^a-z0-9]+", "_", folded).strip("_") or "blank"
    return name if not name[0].isdigit() else f"c_{name}"


def assign_points(units: gpd.GeoDataFrame, points: gpd.GeoSeries) -> tuple[np.ndarray, int]:
    """Return, for each point, the position in ``units`` of the unit it falls in (-1 if none),
    and how many points lay on a border shared by several units."""
    if len(points) == 0:
        return np.empty(0, dtype=np.int64), 0
    order = np.argsort(units.index.to_numpy().astype(str), kind="stable")
    tree = shapely.STRtree(units.geometry.to_numpy()[order])
    pt_idx, tree_idx = tree.query(points.to_numpy(), predicate="intersects")
    owner = np.full(len(points), -1, dtype=np.int64)
    # keep the smallest tree index (first unit_id in sort order) per point
    if len(pt_idx):
        sort = np.lexsort((tree_idx, pt_idx))
        pt_sorted, tree_sorted = pt_idx[sort], tree_idx[sort]
        first = np.ones(len(pt_sorted), dtype=bool)
        first[1:] = pt_sorted[1:] != pt_sorted[:-1]
        owner[pt_sorted[first]] = order[tree_sorted[first]]
        shared = int(len(np.unique(pt_sorted[~first])))
    else:
        shared = 0
    return owner, shared


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
) -> tuple[pd.DataFrame, PointReport]:
    """Count points (and sum ``fatalities``) per unit, within a date window and type filter.

    Parameters
    ----------
    units
        Study units indexed by ``unit_id`` (EPSG:4326).
    points
        Output of :func:`nexus_zones.load.read_points`: ``geometry`` and optional ``date``,
        ``type``, ``category``, ``fatalities`` columns.
    start, end
        Inclusive date window; needs a ``date`` column.
    types
        Keep only points whose ``type`` is one of these.
    categories
        Measure name → category values counted under it. Where ``points`` has a ``category``
        column and this is ``None``, each distinct value is counted under its :func:`slug`.
    all_units, aliases
        Where ``points`` has an ``admin`` column (the file's own unit names, e.g. ACLED's
        ``admin2``): every unit of the boundaries (``name``, ``region``) to match those names to, and
        name aliases. The count by name is returned as ``count_by_admin`` beside the spatial count,
        and the report lists where the two disagree.
    layer
        Layer name, for messages.

    Returns
    -------
    measures, report
        ``measures`` has ``count``, ``fatalities`` (where the points carry them) and one column
        per category, for every unit (0 where none fell); ``report`` says what was filtered.
    """
    n_read = len(points)
    keep = np.ones(n_read, dtype=bool)
    outside_window = 0
    if start is not None or end is not None:
        dates = pd.to_datetime(points["date"]).dt.normalize()
        in_window = np.ones(n_read, dtype=bool)
        if start is not None:
            in_window &= (dates >= pd.Timestamp(start)).to_numpy()
        if end is not None:
            in_window &= (dates <= pd.Timestamp(end)).to_numpy()
        outside_window = int((~in_window).sum())
        keep &= in_window
    other_types = 0
    if types is not None:
        present = set(points["type"].unique())
        unknown = [t for t in types if t not in present]
        if unknown:
            warnings.warn(
                UnusedValueWarning(
                    f"layer {layer}: types {unknown} occur in no row{''.join(did_you_mean(t, present) for t in unknown[:1])}; "
                    f"values present: {sorted(present)[:12]}"
                ),
                stacklevel=2,
            )
        is_type = points["type"].isin(list(types)).to_numpy()
        other_types = int((keep & ~is_type).sum())
        keep &= is_type
    if n_read and not keep.any():
        span = ""
        if "date" in points.columns and points["date"].notna().any():
            span = f"; the file's dates run from {pd.Timestamp(points['date'].min()).date()} to {pd.Timestamp(points['date'].max()).date()}"
        warnings.warn(
            EventsOutsideWarning(f"layer {layer}: none of its {n_read} points is in the window {start or '…'} to {end or '…'}{' of the chosen types' if types else ''}{span}; every unit counts 0"),
            stacklevel=2,
        )
    kept = points[keep]
    # assign against every unit of the boundaries file, so that a point on the border between a study
    # unit and a unit outside the study goes where it would in a national run
    reference = all_units if isinstance(all_units, gpd.GeoDataFrame) else units
    owner_ref, shared = assign_points(reference, kept.geometry)
    study_pos = {u: i for i, u in enumerate(units.index)}
    ref_ids = reference.index.to_numpy()
    owner = np.array([study_pos.get(ref_ids[o], -1) if o >= 0 else -1 for o in owner_ref], dtype=np.int64)
    inside = owner >= 0
    in_other_units = int(((owner_ref >= 0) & ~inside).sum())
    n_units = len(units)
    measures = pd.DataFrame(index=units.index.copy())
    measures["count"] = np.bincount(owner[inside], minlength=n_units).astype(float)
    if "fatalities" in kept.columns:
        measures["fatalities"] = np.bincount(owner[inside], weights=kept["fatalities"].to_numpy()[inside], minlength=n_units)
    if "category" in kept.columns:
        cats = kept["category"].astype(str).to_numpy()
        if categories is None:
            all_cats = sorted(set(points["category"].astype(str)))
            mapping: dict[str, list[str]] = {}
            for value in all_cats:
                name = slug(value)
                mapping.setdefault(f"cat_{name}" if name in RESERVED_POINT_MEASURES else name, []).append(value)
        else:
            mapping = {k: list(v) for k, v in categories.items()}
            listed = {v for vals in mapping.values() for v in vals}
            unlisted = sorted(set(cats[inside]) - listed)
            if unlisted:
                warnings.warn(
                    UnusedValueWarning(f"layer {layer}: category values {unlisted} are in no configured category; those points count only in 'count'"),
                    stacklevel=2,
                )
        for name, values in mapping.items():
            sel = inside & np.isin(cats, values)
            measures[name] = np.bincount(owner[sel], minlength=n_units).astype(float)
    by_admin: dict = {}
    if "admin" in kept.columns:
        measures["count_by_admin"], by_admin = _count_by_admin(units, kept, owner, all_units, aliases, layer)
    nowhere = owner_ref < 0
    outside = int(nowhere.sum())
    examples: tuple[str, ...] = ()
    if outside:
        xy = shapely.get_coordinates(kept.geometry.to_numpy()[nowhere])
        examples = tuple(f"({y:.4f}, {x:.4f})" for x, y in xy[:5])
        warnings.warn(
            EventsOutsideWarning(
                f"layer {layer}: {outside} of {len(kept)} points in the window fell outside every unit of the boundaries and were not counted "
                f"(lat, lon: {', '.join(examples)}{' ...' if outside > 5 else ''})"
            ),
            stacklevel=2,
        )
    report = PointReport(
        read=n_read,
        outside_window=outside_window,
        other_types=other_types,
        counted=int(inside.sum()),
        outside_units=outside,
        in_units_outside_study=in_other_units,
        on_shared_border=shared,
        outside_examples=examples,
        dropped_by_filters=int(points.attrs.get("dropped_by_filters", 0)),
        by_admin=by_admin,
    )
    logger.info(
        "layer %s: %d points read, %d outside the date window, %d of other types, %d counted in %d units, %d in units outside the study, %d outside every unit%s",
        layer, n_read, outside_window, other_types, report.counted, int((measures["count"] > 0).sum()), in_other_units, outside,
        f", {shared} on a shared border (given to the first unit by id)" if shared else "",
    )
    return measures, report


def _count_by_admin(units, kept, owner, all_units, aliases, layer) -> tuple[np.ndarray, dict]:
    """Count points by their own admin-name column and compare with the spatial count."""
    reference = all_units if all_units is not None else pd.DataFrame(units[["name", "region"]])
    names = pd.DataFrame({"name": sorted(set(kept["admin"]))})
    ids, rep = match_rows(names, reference, name_column="name", aliases=aliases)
    name_to_unit = dict(zip(names["name"], ids))
    admin_unit = kept["admin"].map(name_to_unit).to_numpy(dtype=object)
    positions = {u: i for i, u in enumerate(units.index)}
    admin_pos = np.array([positions.get(u, -1) if u is not None else -1 for u in admin_unit], dtype=np.int64)
    counts = np.bincount(admin_pos[admin_pos >= 0], minlength=len(units)).astype(float)
    spatial = np.bincount(owner[owner >= 0], minlength=len(units)).astype(float)
    disagree = [
        {"unit_id": u, "name": units.at[u, "name"], "point_in_polygon": int(spatial[i]), "by_admin_name": int(counts[i])}
        for i, u in enumerate(units.index) if spatial[i] != counts[i]
    ]
    in_study = owner >= 0
    elsewhere = int(((admin_pos != owner) & in_study).sum())
    report = {
        "names": len(names),
        "unmatched_names": list(rep.unmatched) + list(rep.ambiguous),
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


def match_table(
    rows: pd.DataFrame,
    all_units: pd.DataFrame,
    study_ids: pd.Index,
    *,
    aliases: Mapping[str, str] | None = None,
    unmatched: str = "error",
    source: str = "table",
    layer: str = "table",
    key_columns: Mapping[str, str | None] | None = None,
) -> tuple[pd.DataFrame, MatchReport]:
    """Give every row of a table its ``unit_id`` (see :mod:`nexus_zones.reconcile`).

    ``rows`` carries ``code`` and/or ``name`` (and optionally ``parent``) key columns, as
    :func:`nexus_zones.load.read_table` and :func:`~nexus_zones.load.read_actors` return them.
    Unmatched and ambiguous rows are an error naming each one, unless ``unmatched='drop'`` (then
    they are dropped with a warning). Rows of units outside the study are dropped and counted.
    Returns the study's rows with a ``unit_id`` column, and the report.
    """
    ids, report = match_rows(
        rows, all_units,
        code_column="code" if "code" in rows else None,
        name_column="name" if "name" in rows else None,
        parent_column="parent" if "parent" in rows else None,
        aliases=aliases,
    )
    cols = dict(key_columns or {})
    if report.scheme_conflicts and not report.codes_used:
        warnings.warn(
            UnusedValueWarning(
                f"layer {layer}: the codes of {source} ({cols.get('code') or 'code column'}) follow another scheme than the boundaries "
                f"(e.g. {'; '.join(report.scheme_conflicts[:3])}); rows were matched by name instead"
            ),
            stacklevel=2,
        )
    elif report.scheme_conflicts:
        warnings.warn(
            UnusedValueWarning(f"layer {layer}: codes naming another place than the boundaries were matched by name instead: {'; '.join(report.scheme_conflicts[:5])}"),
            stacklevel=2,
        )
    bad = list(report.unmatched) + list(report.ambiguous)
    if bad and unmatched == "error":
        names = rows["name"][ids.isna()].tolist() if "name" in rows else []
        hints = closest_names(names, list(all_units["name"]))
        fix = f"add an alias under layers.{layer}.aliases, correct the row, or set layers.{layer}.unmatched: drop"
        problems = []
        for label in report.unmatched:
            hint = next((f" (did you mean {hints[n]!r}?)" for n in hints if label.startswith(repr(n))), "")
            problems.append(Problem(f"row {label}", f"no unit of that code or name{hint}", "a P-code or a name of the boundaries", fix))
        for label in report.ambiguous:
            row, options = label.split(" could be ", 1)
            problems.append(Problem(f"row {row}", f"a name shared by several units ({options})", "one unit",
                                    f"add parent_column (the region) or an alias under layers.{layer}.aliases"))
        raise InputDataError(source, problems)
    if bad:
        warnings.warn(UnusedValueWarning(f"layer {layer}: {len(bad)} rows matched no single unit and were dropped: {'; '.join(bad[:10])}{' ...' if len(bad) > 10 else ''}"), stacklevel=2)
    matched = rows.assign(unit_id=ids.to_numpy())
    matched = matched[matched["unit_id"].notna()]
    in_study = matched["unit_id"].isin(study_ids)
    report = replace(report, outside_study=int((~in_study).sum()))
    logger.info("layer %s: join %s", layer, report.summary())
    return matched[in_study], report


def join_table(
    units: gpd.GeoDataFrame,
    rows: pd.DataFrame,
    measures: Sequence[str],
    *,
    absent_units: str = "missing",
    combine: str = "error",
    source: str = "table",
    layer: str = "table",
) -> pd.DataFrame:
    """Per-unit values of a table whose rows carry a ``unit_id`` (see :func:`match_table`).

    Several rows for one unit are an error unless ``combine`` says how to combine them (``sum``
    for communes of a cercle). Units absent from the table get NaN (``absent_units='missing'``) or 0.
    """
    dup = rows["unit_id"][rows["unit_id"].duplicated(keep=False)]
    if len(dup) and combine == "error":
        raise InputDataError.one(
            source, f"layers.{layer}", f"several rows for units {', '.join(sorted(set(dup))[:10])}", "one row per unit",
            f"set layers.{layer}.combine (sum, mean, max or min) or merge the rows",
        )
    grouped = rows.groupby("unit_id")[list(measures)]
    if combine in ("sum",):
        values = grouped.sum(min_count=1)
    elif combine in ("mean", "max", "min"):
        values = getattr(grouped, combine)()
    else:
        values = grouped.first()
    out = values.reindex(units.index).astype(float)
    absent = units.index.difference(values.index)
    if len(absent) and absent_units == "zero":
        out.loc[absent] = 0.0
    logger.info(
        "layer %s: values for %d of %d study units%s", layer, len(units) - len(absent), len(units),
        f"; {len(absent)} absent ({'set to 0' if absent_units == 'zero' else 'missing'})" if len(absent) else "",
    )
    return out


def count_actors(units: gpd.GeoDataFrame, actors: pd.DataFrame, *, layer: str = "actors") -> pd.DataFrame:
    """Count distinct organisations per unit and actor type.

    ``actors`` holds rows with ``unit_id``, ``organisation``, ``actor_type`` and ``type_value``.
    Returns ``humanitarian`` and ``development`` (distinct organisations of each type),
    ``actors`` (distinct organisations of either type) and ``both`` (1 where both types are
    present, else 0). A unit absent from the 3W has no actor (0). Rows whose type is in neither
    list are reported and not counted.
    """
    rows = actors
    untyped = rows[rows["actor_type"].isna()]
    if len(untyped):
        values = sorted(set(untyped["type_value"]))
        warnings.warn(
            UnusedValueWarning(
                f"layer {layer}: {len(untyped)} rows with type values {values[:10]} are neither humanitarian nor development and were not counted; "
                f"add those values to layers.{layer}.humanitarian or .development"
            ),
            stacklevel=2,
        )
    rows = rows[rows["actor_type"].notna()]
    out = pd.DataFrame(index=units.index.copy())
    for kind in ("humanitarian", "development"):
        sub = rows[rows["actor_type"] == kind]
        out[kind] = sub.groupby("unit_id")["organisation"].nunique().reindex(units.index).fillna(0).astype(float)
    out["actors"] = rows.groupby("unit_id")["organisation"].nunique().reindex(units.index).fillna(0).astype(float)
    out["both"] = ((out["humanitarian"] > 0) & (out["development"] > 0)).astype(float)
    logger.info(
        "layer %s: %d rows, %d organisations; %d units with both humanitarian and development actors",
        layer, len(rows), rows["organisation"].nunique(), int(out["both"].sum()),
    )
    return out


def unit_areas_km2(units: gpd.GeoDataFrame) -> pd.Series:
    """Area of each unit in km², measured in an equal-area CRS (EPSG:6933, WGS 84 / EASE-Grid 2.0)."""
    return (units.geometry.to_crs(6933).area / 1e6).rename("area_km2")


def coverage_fractions(geom, transform, shape: tuple[int, int]) -> np.ndarray:
    """Exact share of each pixel's area covered by ``geom`` (a polygon in the raster's CRS).

    Pixels wholly inside get 1 and pixels away from the polygon 0; pixels crossed by its boundary get
    the area of their intersection with the polygon divided by their own area. ``transform`` must be
    north-up (no rotation).
    """
    from rasterio import features

    if transform.b != 0 or transform.d != 0:
        raise InputDataError.one("raster", "transform", "a rotated raster", "a north-up raster", "warp it with gdalwarp first")
    inside = features.rasterize([(geom, 1)], out_shape=shape, transform=transform, all_touched=False, dtype="uint8").astype(bool)
    edge = features.rasterize([(geom.boundary, 1)], out_shape=shape, transform=transform, all_touched=True, dtype="uint8").astype(bool)
    cover = (inside & ~edge).astype(float)
    rows, cols = np.nonzero(edge)
    if len(rows):
        x0 = transform.c + cols * transform.a
        y0 = transform.f + rows * transform.e
        x1, y1 = x0 + transform.a, y0 + transform.e
        boxes = shapely.box(np.minimum(x0, x1), np.minimum(y0, y1), np.maximum(x0, x1), np.maximum(y0, y1))
        shapely.prepare(geom)
        cover[rows, cols] = shapely.area(shapely.intersection(boxes, geom)) / abs(transform.a * transform.e)
    return np.clip(cover, 0.0, 1.0)


def _window(bounds, transform, width: int, height: int):
    """The pixel window (whole pixels) holding ``bounds`` in a north-up raster, or ``None`` if outside."""
    from rasterio.windows import Window

    minx, miny, maxx, maxy = bounds
    cols = sorted(((minx - transform.c) / transform.a, (maxx - transform.c) / transform.a))
    rows = sorted(((maxy - transform.f) / transform.e, (miny - transform.f) / transform.e))
    c0, c1 = max(int(math.floor(cols[0])), 0), min(int(math.ceil(cols[1])), width)
    r0, r1 = max(int(math.floor(rows[0])), 0), min(int(math.ceil(rows[1])), height)
    if c1 <= c0 or r1 <= r0:
        return None
    return Window(c0, r0, c1 - c0, r1 - r0)


def zonal_stats(units: gpd.GeoDataFrame, raster, *, threshold: float | None = None, layer: str = "raster") -> pd.DataFrame:
    """Per-unit statistics of a raster with fractional pixel coverage.

    Polygons are reprojected to the raster's CRS; the raster is read one window per unit, never
    whole; nodata (and NaN) pixels are left out. Each pixel counts in proportion to the share of its
    area inside the unit (its coverage).

    Returns ``sum`` (Σ value × coverage), ``mean`` (the coverage-weighted mean of valid pixels),
    ``valid_share`` (the share of the unit's whole area covered by pixels with data) and, with a
    ``threshold``, ``share_above`` (the share of the valid area whose value is above it). A unit
    the raster does not reach, or where it has only nodata, gets missing values; a unit the raster
    covers only in part is named in a warning. All of them are named.
    """
    import rasterio

    out = pd.DataFrame(np.nan, index=units.index.copy(), columns=["sum", "mean", "valid_share"] + (["share_above"] if threshold is not None else []))
    missed: list[str] = []
    partial: list[str] = []
    with rasterio.open(raster.path) as src:
        if src.transform.b != 0 or src.transform.d != 0:
            raise InputDataError.one(str(raster.path), "transform", "a rotated raster", "a north-up raster", "warp it with gdalwarp first")
        geoms = units.geometry.to_crs(src.crs)
        nodata = raster.nodata
        for uid, geom in zip(units.index, geoms):
            win = _window(geom.bounds, src.transform, src.width, src.height)
            if win is None:
                missed.append(uid)
                continue
            data = src.read(raster.band, window=win).astype("float64")
            cover = coverage_fractions(geom, src.window_transform(win), data.shape)
            valid = ~np.isnan(data)
            if nodata is not None:
                valid &= data != nodata
            weight = cover * valid
            covered, valid_area = cover.sum(), weight.sum()
            full = geom.area / abs(src.transform.a * src.transform.e)  # the unit's area in pixels
            if covered <= 0 or full <= 0:
                missed.append(uid)
                continue
            if covered < 0.999 * full:
                partial.append(f"{uid} ({covered / full:.0%})")
            out.at[uid, "valid_share"] = float(min(valid_area / full, 1.0))
            if valid_area > 0:
                values = np.where(valid, data, 0.0)
                total = float((values * weight).sum())
                out.at[uid, "sum"] = total
                out.at[uid, "mean"] = total / float(valid_area)
                if threshold is not None:
                    out.at[uid, "share_above"] = float((weight * (values > threshold)).sum() / valid_area)
    if missed:
        warnings.warn(
            MissingValueWarning(f"layer {layer}: the raster {raster.path.name} does not cover units {', '.join(missed[:10])}{' ...' if len(missed) > 10 else ''}; they get no value"),
            stacklevel=2,
        )
    if partial:
        warnings.warn(
            MissingValueWarning(f"layer {layer}: the raster {raster.path.name} covers only part of units {', '.join(partial[:10])}; their sums cover that part only (see valid_share)"),
            stacklevel=2,
        )
    nodata_units = out.index[(out["valid_share"] == 0)]
    if len(nodata_units):
        warnings.warn(MissingValueWarning(f"layer {layer}: only nodata pixels in units {', '.join(nodata_units[:10])}; they get no value"), stacklevel=2)
    logger.info("layer %s: zonal statistics of %s for %d units (%d not covered)", layer, raster.path.name, len(units), len(missed))
    return out
