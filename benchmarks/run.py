"""National-scale benchmark: every stage of a full run, side by side with what an analyst would otherwise use.

    .venv/bin/python benchmarks/run.py [--events 1000000] [--pixel 0.001] [--draws 10000] [--cache benchmarks/_cache]

The case is made here and cached: the 701 real communes of Mali when ``../shared/data/real`` is
present (else 700 Voronoi cells tiling Mali's extent), 1,000,000 ACLED-shaped events, and a float32
raster of about 245 million pixels at 0.001° (~100 m) over the units, written as a tiled (512×512),
deflate-compressed GeoTIFF.

Before any time is reported the results must agree: point counts identical between nexus_zones, a
bare shapely STRtree query and a per-polygon loop; zonal sums equal to exactextract's within 1e-6
relative; rasterstats (which counts a pixel wholly or not at all) is checked against the same rule
computed our way, and the size of its partial-pixel error is reported.

Prints the machine and a table of seconds (and peak memory of the full run, measured in a separate
process).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import rasterio
import shapely
from rasterio.transform import Affine

import nexus_zones
from nexus_zones import load, score, sensitivity
from nexus_zones.layers import points as points_mod
from nexus_zones.layers import raster as raster_mod

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import machine, record  # noqa: E402

REPO = Path(__file__).resolve().parent.parent
REAL = Path(os.environ.get("NEXUS_ZONES_REAL_DATA", REPO.parent / "shared" / "data" / "real"))
MALI = (-12.3, 10.1, 4.3, 25.0)


# ------------------------------------------------------------------------------------------ the case


def make_units(cache: Path) -> tuple[Path, dict]:
    if (REAL / "mali_admin_boundaries_ocha_cod_2015.gpkg").exists():
        return REAL / "mali_admin_boundaries_ocha_cod_2015.gpkg", {"layer": "adm3_communes", "id_column": "admin3Pcod",
                                                                  "name_column": "admin3Name", "region_column": "admin1Name"}
    path = cache / "units.gpkg"
    if not path.exists():
        rng = np.random.default_rng(1)
        pts = shapely.points(rng.uniform(MALI[0], MALI[2], 700), rng.uniform(MALI[1], MALI[3], 700))
        extent = shapely.box(*MALI)
        cells = [c.intersection(extent) for c in shapely.get_parts(shapely.voronoi_polygons(shapely.multipoints(pts), extend_to=extent))]
        gdf = gpd.GeoDataFrame({"pcode": [f"U{i:03d}" for i in range(len(cells))], "name": [f"Unit {i}" for i in range(len(cells))],
                                "region": [f"R{i % 9}" for i in range(len(cells))]}, geometry=cells, crs=4326)
        gdf.to_file(path)
    return path, {"layer": None, "id_column": "pcode", "name_column": "name", "region_column": "region"}


def make_events(cache: Path, n: int, bounds) -> Path:
    path = cache / f"events_{n}.csv"
    if not path.exists():
        rng = np.random.default_rng(2)
        minx, miny, maxx, maxy = bounds
        days = pd.Timestamp("2017-01-01") + pd.to_timedelta(rng.integers(0, 3 * 365, n), unit="D")
        types = np.array(["Battles", "Explosions/Remote violence", "Violence against civilians", "Protests"])
        pd.DataFrame({
            "event_id_cnty": [f"B{i}" for i in range(n)],
            "event_date": days.strftime("%Y-%m-%d"),
            "event_type": types[rng.integers(0, 4, n)],
            "latitude": np.round(rng.uniform(miny, maxy, n), 5),
            "longitude": np.round(rng.uniform(minx, maxx, n), 5),
            "fatalities": rng.integers(0, 6, n),
        }).to_csv(path, index=False)
    return path


def make_raster(cache: Path, bounds, pixel: float) -> Path:
    path = cache / f"population_{pixel:g}.tif"
    if not path.exists():
        minx, miny, maxx, maxy = bounds
        width, height = int(np.ceil((maxx - minx) / pixel)), int(np.ceil((maxy - miny) / pixel))
        transform = Affine(pixel, 0.0, minx, 0.0, -pixel, maxy)
        profile = {"driver": "GTiff", "width": width, "height": height, "count": 1, "dtype": "float32", "crs": "EPSG:4326",
                   "transform": transform, "tiled": True, "blockxsize": 512, "blockysize": 512, "compress": "deflate", "nodata": -9999.0,
                   "BIGTIFF": "IF_SAFER"}
        rng = np.random.default_rng(3)
        tmp = path.with_suffix(".tmp.tif")
        with rasterio.open(tmp, "w", **profile) as dst:
            x = np.arange(width) / width
            for r0 in range(0, height, 512):
                h = min(512, height - r0)
                y = (r0 + np.arange(h))[:, None] / height
                field = 20 * (1.2 + np.sin(12 * x[None, :]) * np.cos(9 * y)) * (1.05 - y) ** 2
                block = (field * rng.gamma(2.0, 0.5, size=(h, width))).astype("float32")
                block[rng.random((h, width)) < 0.001] = -9999.0  # scattered nodata
                dst.write(block, 1, window=rasterio.windows.Window(0, r0, width, h))
        tmp.rename(path)
    return path


# ------------------------------------------------------------------------------------------ helpers


def timed(fn, *args, **kwargs):
    t0 = time.perf_counter()
    out = fn(*args, **kwargs)
    return out, time.perf_counter() - t0


def read_floor(path: Path) -> float:
    """Single-threaded read of every block: the I/O floor."""
    t0 = time.perf_counter()
    with rasterio.open(path) as src:
        for _, window in src.block_windows(1):
            src.read(1, window=window)
    return time.perf_counter() - t0


def center_rule_sums(units: gpd.GeoDataFrame, path: Path) -> np.ndarray:
    """Sums counting each pixel whose centre is inside (rasterstats' default rule), computed our way."""
    from rasterio import features

    out = np.zeros(len(units))
    with rasterio.open(path) as src:
        for i, geom in enumerate(units.geometry):
            win = raster_mod._window(geom.bounds, src.transform, src.width, src.height)
            if win is None:
                continue
            data = src.read(1, window=win, out_dtype="float64")
            mask = features.rasterize([(geom, 1)], out_shape=data.shape, transform=src.window_transform(win), all_touched=False, dtype="uint8").astype(bool)
            valid = mask & (data != src.nodata)
            out[i] = data[valid].sum()
    return out


def per_polygon_loop(units: gpd.GeoDataFrame, x: np.ndarray, y: np.ndarray) -> np.ndarray:
    counts = np.zeros(len(units), dtype=np.int64)
    for i, geom in enumerate(units.geometry):
        minx, miny, maxx, maxy = geom.bounds
        near = (x >= minx) & (x <= maxx) & (y >= miny) & (y <= maxy)
        counts[i] = int(shapely.contains_xy(geom, x[near], y[near]).sum())
    return counts


def full_run(config: Path, out: Path, *, fast: bool = True) -> tuple[float, float, int]:
    """Run the CLI in a child process; return its wall time, peak memory (GiB) and exit code.
    ``fast=False`` turns the pyarrow CSV path off (the pandas baseline)."""
    code = (
        "import resource, sys, time\n"
        "from nexus_zones import cli, load\n"
        + ("" if fast else "load.FAST_MIN_BYTES = 1 << 62\n") +
        "t0 = time.perf_counter()\n"
        f"rc = cli.main(['run', {str(config)!r}, '--out', {str(out)!r}, '-q'])\n"
        "print('WALL', time.perf_counter() - t0)\n"
        # VmHWM, the high-water mark of this process's own memory: ru_maxrss would carry the parent's
        # peak over fork and exec (Linux keeps it in the signal struct), i.e. this benchmark's own.
        "print('PEAK', next(int(l.split()[1]) for l in open('/proc/self/status') if l.startswith('VmHWM')))\n"
        "sys.exit(rc)\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    wall = float(next(line.split()[1] for line in proc.stdout.splitlines() if line.startswith("WALL")))
    peak = float(next(line.split()[1] for line in proc.stdout.splitlines() if line.startswith("PEAK"))) / 2**20
    return wall, peak, proc.returncode


# --------------------------------------------------------------------------------------------- main


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--pixel", type=float, default=0.001)
    parser.add_argument("--draws", type=int, default=10_000)
    parser.add_argument("--cache", type=Path, default=REPO / "benchmarks" / "_cache")
    parser.add_argument("--skip-peers", action="store_true", help="skip rasterstats and exactextract (slow)")
    args = parser.parse_args()
    args.cache.mkdir(parents=True, exist_ok=True)
    rows: list[tuple[str, str, str]] = []
    figures: dict[str, float | int | str] = {"events": args.events, "draws": args.draws, "pixel": args.pixel}

    def row(stage: str, what: str, seconds: float | str, key: str) -> None:
        rows.append((stage, what, seconds if isinstance(seconds, str) else f"{seconds:.2f}"))
        figures[key] = float(rows[-1][2])  # the figure as printed (benchmarks/figures.json)
        print(f"  {stage:<22} {what:<58} {rows[-1][2]:>8}", flush=True)

    print(f"machine: {machine()}")
    units_path, ucols = make_units(args.cache)
    t0 = time.perf_counter()
    b = load.read_boundaries(units_path, layer=ucols["layer"], id_column=ucols["id_column"], name_column=ucols["name_column"], region_column=ucols["region_column"])
    units = b.units
    bounds = tuple(np.round(units.total_bounds, 3))
    events_path = make_events(args.cache, args.events, bounds)
    raster_path = make_raster(args.cache, bounds, args.pixel)
    with rasterio.open(raster_path) as src:
        size = f"{src.width} x {src.height} = {src.width * src.height / 1e6:.0f} M pixels"
    print(f"case: {len(units)} units ({'real communes' if 'adm3' in str(ucols['layer']) else 'Voronoi cells'}), "
          f"{args.events:,} events, raster {size} float32, tiled 512, deflate ({raster_path.stat().st_size / 2**20:.0f} MiB); "
          f"made or found in {time.perf_counter() - t0:.0f} s")
    print(f"  {'stage':<22} {'what':<58} {'seconds':>8}")

    # load
    _, t_bound = timed(load.read_boundaries, units_path, layer=ucols["layer"], id_column=ucols["id_column"], name_column=ucols["name_column"], region_column=ucols["region_column"])
    row("load", "boundaries", t_bound, "load_boundaries_s")
    violent = ["Battles", "Explosions/Remote violence", "Violence against civilians"]
    read_kw = dict(date_column="event_date", type_column="event_type", filters={"event_type": violent})
    fast_times, base_times = [], []
    for _ in range(2):  # interleaved, best of 2: neither path profits alone from a warm page cache
        kept, t_fast = timed(points_mod.read_points, events_path, **read_kw)
        fast_times.append(t_fast)
        saved, load.FAST_MIN_BYTES = load.FAST_MIN_BYTES, 1 << 62
        try:
            baseline, t_base = timed(points_mod.read_points, events_path, **read_kw)
        finally:
            load.FAST_MIN_BYTES = saved
        base_times.append(t_base)
    pd.testing.assert_frame_equal(pd.DataFrame(kept.drop(columns="geometry")), pd.DataFrame(baseline.drop(columns="geometry")))
    assert kept.geometry.geom_equals_exact(baseline.geometry, 0).all(), "the two readers differ"
    del baseline
    row("load", f"{args.events:,} events read, filtered to 3 types ({len(kept):,} kept), parsed: pyarrow path (target <= 1.5 s)", min(fast_times), "load_events_filtered_s")
    row("load", "the same by the general pandas path (identical frame)", min(base_times), "load_events_filtered_pandas_s")
    points, t_points = timed(points_mod.read_points, events_path, date_column="event_date", type_column="event_type")
    row("load", f"{len(points):,} events from CSV (dates, types, fatalities), no filter", t_points, "load_events_s")

    # point aggregation
    (measures, _), t_ours = timed(points_mod.count_points, units, points, all_units=b.all_units, outside="accept")  # events span the bounding box
    geoms = units.geometry.to_numpy()
    tree = shapely.STRtree(geoms)
    pts = points.geometry.to_numpy()
    (pair, t_tree) = timed(tree.query, pts, predicate="within")
    tree_counts = np.bincount(pair[1], minlength=len(units))
    x, y = shapely.get_x(pts), shapely.get_y(pts)
    loop_counts, t_loop = timed(per_polygon_loop, units, x, y)
    ours_counts = measures["count"].to_numpy().astype(np.int64)
    assert np.array_equal(ours_counts, tree_counts) and np.array_equal(ours_counts, loop_counts), "point counts disagree"
    row("points", f"nexus_zones count_points ({int(ours_counts.sum()):,} counted)", t_ours, "points_ours_s")
    row("points", "bare shapely STRtree query(within) + bincount", t_tree, "points_strtree_s")
    row("points", "per-polygon loop (bbox filter + contains_xy)", t_loop, "points_loop_s")
    row("points", "ratio ours / STRtree (target <= 1.5)", f"{t_ours / t_tree:.2f}", "points_ratio")

    # zonal statistics
    info = raster_mod.read_raster(raster_path)
    # best of two for both, interleaved, so that neither profits alone from a warm page cache
    floors, ours_times = [], []
    for _ in range(2):
        floors.append(read_floor(raster_path))
        zs, t = timed(raster_mod.zonal_stats, units, info)
        ours_times.append(t)
    floor, t_zs = min(floors), min(ours_times)
    row("zonal", "I/O floor: single-threaded read of every block (best of 2)", floor, "zonal_floor_s")
    row("zonal", "nexus_zones zonal_stats (exact coverage, 2 threads; best of 2)", t_zs, "zonal_ours_s")
    row("zonal", "ratio ours / floor (target <= 1.5)", f"{t_zs / floor:.2f}", "zonal_ratio")
    if not args.skip_peers:
        from exactextract import exact_extract
        from rasterstats import zonal_stats as rs_zonal

        ee, t_ee = timed(exact_extract, str(raster_path), units.reset_index(), "sum", output="pandas")
        rel = np.abs(zs["sum"].to_numpy() - ee["sum"].to_numpy()) / np.maximum(np.abs(ee["sum"].to_numpy()), 1e-300)
        assert rel.max() <= 1e-6, f"zonal sums differ from exactextract by up to {rel.max():.2e}"
        row("zonal", f"exactextract 'sum' (ours equal within {rel.max():.1e} relative)", t_ee, "zonal_exactextract_s")
        rs, t_rs = timed(rs_zonal, units.geometry, str(raster_path), stats=["sum"], nodata=-9999.0)
        rs_sum = np.array([r["sum"] or 0.0 for r in rs])
        centre = center_rule_sums(units, raster_path)
        rel_rule = np.abs(rs_sum - centre) / np.maximum(np.abs(centre), 1e-300)
        assert rel_rule.max() <= 1e-6, f"rasterstats differs from the centre rule by {rel_rule.max():.2e}"
        error = np.abs(rs_sum - ee["sum"].to_numpy()) / np.maximum(np.abs(ee["sum"].to_numpy()), 1e-300)
        row("zonal", f"rasterstats 'sum' (= centre rule; vs exact: median {np.median(error):.2%}, max {error.max():.2%})", t_rs, "zonal_rasterstats_s")

    # scoring and robustness on the national units
    norm = pd.DataFrame({"events": 1 - measures["count"] / measures["count"].max(), "people": zs["sum"].fillna(0) / zs["sum"].max()}, index=units.index)
    (scored), t_score = timed(score.score_units, norm, {"events": 2.0, "people": 1.0}, regions=units["region"])
    row("score", f"score, rules, ranks for {len(units)} units", t_score, "score_s")
    spec = sensitivity.RobustnessSpec(draws=args.draws, top_k=10)
    _, t_mc = timed(sensitivity.monte_carlo, {"model": norm.to_numpy()}, {"events": 2.0, "people": 1.0}, score.Structure(("events", "people")),
                    np.ones(len(units), dtype=bool), spec, index=units.index)
    row("robustness", f"{args.draws:,} Dirichlet draws", t_mc, "robustness_s")

    # the full run, through the CLI, in its own process (for its peak memory)
    with tempfile.TemporaryDirectory() as tmp:
        cfg = {
            "study": {"name": "national", "title": "National benchmark", "boundaries": {"path": str(units_path), **{k: v for k, v in ucols.items() if v is not None and k != "layer"}, **({"layer": ucols["layer"]} if ucols["layer"] else {})}},
            "layers": {"events": {"kind": "points", "path": str(events_path), "year": 2017, "types": ["Battles", "Explosions/Remote violence", "Violence against civilians"], "outside": "accept"},
                       "population": {"kind": "raster", "path": str(raster_path), "threshold": 30}},
            "indicators": {"events": {"measure": "events.count", "per": "population.sum", "scale": 100000, "direction": "cost", "weight": 2},
                           "people": {"measure": "population.sum", "direction": "benefit", "normalisation": "rank", "weight": 1},
                           "dense": {"measure": "population.share_above", "direction": "benefit", "weight": 1}},
            "robustness": {"draws": args.draws, "top_k": 10},
            "map": {"simplify": 0.002, "precision": 4, "point_layers": []},
        }
        config = Path(tmp) / "national.yaml"
        config.write_text(json.dumps(cfg), encoding="utf-8")
        runs = {True: [], False: []}
        for _ in range(2):  # interleaved, best of 2
            for fast in (True, False):
                wall, peak, rc = full_run(config, Path(tmp) / "out", fast=fast)
                assert rc == 0, "the full run failed"
                runs[fast].append((wall, peak))
        (wall, peak), (b_wall, b_peak) = min(runs[True]), min(runs[False])
        row("full run", f"nexus-zones run (all stages, {args.draws:,} draws, map), target <= 7 s", wall, "full_run_s")
        row("full run", "peak memory of that process, GiB (target <= 2)", f"{peak:.2f}", "full_run_peak_gib")
        row("full run", "the same with the pandas CSV path (baseline)", b_wall, "full_run_baseline_s")
        row("full run", "peak memory of the baseline, GiB", f"{b_peak:.2f}", "full_run_baseline_peak_gib")
        sys.path.insert(0, str(Path(__file__).resolve().parent))
        from map_size import folium_usual, load_time

        cfg["robustness"] = {"draws": 200, "top_k": 10}  # the page's size does not depend on the draws
        config.write_text(json.dumps(cfg), encoding="utf-8")
        result = nexus_zones.run(config, out_dir=Path(tmp) / "out2")
        usual = Path(tmp) / "folium_usual.html"
        folium_usual(result).save(usual)
        ours_mb, usual_mb = result.paths["map"].stat().st_size / 1e6, usual.stat().st_size / 1e6
        row("map", f"nexus_zones offline page, {len(units)} units: {ours_mb:.1f} MB; load s", load_time(result.paths["map"]), "map_load_s")
        row("map", f"Folium Choropleth + GeoJson per view (CDN links): {usual_mb:.1f} MB; load s", load_time(usual), "folium_load_s")
        figures["map_mb"], figures["folium_mb"] = round(ours_mb, 1), round(usual_mb, 1)
        row("map", "ratio of sizes, Folium's pattern / ours", f"{usual_mb / ours_mb:.1f}", "map_size_ratio")
    figures["units"] = len(units)
    record("run", figures)
    print()
    print("| stage | what | seconds |")
    print("| --- | --- | --- |")
    for stage, what, seconds in rows:
        print(f"| {stage} | {what} | {seconds} |")


if __name__ == "__main__":
    main()
