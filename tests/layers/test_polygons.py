"""The polygons kind (:mod:`nexus_zones.layers.polygons`): shares, areas and counts on the 2×2 grid
against hand arithmetic (areas in EPSG:6933 against the exact area of a quadrangle on the WGS 84
ellipsoid), categories and filters, the CRS checks, repairs, features outside, empty layers, and the
illustrative example config."""

from __future__ import annotations

import math
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
import shapely
from pyproj import Transformer
from shapely.geometry import box, Point, Polygon

import nexus_zones
from nexus_zones import cli
from nexus_zones.config import config_from_mapping, load_config, measures_of
from nexus_zones.errors import ConfigError
from nexus_zones.layers.polygons import EQUAL_AREA_CRS, overlay_polygons

from .._support import REPO, grid_units


# ------------------------------------------------------------------------------------ polygons: the numbers

#: WGS 84, the ellipsoid of EPSG:6933.
A_WGS84 = 6378137.0
F_WGS84 = 1 / 298.257223563


def quadrangle_km2(lon0: float, lat0: float, lon1: float, lat1: float) -> float:
    """The exact area of a longitude-latitude quadrangle on the WGS 84 ellipsoid, in km²:
    Δλ · a²(1 − e²)/2 · [q(φ1) − q(φ0)], q(φ) = sin φ / (1 − e² sin² φ) + ln((1 + e sin φ)/(1 − e sin φ)) / (2e)."""
    e2 = F_WGS84 * (2 - F_WGS84)
    e = math.sqrt(e2)

    def q(lat: float) -> float:
        s = math.sin(math.radians(lat))
        return s / (1 - e2 * s * s) + math.log((1 + e * s) / (1 - e * s)) / (2 * e)

    return math.radians(lon1 - lon0) * A_WGS84**2 * (1 - e2) / 2 * (q(lat1) - q(lat0)) / 1e6


#: Features on the grid (units 1°×1°: A1 (0,1)-(1,2), A2 (1,1)-(2,2), B1 (0,0)-(1,1), B2 (1,0)-(2,1)).
#: Each spans the whole latitude range of the units it covers, so that in a cylindrical equal-area CRS
#: its share of a unit is its share of the unit's longitudes.
FEATURES = [
    ("flood", "observed", box(0.25, 0, 0.75, 2)),  # A1 and B1, x 0.25..0.75
    ("flood", "observed", box(0.5, 0, 1.5, 2)),  # overlaps the first over x 0.5..0.75; A1, B1 x 0.5..1, A2, B2 x 1..1.5
    ("protected", "observed", box(1.75, 1, 2.5, 2)),  # A2 x 1.75..2, the rest outside the grid
    ("protected", "observed", box(2, 0, 3, 1)),  # touches B2's east edge only: covers nothing, counts nowhere
    ("flood", "forecast", box(0, 0, 2, 2)),  # everything, but a forecast
]


def _features(rows=FEATURES) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame({"category": [r[0] for r in rows], "status": [r[1] for r in rows]}, geometry=[r[2] for r in rows], crs="EPSG:4326")


def test_share_area_and_count_on_the_grid():
    units = grid_units()
    out = overlay_polygons(units, _features(FEATURES[:4]), layer="flood")
    # union in A1 and B1: x 0.25..1 (the overlap 0.5..0.75 counted once); A2: x 1..1.5 and 1.75..2; B2: x 1..1.5
    assert out["share"].to_dict() == pytest.approx({"A1": 1 - 0.25, "A2": 0.5 + 0.25, "B1": 1 - 0.25, "B2": 0.5}, abs=1e-9)
    assert out["count"].to_dict() == {"A1": 2, "A2": 2, "B1": 2, "B2": 1}
    area = {"A1": quadrangle_km2(0, 1, 1, 2), "A2": quadrangle_km2(1, 1, 2, 2), "B1": quadrangle_km2(0, 0, 1, 1), "B2": quadrangle_km2(1, 0, 2, 1)}
    expected = {"A1": quadrangle_km2(0.25, 1, 1, 2), "A2": quadrangle_km2(1, 1, 1.5, 2) + quadrangle_km2(1.75, 1, 2, 2),
                "B1": quadrangle_km2(0.25, 0, 1, 1), "B2": quadrangle_km2(1, 0, 1.5, 1)}
    assert out["area_km2"].to_dict() == pytest.approx(expected, rel=1e-9)
    assert (out["area_km2"] / pd.Series(area)).to_dict() == pytest.approx(out["share"].to_dict(), rel=1e-9)


