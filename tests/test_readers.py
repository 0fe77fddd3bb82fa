"""Issue-3 readers on small fixtures made here: reconciliation, HXL, rounds, rasters, derived indicators."""

from __future__ import annotations

import json
import math
import warnings

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import rasterio
from rasterio.transform import Affine
from shapely.geometry import box

import nexus_zones
from nexus_zones import aggregate, indicators, load, normalise, reconcile
from nexus_zones.config import config_from_mapping
from nexus_zones.errors import InputDataError, MissingValueWarning, NexusZonesError, UnusedValueWarning

from .conftest import grid_units


def from_origin(west: float, north: float, xsize: float, ysize: float) -> Affine:
    """A north-up transform (rasterio's from_origin multiplies affines with the pending-deprecated ``*``)."""
    return Affine(xsize, 0.0, west, 0.0, -ysize, north)


# ------------------------------------------------------------------------------------ reconcile

UNITS = pd.DataFrame(
    {"name": ["Diré", "Gourma-Rharous", "Niafunké", "Bourem", "Bourem"], "region": ["Tombouctou", "Tombouctou", "Tombouctou", "Gao", "Kidal"]},
    index=pd.Index(["ML0602", "ML0604", "ML0605", "ML0702", "ML0899"], name="unit_id"),
)


def test_names_match_across_accents_case_hyphens_and_spaces():
    table = pd.DataFrame({"name": ["DIRE", "Gourma Rharous", "niafunke", "Gourma  -  Rharous"]})
    ids, rep = reconcile.match_rows(table, UNITS, name_column="name")
    assert ids.tolist() == ["ML0602", "ML0604", "ML0605", "ML0604"]
    assert (rep.by_code, rep.by_name, rep.unmatched, rep.ambiguous) == (0, 4, (), ())


def test_aliases_parents_and_ambiguity():
    table = pd.DataFrame({"name": ["Tombouctou commune", "Bourem", "Bourem", "Atlantis"], "parent": ["Tombouctou", "Gao", "", ""]})
    ids, rep = reconcile.match_rows(table, UNITS, name_column="name", parent_column="parent", aliases={"Tombouctou Commune": "Dire"})
    assert ids.tolist() == ["ML0602", "ML0702", None, None]
    assert rep.by_name == 2
    assert rep.unmatched == ("'Atlantis' in ''",)
    assert rep.ambiguous == ("'Bourem' in '' could be Bourem (ML0702), Bourem (ML0899)",)


def test_code_scheme_that_names_other_places_is_detected_and_not_used():
    # Cadre Harmonisé style: alphabetical codes under the same names
    table = pd.DataFrame({"code": ["ML0602", "ML0604", "ML0605"], "name": ["Gourma-Rharous", "Niafunke", "Dire"]})
    ids, rep = reconcile.match_rows(table, UNITS, code_column="code", name_column="name")
    assert not rep.codes_used
    assert ids.tolist() == ["ML0604", "ML0605", "ML0602"]  # by name, not by the clashing codes
    assert rep.by_code == 0 and rep.by_name == 3
    assert rep.scheme_conflicts[0] == "ML0602 is 'Gourma-Rharous' in the table but 'Diré' in the boundaries"


def test_agreeing_codes_are_used_and_a_lone_clash_falls_back_to_names():
    table = pd.DataFrame({"code": ["ML0602", "ML0604", "ML0605", "ML0702", "XX99"], "name": ["Dire", "Gourma-Rharous", "Niafunke", "Bourem", "Dire"]})
    ids, rep = reconcile.match_rows(table, UNITS, code_column="code", name_column="name")
    assert rep.codes_used and rep.by_code == 4 and rep.by_name == 1
    assert rep.codes_shared == 4
    assert ids.tolist() == ["ML0602", "ML0604", "ML0605", "ML0702", "ML0602"]


def test_match_table_reports_scheme_and_unmatched_rows():
    rows = pd.DataFrame({"code": ["ML0602", "ML0604"], "name": ["Gourma-Rharous", "Atlantis"], "v": [1.0, 2.0]})
    with pytest.warns(UnusedValueWarning, match="follow another scheme than the boundaries"):
        with pytest.raises(InputDataError, match=r"row 'Atlantis' code 'ML0604'.*aliases.*unmatched: drop"):
            aggregate.match_table(rows, UNITS, UNITS.index, layer="ch", key_columns={"code": "adm2_pcod2"})


