"""Plausible but wrong geometry (issue 10, class 1), run through the CLI like the hostile catalogue.

1. Coordinates that cannot be degrees in a file read as degrees (a GeoJSON written in metres without
   a ``crs`` member is read as WGS 84): an error naming the file, the bounds, what was expected and
   the fix; the config's ``crs`` then gives the clean file's numbers.
2. A points layer mostly outside every unit of the boundaries: an error with the evidence (how many
   fall inside as given and under each reading tried) and the fix; ``outside: accept`` takes it
   knowingly and reports it.
3. Unit polygons GEOS rejects (union, simplification, rounding for the map): repaired and named in a
   GeometryRepairedWarning, or refused with the unit named. The 701 real communes run end to end.
"""

from __future__ import annotations

import json
import re
import time
import warnings
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
import shapely
import yaml

from nexus_zones import cli

from .._support import DEMO, REPO, VIOLENT, decode_units, demo_mapping, page_data_of, require_real_data, run_cli, scores_table
MEASURES = ["incidents", "fatalities", "health_facilities", "access_impediments", "score", "rank"]


# --------------------------------------------------------------------------------- helpers


def demo_cfg() -> dict:
    """The demo config with absolute paths and few robustness draws (faster; same counts and scores)."""
    return demo_mapping(draws=50)


def scores(out: Path, name: str = "demo") -> pd.DataFrame:
    return scores_table(out, name)


@pytest.fixture(scope="module")
def clean_geometry(tmp_path_factory) -> pd.DataFrame:
    """The demo's scores table from the files as shipped."""
    folder = tmp_path_factory.mktemp("clean")
    cfg = demo_cfg()
    config = folder / "config.yaml"
    config.write_text(yaml.safe_dump(cfg, allow_unicode=True, sort_keys=False), encoding="utf-8")
    assert cli.main(["run", str(config), "--out", str(folder / "out")]) == 0
    return scores(folder / "out")


def assert_same_numbers(out: Path, clean_geometry: pd.DataFrame) -> None:
    got = scores(out)
    pd.testing.assert_frame_equal(got[MEASURES], clean_geometry[MEASURES], check_exact=False, rtol=1e-9)


def _bounds_text(bounds) -> str:
    minx, miny, maxx, maxy = bounds
    return f"x from {minx:.6g} to {maxx:.6g}, y from {miny:.6g} to {maxy:.6g}"


def _geojson_without_crs(gdf: gpd.GeoDataFrame, path: Path) -> Path:
    """Write ``gdf``'s coordinates as they are, with no crs member (as many tools do)."""
    data = json.loads(gdf.to_json(drop_id=True, default=str))
    data.pop("crs", None)
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


def _demo_incidents() -> pd.DataFrame:
    return pd.read_csv(DEMO / "incidents.csv", dtype=str, keep_default_na=False)


def _demo_window_count() -> int:
    """Incidents the demo counts: 2017, violent types (counted independently of the package)."""
    t = _demo_incidents()
    return int((t["event_date"].str.startswith("2017") & t["event_type"].isin(VIOLENT)).sum())


# ------------------------------------------------------------------ (1) coordinates that cannot be degrees


@pytest.mark.parametrize("epsg", [32630, 3857], ids=["utm30n", "web-mercator"])
def test_boundaries_in_metres_without_crs_member_are_refused_then_read_with_the_config_crs(epsg, clean_geometry, tmp_path, capsys):
    cercles = gpd.read_file(DEMO / "cercles.geojson").to_crs(epsg)
    path = _geojson_without_crs(cercles, tmp_path / f"cercles_{epsg}.geojson")
    cfg = demo_cfg()
    cfg["study"]["boundaries"]["path"] = str(path)
    code, err, _ = run_cli(cfg, tmp_path / "bad", capsys)
    assert code == 2
    assert f"cercles_{epsg}.geojson: 1 input problem" in err
    assert f"CRS: found coordinates with {_bounds_text(cercles.total_bounds)}, which cannot be degrees" in err
    assert "declares the geographic CRS WGS 84 (a GeoJSON without a crs member is read as WGS 84, RFC 7946)" in err
    assert "expected degrees within ±180 (x, longitude) and ±90 (y, latitude)" in err
    assert "Fix: declare the CRS the coordinates are really in" in err and "Layer ▸ Set CRS" in err and "study.boundaries.crs" in err

    cfg["study"]["boundaries"]["crs"] = f"EPSG:{epsg}"
    code, err, out = run_cli(cfg, tmp_path / "fixed", capsys)
    assert code == 0, err
    assert f"coordinates read in EPSG:{epsg} (study.boundaries.crs); the file declares EPSG:4326" in err
    assert_same_numbers(out, clean_geometry)


