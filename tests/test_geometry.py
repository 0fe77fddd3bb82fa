"""Geometry operations guarded against GEOS (:mod:`nexus_zones.geometry`): a union that raises a
topology exception is repaired and the unit named; an operation GEOS still refuses names the unit
at the place reported."""

from __future__ import annotations

import numpy as np
import pytest
import shapely
from shapely.errors import GEOSException
from shapely.geometry import Polygon

from nexus_zones import geometry
from nexus_zones.errors import GeometryRepairedWarning, InputDataError


# ------------------------------------------------------------------ (3) polygons GEOS rejects


BOWTIE = Polygon([(0, 0), (2, 2), (2, 0), (0, 2), (0, 0)])  # self-intersecting at (1, 1)
SQUARE = Polygon([(1, 0), (3, 0), (3, 2), (1, 2)])


def test_union_topology_exception_is_repaired_and_the_unit_named():
    geoms = np.array([BOWTIE, SQUARE], dtype=object)
    with pytest.raises(GEOSException, match="TopologyException"):
        shapely.union_all(geoms)  # the failure the helper exists for
    with pytest.warns(GeometryRepairedWarning, match=r"test: 1 unit polygon repaired with make_valid .*: Bow \(B1\) \(Self-intersection\[1 1\]\)"):
        union = geometry.safe_op(shapely.union_all, geoms, ["Bow (B1)", "Square (S1)"], what="outline of region R", source="test")
    # make_valid splits the bow-tie into two unit triangles: the left one (area 1) touches the square, the right one is inside it
    assert union.area == pytest.approx(1 + 2 * 2)


def test_an_operation_geos_still_refuses_names_the_unit_at_the_place_reported():
    calls = []

    def refuses(geoms):
        calls.append(len(geoms))
        raise GEOSException("TopologyException: side location conflict at 2.5 1.5")

    with pytest.raises(InputDataError, match=r"map: 1 input problem:\n  - units Square \(S1\): found polygons GEOS cannot use for the overlay, "
                       r"even once made valid and snapped to a 1e-07° grid .*Fix: check and repair the polygons in QGIS"):
        geometry.safe_op(refuses, np.array([shapely.box(0, 0, 1, 1), SQUARE], dtype=object), ["Left (L1)", "Square (S1)"], what="overlay", source="map")
    assert calls == [2, 2, 2]  # as given, repaired, snapped


def test_inside_mask_marks_points_in_or_on_a_polygon():
    import geopandas as gpd
    from shapely.geometry import box

    ref = gpd.GeoDataFrame(geometry=[box(0, 0, 1, 1), box(2, 0, 3, 1)], crs="EPSG:4326")
    x = np.array([0.5, 1.0, 1.5, 2.5, np.nan, 200.0])
    y = np.array([0.5, 0.5, 0.5, 0.9, 0.5, 0.5])
    assert geometry.inside_mask(ref, x, y).tolist() == [True, True, False, True, False, False]  # on the edge counts; NaN and 200° do not