# ------------------------------------------------------------------------------------------- HXL


def test_columns_named_by_hxl_tags(tmp_path):
    path = tmp_path / "hdx.csv"
    path.write_text(
        "Code,Nom,Fermées\n#adm2+code+v_pcode,#adm2+name,#indicator+schools+closed\nML0602,Diré,0\nML0604,Gourma-Rharous,11\n", encoding="utf-8"
    )
    rows = load.read_table(path, columns={"closed": "#indicator+closed"}, unit_column="#adm2+code", name_column="#adm2+name")
    assert rows["code"].tolist() == ["ML0602", "ML0604"]
    assert rows["closed"].tolist() == [0.0, 11.0]
    with pytest.raises(InputDataError, match=r"column '#adm1\+code'.*no column with that HXL tag"):
        load.read_table(path, columns={"closed": "#indicator+closed"}, unit_column="#adm1+code")


# --------------------------------------------------------------------------------- rounds, where


def test_round_chosen_by_date_and_communes_summed(tmp_path):
    path = tmp_path / "dtm.csv"
    pd.DataFrame(
        {
            "snapshot_date": ["2016-12-31", "2017-12-31", "2017-12-31", "2018-12-31"],
            "admin2_name": ["Dire", "Dire", "DIRE", "Dire"],
            "idp_ind": ["5", "100", "23", "900"],
        }
    ).to_csv(path, index=False)
    rows = load.read_table(path, columns={"idps": "idp_ind"}, name_column="admin2_name", round_column="snapshot_date", as_of=pd.Timestamp("2018-06-30").date())
    assert rows["idps"].tolist() == [100.0, 23.0]  # the Dec 2017 round: latest on or before 30 Jun 2018
    matched, _ = aggregate.match_table(rows, UNITS, UNITS.index)
    out = aggregate.join_table(gpd.GeoDataFrame(index=UNITS.index), matched, ["idps"], combine="sum", absent_units="zero")
    assert out.loc["ML0602", "idps"] == 100 + 23
    assert out.loc["ML0604", "idps"] == 0
    with pytest.raises(InputDataError, match=r"as_of: found 2010-01-01, before every round \(2016-12-31, 2017-12-31, 2018-12-31\)"):
        load.read_table(path, columns={"idps": "idp_ind"}, name_column="admin2_name", round_column="snapshot_date", as_of=pd.Timestamp("2010-01-01").date(), layer="dtm")


def test_where_filters_rows_and_names_absent_values(tmp_path):
    path = tmp_path / "ch.csv"
    pd.DataFrame({"adm2_name": ["Dire", "Dire"], "exercise_year": ["2017", "2018"], "population": ["142522", "150000"]}).to_csv(path, index=False)
    rows = load.read_table(path, columns={"population": "population"}, name_column="adm2_name", where={"exercise_year": [2017]})
    assert rows["population"].tolist() == [142522.0]
    with pytest.raises(InputDataError, match=r"where.exercise_year: found no row with a value in \[2019\]; expected values present in the column: \['2017', '2018'\]"):
        load.read_table(path, columns={"population": "population"}, name_column="adm2_name", where={"exercise_year": [2019]}, layer="ch")


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
    info = load.read_raster(raster_4x4)
    units = grid_units()
    z = aggregate.zonal_stats(units, info, threshold=10)
    # A1 = x 0-1, y 1-2 = rows 0-1, cols 0-1 -> values 1, (nodata), 5, 6
    assert z.loc["A1", "sum"] == pytest.approx(1 + 5 + 6)
    assert z.loc["A1", "mean"] == pytest.approx((1 + 5 + 6) / 3)
    assert z.loc["A1", "valid_share"] == pytest.approx(3 / 4)
    assert z.loc["A1", "share_above"] == pytest.approx(0 / 3)
    # B2 = rows 2-3, cols 2-3 -> 11, 12, 15, 16
    assert z.loc["B2", "sum"] == pytest.approx(11 + 12 + 15 + 16)
    assert z.loc["B2", "share_above"] == pytest.approx(4 / 4)


