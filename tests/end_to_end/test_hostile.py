"""Bad input never crashes, never lies, never destroys.

1. A catalogue of hostile inputs (one parametrised table): each ends in a clear error naming the
   file, column or key, what was found, what was expected and the fix, with exit code 2; or in a
   named warning (or a logged correction) and a successful run. No traceback reaches the user.
2. Nothing lost: inputs are never written to; a run that fails at any stage leaves the previous
   outputs byte-identical and no partial file.
3. Determinism: the same inputs in another row order give byte-identical tables.
4. Property-based: random small layers and configs either score every unit within 0–100 or raise a
   NexusZonesError, nothing else.
"""

from __future__ import annotations

import copy
import hashlib
import json
import logging
import shutil
import tempfile
import warnings
from pathlib import Path
from typing import Callable

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import rasterio
import yaml
from hypothesis import given, HealthCheck, settings, strategies as st
from rasterio.transform import Affine
from shapely.geometry import box, Polygon

import nexus_zones
from nexus_zones import aggregate, cli, indicators, layers, load, maps, normalise, report, score, sensitivity
from nexus_zones.config import config_from_mapping

from .._support import UNITS, cli_run_captured, grid_config, write_grid_files


# --------------------------------------------------------------------------- building bad inputs


def _raster(path: Path, data: np.ndarray, transform: Affine, crs: str | None = "EPSG:4326", nodata: float | None = -9999.0) -> Path:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # rasterio warns when writing without a CRS
        with rasterio.open(path, "w", driver="GTiff", width=data.shape[1], height=data.shape[0], count=1, dtype="float32",
                           crs=crs, transform=transform, nodata=nodata) as dst:
            dst.write(data.astype("float32"), 1)
    return path


