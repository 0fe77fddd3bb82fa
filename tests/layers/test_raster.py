"""The raster kind (:mod:`nexus_zones.layers.raster`): zonal statistics with full pixels, nodata,
fractional coverage exact against shapely, polygons reprojected to the raster, rasters not
overlapping or without CRS, streamed strips in threads, coverage computed once per grid, and a
raster layer in a study."""

from __future__ import annotations

import json
import math
import warnings
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import rasterio
import shapely
from rasterio.transform import Affine
from shapely.geometry import Polygon, box

import nexus_zones
from nexus_zones.config import config_from_mapping
from nexus_zones.errors import InputDataError, MissingValueWarning
from nexus_zones.layers import raster as raster_mod

from .._support import DEMO, grid_units


def from_origin(west: float, north: float, xsize: float, ysize: float) -> Affine:
    """A north-up transform (rasterio's from_origin multiplies affines with the pending-deprecated ``*``)."""
    return Affine(xsize, 0.0, west, 0.0, -ysize, north)


# --------------------------------------------------------------------------------------- rasters


def _write_raster(path, data, transform, crs="EPSG:4326", nodata=-9999.0):
    with rasterio.open(path, "w", driver="GTiff", width=data.shape[1], height=data.shape[0], count=1,
                       dtype="float32", crs=crs, transform=transform, nodata=nodata) as dst:
        dst.write(data.astype("float32"), 1)


@pytest.fixture
def raster_4x4(tmp_path):
    """4×4 pixels of 0.5°, covering (0, 0)-(2, 2) like the grid; values 1..16 row by row; (row 0, col 1) is nodata."""
    data = np.arange(1, 17, dtype="float32").reshape(4, 4)
    data[0, 1] = -9999.0
    path = tmp_path / "r.tif"
    _write_raster(path, data, from_origin(0.0, 2.0, 0.5, 0.5))
    return path


def test_zonal_stats_full_pixels_and_nodata(raster_4x4):
    info = raster_mod.read_raster(raster_4x4)
    units = grid_units()
    z = raster_mod.zonal_stats(units, info, threshold=10)
    # A1 = x 0-1, y 1-2 = rows 0-1, cols 0-1 -> values 1, (nodata), 5, 6
    assert z.loc["A1", "sum"] == pytest.approx(1 + 5 + 6)
    assert z.loc["A1", "mean"] == pytest.approx((1 + 5 + 6) / 3)
    assert z.loc["A1", "valid_share"] == pytest.approx(3 / 4)
    assert z.loc["A1", "share_above"] == pytest.approx(0 / 3)
    # B2 = rows 2-3, cols 2-3 -> 11, 12, 15, 16
    assert z.loc["B2", "sum"] == pytest.approx(11 + 12 + 15 + 16)
    assert z.loc["B2", "share_above"] == pytest.approx(4 / 4)


def test_zonal_stats_fractional_coverage(raster_4x4):
    info = raster_mod.read_raster(raster_4x4)
    # a polygon covering x 0.25-0.75, y 0.25-0.5: quarter of pixel (row 3, col 0)=13 and quarter of (row 3, col 1)=14
    units = gpd.GeoDataFrame({"name": ["p"], "region": ["r"]}, geometry=[box(0.25, 0.25, 0.75, 0.5)], index=pd.Index(["P"], name="unit_id"), crs=4326)
    z = raster_mod.zonal_stats(units, info)
    assert z.loc["P", "sum"] == pytest.approx(0.25 * 13 + 0.25 * 14)
    assert z.loc["P", "mean"] == pytest.approx((0.25 * 13 + 0.25 * 14) / 0.5)
    # a triangle: half of pixel 13 (x 0-0.5, y 0-0.5) cut by its diagonal
    tri = gpd.GeoSeries.from_wkt(["POLYGON ((0 0, 0.5 0, 0 0.5, 0 0))"], crs=4326)
    units = gpd.GeoDataFrame({"name": ["t"], "region": ["r"]}, geometry=tri.values, index=pd.Index(["T"], name="unit_id"), crs=4326)
    assert raster_mod.zonal_stats(units, info).loc["T", "sum"] == pytest.approx(0.5 * 13)


def test_zonal_stats_reprojects_polygons_to_the_raster(tmp_path):
    # a raster in Web Mercator; a box in EPSG:3857 is also a box in EPSG:4326
    data = np.array([[1.0, 2.0], [3.0, 4.0]])
    path = tmp_path / "merc.tif"
    _write_raster(path, data, from_origin(0.0, 200000.0, 100000.0, 100000.0), crs="EPSG:3857")
    poly_3857 = gpd.GeoSeries([box(50000, 50000, 150000, 150000)], crs=3857)
    units = gpd.GeoDataFrame({"name": ["m"], "region": ["r"]}, geometry=poly_3857.to_crs(4326).values, index=pd.Index(["M"], name="unit_id"), crs=4326)
    z = raster_mod.zonal_stats(units, raster_mod.read_raster(path))
    assert z.loc["M", "sum"] == pytest.approx(0.25 * (1 + 2 + 3 + 4), rel=1e-6)