def test_zonal_stats_fractional_coverage(raster_4x4):
    info = load.read_raster(raster_4x4)
    # a polygon covering x 0.25-0.75, y 0.25-0.5: quarter of pixel (row 3, col 0)=13 and quarter of (row 3, col 1)=14
    units = gpd.GeoDataFrame({"name": ["p"], "region": ["r"]}, geometry=[box(0.25, 0.25, 0.75, 0.5)], index=pd.Index(["P"], name="unit_id"), crs=4326)
    z = aggregate.zonal_stats(units, info)
    assert z.loc["P", "sum"] == pytest.approx(0.25 * 13 + 0.25 * 14)
    assert z.loc["P", "mean"] == pytest.approx((0.25 * 13 + 0.25 * 14) / 0.5)
    # a triangle: half of pixel 13 (x 0-0.5, y 0-0.5) cut by its diagonal
    tri = gpd.GeoSeries.from_wkt(["POLYGON ((0 0, 0.5 0, 0 0.5, 0 0))"], crs=4326)
    units = gpd.GeoDataFrame({"name": ["t"], "region": ["r"]}, geometry=tri.values, index=pd.Index(["T"], name="unit_id"), crs=4326)
    assert aggregate.zonal_stats(units, info).loc["T", "sum"] == pytest.approx(0.5 * 13)


def test_zonal_stats_reprojects_polygons_to_the_raster(tmp_path):
    # a raster in Web Mercator; a box in EPSG:3857 is also a box in EPSG:4326
    data = np.array([[1.0, 2.0], [3.0, 4.0]])
    path = tmp_path / "merc.tif"
    _write_raster(path, data, from_origin(0.0, 200000.0, 100000.0, 100000.0), crs="EPSG:3857")
    poly_3857 = gpd.GeoSeries([box(50000, 50000, 150000, 150000)], crs=3857)
    units = gpd.GeoDataFrame({"name": ["m"], "region": ["r"]}, geometry=poly_3857.to_crs(4326).values, index=pd.Index(["M"], name="unit_id"), crs=4326)
    z = aggregate.zonal_stats(units, load.read_raster(path))
    assert z.loc["M", "sum"] == pytest.approx(0.25 * (1 + 2 + 3 + 4), rel=1e-6)


def test_raster_not_overlapping_and_without_crs(tmp_path, raster_4x4):
    units = gpd.GeoDataFrame({"name": ["far"], "region": ["r"]}, geometry=[box(10, 10, 11, 11)], index=pd.Index(["F"], name="unit_id"), crs=4326)
    with pytest.warns(MissingValueWarning, match=r"does not cover units F"):
        z = aggregate.zonal_stats(units, load.read_raster(raster_4x4))
    assert math.isnan(z.loc["F", "sum"])
    path = tmp_path / "nocrs.tif"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with rasterio.open(path, "w", driver="GTiff", width=2, height=2, count=1, dtype="float32", transform=from_origin(0, 2, 1, 1)) as dst:
            dst.write(np.ones((1, 2, 2), dtype="float32"))
    with pytest.raises(InputDataError, match="no coordinate reference system.*never guesses"):
        load.read_raster(path)


def test_raster_layer_in_a_study(grid_cfg, raster_4x4, tmp_path):
    cfg = json.loads(json.dumps(grid_cfg))
    cfg["layers"]["pop"] = {"kind": "raster", "path": str(raster_4x4), "threshold": 10}
    cfg["indicators"]["density"] = {"measure": "pop.sum", "per": "units.area_km2", "direction": "benefit", "weight": 1}
    result = nexus_zones.run(config_from_mapping(cfg), write=False)
    areas = gpd.GeoSeries(grid_units().geometry, crs=4326).to_crs(6933).area / 1e6
    assert result.values.loc["A1", "density"] == pytest.approx((1 + 5 + 6) / areas["A1"])
    assert result.measures.loc["B2", "pop.share_above"] == 1.0


# ---------------------------------------------------------------------------- derived indicators


def test_rate_scale_per_year_and_log1p():
    measures = pd.DataFrame(
        {"e.count": [10.0, 0.0, 4.0], "p.pop": [200000.0, 50000.0, 0.0]}, index=pd.Index(["u1", "u2", "u3"])
    )
    ind = indicators.IndicatorDef("e.count", "cost", per="p.pop", scale=100000, years=2.0)
    with pytest.warns(MissingValueWarning, match=r"p.pop is zero or missing for u3"):
        rate = indicators.derive(measures, ind, name="rate")
    assert rate["u1"] == pytest.approx(10 / 200000 * 100000 / 2)
    assert rate["u2"] == 0.0 and math.isnan(rate["u3"])
    logged = normalise.TRANSFORMS["log1p"](pd.Series([0.0, math.e - 1]), "x")
    assert logged.tolist() == pytest.approx([0.0, 1.0])
    with pytest.raises(NexusZonesError, match="log1p found negative values"):
        normalise.TRANSFORMS["log1p"](pd.Series([-2.0]), "x")


