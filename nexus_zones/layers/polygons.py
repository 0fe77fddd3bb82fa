"""The ``polygons`` kind: polygon features (flood extents, protected areas, zones of control)
overlaid on the units.

Owns its config spec (:class:`PolygonsLayerSpec`), its reader (:func:`read_polygons`: a GeoPackage,
GeoJSON or Shapefile, with the CRS checks the boundaries have and invalid polygons repaired), its
measures (:data:`POLYGON_MEASURES`, and the same three per category) and its per-unit measure
(:func:`overlay_polygons`):

* ``share``: the share (0-1) of the unit's area covered by the union of the features, so that
  overlapping features are not counted twice;
* ``area_km2``: that covered area in km²;
* ``count``: the features overlapping the unit (with an area in common; a feature merely touching
  its border is not counted).

Areas are measured in :data:`EQUAL_AREA_CRS`, EPSG:6933 (WGS 84 / NSIDC EASE-Grid 2.0 Global, a
cylindrical equal-area projection valid over every latitude a study may have, to ±86°): the CRS in
which ``units.area_km2`` is measured, so that ``area_km2`` equals ``share`` × ``units.area_km2``.
"""

from __future__ import annotations

import logging
import warnings
from pathlib import Path
from typing import Iterator, Literal, Mapping, Sequence

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pydantic import Field, model_validator

from .. import geometry, load
from ..errors import InputDataError, UnusedValueWarning, did_you_mean
from .base import Identifier, MeasureContext, Measured, ReadContext, Scalar, _check_crs, _fail, _HasPath
from .points import category_mapping

__all__ = ["PolygonsLayerSpec", "POLYGON_MEASURES", "EQUAL_AREA_CRS", "read_polygons", "overlay_polygons", "measures", "read", "measure", "empty_parts"]

logger = logging.getLogger(__name__)

#: Measures every polygons layer yields; with categories, each again as ``<category>_<measure>``.
POLYGON_MEASURES = ("share", "area_km2", "count")
#: The equal-area CRS of the areas (the one of ``units.area_km2``).
EQUAL_AREA_CRS = "EPSG:6933"


class PolygonsLayerSpec(_HasPath):
    """Polygon features (flood extents, protected areas, zones of control) overlaid on the units:
    the share and area of each unit they cover, and how many overlap it."""

    kind: Literal["polygons"]
    layer: str | None = Field(None, description="Layer name inside a multi-layer file (GeoPackage).")
    crs: str | None = Field(
        None, description="The CRS the file's coordinates are really in, for a file that declares none or a wrong one. Default: the file's."
    )
    where: dict[str, list[Scalar]] = Field(
        default_factory=dict, description="Keep only features whose column has one of the values, e.g. status: [observed]."
    )
    category_column: str | None = Field(None, description="Column whose values are measured separately (share, area_km2, count per value).")
    categories: dict[Identifier, list[str]] | None = Field(
        None, description="Category name -> values of category_column measured under it as <name>_share, <name>_area_km2, <name>_count "
        "(default: each value, slugified).",
    )
    allow_empty: bool = Field(
        False, description="The file may have no feature overlapping the study's units: every unit then has 0, with a warning, even where rules or weighted indicators use it."
    )

    @model_validator(mode="after")
    def _categories(self) -> "PolygonsLayerSpec":
        _check_crs(self.crs)
        if self.categories and not self.category_column:
            raise _fail("categories", "categories without category_column", "category_column naming the column that holds the categories")
        return self


Spec = PolygonsLayerSpec


# ------------------------------------------------------------------------------------ the kind


def measures(spec: PolygonsLayerSpec) -> tuple[str, ...] | None:
    """``share``, ``area_km2`` and ``count``, and the same per configured category; ``None`` where
    the categories are the file's own values (known only from the data)."""
    if spec.category_column and not spec.categories:
        return None
    return POLYGON_MEASURES + tuple(f"{cat}_{m}" for cat in spec.categories or () for m in POLYGON_MEASURES)