def test_a_feature_covering_a_unit_twice_counts_its_area_once():
    units = grid_units()
    twice = _features([("flood", "observed", box(0, 1, 1, 2)), ("flood", "observed", box(-1, 0.5, 1.5, 3))])
    out = overlay_polygons(units, twice, layer="flood")
    assert out.at["A1", "share"] == pytest.approx(1.0, abs=1e-12) and out.at["A1", "count"] == 2
    assert out.at["A1", "area_km2"] == pytest.approx(quadrangle_km2(0, 1, 1, 2), rel=1e-9)


def test_equal_area_on_a_small_real_box_near_dire():
    """A 0.2° box at Diré (16.3° N): the area in EPSG:6933 is the ellipsoid's, and not the
    degree-box's area as if a degree were the same length everywhere."""
    lon0, lat0, lon1, lat1 = -3.5, 16.2, -3.3, 16.4
    unit = gpd.GeoDataFrame({"name": ["Box"], "region": ["R"]}, geometry=[box(lon0, lat0, lon1, lat1)], index=pd.Index(["X1"], name="unit_id"), crs="EPSG:4326")
    out = overlay_polygons(unit, _features([("flood", "observed", box(-4, 16, -3, 17))]), layer="flood")
    by_hand = quadrangle_km2(lon0, lat0, lon1, lat1)
    assert out.at["X1", "area_km2"] == pytest.approx(by_hand, rel=1e-9)
    # the spherical approximation (authalic radius 6371.0072 km) is close, within e² ≈ 0.67 %, and is not what is used
    r = 6371.0072
    sphere = math.radians(lon1 - lon0) * r * r * (math.sin(math.radians(lat1)) - math.sin(math.radians(lat0)))
    assert 1e-3 < abs(out.at["X1", "area_km2"] / sphere - 1) < F_WGS84 * (2 - F_WGS84)
    assert EQUAL_AREA_CRS == "EPSG:6933"


def test_categories_give_measures_per_category():
    units = grid_units()
    out = overlay_polygons(units, _features(FEATURES[:4]), categories={"flooded": ["flood"], "reserve": ["protected"]}, layer="zones")
    assert out["flooded_share"].to_dict() == pytest.approx({"A1": 0.75, "A2": 0.5, "B1": 0.75, "B2": 0.5}, abs=1e-9)
    assert out["reserve_share"].to_dict() == pytest.approx({"A1": 0.0, "A2": 0.25, "B1": 0.0, "B2": 0.0}, abs=1e-9)
    assert out["flooded_count"].to_dict() == {"A1": 2, "A2": 1, "B1": 2, "B2": 1}
    assert out["reserve_count"].to_dict() == {"A1": 0, "A2": 1, "B1": 0, "B2": 0}
    assert list(out.columns) == ["share", "area_km2", "count", "flooded_share", "flooded_area_km2", "flooded_count",
                                 "reserve_share", "reserve_area_km2", "reserve_count"]


def test_the_units_and_features_are_not_changed():
    units, features = grid_units(), _features()
    before_units, before_features = units.copy(), features.copy()
    overlay_polygons(units, features, layer="flood")
    assert units.equals(before_units) and features.equals(before_features)


# ------------------------------------------------------------------------------------ polygons: files, config, CLI


def _write(features: gpd.GeoDataFrame, path: Path, **kwargs) -> Path:
    features.to_file(path, engine="pyogrio", **kwargs)
    return path


def _flood_cfg(grid_cfg: dict, path: Path, **options) -> dict:
    grid_cfg["layers"]["flood"] = {"kind": "polygons", "path": str(path), "where": {"status": ["observed"]}, **options}
    grid_cfg["indicators"]["flooded"] = {"measure": "flood.share", "direction": "cost", "weight": 1}
    return grid_cfg


CLEAN_SHARE = {"A1": 0.75, "A2": 0.75, "B1": 0.75, "B2": 0.5}


def _run(cfg: dict, write_config, tmp_path: Path, name: str = "config.yaml") -> tuple[int, pd.DataFrame | None]:
    out = tmp_path / f"out_{name}"
    code = cli.main(["run", str(write_config(cfg, name)), "--out", str(out), "-q"])
    scores = pd.read_csv(out / "grid_scores.csv", index_col="unit_id") if code == 0 else None
    return code, scores