def test_unit_areas_in_an_equal_area_crs():
    areas = aggregate.unit_areas_km2(grid_units())
    # a 1°×1° cell at the equator: (111.32 km)² ≈ 12,364 km², slightly less at 1-2°N
    assert 12300 < areas["B1"] < 12400
    assert areas["A1"] < areas["B1"]  # further from the equator


def test_year_window_and_per_year(grid_cfg):
    cfg = json.loads(json.dumps(grid_cfg))
    cfg["layers"]["events"].pop("start")
    cfg["layers"]["events"].pop("end")
    cfg["layers"]["events"]["year"] = 2017
    cfg["indicators"]["incidents"]["per_year"] = True
    result = nexus_zones.run(config_from_mapping(cfg), write=False)
    assert result.values.loc["A1", "incidents"] == 3 / 1  # one whole calendar year
    bad = json.loads(json.dumps(cfg))
    bad["indicators"]["health"]["per_year"] = True
    with pytest.raises(nexus_zones.ConfigError, match=r"indicators.health.per_year: found true; expected a measure of a points layer with both ends"):
        config_from_mapping(bad)


def test_points_where_filter_and_admin_names(tmp_path):
    path = tmp_path / "acled.csv"
    pd.DataFrame(
        {
            "event_date": ["2017-01-01"] * 4,
            "latitude": [1.5, 1.5, 0.5, 0.5],
            "longitude": [0.5, 1.5, 0.5, 0.5],
            "geo_precision": ["1", "3", "2", "1"],
            "admin2": ["Alpha One", "Alpha One", "Bravo One", "Bravo One"],
        }
    ).to_csv(path, index=False)
    pts = load.read_points(path, admin_column="admin2", filters={"geo_precision": [1, 2]})
    assert len(pts) == 3 and pts.attrs["dropped_by_filters"] == 1
    m, rep = aggregate.count_points(grid_units(), pts)
    assert m["count"].to_dict() == {"A1": 1, "A2": 0, "B1": 2, "B2": 0}
    assert m["count_by_admin"].to_dict() == {"A1": 1, "A2": 0, "B1": 2, "B2": 0}
    assert rep.dropped_by_filters == 1 and rep.by_admin["points_whose_name_names_another_unit"] == 0


# ------------------------------------------------------------------ review fixes (issue 2/3 defects)


def test_rules_read_the_indicator_value_not_the_raw_measure(grid_cfg):
    cfg = json.loads(json.dumps(grid_cfg))
    cfg["indicators"]["closed_rate"] = {"measure": "forces.closed", "per": "units.area_km2", "scale": 10000, "direction": "cost", "weight": 1}
    cfg["rules"] = {"low_rate": "closed_rate <= 1.5"}
    result = nexus_zones.run(config_from_mapping(cfg), write=False)
    areas = aggregate.unit_areas_km2(grid_units())
    rate = {u: c / areas[u] * 10000 for u, c in {"A1": 0, "A2": 2, "B1": 1, "B2": 0}.items()}
    assert rate["A2"] > 1.5 > rate["B1"] > 0  # 2 and 1 closed schools on ~12,300 km²: ~1.6 and ~0.8 per 10,000 km²
    assert result.values["closed_rate"].to_dict() == pytest.approx(rate)
    assert result.scores["rule_low_rate"].to_dict() == {u: rate[u] <= 1.5 for u in rate}


@pytest.mark.parametrize(
    "cells, decimal, expected",
    [
        (["1,5", "2"], None, [1.5, 2.0]),
        (["1,234.5", "12"], None, [1234.5, 12.0]),
        (["142,522"], ".", [142522.0]),
        (["142,522"], ",", [142.522]),
        (["1.234,5"], ",", [1234.5]),
        (["142 522", "1\u202f000"], None, [142522.0, 1000.0]),
    ],
)
def test_decimal_marks(cells, decimal, expected, tmp_path):
    assert load.parse_number(pd.Series(cells), path=tmp_path, column="c", decimal=decimal).tolist() == pytest.approx(expected)