def test_raster_not_overlapping_and_without_crs(tmp_path, raster_4x4):
    units = gpd.GeoDataFrame({"name": ["far"], "region": ["r"]}, geometry=[box(10, 10, 11, 11)], index=pd.Index(["F"], name="unit_id"), crs=4326)
    with pytest.warns(MissingValueWarning, match=r"does not cover units F"):
        z = raster_mod.zonal_stats(units, raster_mod.read_raster(raster_4x4))
    assert math.isnan(z.loc["F", "sum"])
    path = tmp_path / "nocrs.tif"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with rasterio.open(path, "w", driver="GTiff", width=2, height=2, count=1, dtype="float32", transform=from_origin(0, 2, 1, 1)) as dst:
            dst.write(np.ones((1, 2, 2), dtype="float32"))
    with pytest.raises(InputDataError, match="no coordinate reference system.*never guesses"):
        raster_mod.read_raster(path)


def test_raster_layer_in_a_study(grid_cfg, raster_4x4, tmp_path):
    cfg = json.loads(json.dumps(grid_cfg))
    cfg["layers"]["pop"] = {"kind": "raster", "path": str(raster_4x4), "threshold": 10}
    cfg["indicators"]["density"] = {"measure": "pop.sum", "per": "units.area_km2", "direction": "benefit", "weight": 1}
    result = nexus_zones.run(config_from_mapping(cfg), write=False)
    areas = gpd.GeoSeries(grid_units().geometry, crs=4326).to_crs(6933).area / 1e6
    assert result.values.loc["A1", "density"] == pytest.approx((1 + 5 + 6) / areas["A1"])
    assert result.measures.loc["B2", "pop.share_above"] == 1.0


def test_raster_with_only_nodata_or_partly_outside(tmp_path):
    data = np.array([[-9999.0, -9999.0], [5.0, 7.0]])
    path = tmp_path / "nd.tif"
    _write_raster(path, data, from_origin(0.0, 2.0, 1.0, 1.0))
    units = grid_units()
    with pytest.warns(MissingValueWarning) as record:
        z = raster_mod.zonal_stats(units, raster_mod.read_raster(path))
    assert math.isnan(z.loc["A1", "sum"]) and z.loc["A1", "valid_share"] == 0.0  # nodata only: no value, not 0 people
    assert z.loc["B1", "sum"] == 5.0
    assert any("only nodata pixels in units A1, A2" in str(r.message) for r in record)
    half = tmp_path / "half.tif"  # covers x 0-1 only: half of a 2°-wide unit
    _write_raster(half, np.array([[3.0], [3.0]]), from_origin(0.0, 2.0, 1.0, 1.0))
    wide = gpd.GeoDataFrame({"name": ["w"], "region": ["r"]}, geometry=[box(0, 0, 2, 2)], index=pd.Index(["W"], name="unit_id"), crs=4326)
    with pytest.warns(MissingValueWarning, match=r"covers only part of units W \(50%\)"):
        zw = raster_mod.zonal_stats(wide, raster_mod.read_raster(half))
    assert zw.loc["W", "valid_share"] == pytest.approx(0.5) and zw.loc["W", "sum"] == pytest.approx(6.0)


def _coverage(geom, transform, shape: tuple[int, int]) -> np.ndarray:
    """The exact pixel coverage of ``geom`` over a whole ``shape`` grid, as zonal_stats builds it: the
    sparse entries of the window starting at the origin, accumulated into dense rows."""
    height, width = shape
    rows, cols, values = raster_mod.coverage_entries(geom, transform, 0, 0, width, height)
    return raster_mod._dense(rows, cols, values, 0, height, width)


