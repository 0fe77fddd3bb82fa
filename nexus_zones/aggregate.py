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
import re
import unicodedata
import warnings
from dataclasses import dataclass, field
from datetime import date
from typing import Mapping, Sequence

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from .errors import EventsOutsideWarning, InputDataError, Problem, UnusedValueWarning, did_you_mean

__all__ = ["PointReport", "count_points", "join_table", "count_actors", "slug"]

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
    outside_examples: tuple[str, ...] = field(default=())

    def as_dict(self) -> dict[str, object]:
        return {k: (list(v) if isinstance(v, tuple) else v) for k, v in self.__dict__.items()}


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
    kept = points[keep]
    owner, shared = assign_points(units, kept.geometry)
    inside = owner >= 0
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
                mapping.setdefault(slug(value), []).append(value)
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
    outside = int((~inside).sum())
    examples: tuple[str, ...] = ()
    if outside:
        xy = shapely.get_coordinates(kept.geometry.to_numpy()[~inside])
        examples = tuple(f"({y:.4f}, {x:.4f})" for x, y in xy[:5])
        warnings.warn(
            EventsOutsideWarning(
                f"layer {layer}: {outside} of {len(kept)} points in the window fell outside every study unit and were not counted "
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
        on_shared_border=shared,
        outside_examples=examples,
    )
    logger.info(
        "layer %s: %d points read, %d outside the date window, %d of other types, %d counted in %d units, %d outside every unit%s",
        layer, n_read, outside_window, other_types, report.counted, int((measures["count"] > 0).sum()), outside,
        f", {shared} on a shared border (given to the first unit by id)" if shared else "",
    )
    return measures, report


def _check_unit_ids(ids: Sequence[str], units: gpd.GeoDataFrame, all_unit_ids: frozenset[str] | None, *, source: str, column: str) -> np.ndarray:
    """Return a mask of rows for study units; raise for codes unknown to the boundaries."""
    ids = np.asarray(ids, dtype=object)
    known = all_unit_ids if all_unit_ids is not None else frozenset(units.index)
    unknown = sorted({i for i in ids if i not in known})
    if unknown:
        choices = sorted(known)
        raise InputDataError(
            source,
            [Problem(f"column {column!r}", f"unit code {u!r}{did_you_mean(u, choices)}", "a P-code of the boundaries file", "correct the code or remove the row") for u in unknown[:20]],
        )
    return np.isin(ids, units.index.to_numpy())


def join_table(
    units: gpd.GeoDataFrame,
    table: pd.DataFrame,
    *,
    absent_units: str = "missing",
    all_unit_ids: frozenset[str] | None = None,
    source: str = "table",
    unit_column: str = "unit_id",
    layer: str = "table",
) -> pd.DataFrame:
    """Align a per-unit table (indexed by unit code) on the study units.

    Rows for units outside the study (e.g. other regions) are ignored; codes unknown to the
    boundaries are an error. Units absent from the table get NaN (``absent_units='missing'``,
    named in the log) or 0 (``'zero'``).
    """
    in_study = _check_unit_ids(table.index, units, all_unit_ids, source=source, column=unit_column)
    ignored = int((~in_study).sum())
    out = table[in_study].reindex(units.index)
    absent = [u for u in units.index if u not in set(table.index)]
    if absent and absent_units == "zero":
        out.loc[absent] = 0.0
    logger.info(
        "layer %s: %d rows for %d study units%s%s",
        layer, int(in_study.sum()), len(units),
        f", {ignored} rows for units outside the study ignored" if ignored else "",
        f", {len(absent)} units absent ({'set to 0' if absent_units == 'zero' else 'missing'})" if absent else "",
    )
    return out.astype(float)


def count_actors(
    units: gpd.GeoDataFrame,
    actors: pd.DataFrame,
    *,
    all_unit_ids: frozenset[str] | None = None,
    source: str = "3W",
    unit_column: str = "unit_id",
    layer: str = "actors",
) -> pd.DataFrame:
    """Count distinct organisations per unit and actor type.

    Returns ``humanitarian`` and ``development`` (distinct organisations of each type),
    ``actors`` (distinct organisations of either type) and ``both`` (1 where both types are
    present, else 0). A unit absent from the 3W has no actor (0). Rows whose type is in neither
    list are reported and not counted.
    """
    in_study = _check_unit_ids(actors["unit_id"], units, all_unit_ids, source=source, column=unit_column)
    rows = actors[in_study]
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