def test_ambiguous_thousands_comma_is_an_error(tmp_path):
    with pytest.raises(InputDataError, match=r"numbers such as '142,522'.*set layers.pop.decimal: '.' \(commas separate thousands\)"):
        load.parse_number(pd.Series(["142,522", "98,004"]), path=tmp_path, column="population", key="layers.pop.decimal")


def test_raster_with_only_nodata_or_partly_outside(tmp_path):
    data = np.array([[-9999.0, -9999.0], [5.0, 7.0]])
    path = tmp_path / "nd.tif"
    _write_raster(path, data, from_origin(0.0, 2.0, 1.0, 1.0))
    units = grid_units()
    with pytest.warns(MissingValueWarning) as record:
        z = aggregate.zonal_stats(units, load.read_raster(path))
    assert math.isnan(z.loc["A1", "sum"]) and z.loc["A1", "valid_share"] == 0.0  # nodata only: no value, not 0 people
    assert z.loc["B1", "sum"] == 5.0
    assert any("only nodata pixels in units A1, A2" in str(r.message) for r in record)
    half = tmp_path / "half.tif"  # covers x 0-1 only: half of a 2°-wide unit
    _write_raster(half, np.array([[3.0], [3.0]]), from_origin(0.0, 2.0, 1.0, 1.0))
    wide = gpd.GeoDataFrame({"name": ["w"], "region": ["r"]}, geometry=[box(0, 0, 2, 2)], index=pd.Index(["W"], name="unit_id"), crs=4326)
    with pytest.warns(MissingValueWarning, match=r"covers only part of units W \(50%\)"):
        zw = aggregate.zonal_stats(wide, load.read_raster(half))
    assert zw.loc["W", "valid_share"] == pytest.approx(0.5) and zw.loc["W", "sum"] == pytest.approx(6.0)


def test_rounds_are_days_whatever_their_time(tmp_path):
    path = tmp_path / "dtm.csv"
    pd.DataFrame({"d": ["2017-06-30", "2017-12-31 09:00:00", "2017-12-31 10:00:00"], "n": ["Dire", "Dire", "Niafunke"], "v": ["1", "2", "3"]}).to_csv(path, index=False)
    rows = load.read_table(path, columns={"v": "v"}, name_column="n", round_column="d", as_of=pd.Timestamp("2017-12-31").date())
    assert rows["v"].tolist() == [2.0, 3.0]


def test_a_blank_name_does_not_cancel_a_good_code():
    table = pd.DataFrame({"code": ["ML0602", "ML0604", "ML0605"], "name": ["Dire", "", "Niafunke"]})
    ids, rep = reconcile.match_rows(table, UNITS, code_column="code", name_column="name")
    assert rep.codes_used and ids.tolist() == ["ML0602", "ML0604", "ML0605"]


def test_whole_number_ids_stored_as_floats(tmp_path):
    gdf = grid_units().reset_index(drop=True).assign(code=[601.0, 602.0, 701.0, 702.0])
    path = tmp_path / "num.gpkg"
    gdf.to_file(path)
    b = load.read_boundaries(path, id_column="code", name_column="name", region_column="region")
    assert list(b.units.index) == ["601", "602", "701", "702"]


def test_a_table_without_geometry_as_boundaries_is_an_error(tmp_path):
    path = tmp_path / "b.csv"
    path.write_text("pcode,name\nA1,x\n", encoding="utf-8")
    with pytest.raises(InputDataError, match="found a table without geometry; expected a vector file"):
        load.read_boundaries(path, id_column="pcode", name_column="name", region_column=None)


def test_border_with_a_unit_outside_the_study_follows_the_national_rule(grid_files):
    b_all = load.read_boundaries(grid_files["boundaries"], id_column="pcode", name_column="name", region_column="region")
    b_south = load.read_boundaries(grid_files["boundaries"], id_column="pcode", name_column="name", region_column="region", regions=["South"])
    pts = gpd.GeoDataFrame(geometry=gpd.points_from_xy([0.5], [1.0]), crs=4326)  # on the A1 (North) / B1 (South) border
    national, _ = aggregate.count_points(b_all.units, pts, all_units=b_all.all_units)
    south, rep = aggregate.count_points(b_south.units, pts, all_units=b_south.all_units)
    assert national["count"].to_dict() == {"A1": 1, "A2": 0, "B1": 0, "B2": 0}
    assert south["count"].to_dict() == {"B1": 0, "B2": 0}
    assert rep.in_units_outside_study == 1 and rep.outside_units == 0