def test_boundaries_shapefile_without_prj_names_the_config_key(tmp_path, capsys):
    cercles = gpd.read_file(DEMO / "cercles.geojson").set_crs(None, allow_override=True)
    path = tmp_path / "cercles.shp"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        cercles.to_file(path)
    cfg = demo_cfg()
    cfg["study"]["boundaries"]["path"] = str(path)
    code, err, _ = run_cli(cfg, tmp_path / "bad", capsys)
    assert code == 2
    assert re.search(r"cercles\.shp: 1 input problem:\n  - CRS: found no coordinate reference system; .* or give it as study\.boundaries\.crs", err)


def test_points_vector_file_in_utm_declared_as_degrees_shows_which_reading_fits(clean_geometry, tmp_path, capsys):
    table = _demo_incidents()
    pts = gpd.GeoDataFrame(table, geometry=gpd.points_from_xy(table["longitude"].astype(float), table["latitude"].astype(float)), crs=4326)
    utm = pts.drop(columns=["latitude", "longitude"]).to_crs(32630)
    path = _geojson_without_crs(utm, tmp_path / "incidents_utm.geojson")
    cfg = demo_cfg()
    cfg["layers"]["incidents"]["path"] = str(path)
    code, err, _ = run_cli(cfg, tmp_path / "bad", capsys)
    assert code == 2
    n = len(table)
    assert f"incidents_utm.geojson: 1 input problem:\n  - CRS: found coordinates with {_bounds_text(utm.total_bounds)}, which cannot be degrees" in err
    # every demo incident lies in a demo cercle (the clean run counts none outside), so the right reading puts all inside
    assert f"0 of {n} points inside the boundaries as given; {n} of {n} points read as metres in UTM zone 30N (EPSG:32630)" in err
    assert "layers.incidents.crs" in err

    cfg["layers"]["incidents"]["crs"] = "EPSG:32630"
    code, err, out = run_cli(cfg, tmp_path / "fixed", capsys)
    assert code == 0, err
    assert_same_numbers(out, clean_geometry)


# ------------------------------------------------------------------ (2) points mostly outside every unit


def test_csv_of_utm_metres_in_the_latitude_longitude_columns(clean_geometry, tmp_path, capsys):
    table = _demo_incidents()
    x, y = gpd.GeoSeries(gpd.points_from_xy(table["longitude"].astype(float), table["latitude"].astype(float)), crs=4326).to_crs(32630).pipe(
        lambda s: (s.x, s.y))
    path = tmp_path / "incidents_xy.csv"
    table.assign(longitude=[repr(v) for v in x], latitude=[repr(v) for v in y]).to_csv(path, index=False)
    cfg = demo_cfg()
    cfg["layers"]["incidents"]["path"] = str(path)
    code, err, _ = run_cli(cfg, tmp_path / "bad", capsys)
    assert code == 2
    n = len(table)
    assert "incidents_xy.csv: 1 input problem:\n  - columns 'latitude'/'longitude': found coordinates out of range (latitude, longitude: row 2: " in err
    assert f"and {n - 5} more" in err
    assert f"Values: latitude from {y.min():.6g} to {y.max():.6g}, longitude from {x.min():.6g} to {x.max():.6g}" in err
    assert f"0 of {n} rows inside the boundaries as given; {n} of {n} rows read as metres in UTM zone 30N (EPSG:32630)" in err
    assert "Fix: the columns hold metres: set layers.incidents.crs: EPSG:32630 (x in 'longitude', y in 'latitude')" in err

    cfg["layers"]["incidents"]["crs"] = "EPSG:32630"
    code, err, out = run_cli(cfg, tmp_path / "fixed", capsys)
    assert code == 0, err
    assert "x/y read from columns 'longitude'/'latitude' in EPSG:32630 (layers.incidents.crs)" in err
    assert_same_numbers(out, clean_geometry)


