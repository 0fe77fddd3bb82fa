"""Geometry checks shared by the stages: plausible coordinates, and GEOS operations that repair.

* :func:`degree_problem` tells whether a layer said to be in degrees has coordinates that cannot be
  degrees (a GeoJSON without a ``crs`` member is read as WGS 84 whatever its numbers are).
* :func:`placements` counts how many points fall inside the boundaries as given and under the
  usual mistakes (latitude and longitude swapped; metres of a UTM zone or of Web Mercator written
  as numbers), so that an error can show the evidence for its fix.
* :func:`repair` and :func:`safe_op` run the GEOS operations on unit polygons (union,
  simplification, overlay): an invalid polygon is repaired with ``make_valid`` (polygonal parts
  kept) and named in a :class:`~nexus_zones.errors.GeometryRepairedWarning`; an operation GEOS still
  refuses is an :class:`~nexus_zones.errors.InputDataError` naming the units concerned.

Pure functions: no file is read or written here.
"""

from __future__ import annotations

import math
import re
import warnings
from dataclasses import dataclass
from typing import Callable, Sequence, TypeVar

import numpy as np
import shapely
from shapely.errors import GEOSException

from .errors import GeometryRepairedWarning, InputDataError

__all__ = ["degree_problem", "Placement", "placements", "utm_zones", "far_from", "repair", "safe_op", "polygonal", "SNAP_GRID", "FAR_DEGREES"]

#: Grid (in the geometries' units, degrees here: about 1 cm) that vertices are snapped to when GEOS
#: refuses an operation on polygons that are valid one by one.
SNAP_GRID = 1e-7

#: How far beyond the boundaries' extent (in degrees, about 110 km) a point is "far away".
FAR_DEGREES = 1.0

T = TypeVar("T")


def _listed(labels: Sequence[str], limit: int = 8) -> str:
    labels = list(labels)
    text = ", ".join(str(x) for x in labels[:limit])
    return text + (f" and {len(labels) - limit} more" if len(labels) > limit else "")


# ------------------------------------------------------------------------- coordinates in degrees


def degree_problem(bounds: Sequence[float]) -> str | None:
    """Describe why ``bounds`` (minx, miny, maxx, maxy) cannot be degrees, or return ``None``."""
    minx, miny, maxx, maxy = (float(b) for b in bounds)
    if not all(math.isfinite(b) for b in (minx, miny, maxx, maxy)):
        return None
    if max(abs(minx), abs(maxx)) <= 180 and max(abs(miny), abs(maxy)) <= 90:
        return None
    return f"x from {minx:.6g} to {maxx:.6g}, y from {miny:.6g} to {maxy:.6g}"


# ------------------------------------------------------------------------- where points would fall


@dataclass(frozen=True)
class Placement:
    """One reading of a layer's coordinates and how many of its points it puts inside the boundaries."""

    label: str
    inside: int
    crs: str = "EPSG:4326"
    swapped: bool = False


