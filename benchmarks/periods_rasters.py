"""Rasters over many periods: N rasters on one grid cost about N reads (issue 13).

    .venv/bin/python benchmarks/periods_rasters.py [--rasters 10] [--pixel 0.005] [--cache benchmarks/_cache]

The case: the 701 real communes of Mali (else 700 Voronoi cells, as in ``run.py``) and ``--rasters``
float32 rasters on one grid over them (a population-like field, a different seed per raster, tiled
512 × 512, deflate), made and cached like the national benchmark's raster.

Timed, each twice interleaved and the best kept: the floor (reading every block of the N rasters,
single-threaded), nexus_zones ``zonal_stats`` of the N rasters sharing one coverage cache (as a run
with N raster layers or N periods does: the units' exact coverage of the grid is computed once), and
the same without the cache (coverage computed for every raster). The results with and without the
cache must agree within 1e-9 relative before any time is printed. Target: with the cache ≤ 1.5 × the floor.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import numpy as np
import rasterio
from rasterio.transform import Affine

from nexus_zones import load
from nexus_zones.layers.raster import read_raster, zonal_stats

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import machine  # noqa: E402
import run  # noqa: E402
from run import make_units, read_floor  # noqa: E402

if os.environ.get("NEXUS_ZONES_REAL_DATA"):  # a worktree has no ../shared beside it
    run.REAL = Path(os.environ["NEXUS_ZONES_REAL_DATA"])


def make_rasters(cache: Path, bounds, pixel: float, n: int) -> list[Path]:
    """``n`` rasters on one grid over ``bounds`` (made once, cached)."""
    paths = []
    minx, miny, maxx, maxy = bounds
    width, height = int(np.ceil((maxx - minx) / pixel)), int(np.ceil((maxy - miny) / pixel))
    transform = Affine(pixel, 0.0, minx, 0.0, -pixel, maxy)
    profile = {"driver": "GTiff", "width": width, "height": height, "count": 1, "dtype": "float32", "crs": "EPSG:4326",
               "transform": transform, "tiled": True, "blockxsize": 512, "blockysize": 512, "compress": "deflate", "nodata": -9999.0}
    x = np.arange(width) / width
    for k in range(n):
        path = cache / f"period_{pixel:g}_{k:02d}.tif"
        paths.append(path)
        if path.exists():
            continue
        rng = np.random.default_rng(100 + k)
        tmp = path.with_suffix(".tmp.tif")
        with rasterio.open(tmp, "w", **profile) as dst:
            for r0 in range(0, height, 512):
                h = min(512, height - r0)
                y = (r0 + np.arange(h))[:, None] / height
                field = 20 * (1.2 + np.sin((12 + k) * x[None, :]) * np.cos(9 * y)) * (1.05 - y) ** 2
                block = (field * rng.gamma(2.0, 0.5, size=(h, width))).astype("float32")
                block[rng.random((h, width)) < 0.001] = -9999.0
                dst.write(block, 1, window=rasterio.windows.Window(0, r0, width, h))
        tmp.rename(path)
    return paths


def ours(units, infos, *, shared: bool) -> tuple[list, float]:
    t0 = time.perf_counter()
    cache: dict | None = {} if shared else None
    out = [zonal_stats(units, info, layer=f"r{k}", cache=cache) for k, info in enumerate(infos)]
    return out, time.perf_counter() - t0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rasters", type=int, default=10)
    parser.add_argument("--pixel", type=float, default=0.005)
    parser.add_argument("--cache", type=Path, default=Path(__file__).resolve().parent / "_cache")
    args = parser.parse_args()
    args.cache.mkdir(parents=True, exist_ok=True)
    path, cols = make_units(args.cache)
    units = load.read_boundaries(path, **cols).units
    paths = make_rasters(args.cache, units.total_bounds, args.pixel, args.rasters)
    infos = [read_raster(p) for p in paths]
    print(machine())
    print(f"case: {len(units)} units, {args.rasters} rasters of {infos[0].width:,} x {infos[0].height:,} float32 on one grid (tiled 512, deflate)")
    floors, cached, uncached = [], [], []
    for _ in range(2):
        t0 = time.perf_counter()
        for p in paths:
            read_floor(p)
        floors.append(time.perf_counter() - t0)
        with_cache, t = ours(units, infos, shared=True)
        cached.append(t)
        without, t = ours(units, infos, shared=False)
        uncached.append(t)
    for a, b in zip(with_cache, without):
        assert np.allclose(a.to_numpy(), b.to_numpy(), rtol=1e-9, atol=0, equal_nan=True), "the results with the coverage cache differ from those without"
    floor = min(floors)
    print("| what | seconds |\n| --- | --- |")
    print(f"| I/O floor: single-threaded read of every block of the {args.rasters} rasters (best of 2) | {floor:.2f} |")
    print(f"| nexus_zones zonal_stats of the {args.rasters} rasters, coverage computed once and reused (best of 2) | {min(cached):.2f} |")
    print(f"| the same, coverage computed for every raster (best of 2) | {min(uncached):.2f} |")
    print(f"| **ratio with the cache / floor: {min(cached) / floor:.2f} (target ≤ 1.5)**; without: {min(uncached) / floor:.2f} | |")


if __name__ == "__main__":
    main()