def _table(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def _rewrite_csv(path: Path, change: Callable[[pd.DataFrame], pd.DataFrame]) -> None:
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    change(frame).to_csv(path, index=False)


def _boundaries(path: Path, rows: list[tuple], crs="EPSG:4326") -> Path:
    gdf = gpd.GeoDataFrame({"pcode": [r[0] for r in rows], "name": [r[1] for r in rows], "region": [r[2] for r in rows]},
                           geometry=[r[3] for r in rows], crs=crs)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        gdf.to_file(path)
    return path


def _with_raster(cfg, d, data, transform=Affine(0.5, 0, 0, 0, -0.5, 2.0), **kw):
    cfg["layers"]["pop"] = {"kind": "raster", "path": str(_raster(d / "pop.tif", data, transform, **kw))}
    cfg["indicators"]["people"] = {"measure": "pop.sum", "direction": "benefit", "weight": 1}
    return cfg


def _set(cfg, dotted: str, value):
    keys = dotted.split(".")
    node = cfg
    for k in keys[:-1]:
        node = node[k]
    node[keys[-1]] = value
    return cfg


Case = tuple[str, Callable[[dict, Path, dict], dict], str, str]  # id, mutate(cfg, dir, files), "error"/"warning"/"ok", regex

CATALOGUE: list[Case] = [
    # ---- config
    ("config-unknown-key", lambda c, d, f: _set(c, "indicators.health.weigth", 1), "error",
     r"indicators\.health\.weigth: found unknown key 'weigth' \(did you mean 'weight'\?\).*Fix: rename or remove it"),
    ("config-nan-weight", lambda c, d, f: _set(c, "indicators.health.weight", float("nan")), "error",
     r"indicators\.health\.weight: found nan; expected a finite number"),
    ("config-negative-weight", lambda c, d, f: _set(c, "indicators.health.weight", -2), "error",
     r"indicators\.health\.weight: found -2; expected a number of at least 0"),
    ("config-all-zero-weights", lambda c, d, f: [_set(c, f"indicators.{n}.weight", 0) for n in c["indicators"]] and c, "error",
     r"indicators\.\*\.weight: found 0 for every indicator; expected at least one positive weight"),
    ("config-unknown-method", lambda c, d, f: _set(c, "indicators.health.normalisation", "logistic"), "error",
     r"indicators\.health\.normalisation: found 'logistic'; expected one of minmax, goalposts, rank, zscore, threshold, inform"),
    ("config-unknown-aggregation", lambda c, d, f: _set(c, "model", {"aggregation": "geometrik"}), "error",
     r"model\.aggregation: found 'geometrik' \(did you mean 'geometric'\?\)"),
    ("config-rule-unknown-indicator", lambda c, d, f: _set(c, "rules.few_incidents", "incidnts <= 1"), "error",
     r"rules\.few_incidents\.expr: found unknown indicator 'incidnts' \(did you mean 'incidents'\?\)"),
    ("config-rule-runs-code", lambda c, d, f: _set(c, "rules.few_incidents", "__import__('os').remove('x')"), "error",
     r"rules\.few_incidents\.expr: found .* is not allowed in a rule"),
    ("config-ahp-inconsistent", lambda c, d, f: [c["indicators"][n].pop("weight") for n in c["indicators"]] and _set(
        c, "model", {"ahp": {"incidents": {"health": 9, "closed": 1 / 9}, "health": {"closed": 9}}}), "error",
     r"model\.ahp: found a consistency ratio of .*; expected at most 0\.1 \(Saaty\)"),
    # ---- boundaries
    ("boundaries-missing-file", lambda c, d, f: _set(c, "study.boundaries.path", str(d / "nowhere.geojson")), "error",
     r"nowhere\.geojson: 1 input problem:\n  - file: found no such file; expected an existing file\. Fix: check the path"),
    ("boundaries-unreadable", lambda c, d, f: _set(c, "study.boundaries.path", str(_table(d / "junk.geojson", "{not json"))), "error",
     r"junk\.geojson: 1 input problem:\n  - file: found unreadable by GDAL"),
    ("boundaries-wrong-column", lambda c, d, f: _set(c, "study.boundaries.id_column", "pcod"), "error",
     r"column 'pcod' \(config key study\.boundaries\.id_column\): found no such column \(did you mean 'pcode'\?\)"),
    ("boundaries-empty-layer", lambda c, d, f: _set(c, "study.boundaries.path", str(_table(d / "empty.geojson", '{"type": "FeatureCollection", "features": []}'))), "error",
     r"empty\.geojson: 1 input problem:\n  - features: found no features; expected at least one polygon\. Fix: check the file and the layer name"),
    ("boundaries-no-crs", lambda c, d, f: _set(c, "study.boundaries.path", str(_boundaries(d / "nocrs.shp", [(u[0], u[1], u[2], u[3]) for u in UNITS], crs=None))), "error",
     r"CRS: found no coordinate reference system; expected a file that declares its CRS .* nexus_zones never guesses one"),
    ("boundaries-other-crs", lambda c, d, f: _set(c, "study.boundaries.path", str(_reproject(d, "EPSG:3857"))), "ok",
     r"boundaries reprojected from EPSG:3857 to EPSG:4326"),
    ("boundaries-invalid-geometry", lambda c, d, f: _set(c, "study.boundaries.path", str(_boundaries(d / "bow.gpkg", [
        ("A1", "Alpha One", "North", Polygon([(0, 1), (1, 2), (1, 1), (0, 2)])), *[(u[0], u[1], u[2], u[3]) for u in UNITS[1:]]]))), "warning",
     r"GeometryRepairedWarning: .*bow\.gpkg: 1 unit polygon repaired with make_valid \(polygonal parts kept\), as they are invalid in the file: A1 \(Alpha One\) \(Self-intersection"),
    ("boundaries-empty-geometry", lambda c, d, f: _set(c, "study.boundaries.path", str(_boundaries(d / "hole.gpkg", [
        ("A1", "Alpha One", "North", None), *[(u[0], u[1], u[2], u[3]) for u in UNITS[1:]]]))), "error",
     r"geometry: found 1 features without geometry \(A1\); expected a polygon per unit"),
    ("boundaries-duplicate-pcodes", lambda c, d, f: _set(c, "study.boundaries.path", str(_boundaries(d / "dup.gpkg", [
        (u[0] if u[0] != "A2" else "A1", u[1], u[2], u[3]) for u in UNITS]))), "error",
     r"column 'pcode': found different units sharing an id \(A1: 'Alpha One', 'Alpha Two'\); expected one id per unit\. Fix: correct the id of "
     r"one of them .*dissolving would merge two different units into one"),
    ("boundaries-missing-pcodes", lambda c, d, f: _set(c, "study.boundaries.path", str(_boundaries(d / "blank.gpkg", [
        (u[0] if u[0] != "B2" else "", u[1], u[2], u[3]) for u in UNITS]))), "error",
     r"column 'pcode': found 1 features without an id \(rows 4\); expected a P-code on every feature"),
    # ---- events
    ("events-missing-file", lambda c, d, f: _set(c, "layers.events.path", str(d / "acled.csv")), "error",
     r"acled\.csv: 1 input problem:\n  - file: found no such file"),
    ("events-wrong-column", lambda c, d, f: _rewrite_csv(f["events"], lambda t: t.rename(columns={"latitude": "lat"})) or c, "error",
     r"column 'latitude' \(config key layers\.events\.latitude\): found no such column \(did you mean 'lat'\?\)"),
    ("events-swapped-coordinates", lambda c, d, f: _rewrite_csv(f["events"], lambda t: t.assign(latitude=t["longitude"].where(t.index != 0, "120"))) or c, "error",
     r"columns 'latitude'/'longitude': found coordinates out of range \(latitude, longitude: row 2: '120', '0\.5'\)\. Latitude and longitude look swapped\..*"
     r"5 of 7 rows inside the boundaries as given.*Fix: correct those rows, or swap the columns"),
    ("events-unparseable-dates", lambda c, d, f: _rewrite_csv(f["events"], lambda t: t.assign(event_date=t["event_date"].where(t.index != 2, "mid-July"))) or c, "error",
     r"column 'event_date': found 1 dates that cannot be read \(row 4: 'mid-July'\); expected dates such as 2017-06-14"),
    ("events-window-empty", lambda c, d, f: _set(_set(c, "layers.events.start", "2010-01-01"), "layers.events.end", "2010-12-31"), "error",
     r"layers\.events \(.*events\.csv\): found 0 of 7 rows in 2010-01-01\.\.2010-12-31 \(the file's dates run 2016-12-31\.\.2017-10-10\); "
     r"yet indicators\.incidents \(weight 2\), rules\.few_incidents \('incidents <= 1'\) use it"),
    ("events-outside-units", lambda c, d, f: c, "warning",
     r"EventsOutsideWarning: layer events: 1 of 5 points in the window fell outside every unit of the boundaries and were not counted \(lat, lon: \(5\.0000, 5\.0000\)\)"),
    ("events-non-numeric-fatalities", lambda c, d, f: _rewrite_csv(f["events"], lambda t: t.assign(fatalities=t["fatalities"].where(t.index != 1, "several"))) or c, "error",
     r"column 'fatalities': found 1 values that are not numbers or yes/no \(row 3: 'several'\)"),
    ("events-negative-fatalities", lambda c, d, f: _rewrite_csv(f["events"], lambda t: t.assign(fatalities=t["fatalities"].where(t.index != 1, "-3"))) or c, "error",
     r"column 'fatalities': found 1 negative values \(row 3: '-3'\); expected counts of 0 or more"),
    ("events-unknown-type", lambda c, d, f: _set(c, "layers.events.types", ["Batles", "Battles"]), "warning",
     r"UnmatchedFilterWarning: .*events\.csv: layers\.events\.types: found 'Batles' \(did you mean 'Battles'\?\) in no row"),
    ("events-decimal-comma-coordinates", lambda c, d, f: _rewrite_csv(f["events"], lambda t: t.assign(latitude=t["latitude"].str.replace(".", ",", regex=False))) or c, "ok",
     r"1 of 5 points in the window fell outside"),
    # ---- tables
    ("table-unknown-pcode", lambda c, d, f: _rewrite_csv(f["forces"], lambda t: t.assign(pcode=t["pcode"].where(t.index != 0, "A11"))) or c, "error",
     r"row code 'A11': found no unit of that code or name; expected a P-code or a name of the boundaries\. Fix: add an alias under layers\.forces\.aliases"),
    ("table-duplicate-units", lambda c, d, f: _rewrite_csv(f["forces"], lambda t: t.assign(pcode=t["pcode"].where(t.index != 1, "A1"))) or c, "error",
     r"layers\.forces: found several rows for units A1 \(rows 2, 3\); expected one row per unit\. Fix: set layers\.forces\.combine"),
    ("table-non-numeric", lambda c, d, f: _rewrite_csv(f["forces"], lambda t: t.assign(closed=t["closed"].where(t.index != 2, "beaucoup"))) or c, "error",
     r"column 'closed': found 1 values that are not numbers or yes/no \(row 4: 'beaucoup'\)"),
    ("table-negative-counts", lambda c, d, f: _rewrite_csv(f["forces"], lambda t: t.assign(closed=t["closed"].where(t.index != 2, "-1"))) or c, "error",
     r"column 'closed': found 1 negative values \(row 4: '-1'\); expected values of 0 or more"),
    ("table-ambiguous-thousands", lambda c, d, f: _rewrite_csv(f["forces"], lambda t: t.assign(closed=["1,000", "2,500", "0", "0"])) or c, "error",
     r"found numbers such as '1,000', '2,500', which could use the comma as a thousands separator or as a decimal mark.*set layers\.forces\.decimal"),
    ("table-decimal-commas", lambda c, d, f: _rewrite_csv(f["forces"], lambda t: t.assign(closed=["0", "1,5", "1", "0"])) or c, "ok",
     r"forces\.csv: column 'closed': 1 values with a decimal comma read as decimals \(e\.g\. '1,5'\)"),
    ("table-missing-unit", lambda c, d, f: _rewrite_csv(f["forces"], lambda t: t[t["pcode"] != "B1"]) or c, "warning",
     r"MissingValueWarning: indicator closed: no value for Bravo One \(B1\); these units get no score or rank"),
    ("table-hxl-row", lambda c, d, f: _rewrite_csv(f["forces"], lambda t: pd.concat([pd.DataFrame([{"pcode": "#adm2+code", "police": "#indicator+police", "closed": "#indicator+closed"}]), t])) or c, "ok",
     r"forces\.csv: read the HXL hashtag row under the header \(3 tags\)"),
    ("table-unmatched-dropped", lambda c, d, f: _set(_rewrite_csv(f["forces"], lambda t: t.assign(pcode=t["pcode"].where(t.index != 0, "ZZ9"))) or c, "layers.forces.unmatched", "drop"), "warning",
     r"UnusedValueWarning: layer forces: 1 rows matched no single unit and were dropped: code 'ZZ9'"),
    # ---- rasters
    ("raster-missing-file", lambda c, d, f: _with_raster(c, d, np.ones((4, 4))) and _set(c, "layers.pop.path", str(d / "nope.tif")), "error",
     r"nope\.tif: 1 input problem:\n  - file: found no such file"),
    ("raster-unreadable", lambda c, d, f: _with_raster(c, d, np.ones((4, 4))) and _set(c, "layers.pop.path", str(_table(d / "bad.tif", "not a tiff"))), "error",
     r"bad\.tif: 1 input problem:\n  - file: found unreadable as a raster"),
    ("raster-no-crs", lambda c, d, f: _with_raster(c, d, np.ones((4, 4)), crs=None), "error",
     r"pop\.tif: 1 input problem:\n  - CRS: found no coordinate reference system; expected a raster that declares its CRS"),
    ("raster-no-overlap", lambda c, d, f: _with_raster(c, d, np.ones((4, 4)), Affine(0.5, 0, 50, 0, -0.5, 52)), "error",
     r"indicators\.people: found no value for any unit; expected values for at least one unit"),
    ("raster-nodata-everywhere", lambda c, d, f: _with_raster(c, d, np.full((4, 4), -9999.0)), "error",
     r"indicators\.people: found no value for any unit"),
    ("raster-partial-nodata", lambda c, d, f: _with_raster(c, d, np.vstack([np.full((2, 4), -9999.0), np.ones((2, 4))])), "warning",
     r"MissingValueWarning: layer pop: only nodata pixels in units A1, A2; they get no value"),
    ("raster-other-projection", lambda c, d, f: _with_raster(c, d, np.ones((4, 4)), Affine(55659.75, 0, 0, 0, -55660.0, 222684.2), crs="EPSG:3857"), "ok",
     r"zonal statistics of pop\.tif for 4 units"),
]


def _reproject(d: Path, crs: str) -> Path:
    gdf = gpd.GeoDataFrame({"pcode": [u[0] for u in UNITS], "name": [u[1] for u in UNITS], "region": [u[2] for u in UNITS]},
                           geometry=[u[3] for u in UNITS], crs=4326).to_crs(crs)
    path = d / "merc.gpkg"
    gdf.to_file(path)
    return path


def test_the_catalogue_is_large_enough():
    assert len(CATALOGUE) >= 30
    assert len({case[0] for case in CATALOGUE}) == len(CATALOGUE)


@pytest.mark.parametrize("case", CATALOGUE, ids=[c[0] for c in CATALOGUE])
def test_hostile_input(case, tmp_path, capsys):
    name, mutate, outcome, pattern = case
    files = write_grid_files(tmp_path / "inputs")
    cfg = mutate(copy.deepcopy(grid_config(files)), tmp_path, files)
    config = tmp_path / "config.yaml"
    config.write_text(yaml.safe_dump(cfg, allow_unicode=True, sort_keys=False), encoding="utf-8")
    code = cli.main(["run", str(config), "--out", str(tmp_path / "out")])
    out, err = capsys.readouterr()
    assert "Traceback" not in err and "Traceback" not in out
    if outcome == "error":
        assert code == 2, err
        assert err.count("error: ") == 1
        assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())  # nothing half-written
    else:
        assert code == 0, err
        assert (tmp_path / "out" / "grid_scores.csv").exists()
        if outcome == "warning":
            assert "WARNING " in err
    import re

    assert re.search(pattern, err, flags=re.S), f"{name}: {pattern!r} not in:\n{err}"


