"""Raw per-unit measures shared by the layer kinds: the assignment of points to units, the match of
table rows to units, category slugs, and the units' own areas.

Each kind's per-unit measure lives in its module under :mod:`nexus_zones.layers` (points:
``count_points``; table: ``join_table``; actors: ``count_actors``; raster: ``zonal_stats``;
polygons: ``overlay_polygons``); the names are still reachable here for one release.

Every function takes in-memory frames (so tests build them by hand) and returns values aligned to
the study units' ``unit_id``.

Point-in-polygon rule: a point inside a unit, or on its border, belongs to it; a point on a border
shared by several units belongs to the one whose ``unit_id`` sorts first, so every point is counted
once.
"""

from __future__ import annotations

import logging
import re
import unicodedata
import warnings
from dataclasses import replace
from typing import Mapping

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from .errors import InputDataError, Problem, SpellingVariantWarning, UnusedValueWarning
from .fold import code_spelling
from .reconcile import MatchReport, closest_names, match_rows

__all__ = ["match_table", "unit_areas_km2", "slug", "assign_points"]

logger = logging.getLogger(__name__)


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
    :func:`nexus_zones.layers.table.read_table` and :func:`~nexus_zones.layers.actors.read_actors` return them.
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
            spelled = _spelled_code(label, all_units.index)
            hint = spelled or _lost_zero(label, all_units.index) or next((f" (did you mean {hints[n]!r}?)" for n in hints if label.startswith(repr(n))), "")
            how = ("write the codes as text with their leading zeros (in Excel: format the column as Text before typing or importing), or "
                   if hint.startswith(" (a leading zero lost") else "write the codes as the boundaries do, or " if spelled else "")
            problems.append(Problem(f"row {label}", f"no unit of that code or name{hint}", "a P-code or a name of the boundaries", how + fix))
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


def _spelled_code(label: str, known: pd.Index) -> str:
    """`` (the boundaries write 'ML0603')`` when the row's code (``ML-0603``) is a unit's code
    spelled with a hyphen, a space or another case (:func:`nexus_zones.fold.code_spelling`)."""
    found = re.search(r"code '([^']*)'", label)
    code = code_spelling(found.group(1), known) if found else None
    return f" (the boundaries write {code!r})" if code else ""


def _lost_zero(label: str, known: pd.Index) -> str:
    """`` (a leading zero lost? ...)`` when the row's code (``ML602``, ``602``) is a unit's code without
    zeros after its letters (``ML0602``), as a spreadsheet that read the code as a number leaves it."""
    found = re.search(r"code '([A-Za-z]*)(\d+)'", label)
    if not found:
        return ""
    letters, digits = found.groups()
    for code in known:
        hit = re.fullmatch(r"([A-Za-z]*)(0+)(\d+)", str(code))
        if hit and hit.group(3).lstrip("0") == digits.lstrip("0") and (not letters or letters.upper() == hit.group(1).upper()) \
                and len(hit.group(2) + hit.group(3)) > len(digits):
            return f" (a leading zero lost? {code!r} is a unit's code)"
    return ""


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


def unit_areas_km2(units: gpd.GeoDataFrame) -> pd.Series:
    """Area of each unit in km², measured in an equal-area CRS (EPSG:6933, WGS 84 / EASE-Grid 2.0)."""
    return (units.geometry.to_crs(6933).area / 1e6).rename("area_km2")