def test_coverage_is_exact_against_shapely_intersections():
    """The accumulation rasteriser against pixel-by-pixel shapely intersections (independent and
    slow), on random polygons with holes and several parts, and on a window cut from a larger grid."""
    import shapely
    from shapely.geometry import Polygon

    rng = np.random.default_rng(5)
    transform = Affine(0.1, 0.0, 0.0, 0.0, -0.1, 3.0)
    rr, cc = np.mgrid[0:30, 0:30]
    x0, y0 = cc * 0.1, 3.0 - rr * 0.1
    boxes = shapely.box(x0, y0 - 0.1, x0 + 0.1, y0)
    worst = 0.0
    for trial in range(60):
        g = shapely.make_valid(Polygon(rng.uniform(0.05, 2.95, size=(7, 2))))
        g = shapely.union_all([p for p in shapely.get_parts(g) if p.geom_type == "Polygon"])
        if trial % 3 == 0:
            g = g.difference(g.centroid.buffer(0.2))  # a hole
        if trial % 4 == 0:
            g = shapely.union_all([g, box(2.2, 2.2, 2.9, 2.8)])  # a second part
        if g.is_empty:
            continue
        exact = (shapely.area(shapely.intersection(boxes, g)) / 0.01).reshape(30, 30)
        worst = max(worst, float(np.abs(_coverage(g, transform, (30, 30)) - exact).max()))
        # a window of the same grid, columns 7–21 and rows 4–25: the same values
        rows, cols, values = raster_mod.coverage_entries(g, transform, 7, 4, 15, 22)
        window = raster_mod._dense(rows, cols, values, 0, 22, 15)
        worst = max(worst, float(np.abs(window - exact[4:26, 7:22]).max()))
    assert worst < 1e-12


def test_zonal_stats_stream_strips_in_threads(tmp_path):
    """Small strips and two threads give the same sums as one thread reading everything at once."""
    rng = np.random.default_rng(3)
    data = rng.random((40, 40)).astype("float32")
    data[5:9, 5:9] = -9999.0
    path = tmp_path / "big.tif"
    _write_raster(path, data, from_origin(0.0, 2.0, 0.05, 0.05))
    units = grid_units()
    info = raster_mod.read_raster(path)
    one = raster_mod.zonal_stats(units, info, threshold=0.5, workers=1, strip_rows=40)
    many = raster_mod.zonal_stats(units, info, threshold=0.5, workers=2, strip_rows=3)
    pd.testing.assert_frame_equal(one, many, rtol=1e-12)
    # A1 = rows 0–19, cols 0–19: plain sums of the valid cells (every pixel wholly inside)
    cells = data[0:20, 0:20].astype(float)
    valid = cells != -9999.0
    assert one.loc["A1", "sum"] == pytest.approx(cells[valid].sum(), rel=1e-12)
    assert one.loc["A1", "valid_share"] == pytest.approx(valid.mean())


def test_coverage_is_computed_once_per_grid_and_results_do_not_change(tmp_path: Path, monkeypatch) -> None:
    rng = np.random.default_rng(13)
    units = gpd.read_file(DEMO / "cercles.geojson").set_index("admin2Pcod")
    minx, miny, maxx, maxy = units.total_bounds
    width, height = int(np.ceil((maxx + 4.5) / 0.5)) + 2, int(np.ceil((18.5 - miny) / 0.5)) + 2
    paths = []
    for k in range(3):
        values = rng.gamma(2.0, 3.0, size=(height, width)).astype("float32")
        values[k, k] = -1  # a nodata pixel
        with rasterio.open(tmp_path / f"r{k}.tif", "w", driver="GTiff", width=width, height=height, count=1, dtype="float32", crs="EPSG:4326",
                           transform=from_origin(minx - 0.5, maxy + 0.5, 0.05, 0.05), nodata=-1) as dst:
            dst.write(values, 1)
        paths.append(tmp_path / f"r{k}.tif")
    infos = [raster_mod.read_raster(p) for p in paths]
    plain = [raster_mod.zonal_stats(units, info, threshold=5.0) for info in infos]
    calls = []
    original = raster_mod._unit_windows
    monkeypatch.setattr(raster_mod, "_unit_windows", lambda *a, **k: calls.append(1) or original(*a, **k))
    cache: dict = {}
    cached = [raster_mod.zonal_stats(units, info, threshold=5.0, cache=cache) for info in infos]
    assert len(calls) == 1  # three rasters on one grid: the units' coverage is computed once
    for a, b in zip(plain, cached):
        np.testing.assert_allclose(b.to_numpy(), a.to_numpy(), rtol=1e-12, equal_nan=True)
    fresh: dict = {}  # another cache: the coverage is computed again, once
    for info, a in zip(infos, plain):
        np.testing.assert_allclose(raster_mod.zonal_stats(units, info, threshold=5.0, cache=fresh).to_numpy(), a.to_numpy(), rtol=1e-12, equal_nan=True)
    assert len(calls) == 2


# ------------------------------------------------------------------------------ Zonal statistics by coverage runs, against pixel-by-pixel shapely intersections (independent, slow)


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
        np.testing.assert_allclose(laid, _coverage(g, TRANSFORM, (30, 30)), atol=1e-12)