def read(name: str, spec: PolygonsLayerSpec, context: ReadContext) -> gpd.GeoDataFrame:
    """Read the layer's polygons (see :func:`read_polygons`)."""
    return read_polygons(spec.path, layer=spec.layer, crs=spec.crs, category_column=spec.category_column, filters=spec.where or None, where=f"layers.{name}")


def measure(name: str, spec: PolygonsLayerSpec, data: gpd.GeoDataFrame, context: MeasureContext) -> Measured:
    """Overlay the features on the study units (see :func:`overlay_polygons`)."""
    return Measured(overlay_polygons(context.units, data, categories=spec.categories, layer=name, source=str(spec.path)))


def empty_parts(name: str, spec: PolygonsLayerSpec, data: gpd.GeoDataFrame, measured: Measured, layer_measures: list[str]) -> Iterator[tuple[str, str, list[str]]]:
    """Yield the layer when no feature overlaps a study unit, and each configured category with no
    feature in the file."""
    counted = measured.measures["count"]
    if len(data) == 0:
        yield f"layers.{name}", load.no_rows_why(spec.path) if data.attrs.get("features_read", 0) == 0 else "no feature with a geometry", layer_measures
    elif counted.sum() == 0:
        yield f"layers.{name}", f"none of the {len(data):,} features overlaps a study unit (is the file's CRS right? does it cover the study area?)", layer_measures
    elif spec.categories and "category" in data.columns:
        present = set(data["category"].astype(str))
        for cat, values in spec.categories.items():
            if not present & set(values):
                yield (f"layers.{name}.categories.{cat}", f"no feature with the category values {values}{did_you_mean(values[0], present)} "
                       f"(values in the file: {sorted(present)[:12]})", [f"{name}.{cat}_{m}" for m in POLYGON_MEASURES])


# ------------------------------------------------------------------------------------ reader


def read_polygons(
    path: Path,
    *,
    layer: str | None = None,
    crs: str | None = None,
    category_column: str | None = None,
    filters: dict | None = None,
    where: str = "layer",
) -> gpd.GeoDataFrame:
    """Read polygon features into EPSG:4326, with a ``category`` column where asked for.

    The file must declare its CRS (or ``crs`` give it) and, in a geographic CRS, hold coordinates
    that can be degrees, as for the boundaries. Features not passing ``filters`` (column -> accepted
    values) are dropped; features without geometry are reported and left out; invalid polygons are
    repaired with ``make_valid`` and named in a :class:`~nexus_zones.errors.GeometryRepairedWarning`.
    Points or lines are an error. ``attrs['features_read']`` holds the number of features in the file.
    """
    source = str(path) + (f" (layer {layer})" if layer else "")
    frame = load._read_vector(path, layer)
    n_read = len(frame)
    wanted = {f"{where}.category_column": category_column} if category_column else {}
    wanted |= {f"{where}.where.{col}": col for col in filters or {}}
    problems = load._missing_columns(path, frame, wanted)
    if problems:
        raise InputDataError(source, problems)
    frame = load._with_crs(frame, path, source, crs=crs, key=f"{where}.crs")
    if filters:
        frame = load.filter_rows(frame, filters, path=path, key=f"{where}.where")
    frame = _polygons_only(frame, source, where=where)
    out = gpd.GeoDataFrame(geometry=_repaired(frame, source), crs="EPSG:4326", index=pd.RangeIndex(len(frame)))
    if category_column:
        out["category"] = frame[load.resolve_column(frame, category_column)].astype(str).str.strip().to_numpy()
    out.attrs["features_read"] = n_read
    logger.info("%s: %d polygon features read, %d kept", source, n_read, len(out))
    return out


def _polygons_only(frame: gpd.GeoDataFrame, source: str, *, where: str) -> gpd.GeoDataFrame:
    """The features with a geometry (the others named in a warning), which must all be polygons."""
    empty = (frame.geometry.isna() | frame.geometry.is_empty).to_numpy()
    if empty.any():
        rows = load._rows(np.flatnonzero(empty) + 1)
        warnings.warn(UnusedValueWarning(f"{where} ({source}): {int(empty.sum())} features without geometry were not used (features {rows})"), stacklevel=3)
    frame = frame[~empty]
    types = sorted(set(frame.geom_type))
    if set(types) - {"Polygon", "MultiPolygon"}:
        raise InputDataError.one(
            source, "geometry", f"geometry types {types}", "Polygon or MultiPolygon features",
            "use the polygons of the extents or areas; points go in a layer of kind points, and lines cover no area",
        )
    return frame