@pytest.mark.parametrize("suffix, driver", [(".geojson", "GeoJSON"), (".gpkg", "GPKG"), (".shp", "ESRI Shapefile")])
def test_a_polygons_layer_runs_through_the_cli(suffix, driver, grid_cfg, grid_files, write_config, tmp_path):
    path = _write(_features(), grid_files["boundaries"].parent / f"flood{suffix}", driver=driver)
    cfg = _flood_cfg(grid_cfg, path)
    assert cli.main(["check", str(write_config(cfg))]) == 0
    code, scores = _run(cfg, write_config, tmp_path)
    assert code == 0
    assert scores["flooded"].to_dict() == pytest.approx(CLEAN_SHARE, abs=1e-9)
    assert measures_of(config_from_mapping(cfg).layers["flood"]) == ("share", "area_km2", "count")


def test_the_categories_option_names_per_category_measures(grid_cfg, grid_files, write_config, tmp_path):
    path = _write(_features(), grid_files["boundaries"].parent / "zones.geojson")
    cfg = _flood_cfg(grid_cfg, path, category_column="category", categories={"reserve": ["protected"]})
    cfg["indicators"]["flooded"]["measure"] = "flood.reserve_share"
    assert measures_of(config_from_mapping(cfg).layers["flood"])[3:] == ("reserve_share", "reserve_area_km2", "reserve_count")
    code, scores = _run(cfg, write_config, tmp_path)
    assert code == 0 and scores["flooded"].to_dict() == pytest.approx({"A1": 0.0, "A2": 0.25, "B1": 0.0, "B2": 0.0}, abs=1e-9)
    cfg["indicators"]["flooded"]["measure"] = "flood.reserv_share"
    with pytest.raises(ConfigError, match=r"has no measure 'reserv_share' \(did you mean 'reserve_share'\?\)"):
        config_from_mapping(cfg)


def test_categories_without_their_column_are_refused(grid_cfg, tmp_path):
    cfg = _flood_cfg(grid_cfg, tmp_path / "x.geojson", categories={"reserve": ["protected"]})
    with pytest.raises(ConfigError, match=r"layers\.flood\.categories.*category_column naming the column"):
        config_from_mapping(cfg)


