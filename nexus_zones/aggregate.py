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

from . import geometry
from .errors import EventsOutsideWarning, InputDataError, MissingValueWarning, Problem, SpellingVariantWarning, UnusedValueWarning, did_you_mean
from .reconcile import MatchReport, closest_names, conform_codes, match_rows

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
    outside: str = "error",
    source: str | None = None,
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
    outside_policy = outside
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
        if unknown and n_read:  # a layer without rows is reported as empty by the pipeline
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
    # assign against every unit of the boundaries file, so that a point on the border between a study
    # unit and a unit outside the study goes where it would in a national run
    reference = all_units if isinstance(all_units, gpd.GeoDataFrame) else units
    owner_ref, shared = assign_points(reference, kept.geometry)
    study_pos = units.index.get_indexer(reference.index)  # each reference unit's position in the study, or -1
    owner = np.where(owner_ref >= 0, study_pos[np.maximum(owner_ref, 0)], -1).astype(np.int64)
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
    if outside_policy == "error":
        _refuse_mostly_outside(reference, kept.geometry, nowhere, layer=layer, source=source or f"layers.{layer}")
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


#: The fewest points outside every unit that can make a points layer an error (with more than half outside).
MIN_OUTSIDE_ERROR = 10


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
    best = found[0]
    if best.swapped and best.inside > given.inside:
        fix = f"swap latitude and longitude: exchange the column names of {key}.latitude and {key}.longitude in the config"
        fix += geometry.swapped_boundaries_note(bounds)
    elif far * 2 > n_out:
        fix = f"check that the file covers the boundaries' country, or keep its rows for it with {key}.where (e.g. country: [Mali])"
    else:
        fix = "check the coordinates and the boundaries file (does it cover the whole area of the points?)"
    fix += f"; if the points are right and lie beyond the boundaries, set {key}.outside: accept (only those inside are counted, the others are reported)"
    examples = ", ".join(f"({y:.4f}, {x:.4f})" for x, y in xy[nowhere][:3])
    raise InputDataError.one(
        source, f"{key} (points in the window)",
        f"{n_out} of {n} points outside every unit of the boundaries (lat, lon: {examples} ...); " + "; ".join(evidence),
        "most points inside the boundaries", fix,
    )


def _count_by_admin(units, kept, owner, all_units, aliases, layer) -> tuple[np.ndarray, dict]:
    """Count points by their own admin-name column and compare with the spatial count."""
    reference = all_units if all_units is not None else pd.DataFrame(units[["name", "region"]])
    values = pd.Series(sorted(set(kept["admin"])), dtype=object)
    is_code = conform_codes(values, reference.index)[0].isin(reference.index)  # the column may hold P-codes rather than names
    names = pd.DataFrame({"code": values.where(is_code, ""), "name": values.where(~is_code, "")})
    ids, rep = match_rows(names, reference, code_column="code", name_column="name", aliases=aliases)
    _report_spellings(rep, layer, "the points' admin column")
    name_to_unit = dict(zip(values, ids))
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
    _report_spellings(report, layer, f"{source} ({cols.get('code') or 'code column'})")
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


def _report_spellings(report: MatchReport, layer: str, source: str) -> None:
    """Warn of codes read as the boundary code they stand for; log names matched once folded or by alias."""
    if report.codes_corrected:
        fixed = report.codes_corrected
        warnings.warn(
            SpellingVariantWarning(
                f"layer {layer}: {len(fixed)} P-codes of {source} are written otherwise than in the boundaries (case, spaces, quotes or a "
                f"trailing .0) and were read as the boundary codes: {'; '.join(fixed[:10])}{' ...' if len(fixed) > 10 else ''}"
            ),
            stacklevel=3,
        )
    if report.by_name_spelling:
        logger.info("layer %s: %d names matched a unit once accents, case and punctuation were folded, or by alias: %s", layer,
                    len(report.by_name_spelling), "; ".join(report.by_name_spelling[:12]) + (" ..." if len(report.by_name_spelling) > 12 else ""))


def _listed_rows(rows: Sequence) -> str:
    """Row labels (the file's line numbers) as text: ``3, 7``."""
    return ", ".join(str(r) for r in list(rows)[:8]) + (" ..." if len(rows) > 8 else "")


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
            source, f"layers.{layer}", f"several rows for units {'; '.join(f'{u} (rows {_listed_rows(dup.index[(dup == u).to_numpy()])})' for u in sorted(set(dup))[:10])}", "one row per unit",
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