def _repaired(frame: gpd.GeoDataFrame, source: str) -> np.ndarray:
    """The polygons in EPSG:4326, each invalid one repaired (checked after the reprojection, which
    can make a polygon invalid)."""
    if frame.crs.to_epsg() != 4326:
        frame = frame.to_crs(4326)
    labels = [f"feature {i + 1}" for i in range(len(frame))]
    return geometry.repair(frame.geometry.to_numpy(), labels, source=source, cause="are invalid in the file", noun="feature")


# ------------------------------------------------------------------------------------ measure


def overlay_polygons(
    units: gpd.GeoDataFrame,
    features: gpd.GeoDataFrame,
    *,
    categories: Mapping[str, Sequence[str]] | None = None,
    layer: str = "polygons",
    source: str = "polygons",
) -> pd.DataFrame:
    """Share, area (km²) and count of the features overlapping each unit, measured in
    :data:`EQUAL_AREA_CRS`.

    ``share`` is the area of the unit covered by the union of the features over the unit's area
    (overlapping features are not counted twice); ``area_km2`` that covered area; ``count`` the
    features sharing some area with the unit. Where ``features`` has a ``category`` column, the
    three are computed again per category (``categories``: name -> values; default each value of the
    file under its slug) as ``<name>_share``, ``<name>_area_km2`` and ``<name>_count``. Every unit
    gets a value (0 where no feature overlaps it).
    """
    unit_geoms = units.geometry.to_crs(EQUAL_AREA_CRS).to_numpy()
    feature_geoms = features.geometry.to_crs(EQUAL_AREA_CRS).to_numpy()
    groups = {"": np.ones(len(features), dtype=bool)}
    if "category" in features.columns:
        cats = features["category"].astype(str).to_numpy()
        for name, values in category_mapping(features["category"], cats, categories, layer=layer).items():
            groups[f"{name}_"] = np.isin(cats, values)
    out = pd.DataFrame(index=units.index.copy())
    for prefix, mask in groups.items():
        covered, count = _cover(unit_geoms, feature_geoms[mask], np.flatnonzero(mask) + 1, source=source)
        out[f"{prefix}share"] = np.minimum(covered / shapely.area(unit_geoms), 1.0)
        out[f"{prefix}area_km2"] = covered / 1e6
        out[f"{prefix}count"] = count.astype(float)
    logger.info("layer %s: %d features overlap %d of %d units, covering %.1f km² of them", layer, len(features),
                int((out["count"] > 0).sum()), len(units), float(out["area_km2"].sum()))
    return out


def _cover(units: np.ndarray, features: np.ndarray, numbers: np.ndarray, *, source: str) -> tuple[np.ndarray, np.ndarray]:
    """Per unit: the area covered by the union of the features (in the CRS's units²) and the number of
    features sharing some area with it. ``numbers`` are the features' numbers in the file, for messages."""
    covered = np.zeros(len(units))
    count = np.zeros(len(units), dtype=np.int64)
    if len(features) == 0:
        return covered, count
    tree = shapely.STRtree(features)
    for i, unit in enumerate(units):
        near = tree.query(unit, predicate="intersects")
        if not len(near):
            continue
        labels = [f"feature {n}" for n in numbers[near]]
        pieces = geometry.safe_op(lambda g: shapely.intersection(g, unit), features[near], labels, what="overlay with the units", source=source)
        overlap = shapely.area(pieces) > 0
        count[i] = int(overlap.sum())
        if count[i]:
            union = geometry.safe_op(shapely.union_all, pieces[overlap], [lab for lab, ok in zip(labels, overlap) if ok], what="union of the features", source=source)
            covered[i] = shapely.area(union)
    return covered, count
