"""Zonal statistics by coverage runs, against pixel-by-pixel shapely intersections (independent, slow)."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import rasterio
import shapely
from rasterio.transform import Affine
from shapely.geometry import Polygon, box

from nexus_zones.errors import MissingValueWarning
from nexus_zones.layers import raster as raster_mod

PIXEL = 0.1
TRANSFORM = Affine(PIXEL, 0.0, 0.0, 0.0, -PIXEL, 3.0)  # 30 × 30 pixels over (0, 0)–(3, 3)


def _random_units(rng: np.random.Generator, n: int) -> gpd.GeoDataFrame:
    """Random polygons: some with a hole, some in two parts, some reaching past the raster's edges,
    and overlapping one another (as units of a messy file can)."""
    geoms = []
    while len(geoms) < n:
        k = len(geoms)
        g = shapely.make_valid(Polygon(rng.uniform(-0.4, 3.4, size=(7, 2))))
        g = shapely.union_all([p for p in shapely.get_parts(g) if p.geom_type == "Polygon"])
        if k % 3 == 0:
            g = g.difference(g.centroid.buffer(0.25))
        if k % 4 == 0:
            g = shapely.union_all([g, box(2.05, 2.05, 2.93, 2.71)])
        if not g.is_empty and g.intersects(box(0, 0, 3, 3)):
            geoms.append(g)
    return gpd.GeoDataFrame({"name": [f"U{i}" for i in range(n)]}, geometry=geoms, index=pd.Index([f"U{i}" for i in range(n)]), crs="EPSG:4326")


def _expected(units: gpd.GeoDataFrame, data: np.ndarray, nodata: float, threshold: float) -> pd.DataFrame:
    """Σ value × covered share, the valid share and the share above the threshold, from the
    intersection of every pixel's square with every unit."""
    rr, cc = np.mgrid[0 : data.shape[0], 0 : data.shape[1]]
    x0, y0 = cc * PIXEL, 3.0 - rr * PIXEL
    squares = shapely.box(x0, y0 - PIXEL, x0 + PIXEL, y0).ravel()
    values = data.ravel().astype(float)
    valid = (values != nodata) & ~np.isnan(values)
    rows = []
    for g in units.geometry:
        share = shapely.area(shapely.intersection(squares, g)) / PIXEL**2
        full = g.area / PIXEL**2
        valid_area = share[valid].sum()
        rows.append({
            "sum": (share * np.where(valid, values, 0.0)).sum(),
            "mean": (share * np.where(valid, values, 0.0)).sum() / valid_area,
            "valid_share": valid_area / full,
            "share_above": share[valid & (values > threshold)].sum() / valid_area,
        })
    return pd.DataFrame(rows, index=units.index)


@pytest.mark.parametrize("seed", [11, 12, 13])
def test_zonal_stats_equal_pixel_by_pixel_intersections(tmp_path, seed: int) -> None:
    rng = np.random.default_rng(seed)
    data = rng.gamma(2.0, 3.0, size=(30, 30)).astype("float32")
    data[rng.random((30, 30)) < 0.08] = -9999.0  # nodata
    data[3, 4] = np.nan
    path = tmp_path / "r.tif"
    with rasterio.open(path, "w", driver="GTiff", width=30, height=30, count=1, dtype="float32", crs="EPSG:4326",
                       transform=TRANSFORM, nodata=-9999.0) as dst:
        dst.write(data, 1)
    units = _random_units(rng, 8)
    info = raster_mod.read_raster(path)
    with pytest.warns(MissingValueWarning, match="covers only part of units"):  # units reaching past the raster's edges are named
        whole = raster_mod.zonal_stats(units, info, threshold=5.0, workers=1, strip_rows=30)
    expected = _expected(units, data, -9999.0, 5.0)
    np.testing.assert_allclose(whole[expected.columns].to_numpy(), expected.to_numpy(), rtol=1e-10, atol=1e-12)
    with pytest.warns(MissingValueWarning):  # strips of one and three rows, two threads: the same sums
        for rows in (1, 3):
            strips = raster_mod.zonal_stats(units, info, threshold=5.0, workers=2, strip_rows=rows)
            np.testing.assert_allclose(strips.to_numpy(), whole.to_numpy(), rtol=1e-12, atol=1e-14)


def test_coverage_runs_spell_out_the_dense_coverage() -> None:
    # the runs of a unit, laid out pixel by pixel, are its exact coverage (the dense rasteriser's)
    rng = np.random.default_rng(21)
    for _ in range(20):
        g = shapely.make_valid(Polygon(rng.uniform(0.05, 2.95, size=(9, 2))))
        g = shapely.union_all([p for p in shapely.get_parts(g) if p.geom_type == "Polygon"])
        if g.is_empty:
            continue
        win = raster_mod._UnitWindow(0, 30, 0, 30, *raster_mod.coverage_entries(g, TRANSFORM, 0, 0, 30, 30))
        laid = np.zeros((30, 30))
        for row, start, end, cover in zip(*raster_mod._coverage_runs(win)):
            assert (laid[row, start:end] == 0).all()  # runs of one unit never overlap
            laid[row, start:end] = cover
        np.testing.assert_allclose(laid, raster_mod.coverage_fractions(g, TRANSFORM, (30, 30)), atol=1e-12)