# --------------------------------------------------------------------------------- nothing lost


def _digests(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir()) if p.is_file()}


def test_inputs_are_never_written_to(grid_files, grid_cfg, write_config, tmp_path):
    before = _digests(grid_files["boundaries"].parent)
    nexus_zones.run(write_config(grid_cfg), out_dir=tmp_path / "out")
    nexus_zones.brief(write_config(grid_cfg), out_dir=tmp_path / "out")
    assert _digests(grid_files["boundaries"].parent) == before


STAGES = [
    (load, "read_boundaries"), (layers.points, "read_points"), (layers.table, "read_table"), (layers.points, "count_points"), (aggregate, "match_table"),
    (indicators, "build_matrix"), (normalise, "normalise_frame"), (score, "score_units"), (sensitivity, "monte_carlo"),
    (maps, "build_map"), (report, "_gpkg_writer"), (report, "run_metadata"),
]


@pytest.fixture(scope="module")
def grid_outputs(tmp_path_factory) -> Path:
    """The outputs of ``nexus-zones run -q`` on the grid study, run once for the module (copied, never written to)."""
    folder = tmp_path_factory.mktemp("grid_run")
    config = folder / "config.yaml"
    config.write_text(yaml.safe_dump(grid_config(write_grid_files(folder / "inputs")), allow_unicode=True, sort_keys=False), encoding="utf-8")
    code, _, err = cli_run_captured("run", config, "--out", folder / "out", "-q")
    assert code == 0 and "Traceback" not in err, err
    return folder / "out"