def utm_zones(bounds: Sequence[float]) -> list[str]:
    """EPSG codes of the UTM zones covering ``bounds`` (degrees), north and/or south as the extent needs."""
    minx, miny, maxx, maxy = bounds
    first = int((max(minx, -180.0) + 180) // 6) + 1
    last = min(int((min(maxx, 179.999999) + 180) // 6) + 1, 60)
    codes = []
    for zone in range(first, last + 1):
        if maxy >= 0:
            codes.append(f"EPSG:{32600 + zone}")
        if miny < 0:
            codes.append(f"EPSG:{32700 + zone}")
    return codes


def _count_inside(reference, x: np.ndarray, y: np.ndarray) -> int:
    ok = np.isfinite(x) & np.isfinite(y) & (np.abs(x) <= 180) & (np.abs(y) <= 90)
    if not ok.any():
        return 0
    points = shapely.points(x[ok], y[ok])
    hit, _ = shapely.STRtree(reference.geometry.to_numpy()).query(points, predicate="intersects")
    return int(len(np.unique(hit)))


def inside_mask(reference, x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Which points (x, y in degrees) fall inside (or on) a polygon of ``reference``."""
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    minx, miny, maxx, maxy = reference.total_bounds  # a point beyond the extent is in no polygon: no query for it
    ok = np.isfinite(x) & np.isfinite(y) & (np.abs(x) <= 180) & (np.abs(y) <= 90) & (x >= minx) & (x <= maxx) & (y >= miny) & (y <= maxy)
    out = np.zeros(len(x), dtype=bool)
    if ok.any():
        hit, _ = shapely.STRtree(reference.geometry.to_numpy()).query(shapely.points(x[ok], y[ok]), predicate="intersects")
        out[np.flatnonzero(ok)[np.unique(hit)]] = True
    return out


def placements(reference, lon: np.ndarray, lat: np.ndarray, *, projected: bool) -> list[Placement]:
    """How many of the points (``lon``, ``lat`` as the file gives them) fall inside ``reference``
    (a GeoDataFrame of polygons in EPSG:4326) as given and under the usual mistakes.

    The readings tried: as given; latitude and longitude swapped; and, with ``projected`` (values
    out of degree range), the numbers read as metres (x in the longitude column, y in the latitude
    column) of each UTM zone covering the boundaries, and of Web Mercator (EPSG:3857). Sorted
    with the best reading first (as given first among equals).
    """
    from pyproj import Transformer

    lon, lat = np.asarray(lon, dtype=float), np.asarray(lat, dtype=float)
    found = [
        Placement("as given", _count_inside(reference, lon, lat)),
        Placement("with latitude and longitude swapped", _count_inside(reference, lat, lon), swapped=True),
    ]
    if projected:
        for code in [*utm_zones(reference.total_bounds), "EPSG:3857"]:
            x, y = Transformer.from_crs(code, "EPSG:4326", always_xy=True).transform(lon, lat)
            name = "Web Mercator" if code == "EPSG:3857" else f"UTM zone {int(code[-2:])}{'N' if code[5:8] == '326' else 'S'}"
            found.append(Placement(f"read as metres in {name} ({code})", _count_inside(reference, np.asarray(x), np.asarray(y)), crs=code))
    return sorted(found, key=lambda p: -p.inside)


def swapped_boundaries_note(bounds: Sequence[float], *, boundaries: str = "the boundaries file") -> str:
    """What to say when points fit the boundaries only with latitude and longitude swapped: the
    boundaries themselves may be the swapped ones (x written as latitude), which looks the same from
    the points. Their extent as read and as swapped lets the user tell which is their country."""
    west, south, east, north = bounds
    return (
        f" — unless {boundaries} is the swapped one (longitude {west:.2f} to {east:.2f}, latitude {south:.2f} to {north:.2f}; "
        f"swapped: longitude {south:.2f} to {north:.2f}, latitude {west:.2f} to {east:.2f}): then correct that file (x is the longitude)"
    )


def far_from(bounds: Sequence[float], lon: np.ndarray, lat: np.ndarray, degrees: float = FAR_DEGREES) -> np.ndarray:
    """Which points lie more than ``degrees`` beyond the box ``bounds`` (minx, miny, maxx, maxy)."""
    minx, miny, maxx, maxy = bounds
    dx = np.maximum(np.maximum(minx - lon, lon - maxx), 0.0)
    dy = np.maximum(np.maximum(miny - lat, lat - maxy), 0.0)
    return np.hypot(dx, dy) > degrees


# ------------------------------------------------------------------------- GEOS operations that repair


def polygonal(geometry):
    """Repair a polygon with ``make_valid`` and keep only its polygonal parts."""
    fixed = shapely.make_valid(geometry)
    parts = [p for p in shapely.get_parts(fixed) if p.geom_type in ("Polygon", "MultiPolygon")]
    return shapely.union_all(parts) if parts else shapely.Polygon()


def repair(geoms: np.ndarray, labels: Sequence[str], *, source: str, cause: str = "are invalid", noun: str = "unit polygon") -> np.ndarray:
    """Return ``geoms`` with every invalid polygon repaired (``make_valid``, polygonal parts kept).

    The repaired units are named, with GEOS's reason, in a :class:`GeometryRepairedWarning`;
    ``cause`` says how they came to be invalid where it is known (``"became invalid once rounded
    ..."``); ``noun`` names what the polygons are (``"unit polygon"``, ``"feature"``). A unit
    with no area left after the repair is an :class:`InputDataError`.
    """
    geoms = np.asarray(geoms, dtype=object)
    invalid = ~shapely.is_valid(geoms) & ~shapely.is_missing(geoms)
    if not invalid.any():
        return geoms
    reasons = shapely.is_valid_reason(geoms[invalid])
    fixed = geoms.copy()
    fixed[invalid] = [polygonal(g) for g in geoms[invalid]]
    named = [str(labels[i]) for i in np.flatnonzero(invalid)]
    lost = [name for name, g in zip(named, fixed[invalid]) if g.is_empty or g.area == 0]
    if lost:
        raise InputDataError.one(
            source, f"units {_listed(lost)}", f"polygons with no area left once made valid ({_listed(list(reasons))})",
            "a valid polygon per unit", "repair the polygons in QGIS (Vector ▸ Geometry Tools ▸ Fix Geometries) and check them",
        )
    described = [f"{name} ({reason})" for name, reason in zip(named, reasons)]
    warnings.warn(
        GeometryRepairedWarning(
            f"{source}: {len(named)} {noun}{'s' if len(named) != 1 else ''} repaired with make_valid "
            f"(polygonal parts kept), as they {cause}: {_listed(described)}"
        ),
        stacklevel=2,
    )
    return fixed


def _units_at(geoms: np.ndarray, labels: Sequence[str], exc: Exception) -> list[str]:
    """The units near the location GEOS names in its message, else every unit given."""
    match = re.search(r"at (-?\d+(?:\.\d+)?(?:e-?\d+)?) (-?\d+(?:\.\d+)?(?:e-?\d+)?)", str(exc))
    if match:
        where = shapely.Point(float(match.group(1)), float(match.group(2)))
        near = np.flatnonzero(shapely.dwithin(geoms, where, 1e-6))
        if len(near):
            return [str(labels[i]) for i in near]
    return [str(label) for label in labels]


def safe_op(op: Callable[[np.ndarray], T], geoms: np.ndarray, labels: Sequence[str], *, what: str, source: str) -> T:
    """Run ``op(geoms)``; if GEOS refuses, repair the invalid polygons and retry, then snap every
    vertex to a :data:`SNAP_GRID` grid and retry.

    Each repair is named in a :class:`GeometryRepairedWarning`. When GEOS still refuses, raise an
    :class:`InputDataError` naming the units at the place GEOS reports (or every unit given).
    """
    geoms = np.asarray(geoms, dtype=object)
    try:
        return op(geoms)
    except GEOSException as exc:
        first = exc
    fixed = repair(geoms, labels, source=source, cause=f"are invalid (GEOS refused the {what}: {first})")
    try:
        return op(fixed)
    except GEOSException:
        pass
    snapped = shapely.set_precision(fixed, SNAP_GRID)
    try:
        result = op(snapped)
    except GEOSException as exc:
        raise InputDataError.one(
            source, f"units {_listed(_units_at(fixed, labels, exc))}",
            f"polygons GEOS cannot use for the {what}, even once made valid and snapped to a {SNAP_GRID:g}° grid ({exc})",
            "valid polygons that meet along shared borders", "check and repair the polygons in QGIS (Vector ▸ Geometry Tools ▸ Check Validity, Fix Geometries)",
        ) from exc
    warnings.warn(
        GeometryRepairedWarning(
            f"{source}: GEOS refused the {what} ({first}); the polygons of units {_listed(_units_at(fixed, labels, first))} "
            f"and the others of the {what} were snapped to a {SNAP_GRID:g}° grid for it"
        ),
        stacklevel=2,
    )
    return result