def test_category_named_like_a_measure_is_prefixed():
    pts = gpd.GeoDataFrame({"category": ["Count", "Count", "School"]}, geometry=gpd.points_from_xy([0.5, 0.5, 1.5], [1.5, 1.5, 1.5]), crs=4326)
    m, _ = aggregate.count_points(grid_units(), pts)
    assert m.loc["A1", "count"] == 2 and m.loc["A1", "cat_count"] == 2 and m.loc["A2", "school"] == 1


def test_points_without_geometry_and_empty_windows_are_reported(tmp_path):
    pts = gpd.GeoDataFrame({"event_date": ["2015-01-01"] * 3}, geometry=[None, None, box(0, 0, 1, 1).centroid], crs=4326)
    path = tmp_path / "p.gpkg"
    pts.to_file(path)
    with pytest.warns(nexus_zones.NexusZonesWarning, match="2 features without geometry were not counted"):
        read = load.read_points(path, date_column="event_date", fatalities_column=None)
    m, rep = aggregate.count_points(grid_units(), read, start=pd.Timestamp("2017-01-01").date(), end=pd.Timestamp("2017-12-31").date())
    assert m["count"].sum() == 0 and (rep.read, rep.outside_window, rep.counted) == (1, 1, 0)  # the pipeline reports the empty window


def test_messages_give_file_line_numbers_after_an_hxl_row(tmp_path):
    path = tmp_path / "t.csv"
    path.write_text("code,v\n#adm2+code,#value\nA1,1\nA2,oops\n", encoding="utf-8")  # 'oops' is on line 4
    with pytest.raises(InputDataError, match=r"row 4: 'oops'"):
        load.read_table(path, columns={"v": "v"}, unit_column="code")


def test_iso_date_times_keep_the_date_as_written(tmp_path):
    dates = load.parse_dates(pd.Series(["2017-12-31T23:30:00Z", "2017-12-31 23:30", "2018-01-01T00:10:00+01:00", "2017-06-14"]), path=tmp_path, column="d")
    assert [d.date().isoformat() for d in dates] == ["2017-12-31", "2017-12-31", "2018-01-01", "2017-06-14"]


def test_legend_ends_follow_goalposts_thresholds_and_transforms():
    from nexus_zones.config import IndicatorSpec
    from nexus_zones.maps import fmt, scale_ends

    raw, norm = pd.Series([3.0, 9.0]), pd.Series([0.85, 0.55])
    cost = IndicatorSpec(measure="a.b", direction="cost", normalisation="goalposts", goalposts=(0, 20), weight=1)
    assert scale_ends(cost, raw, norm) == (20.0, 0.0)
    logged = IndicatorSpec(measure="a.b", direction="benefit", normalisation="goalposts", goalposts=(0, math.log1p(99)), transform="log1p", weight=1)
    assert scale_ends(logged, raw, norm) == pytest.approx((0.0, 99.0))
    curve = IndicatorSpec(measure="a.b", direction="cost", normalisation="threshold", thresholds=[(5, 1), (20, 0)], weight=1)
    assert scale_ends(curve, raw, norm) == (20.0, 5.0)
    assert fmt(10299.4) == "10,299" and fmt(10299.4, language="fr") == "10\u202f299" and fmt(2.345) == "2.35" and fmt(7.0) == "7"


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
        worst = max(worst, float(np.abs(aggregate.coverage_fractions(g, transform, (30, 30)) - exact).max()))
        # a window of the same grid, columns 7–21 and rows 4–25: the same values
        rows, cols, values = aggregate.coverage_entries(g, transform, 7, 4, 15, 22)
        window = aggregate._dense(rows, cols, values, 0, 22, 15)
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
    info = load.read_raster(path)
    one = aggregate.zonal_stats(units, info, threshold=0.5, workers=1, strip_rows=40)
    many = aggregate.zonal_stats(units, info, threshold=0.5, workers=2, strip_rows=3)
    pd.testing.assert_frame_equal(one, many, rtol=1e-12)
    # A1 = rows 0–19, cols 0–19: plain sums of the valid cells (every pixel wholly inside)
    cells = data[0:20, 0:20].astype(float)
    valid = cells != -9999.0
    assert one.loc["A1", "sum"] == pytest.approx(cells[valid].sum(), rel=1e-12)
    assert one.loc["A1", "valid_share"] == pytest.approx(valid.mean())