def count_actors(units: gpd.GeoDataFrame, actors: pd.DataFrame, *, aliases: Mapping[str, str] | None = None, layer: str = "actors") -> pd.DataFrame:
    """Count distinct organisations per unit and actor type.

    Organisation names differing only by case, accents, spaces or punctuation (``WFP``, ``wfp``,
    ``W.F.P.``) are one organisation; ``aliases`` (spelling → name) joins different names of one
    organisation (``PAM`` → ``WFP``). Every merge is listed in a
    :class:`~nexus_zones.errors.SpellingVariantWarning` (see :func:`fold_organisations`).

    ``actors`` holds rows with ``unit_id``, ``organisation``, ``actor_type`` and ``type_value``.
    Returns ``humanitarian`` and ``development`` (distinct organisations of each type),
    ``actors`` (distinct organisations of either type) and ``both`` (1 where both types are
    present, else 0). A unit absent from the 3W has no actor (0). Rows whose type is in neither
    list are reported and not counted.
    """
    rows = actors.assign(organisation=fold_organisations(actors["organisation"], aliases=aliases, layer=layer))
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


def organisation_key(name: str) -> str:
    """Fold an organisation name: no accents, case, spaces or punctuation (``W.F.P.`` → ``wfp``)."""
    from .load import normalise_name

    folded = normalise_name(name)
    return re.sub(r"[^0-9a-z]+", "", folded) or folded


def fold_organisations(names: pd.Series, *, aliases: Mapping[str, str] | None = None, layer: str = "actors") -> pd.Series:
    """One spelling per organisation: names folding to the same :func:`organisation_key` (after
    ``aliases``) take the most frequent spelling (the first seen among equals), or the alias target.
    Different acronyms (``WFP``, ``PAM``) stay apart unless an alias joins them."""
    alias = {organisation_key(k): str(v).strip() for k, v in (aliases or {}).items()}
    keys = names.map(organisation_key)
    unused = sorted(k for k, v in (aliases or {}).items() if organisation_key(k) not in set(keys))
    if unused:
        warnings.warn(UnusedValueWarning(f"layer {layer}: organisation_aliases {unused} name no organisation of the file"), stacklevel=3)
    via_alias = keys.isin(list(alias))
    keys = keys.map(lambda k: organisation_key(alias[k]) if k in alias else k)
    targets = {organisation_key(v): v for v in alias.values()}
    display: dict[str, str] = {}
    merges: list[str] = []
    for key, group in names.groupby(keys.to_numpy(), sort=False):
        counts = group.value_counts(sort=False)  # in order of first appearance
        display[key] = targets.get(key) or counts.index[int(np.argmax(counts.to_numpy()))]
        spellings = [s for s in counts.index if s != display[key]]
        if spellings:
            aliased = set(names[via_alias & (keys == key)])
            merges.append(f"{', '.join(repr(s) + (' (alias)' if s in aliased else '') for s in spellings)} → {display[key]!r}")
    if merges:
        warnings.warn(
            SpellingVariantWarning(
                f"layer {layer}: organisation names written several ways were counted as one organisation (case, accents, spaces and "
                f"punctuation folded; aliases from layers.{layer}.organisation_aliases): {'; '.join(merges[:12])}{' ...' if len(merges) > 12 else ''}"
            ),
            stacklevel=3,
        )
    return keys.map(display)


def unit_areas_km2(units: gpd.GeoDataFrame) -> pd.Series:
    """Area of each unit in km², measured in an equal-area CRS (EPSG:6933, WGS 84 / EASE-Grid 2.0)."""
    return (units.geometry.to_crs(6933).area / 1e6).rename("area_km2")


def _rings(geom) -> list[np.ndarray]:
    """Every ring of a (multi)polygon, oriented (exteriors counter-clockwise, holes clockwise)."""
    geom = shapely.orient_polygons(geom)
    rings = []
    for poly in shapely.get_parts(geom):
        if poly.geom_type != "Polygon" or poly.is_empty:
            continue
        rings.append(np.asarray(poly.exterior.coords))
        rings.extend(np.asarray(r.coords) for r in poly.interiors)
    return rings


