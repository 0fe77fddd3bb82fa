"""Scale of the model tree (issue 21, item 5): 5,000 units x 60 indicators in a 4-level tree, a full run.

    .venv/bin/python benchmarks/tree_scale.py [--units 5000] [--indicators 60] [--draws 10000] [--cache benchmarks/_cache]

The case is made here and cached (MADE-UP data): 5,000 Voronoi cells tiling Mali's extent (a
GeoPackage), one table layer with 60 measure columns on 0-10 (one in twelve values missing in the
indicators a ``missing: renormalise`` node handles), and a config whose tree has four levels of nodes
(root -> 2 dimensions -> 4 categories -> 12 components -> 5 indicators each), every node rule used
somewhere: the root ``geometric`` (offset 0), ``reversed_geometric``, ``arithmetic`` (with
``missing: renormalise``), ``geometric`` (offset 0.01), ``max`` and ``min`` (with factors) and ``topsis``.

``nexus-zones run`` (10,000 robustness draws, the map) runs in a child process as
``benchmarks/run.py``'s ``full_run`` does: wall time and peak memory (VmHWM), best of 3; then the page's
size, and the WARNING lines of the run's log with -v (the only ones expected name the cells left empty on purpose).
Targets (issue 21): <= 15 s, <= 3 GiB, page <= 2 MB, no warning the user did not cause.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import machine, record  # noqa: E402
from run import MALI, full_run  # noqa: E402

REPO = Path(__file__).resolve().parent.parent

#: The tree: (dimension, its rule), its categories (name, rule, missing), each category's 3 components' rules.
DIMENSIONS = (("dim_hazard", "reversed_geometric", (("cat_human", "max", "exclude"), ("cat_natural", "topsis", "exclude"))),
              ("dim_vulnerability", "arithmetic", (("cat_socio", "arithmetic", "renormalise"), ("cat_coping", "min", "exclude"))))
COMPONENT_RULES = ("arithmetic", "geometric", "reversed_geometric", "max", "min", "topsis")


def make_units(cache: Path, n: int) -> Path:
    path = cache / f"tree_units_{n}.gpkg"
    if not path.exists():
        rng = np.random.default_rng(21)
        pts = shapely.points(rng.uniform(MALI[0], MALI[2], n), rng.uniform(MALI[1], MALI[3], n))
        extent = shapely.box(*MALI)
        cells = [c.intersection(extent) for c in shapely.get_parts(shapely.voronoi_polygons(shapely.multipoints(pts), extend_to=extent))]
        gdf = gpd.GeoDataFrame({"pcode": [f"U{i:05d}" for i in range(len(cells))], "name": [f"Unit {i}" for i in range(len(cells))],
                                "region": [f"R{i % 10}" for i in range(len(cells))]}, geometry=cells, crs=4326)
        tmp = path.with_suffix(".tmp.gpkg")
        gdf.to_file(tmp, driver="GPKG")
        tmp.rename(path)
    return path


def make_table(cache: Path, n: int, k: int, sparse: set[str]) -> Path:
    path = cache / f"tree_table_{n}x{k}.csv"
    if not path.exists():
        rng = np.random.default_rng(22)
        table = pd.DataFrame({"pcode": [f"U{i:05d}" for i in range(n)]})
        for j in range(k):
            col = rng.uniform(0.2, 9.8, n).round(3)
            if f"c{j:02d}" in sparse:
                col[rng.random(n) < 1 / 12] = np.nan  # left empty for the node's missing: renormalise
            table[f"c{j:02d}"] = col
        tmp = path.with_suffix(".tmp")
        table.to_csv(tmp, index=False)
        tmp.rename(path)
    return path


def tree_config(units: Path, table_path: Path | None, k: int, draws: int) -> dict:
    """The config: the tree above, the indicators spread 5 to a component, every rule used."""
    pillars: dict[str, dict] = {}
    components: list[tuple[str, str, str]] = []  # (component, its category's rule, its category's missing)
    r = 0
    for d, (dim, dim_rule, cats) in enumerate(DIMENSIONS):
        pillars[dim] = {"weight": 1 + d, "aggregation": dim_rule}
        for cat, cat_rule, cat_missing in cats:
            pillars[cat] = {"parent": dim, "weight": 1, "aggregation": cat_rule, "missing": cat_missing}
            for c in range(3):
                comp = f"{cat}_{c}"
                rule = COMPONENT_RULES[r % len(COMPONENT_RULES)]
                r += 1
                pillars[comp] = {"parent": cat, "weight": 1 + c, "aggregation": rule, "indicators": []}
                if cat_rule in ("max", "min"):
                    pillars[comp]["factor"] = (1.0, 0.7, 0.9)[c]
                components.append((comp, rule, cat_missing))
    indicators: dict[str, dict] = {}
    per = k // len(components)
    for j in range(k):
        comp, rule, cat_missing = components[min(j // per, len(components) - 1)]
        name = f"c{j:02d}"
        spec = {"measure": f"t.{name}", "direction": "benefit" if j % 3 else "cost", "normalisation": "goalposts", "goalposts": [0, 10],
                "weight": 1 + j % 3}
        if rule in ("max", "min"):
            spec["factor"] = (1.0, 0.8, 0.6)[j % 3]
        pillars[comp]["indicators"].append(name)
        indicators[name] = spec
    # the renormalise category's components pass an empty cell up: their indicators skip, and the
    # components renormalise too
    for comp, rule, cat_missing in components:
        if cat_missing == "renormalise":
            pillars[comp]["missing"] = "renormalise"
            for name in pillars[comp]["indicators"]:
                indicators[name]["missing"] = "skip"
    return {
        "study": {"name": "tree_scale", "title": "Model tree at scale (made-up data)", "note": "Made-up data for a benchmark.",
                  "boundaries": {"path": str(units), "id_column": "pcode", "name_column": "name", "region_column": "region"}},
        "layers": {"t": {"kind": "table", "path": str(table_path) if table_path else "", "unit_column": "pcode",
                         "columns": list(indicators), "source": "made-up numbers (benchmark)"}},
        "indicators": indicators,
        "model": {"aggregation": "geometric", "offset": 0, "pillars": pillars},
        "robustness": {"draws": draws, "top_k": 10},
    }


def log_warnings(config: Path, out: Path) -> list[str]:
    """The WARNING lines of one run's log: the CLI run with -v (each warning where it arises, not
    folded), in a child process; the closing summary (a count line, then one count per kind) left out."""
    proc = subprocess.run([sys.executable, "-m", "nexus_zones.cli", "run", str(config), "--out", str(out), "-v"], capture_output=True, text=True)
    if proc.returncode != 0:
        raise SystemExit(f"the run failed:\n{proc.stderr[-3000:]}")
    lines = proc.stderr.splitlines()
    end = next((i for i, line in enumerate(lines) if line.startswith("WARNING in all")), len(lines))
    return [line for line in lines[:end] if line.startswith("WARNING")]


def caused_by_the_data(line: str, sparse: set[str]) -> bool:
    """A warning the case asked for: a missing value in an indicator the table leaves empty on purpose."""
    return "MissingValueWarning" in line and any(f"indicator {name}:" in line for name in sparse)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--units", type=int, default=5000)
    parser.add_argument("--indicators", type=int, default=60)
    parser.add_argument("--draws", type=int, default=10_000)
    parser.add_argument("--cache", type=Path, default=REPO / "benchmarks" / "_cache")
    args = parser.parse_args()
    args.cache.mkdir(parents=True, exist_ok=True)
    print(f"machine: {machine()}")
    units = make_units(args.cache, args.units)
    probe = tree_config(units, None, args.indicators, args.draws)
    sparse = {name for name, spec in probe["indicators"].items() if spec.get("missing") == "skip"}
    table = make_table(args.cache, args.units, args.indicators, sparse)
    cfg = tree_config(units, table, args.indicators, args.draws)
    rules = sorted({p["aggregation"] for p in cfg["model"]["pillars"].values()} | {cfg["model"]["aggregation"]})
    print(f"case: {args.units:,} units (Voronoi cells, GeoPackage), {args.indicators} indicators in one table layer, "
          f"{len(cfg['model']['pillars'])} pillars in 4 levels, rules {', '.join(rules)}; {args.draws:,} draws")
    figures: dict[str, float | int | str] = {"units": args.units, "indicators": args.indicators, "draws": args.draws,
                                            "pillars": len(cfg["model"]["pillars"])}
    with tempfile.TemporaryDirectory() as tmp:
        config = Path(tmp) / "tree_scale.yaml"
        config.write_text(json.dumps(cfg), encoding="utf-8")
        runs = []
        for _ in range(3):  # best of 3
            wall, peak, rc = full_run(config, Path(tmp) / "out")
            if rc != 0:
                raise SystemExit(f"the full run failed (exit {rc})")
            runs.append((wall, peak))
            print(f"  run: {wall:.2f} s, peak {peak:.2f} GiB", flush=True)
        wall, peak = min(runs)
        figures["full_run_s"], figures["full_run_peak_gib"] = round(wall, 2), round(max(p for _, p in runs), 2)
        pages = sorted((Path(tmp) / "out").rglob("*.html"))
        page = max(pages, key=lambda p: p.stat().st_size)
        figures["page_mb"] = round(page.stat().st_size / 1e6, 2)
        warnings = log_warnings(config, Path(tmp) / "out_log")
        expected = [line for line in warnings if caused_by_the_data(line, sparse)]
        figures["warnings"], figures["warnings_not_caused"] = len(warnings), len(warnings) - len(expected)
    print(f"full run, nexus-zones run ({args.draws:,} draws, map), best of 3: {figures['full_run_s']} s (target <= 15)")
    print(f"peak memory (highest of the 3 runs), GiB: {figures['full_run_peak_gib']} (target <= 3)")
    print(f"page {page.name}: {figures['page_mb']} MB (target <= 2)")
    print(f"WARNING lines in the run's log (-v): {len(warnings)}, of which {len(expected)} name the cells the table leaves "
          f"empty on purpose; the others (target 0): {len(warnings) - len(expected)}")
    for line in warnings:
        print(f"  {'(the data) ' if caused_by_the_data(line, sparse) else '(NOT CAUSED) '}{line[:300]}")
    record("tree_scale", figures)


if __name__ == "__main__":
    main()