@pytest.mark.parametrize("module, function", STAGES, ids=[f"{m.__name__.split('.')[-1]}.{f}" for m, f in STAGES])
def test_a_failure_at_any_stage_leaves_earlier_outputs_intact(module, function, grid_outputs, grid_cfg, write_config, tmp_path, monkeypatch, capsys):
    out = tmp_path / "out"
    shutil.copytree(grid_outputs, out)  # the earlier outputs: a whole run of the grid study (nexus-zones run -q)
    before = _digests(out)

    def boom(*args, **kwargs):
        raise RuntimeError(f"injected failure in {function}")

    monkeypatch.setattr(module, function, boom)
    changed = json.loads(json.dumps(grid_cfg))
    changed["indicators"]["incidents"]["weight"] = 7  # would change every output
    code = cli.main(["run", str(write_config(changed, "changed.yaml")), "--out", str(out), "-q"])
    err = capsys.readouterr().err
    assert code == 3 and f"injected failure in {function}" in err and "Traceback" not in err
    assert _digests(out) == before
    assert sorted(p.name for p in out.iterdir()) == sorted(before)  # no temporary or partial file


# ---------------------------------------------------------------------------------- determinism


def test_tables_are_byte_identical_across_runs_and_row_orders(grid_files, grid_cfg, write_config, tmp_path):
    first = nexus_zones.run(write_config(grid_cfg), out_dir=tmp_path / "a").paths
    again = nexus_zones.run(write_config(grid_cfg), out_dir=tmp_path / "b").paths
    shuffled = json.loads(json.dumps(grid_cfg))
    units = gpd.read_file(grid_files["boundaries"]).iloc[::-1]
    units.to_file(tmp_path / "reversed.geojson", driver="GeoJSON")
    shuffled["study"]["boundaries"]["path"] = str(tmp_path / "reversed.geojson")
    for layer in ("events", "services", "forces", "actors"):
        path = Path(grid_cfg["layers"][layer]["path"])
        pd.read_csv(path, dtype=str).sample(frac=1, random_state=4).to_csv(tmp_path / path.name, index=False)
        shuffled["layers"][layer]["path"] = str(tmp_path / path.name)
    third = nexus_zones.run(write_config(shuffled, "shuffled.yaml"), out_dir=tmp_path / "c").paths
    for kind in ("csv", "weights", "ranks_by_weights", "leave_one_out"):
        assert first[kind].read_bytes() == again[kind].read_bytes() == third[kind].read_bytes(), kind