def _in_web_mercator(features: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """The same rectangles written in Web Mercator metres (a lon/lat rectangle stays a rectangle there)."""
    to_m = Transformer.from_crs(4326, 3857, always_xy=True)
    rects = [box(*to_m.transform(g.bounds[0], g.bounds[1]), *to_m.transform(g.bounds[2], g.bounds[3])) for g in features.geometry]
    return features.set_geometry(rects, crs=None)


def test_metres_in_a_geojson_without_crs_are_refused_then_read_with_crs(grid_cfg, grid_files, write_config, tmp_path, capsys):
    """A GeoJSON without a crs member is read as WGS 84 (RFC 7946): its metres cannot be degrees."""
    metres = _in_web_mercator(_features())
    path = grid_files["boundaries"].parent / "flood_metres.geojson"
    path.write_text(metres.to_json(), encoding="utf-8")
    cfg = _flood_cfg(grid_cfg, path)
    code, _ = _run(cfg, write_config, tmp_path)
    err = capsys.readouterr().err
    assert code == 2
    assert str(path) in err and "CRS" in err and "cannot be degrees" in err and "a GeoJSON without a crs member" in err
    assert "layers.flood.crs" in err
    code, scores = _run(_flood_cfg(grid_cfg, path, crs="EPSG:3857"), write_config, tmp_path, "fixed.yaml")
    assert code == 0 and scores["flooded"].to_dict() == pytest.approx(CLEAN_SHARE, abs=1e-9)


def test_a_shapefile_without_prj_is_refused_then_read_with_crs(grid_cfg, grid_files, write_config, tmp_path, capsys):
    path = _write(_features(), grid_files["boundaries"].parent / "flood.shp", driver="ESRI Shapefile")
    path.with_suffix(".prj").unlink()
    code, _ = _run(_flood_cfg(grid_cfg, path), write_config, tmp_path)
    err = capsys.readouterr().err
    assert code == 2 and str(path) in err and "no coordinate reference system" in err and "layers.flood.crs" in err
    code, scores = _run(_flood_cfg(grid_cfg, path, crs="EPSG:4326"), write_config, tmp_path, "fixed.yaml")
    assert code == 0 and scores["flooded"].to_dict() == pytest.approx(CLEAN_SHARE, abs=1e-9)


def test_points_in_a_polygons_layer_are_refused(grid_cfg, grid_files, write_config, tmp_path, capsys):
    points = gpd.GeoDataFrame({"status": ["observed", "observed"]}, geometry=[Point(0.5, 0.5), Point(1.5, 1.5)], crs="EPSG:4326")
    path = _write(points, grid_files["boundaries"].parent / "flood.geojson")
    code, _ = _run(_flood_cfg(grid_cfg, path), write_config, tmp_path)
    err = capsys.readouterr().err
    assert code == 2 and str(path) in err and "geometry types ['Point']" in err and "points go in a layer of kind points" in err


def test_a_self_intersecting_feature_is_repaired_and_named(grid_cfg, grid_files, write_config, tmp_path):
    """A bow-tie over A1 (two triangles meeting at its centre) is repaired into its two triangles."""
    bowtie = Polygon([(0, 1), (1, 2), (1, 1), (0, 2), (0, 1)])
    rows = [("flood", "observed", bowtie)] + FEATURES[2:]
    path = _write(_features(rows), grid_files["boundaries"].parent / "flood.geojson")
    result = nexus_zones.compute(config_from_mapping(_flood_cfg(grid_cfg, path)))
    repaired = [w for w in result.warnings if "repaired with make_valid" in w]
    assert repaired == [f"{path}: 1 feature repaired with make_valid (polygonal parts kept), as they are invalid in the file: feature 1 (Self-intersection[0.5 1.5])"]
    # the two triangles (left and right of the centre) cover half of A1; A2 keeps x 1.75..2
    assert result.measures["flood.share"].to_dict() == pytest.approx({"A1": 0.5, "A2": 0.25, "B1": 0.0, "B2": 0.0}, abs=2e-3)
    assert result.measures["flood.count"].to_dict() == {"A1": 1, "A2": 1, "B1": 0, "B2": 0}


def test_features_outside_the_study_are_an_error_when_weighted_then_allowed(grid_cfg, grid_files, write_config, tmp_path, capsys):
    far = _features([("flood", "observed", box(10, 10, 11, 11)), ("flood", "observed", box(12, 10, 13, 11))])
    path = _write(far, grid_files["boundaries"].parent / "flood.geojson")
    code, _ = _run(_flood_cfg(grid_cfg, path), write_config, tmp_path)
    err = capsys.readouterr().err
    assert code == 2 and "layers.flood" in err and "none of the 2 features overlaps a study unit" in err and "allow_empty" in err
    code, scores = _run(_flood_cfg(grid_cfg, path, allow_empty=True), write_config, tmp_path, "allowed.yaml")
    assert code == 0 and scores["flooded"].to_dict() == {"A1": 0.0, "A2": 0.0, "B1": 0.0, "B2": 0.0}


def test_a_filter_value_absent_from_the_file_names_the_key(grid_cfg, grid_files, write_config, tmp_path, capsys):
    path = _write(_features(), grid_files["boundaries"].parent / "flood.geojson")
    cfg = _flood_cfg(grid_cfg, path)
    cfg["layers"]["flood"]["where"] = {"status": ["observd"]}
    code, _ = _run(cfg, write_config, tmp_path)
    err = capsys.readouterr().err
    assert code == 2 and "layers.flood.where.status" in err and "no row with a value in ['observd']" in err


def test_the_illustrative_flood_example_runs():
    """configs/flood_example.yaml: the hand-drawn (illustrative) flood extent over the demo's cercles."""
    config = load_config(REPO / "configs" / "flood_example.yaml")
    result = nexus_zones.compute(config)
    flood = gpd.read_file(REPO / "data" / "demo" / "flood_extent.geojson")
    assert flood["note"].str.contains("ILLUSTRATIVE").all()
    # by hand: the observed features' union over each cercle, areas in EPSG:6933
    units = result.units.geometry.to_crs(6933)
    union = shapely.union_all(flood[flood["status"] == "observed"].geometry.to_crs(6933).to_numpy())
    expected = {uid: shapely.intersection(geom, union).area / geom.area for uid, geom in units.items()}
    assert result.measures["flood.share"].to_dict() == pytest.approx(expected, abs=1e-9)
    assert result.measures["flood.share"].gt(0).sum() == 4  # the forecast extent (Gourma-Rharous) is left out