def test_demo_incidents_with_swapped_columns_then_swapped_back_in_the_config(clean_geometry, tmp_path, capsys):
    table = _demo_incidents()
    path = tmp_path / "incidents_swapped.csv"
    table.rename(columns={"latitude": "longitude", "longitude": "latitude"}).to_csv(path, index=False)
    cfg = demo_cfg()
    cfg["layers"]["incidents"]["path"] = str(path)
    code, err, _ = run_cli(cfg, tmp_path / "bad", capsys)
    assert code == 2
    n = _demo_window_count()
    assert f"incidents_swapped.csv: 1 input problem:\n  - layers.incidents (points in the window): found {n} of {n} points outside every unit" in err
    assert f"0 of {n} inside the boundaries as given; {n} of {n} inside with latitude and longitude swapped" in err
    assert "Fix: swap latitude and longitude: exchange the column names of layers.incidents.latitude and layers.incidents.longitude" in err
    assert "layers.incidents.outside: accept" in err

    cfg["layers"]["incidents"].update(latitude="longitude", longitude="latitude")
    code, err, out = run_cli(cfg, tmp_path / "fixed", capsys)
    assert code == 0, err
    assert_same_numbers(out, clean_geometry)


def test_incidents_of_another_country_refused_then_accepted_knowingly(clean_geometry, tmp_path, capsys):
    """The demo file plus twice as many rows moved 15° east (Niger/Chad): most lie far beyond the cercles."""
    table = _demo_incidents()
    moved = [table.assign(longitude=(table["longitude"].astype(float) + 15 + k).map(repr), event_id_cnty=table["event_id_cnty"] + f"X{k}") for k in (0, 1)]
    path = tmp_path / "incidents_region.csv"
    pd.concat([table, *moved]).to_csv(path, index=False)
    cfg = demo_cfg()
    cfg["layers"]["incidents"]["path"] = str(path)
    code, err, _ = run_cli(cfg, tmp_path / "bad", capsys)
    assert code == 2
    n_in = _demo_window_count()
    n = 3 * n_in
    assert f"found {2 * n_in} of {n} points outside every unit" in err
    assert f"{n_in} of {n} inside the boundaries as given" in err
    assert f"{2 * n_in} of the {2 * n_in} outside lie more than 1° (about 110 km) beyond the boundaries' extent" in err
    assert "Fix: check that the file covers the boundaries' country, or keep its rows for it with layers.incidents.where" in err

    cfg["layers"]["incidents"]["outside"] = "accept"
    code, err, out = run_cli(cfg, tmp_path / "accepted", capsys)
    assert code == 0, err
    assert f"EventsOutsideWarning: layer incidents: {2 * n_in} of {n} points in the window fell outside every unit" in err
    assert_same_numbers(out, clean_geometry)


def test_real_acled_with_latitude_and_longitude_swapped_in_the_config(tmp_path, capsys):
    real = require_real_data()
    acled = pd.read_csv(real / "acled_mali_1997-01-06_2020-07-31_hdx.csv")
    window = acled[(acled["year"] == 2017) & acled["event_type"].isin(VIOLENT)]
    cercles = gpd.read_file(real / "mali_admin_boundaries_ocha_cod_2015.gpkg", layer="adm2_cercles")
    pts = gpd.GeoDataFrame(geometry=gpd.points_from_xy(window["longitude"], window["latitude"]), crs=4326)
    inside = int(gpd.sjoin(pts, cercles[["geometry"]], predicate="intersects").index.nunique())  # independent count
    n = len(window)
    cfg = {
        "study": {"name": "acled", "title": "ACLED swapped", "boundaries": {
            "path": str(real / "mali_admin_boundaries_ocha_cod_2015.gpkg"), "layer": "adm2_cercles", "id_column": "admin2Pcod",
            "name_column": "admin2Name", "region_column": "admin1Name"}},
        "layers": {"incidents": {"kind": "points", "path": str(real / "acled_mali_1997-01-06_2020-07-31_hdx.csv"), "year": 2017,
                                 "types": VIOLENT, "latitude": "longitude", "longitude": "latitude"}},
        "indicators": {"incidents": {"measure": "incidents.count", "direction": "cost", "weight": 1}},
        "robustness": {"draws": 0, "leave_one_out": False},
    }
    code, err, _ = run_cli(cfg, tmp_path / "bad", capsys)
    assert code == 2
    assert f"acled_mali_1997-01-06_2020-07-31_hdx.csv: 1 input problem:\n  - layers.incidents (points in the window): found {n} of {n} points outside every unit" in err
    assert f"0 of {n} inside the boundaries as given; {inside} of {n} inside with latitude and longitude swapped" in err
    assert "Fix: swap latitude and longitude" in err

    cfg["layers"]["incidents"].update(latitude="latitude", longitude="longitude")
    code, err, out = run_cli(cfg, tmp_path / "fixed", capsys)
    assert code == 0, err
    assert int(scores(out, "acled")["incidents"].sum()) == inside