# ------------------------------------------------------------------------------- property-based


def _assert_says_where_what_and_expected(exc: Exception, folder: Path) -> None:
    """An error from random input names its source (a file of the folder, or the config) and, for
    each problem, where it is, what was found and what was expected."""
    from nexus_zones.errors import ConfigError, InputDataError

    assert isinstance(exc, (ConfigError, InputDataError)), f"{type(exc).__name__}: {exc}"
    assert exc.problems, exc
    config_key = ("study", "layers", "indicators", "rules", "model", "robustness", "map", "output")
    for problem in exc.problems:
        assert str(folder) in exc.source or isinstance(exc, ConfigError) or problem.where.startswith(config_key), exc
        assert problem.where.strip() and problem.found.strip() and problem.expected.strip(), problem

_value = st.one_of(st.integers(-3, 50).map(str), st.floats(0, 99, allow_nan=False).map(lambda v: f"{v:.2f}"),
                   st.sampled_from(["", "oui", "non", "n/a", "x", "1,5", "12 000", "-"]))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    n_units=st.integers(1, 4),
    events=st.lists(st.tuples(st.floats(-95, 95), st.floats(-1, 5), st.sampled_from(["2017-03-01", "14 June 2017", "2016-01-01", "bad", ""]),
                              st.sampled_from(["Battles", "Protests", ""]), st.integers(-1, 5)), max_size=12),
    table=st.lists(_value, min_size=0, max_size=5),
    weights=st.tuples(st.floats(-1, 5), st.floats(0, 5), st.floats(0, 5)),
    method=st.sampled_from(["minmax", "rank", "zscore", "goalposts", "inform"]),
    aggregation=st.sampled_from(["arithmetic", "geometric", "topsis"]),
    missing=st.sampled_from(["exclude", "worst", "median", "knn", "error"]),
)
def test_random_inputs_score_or_say_why(n_units, events, table, weights, method, aggregation, missing):
    with tempfile.TemporaryDirectory() as tmp:
        d = Path(tmp)
        units = gpd.GeoDataFrame({"pcode": [f"U{i}" for i in range(n_units)], "name": [f"Unit {i}" for i in range(n_units)], "region": ["R"] * n_units},
                                 geometry=[box(i, 0, i + 1, 1) for i in range(n_units)], crs=4326)
        units.to_file(d / "u.geojson", driver="GeoJSON")
        pd.DataFrame([{"latitude": lat, "longitude": lon, "event_date": day, "event_type": kind, "fatalities": fat}
                      for lat, lon, day, kind, fat in events], columns=["latitude", "longitude", "event_date", "event_type", "fatalities"]).to_csv(d / "e.csv", index=False)
        pd.DataFrame({"pcode": [f"U{i}" for i in range(len(table))], "v": table}).to_csv(d / "t.csv", index=False)
        cfg = {
            "study": {"name": "p", "title": "p", "boundaries": {"path": str(d / "u.geojson"), "id_column": "pcode", "name_column": "name", "region_column": "region"}},
            "layers": {"e": {"kind": "points", "path": str(d / "e.csv"), "year": 2017},
                       "t": {"kind": "table", "path": str(d / "t.csv"), "unit_column": "pcode", "columns": ["v"]}},
            "indicators": {
                "a": {"measure": "e.count", "direction": "cost", "weight": weights[0], "normalisation": method,
                      **({"goalposts": [0, 5]} if method == "goalposts" else {})},
                "b": {"measure": "e.fatalities", "direction": "cost", "weight": weights[1]},
                "c": {"measure": "t.v", "direction": "benefit", "weight": weights[2], "missing": missing},
            },
            "rules": {"r": "a <= 3"},
            "model": {"aggregation": aggregation},
            "robustness": {"draws": 20},
        }
        try:
            result = nexus_zones.run(config_from_mapping(cfg), write=False)
        except nexus_zones.NexusZonesError as exc:
            _assert_says_where_what_and_expected(exc, d)
            return
        s = result.scores
        assert len(s) == n_units and s.index.is_unique and set(s.index) == set(units["pcode"])
        known = s["score"].dropna()
        assert ((known >= -1e-9) & (known <= 100 + 1e-9)).all()


def test_paths_outside_the_config_folder_are_resolved_and_said(grid_cfg, tmp_path, caplog):
    (tmp_path / "configs").mkdir()
    config = tmp_path / "configs" / "c.yaml"
    cfg = json.loads(json.dumps(grid_cfg))
    inputs = Path(cfg["study"]["boundaries"]["path"]).parent
    cfg["study"]["boundaries"]["path"] = "../inputs/units.geojson"  # climbs out with '..'
    config.write_text(yaml.safe_dump(cfg), encoding="utf-8")  # the layers keep absolute paths
    with caplog.at_level(logging.INFO, logger="nexus_zones"):
        loaded = nexus_zones.load_config(config)
    assert loaded.study.boundaries.path == (inputs / "units.geojson").resolve()
    said = " ".join(r.getMessage() for r in caplog.records)
    assert "input paths outside the config's folder, as resolved:" in said
    assert str((inputs / "units.geojson").resolve()) in said and str((inputs / "events.csv").resolve()) in said