def _grid_crossings(p0: np.ndarray, p1: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For segments p0→p1 along one axis: (segment index, parameter t) of every crossing of an integer line."""
    lo, hi = np.minimum(p0, p1), np.maximum(p0, p1)
    first = np.floor(lo) + 1
    n = np.maximum(np.ceil(hi) - first, 0).astype(np.int64)
    seg = np.repeat(np.arange(len(p0)), n)
    offsets = np.arange(int(n.sum())) - np.repeat(np.cumsum(n) - n, n)
    k = np.repeat(first, n) + offsets
    return seg, (k - p0[seg]) / (p1 - p0)[seg]


def coverage_entries(geom, transform, col0: int, row0: int, width: int, height: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Sparse *accumulation* entries of a polygon on a pixel window: (rows, cols, values), cols in
    0..width, sorted by row.

    The exact share of each pixel covered by the polygon is the absolute value of the running sum of
    these entries along each row (the area-accumulation technique of font rasterisers): every ring
    segment is cut at the grid lines; a piece of vertical extent h whose midpoint lies at fraction x
    across its pixel adds h·(1 − x) to that pixel and h·x to the next one, so each pixel to the right
    of the piece gets h. Signed by orientation, holes subtract. Pieces left of the window land in its
    first column; pieces right of it in the extra column ``width``, which is dropped.
    """
    a, c, e, f = transform.a, transform.c, transform.e, transform.f
    parts = []
    for xy in _rings(geom):
        px = (xy[:, 0] - c) / a - col0
        py = (xy[:, 1] - f) / e - row0
        parts.append(np.column_stack([px[:-1], py[:-1], px[1:], py[1:]]))
    if not parts:
        empty = np.empty(0)
        return empty.astype(np.int64), empty.astype(np.int64), empty
    seg4 = np.concatenate(parts)
    seg4 = seg4[seg4[:, 1] != seg4[:, 3]]  # horizontal pieces add no area
    x0, y0, x1, y1 = seg4.T
    sx, tx = _grid_crossings(x0, x1)
    sy, ty = _grid_crossings(y0, y1)
    n = len(x0)
    seg = np.concatenate([np.arange(n), np.arange(n), sx, sy])
    t = np.concatenate([np.zeros(n), np.ones(n), tx, ty])
    order = np.lexsort((t, seg))
    seg, t = seg[order], t[order]
    same = seg[1:] == seg[:-1]
    s_, ta, tb = seg[:-1][same], t[:-1][same], t[1:][same]
    dx, dy = (x1 - x0)[s_], (y1 - y0)[s_]
    xm = x0[s_] + (ta + tb) / 2 * dx
    ym = y0[s_] + (ta + tb) / 2 * dy
    h = (tb - ta) * dy
    col = np.floor(xm)
    frac = xm - col
    col = col.astype(np.int64)
    row = np.floor(ym).astype(np.int64)
    rows = np.concatenate([row, row])
    cols = np.clip(np.concatenate([col, col + 1]), 0, width)
    values = np.concatenate([h * (1.0 - frac), h * frac])
    keep = (rows >= 0) & (rows < height) & (values != 0)
    rows, cols, values = rows[keep], cols[keep], values[keep]
    order = np.argsort(rows, kind="stable")
    return rows[order], cols[order], values[order]


def _dense(rows, cols, values, r_from: int, r_to: int, width: int) -> np.ndarray:
    """Coverage (|running sum| along rows) of window rows r_from..r_to-1 from sorted sparse entries."""
    lo, hi = np.searchsorted(rows, [r_from, r_to])
    n = r_to - r_from
    acc = np.bincount((rows[lo:hi] - r_from) * (width + 1) + cols[lo:hi], weights=values[lo:hi], minlength=n * (width + 1))
    cover = np.abs(np.cumsum(acc.reshape(n, width + 1), axis=1)[:, :width])
    return np.minimum(cover, 1.0, out=cover)


def coverage_fractions(geom, transform, shape: tuple[int, int]) -> np.ndarray:
    """Exact share of each pixel's area covered by ``geom`` (a polygon in the raster's CRS) on a
    north-up window of ``shape`` whose upper-left corner is ``transform``'s origin."""
    if transform.b != 0 or transform.d != 0:
        raise InputDataError.one("raster", "transform", "a rotated raster", "a north-up raster", "warp it with gdalwarp first")
    height, width = shape
    rows, cols, values = coverage_entries(geom, transform, 0, 0, width, height)
    return _dense(rows, cols, values, 0, height, width)


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


def zonal_stats(
    units: gpd.GeoDataFrame,
    raster,
    *,
    threshold: float | None = None,
    layer: str = "raster",
    workers: int = 2,
    strip_rows: int | None = None,
    progress=None,
) -> pd.DataFrame:
    """Per-unit statistics of a raster with exact fractional pixel coverage.

    Polygons are reprojected to the raster's CRS. The raster is streamed once, in strips of whole
    block rows, by ``workers`` threads (each with its own dataset handle); it is never loaded whole.
    Each unit keeps only the sparse accumulation entries of its boundary (:func:`coverage_entries`)
    and turns them into exact coverage row by row as the strips pass. Nodata (and NaN) pixels are left
    out. ``progress(done, total)`` is called after each strip.

    Returns ``sum`` (Σ value × coverage), ``mean`` (the coverage-weighted mean of valid pixels),
    ``valid_share`` (the share of the unit's whole area covered by pixels with data) and, with a
    ``threshold``, ``share_above`` (the share of the valid area whose value is above it). A unit
    the raster does not reach, or where it has only nodata, gets missing values; a unit the raster
    covers only in part is named in a warning. All of them are named.
    """
    import threading
    from concurrent.futures import ThreadPoolExecutor

    import rasterio
    from rasterio.windows import Window

    with rasterio.open(raster.path) as src:
        transform, width, height = src.transform, src.width, src.height
        if transform.b != 0 or transform.d != 0:
            raise InputDataError.one(str(raster.path), "transform", "a rotated raster", "a north-up raster", "warp it with gdalwarp first")
        block_rows = src.block_shapes[raster.band - 1][0]
        geoms = units.geometry.to_crs(src.crs).to_numpy()
    pixel = abs(transform.a * transform.e)
    n = len(units)
    windows: list = []
    missed: list[str] = []
    for i, (uid, geom) in enumerate(zip(units.index, geoms)):
        win = _window(geom.bounds, transform, width, height)
        if win is None:
            missed.append(uid)
            windows.append(None)
            continue
        c0, r0, w, h = int(win.col_off), int(win.row_off), int(win.width), int(win.height)
        rows, cols, values = coverage_entries(geom, transform, c0, r0, w, h)
        windows.append((r0, r0 + h, c0, w, rows, cols, values))
    active = [i for i, win in enumerate(windows) if win is not None]
    top = min((windows[i][0] for i in active), default=0)
    bottom = max((windows[i][1] for i in active), default=0)
    step = strip_rows or max(block_rows, (4_000_000 // max(width, 1)) // block_rows * block_rows)
    strips = [(r, min(r + step, bottom)) for r in range(top, bottom, step)]
    totals = np.zeros((max(workers, 1), n, 4))  # per worker: sum, valid area, covered area, area above
    nodata = raster.nodata
    done = [0]
    lock = threading.Lock()

    def work(worker: int) -> None:
        acc = totals[worker]
        with rasterio.open(raster.path) as src:
            for k in range(worker, len(strips), max(workers, 1)):
                r_from, r_to = strips[k]
                inside = [i for i in active if windows[i][0] < r_to and windows[i][1] > r_from]
                if inside:
                    c_min = min(windows[i][2] for i in inside)
                    c_max = max(windows[i][2] + windows[i][3] for i in inside)
                    data = src.read(raster.band, window=Window(c_min, r_from, c_max - c_min, r_to - r_from))
                    valid = ~np.isnan(data) if data.dtype.kind == "f" else np.ones(data.shape, dtype=bool)
                    if nodata is not None:
                        valid &= data != nodata
                    validf = valid.astype(np.float64)
                    clean = np.where(valid, data, 0).astype(np.float64)
                    above_f = (clean > threshold).astype(np.float64) * validf if threshold is not None else None
                    for i in inside:
                        r0, r1, c0, w, rows, cols, values = windows[i]
                        a, b = max(r0, r_from), min(r1, r_to)
                        cover = _dense(rows, cols, values, a - r0, b - r0, w)
                        sl = (slice(a - r_from, b - r_from), slice(c0 - c_min, c0 - c_min + w))
                        # fused multiply-and-sum: no temporary the size of the window
                        acc[i, 0] += np.einsum("ij,ij->", clean[sl], cover)
                        acc[i, 1] += np.einsum("ij,ij->", validf[sl], cover)
                        acc[i, 2] += cover.sum()
                        if above_f is not None:
                            acc[i, 3] += np.einsum("ij,ij->", above_f[sl], cover)
                with lock:
                    done[0] += 1
                    if progress is not None:
                        progress(done[0], len(strips))

    with ThreadPoolExecutor(max_workers=max(workers, 1)) as pool:
        list(pool.map(work, range(max(workers, 1))))
    total = totals.sum(axis=0)
    out = pd.DataFrame(np.nan, index=units.index.copy(), columns=["sum", "mean", "valid_share"] + (["share_above"] if threshold is not None else []))
    partial: list[str] = []
    for i in active:
        uid = units.index[i]
        s_sum, valid_area, covered, above = total[i]
        full = geoms[i].area / pixel
        if covered <= 0 or full <= 0:
            missed.append(uid)
            continue
        if covered < 0.999 * full:
            partial.append(f"{uid} ({covered / full:.0%})")
        out.at[uid, "valid_share"] = float(min(valid_area / full, 1.0))
        if valid_area > 0:
            out.at[uid, "sum"] = float(s_sum)
            out.at[uid, "mean"] = float(s_sum / valid_area)
            if threshold is not None:
                out.at[uid, "share_above"] = float(above / valid_area)
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
    logger.info("layer %s: zonal statistics of %s for %d units, %d strips of rows, %d threads (%d units not covered)",
                layer, raster.path.name, len(units), len(strips), max(workers, 1), len(missed))
    return out