def test_regional_study_with_national_acled_is_not_an_error(tmp_path, capsys):
    """Events elsewhere in Mali fall in units of the boundary file outside the study: not 'outside'."""
    real = require_real_data()
    cfg = yaml.safe_load((REPO / "configs" / "mali_2017.yaml").read_text(encoding="utf-8"))
    cfg["data_dir"] = str(real)
    cfg["study"]["regions"] = ["Tombouctou"]
    cfg["typology"] = {}
    cfg["robustness"] = {"draws": 0, "leave_one_out": False}
    cfg["model"]["compare_weights"] = []
    code, err, out = run_cli(cfg, tmp_path / "regional", capsys)
    assert code == 0, err
    assert len(scores(out, "mali_2017")) == 5


def test_map_rounding_that_breaks_a_polygon_is_repaired_and_named(tmp_path, capsys):
    """A cercle with a 0.006°-wide inlet: at map.precision 2 its two sides meet; the map repairs it and says so."""
    cercles = gpd.read_file(DEMO / "cercles.geojson")
    first = cercles.index[0]
    minx, miny, maxx, maxy = cercles.geometry[first].bounds
    mid = round((miny + maxy) / 2, 2)  # both sides of the inlet round to this latitude
    inlet = shapely.box(minx + (maxx - minx) * 0.3, mid - 0.003, maxx + 1, mid + 0.003)
    cercles.loc[first, "geometry"] = cercles.geometry[first].difference(inlet)
    assert cercles.geometry.is_valid.all()
    path = tmp_path / "cercles_inlet.gpkg"
    cercles.to_file(path)
    cfg = demo_cfg()
    cfg["study"]["boundaries"]["path"] = str(path)
    cfg["map"]["precision"] = 2
    code, err, out = run_cli(cfg, tmp_path / "run", capsys)
    assert code == 0, err
    name, pcode = cercles.loc[first, "admin2Name"], cercles.loc[first, "admin2Pcod"]
    assert re.search(rf"GeometryRepairedWarning: map: 1 unit polygon repaired with make_valid \(polygonal parts kept\), as they became invalid "
                     rf"once rounded to map.precision = 2 decimals \(a higher precision avoids it\): {re.escape(name)} \({pcode}\) \(", err)
    assert "became invalid once rounded" in (out / "demo_run.json").read_text(encoding="utf-8")


def test_701_real_communes_with_default_map_settings(tmp_path, capsys):
    """Formerly 'internal error: GEOSException: TopologyException' from the region outlines of the map."""
    real = require_real_data()
    gpkg = real / "mali_admin_boundaries_ocha_cod_2015.gpkg"
    cfg = {
        "study": {"name": "communes", "title": "Mali, 701 communes", "boundaries": {
            "path": str(gpkg), "layer": "adm3_communes", "id_column": "admin3Pcod", "name_column": "admin3Name", "region_column": "admin1Name"}},
        "layers": {"health": {"kind": "points", "path": str(real / "who_kemri_public_health_facilities_mali.csv"), "latitude": "Lat", "longitude": "Long"}},
        "indicators": {"health": {"measure": "health.count", "direction": "benefit", "weight": 1}},
    }
    started = time.perf_counter()
    code, err, out = run_cli(cfg, tmp_path / "run", capsys)
    elapsed = time.perf_counter() - started
    assert code == 0, err
    assert len(scores(out, "communes")) == 701
    # the page carries every commune as a valid polygon, whatever simplification and the grid did to it
    # (each one the map had to repair is named in a GeometryRepairedWarning)
    communes = gpd.read_file(gpkg, layer="adm3_communes")
    html = (out / "communes.html").read_text(encoding="utf-8")
    data = page_data_of(html)
    decoded = decode_units(data["topology"])
    assert len(decoded) == 701 and all(shapely.is_valid(g) and not g.is_empty for g in decoded)
    assert len(data["basemap"]["regions"]) == communes["admin1Name"].nunique()
    assert elapsed < 120, f"701 communes took {elapsed:.0f} s"
