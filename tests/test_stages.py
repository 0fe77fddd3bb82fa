"""Each stage on the tiny grid, with expected values written as the arithmetic that gives them."""

from __future__ import annotations

import json
import math
import warnings
import zipfile

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from shapely.geometry import Point, box

from nexus_zones import aggregate, indicators, load, normalise, rules, score
from nexus_zones.errors import (
    ConfigError,
    ConstantIndicatorWarning,
    EventsOutsideWarning,
    InputDataError,
    MissingValueWarning,
    NexusZonesWarning,
    TieWarning,
    UnusedValueWarning,
)

from .conftest import VIOLENT, grid_units

# ----------------------------------------------------------------------------------------- load


def test_read_boundaries_indexes_by_pcode_and_keeps_name_region(grid_files):
    b = load.read_boundaries(grid_files["boundaries"], id_column="pcode", name_column="name", region_column="region")
    assert list(b.units.index) == ["A1", "A2", "B1", "B2"]
    assert b.units.index.name == "unit_id"
    assert b.units.crs.to_epsg() == 4326
    assert b.units.loc["A2", "name"] == "Alpha Two"
    assert b.units.loc["B1", "region"] == "South"


def test_read_boundaries_reprojects_to_wgs84(tmp_path):
    gdf = grid_units().reset_index().rename(columns={"unit_id": "pcode"}).to_crs(3857)
    path = tmp_path / "units_3857.gpkg"
    gdf.to_file(path, layer="adm2")
    b = load.read_boundaries(path, layer="adm2", id_column="pcode", name_column="name", region_column="region")
    assert b.units.crs.to_epsg() == 4326
    assert b.units.loc["A1"].geometry.bounds == pytest.approx((0, 1, 1, 2), abs=1e-9)
    assert b.crs_in.endswith("3857")


def test_read_boundaries_zipped_shapefile(tmp_path):
    gdf = grid_units().reset_index().rename(columns={"unit_id": "pcode"})
    shp_dir = tmp_path / "shp"
    shp_dir.mkdir()
    gdf.to_file(shp_dir / "units.shp")
    zpath = tmp_path / "units.zip"
    with zipfile.ZipFile(zpath, "w") as zf:
        for f in shp_dir.iterdir():
            zf.write(f, f.name)
    b = load.read_boundaries(zpath, id_column="pcode", name_column="name", region_column="region")
    assert len(b.units) == 4


def test_read_boundaries_wrong_layer_lists_layers(tmp_path):
    path = tmp_path / "units.gpkg"
    grid_units().reset_index().to_file(path, layer="adm2_cercles")
    with pytest.raises(InputDataError, match=r"layer 'adm2_cercle'.*did you mean 'adm2_cercles'"):
        load.read_boundaries(path, layer="adm2_cercle", id_column="unit_id", name_column="name", region_column="region")


def test_read_boundaries_problems_reported_together(tmp_path):
    gdf = grid_units().reset_index()
    gdf.loc[1, "unit_id"] = "A1"  # duplicate
    gdf.loc[2, "geometry"] = None  # empty
    path = tmp_path / "bad.gpkg"
    gdf.to_file(path)
    with pytest.raises(InputDataError) as err:
        load.read_boundaries(path, id_column="unit_id", name_column="name", region_column="region")
    text = str(err.value)
    assert "duplicate ids A1" in text
    assert "1 features without geometry" in text
    assert len(err.value.problems) == 2


def test_read_boundaries_without_crs_is_an_error(tmp_path):
    gdf = grid_units().reset_index().set_crs(None, allow_override=True)
    path = tmp_path / "nocrs.shp"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        gdf.to_file(path)
    with pytest.raises(InputDataError, match="no coordinate reference system.*never guesses"):
        load.read_boundaries(path, id_column="unit_id", name_column="name", region_column="region")


def test_read_boundaries_wrong_column_did_you_mean(grid_files):
    with pytest.raises(InputDataError, match=r"column 'pcod' \(config key study.boundaries.id_column\).*did you mean 'pcode'"):
        load.read_boundaries(grid_files["boundaries"], id_column="pcod", name_column="name", region_column="region")


def test_region_filter_folds_accents_and_names_unknown_regions(grid_files):
    b = load.read_boundaries(grid_files["boundaries"], id_column="pcode", name_column="name", region_column="region", regions=["north"])
    assert list(b.units.index) == ["A1", "A2"]
    assert b.all_unit_ids == {"A1", "A2", "B1", "B2"}
    with pytest.raises(InputDataError, match=r"region 'Nort'.*did you mean 'North'"):
        load.read_boundaries(grid_files["boundaries"], id_column="pcode", name_column="name", region_column="region", regions=["Nort"])


def test_invalid_polygon_is_repaired_with_a_warning(tmp_path):
    bowtie = gpd.GeoSeries.from_wkt(["POLYGON ((0 0, 1 1, 1 0, 0 1, 0 0))"])[0]
    gdf = gpd.GeoDataFrame({"unit_id": ["X"], "name": ["x"], "region": ["r"]}, geometry=[bowtie], crs=4326)
    path = tmp_path / "bowtie.gpkg"
    gdf.to_file(path)
    with pytest.warns(NexusZonesWarning, match=r"1 unit polygon repaired with make_valid .*X \(x\)"):
        b = load.read_boundaries(path, id_column="unit_id", name_column="name", region_column="region")
    assert b.units.geometry.is_valid.all()
    assert b.units.geometry.iloc[0].area == pytest.approx(0.5)  # two triangles of 0.25 (planar, unit square)


def test_read_points_parses_acled_date_formats(grid_files):
    pts = load.read_points(grid_files["events"], date_column="event_date", type_column="event_type")
    assert pts["date"].iloc[1] == pd.Timestamp("2017-06-14")
    assert pts["date"].iloc[0] == pd.Timestamp("2017-03-01")
    assert pts["fatalities"].sum() == 2 + 1 + 0 + 4 + 3 + 0 + 9


def test_read_points_unparseable_date_names_rows(tmp_path):
    path = tmp_path / "e.csv"
    pd.DataFrame({"event_date": ["2017-01-01", "sometime", "31/02/2017"], "latitude": [1, 1, 1], "longitude": [1, 1, 1]}).to_csv(path, index=False)
    with pytest.raises(InputDataError, match=r"2 dates that cannot be read \(row 3: 'sometime', row 4: '31/02/2017'\)"):
        load.read_points(path, date_column="event_date")


def test_read_points_swapped_coordinates_are_named(tmp_path):
    path = tmp_path / "e.csv"
    pd.DataFrame({"latitude": [16.3, -3.4], "longitude": [-3.4, 200.0]}).to_csv(path, index=False)
    with pytest.raises(InputDataError, match=r"out of range \(latitude, longitude: row 3: .-3\.4., .200\.0.\)"):
        load.read_points(path)
    pd.DataFrame({"latitude": [-3.4, 120.0], "longitude": [16.3, -3.4]}).to_csv(path, index=False)
    with pytest.raises(InputDataError, match="look swapped"):
        load.read_points(path)


def test_read_table_reads_yes_no_and_decimal_commas(tmp_path):
    path = tmp_path / "t.csv"
    path.write_text("pcode;present;rate\nA1;oui;1,5\nA2;Non;2\nB1;yes;\n", encoding="utf-8")
    t = load.read_table(path, unit_column="pcode", columns={"present": "present", "rate": "rate"}).set_index("code")
    assert t.loc["A1", "present"] == 1.0 and t.loc["A2", "present"] == 0.0 and t.loc["B1", "present"] == 1.0
    assert t.loc["A1", "rate"] == 1.5
    assert math.isnan(t.loc["B1", "rate"])


def test_read_table_problems(tmp_path):
    path = tmp_path / "t.csv"
    path.write_text("pcode,n\nA1,1\nA1,-2\nB1,many\n", encoding="utf-8")
    with pytest.raises(InputDataError, match=r"row 4: 'many'"):
        load.read_table(path, unit_column="pcode", columns={"n": "n"})
    path.write_text("pcode,n\nA1,1\nA1,-2\n", encoding="utf-8")
    with pytest.raises(InputDataError, match=r"1 negative values \(row 3: .-2.\)"):
        load.read_table(path, unit_column="pcode", columns={"n": "n"})
    path.write_text("pcode,n\nA1,1\nA1,2\n", encoding="utf-8")
    rows = load.read_table(path, unit_column="pcode", columns={"n": "n"}).assign(unit_id=["A1", "A1"])
    with pytest.raises(InputDataError, match=r"several rows for units A1.*set layers.t.combine"):
        aggregate.join_table(grid_units(), rows, ["n"], layer="t")
    assert aggregate.join_table(grid_units(), rows, ["n"], combine="sum").loc["A1", "n"] == 1 + 2


def test_hxl_row_is_skipped(tmp_path):
    path = tmp_path / "3w.csv"
    path.write_text("org,type,pcode\n#org+name,#sector,#adm2+code\nWFP,Humanitarian,A1\n", encoding="utf-8")
    actors = load.read_actors(path, unit_column="#adm2+code", organisation_column="#org", type_column="type",
                              humanitarian=["humanitarian"], development=["development"])
    assert len(actors) == 1 and actors["actor_type"].iloc[0] == "humanitarian"
    assert actors["code"].iloc[0] == "A1" and actors["organisation"].iloc[0] == "WFP"


# ------------------------------------------------------------------------------------ aggregate


def _grid_points(grid_files):
    return load.read_points(grid_files["events"], date_column="event_date", type_column="event_type")


def test_count_points_window_types_shared_edge_and_outside(grid_files):
    units = grid_units()
    with pytest.warns(EventsOutsideWarning, match=r"1 of 5 points in the window fell outside every unit of the boundaries.*\(5\.0000, 5\.0000\)"):
        measures, report = aggregate.count_points(
            units, _grid_points(grid_files), start=pd.Timestamp("2017-01-01").date(), end=pd.Timestamp("2017-12-31").date(), types=VIOLENT
        )
    # A1: two inside + the edge event (x=1 is shared with A2; A1 is the first id)
    assert measures["count"].to_dict() == {"A1": 2 + 1, "A2": 1, "B1": 0, "B2": 0}
    assert measures["fatalities"].to_dict() == {"A1": 2 + 1 + 4, "A2": 0, "B1": 0, "B2": 0}
    assert report.read == 7
    assert report.outside_window == 1  # 2016-12-31
    assert report.other_types == 1  # the protest
    assert report.counted == 4
    assert report.outside_units == 1
    assert report.on_shared_border == 1


def test_count_points_agrees_with_geopandas_sjoin():
    """Independent check on random points: our STRtree assignment = geopandas sjoin(within)."""
    rng = np.random.default_rng(7)
    units = grid_units()
    xy = rng.uniform(-0.5, 2.5, size=(2000, 2))
    pts = gpd.GeoDataFrame(geometry=gpd.points_from_xy(xy[:, 0], xy[:, 1]), crs=4326)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", EventsOutsideWarning)
        measures, report = aggregate.count_points(units, pts, outside="accept")  # 5/9 of the square lies outside the grid
    joined = gpd.sjoin(pts, units, predicate="within")
    expected = joined.groupby("unit_id").size().reindex(units.index, fill_value=0)
    assert measures["count"].astype(int).to_dict() == expected.to_dict()
    assert report.outside_units == len(pts) - len(joined)


def test_count_points_categories_slugged_or_mapped(grid_files):
    units = grid_units()
    pts = load.read_points(grid_files["services"], category_column="category")
    m, _ = aggregate.count_points(units, pts)
    assert m["health"].to_dict() == {"A1": 1, "A2": 1, "B1": 0, "B2": 1}
    assert m["school"].to_dict() == {"A1": 0, "A2": 0, "B1": 1, "B2": 1}
    with pytest.warns(UnusedValueWarning, match=r"category values \['School'\] are in no configured category"):
        m2, _ = aggregate.count_points(units, pts, categories={"care": ["Health"]})
    assert m2["care"].to_dict() == m["health"].to_dict()
    assert aggregate.slug("Centre de santé") == "centre_de_sante"
    assert aggregate.slug("3W") == "c_3w"


def test_unknown_type_filter_value_is_warned(grid_files):
    with pytest.warns(UnusedValueWarning, match=r"types \['Batles'\] occur in no row \(did you mean 'Battles'\?\)"):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", EventsOutsideWarning)
            aggregate.count_points(grid_units(), _grid_points(grid_files), types=["Batles", "Battles"])


def _all_units():
    return pd.DataFrame(grid_units()[["name", "region"]])


def test_join_table_absent_units_and_other_regions(grid_files):
    units = grid_units().loc[["A1", "A2"]]
    rows = load.read_table(grid_files["forces"], unit_column="pcode", columns={"police": "police", "closed": "closed"})
    rows = rows[rows["code"] != "A2"]
    matched, report = aggregate.match_table(rows, _all_units(), units.index)
    assert report.by_code == 3 and report.outside_study == 2  # B rows belong to another region: ignored
    out = aggregate.join_table(units, matched, ["police", "closed"])
    assert list(out.index) == ["A1", "A2"]
    assert out.loc["A1", "police"] == 1.0 and math.isnan(out.loc["A2", "police"])
    out0 = aggregate.join_table(units, matched, ["police", "closed"], absent_units="zero")
    assert out0.loc["A2", "closed"] == 0.0


def test_unmatched_code_is_an_error_or_dropped():
    rows = pd.DataFrame({"code": ["A1", "A11"], "v": [1.0, 2.0]})
    with pytest.raises(InputDataError, match=r"row code 'A11': found no unit of that code or name.*unmatched: drop"):
        aggregate.match_table(rows, _all_units(), grid_units().index, source="t.csv", layer="t")
    with pytest.warns(UnusedValueWarning, match=r"1 rows matched no single unit and were dropped: code 'A11'"):
        matched, report = aggregate.match_table(rows, _all_units(), grid_units().index, unmatched="drop")
    assert list(matched["unit_id"]) == ["A1"] and report.unmatched == ("code 'A11'",)


def test_count_actors_distinct_organisations(grid_files):
    actors = load.read_actors(grid_files["actors"], unit_column="pcode", organisation_column="org", type_column="type",
                              humanitarian=["humanitarian", "humanitaire"], development=["development", "developpement"])
    actors = actors.assign(unit_id=actors["code"])
    out = aggregate.count_actors(grid_units(), actors)
    # A1: WFP (twice, counted once) + UNDP; A2: WFP + NRC ("Humanitaire"); B1: GIZ ("Développement"); B2: none
    assert out["humanitarian"].to_dict() == {"A1": 1, "A2": 2, "B1": 0, "B2": 0}
    assert out["development"].to_dict() == {"A1": 1, "A2": 0, "B1": 1, "B2": 0}
    assert out["actors"].to_dict() == {"A1": 2, "A2": 2, "B1": 1, "B2": 0}
    assert out["both"].to_dict() == {"A1": 1, "A2": 0, "B1": 0, "B2": 0}


def test_count_actors_reports_untyped_rows():
    actors = pd.DataFrame({"unit_id": ["A1"], "organisation": ["X"], "actor_type": [None], "type_value": ["Donor"]})
    with pytest.warns(UnusedValueWarning, match=r"type values \['Donor'\] are neither"):
        out = aggregate.count_actors(grid_units(), actors)
    assert out["actors"].sum() == 0


# ---------------------------------------------------------------------------------------- rules


@pytest.mark.parametrize(
    "expr, message",
    [
        ("incidents <=", "not a valid expression"),
        ("__import__('os').system('true')", "is not allowed"),
        ("incidents + 1 > 2", "is not allowed"),
        ("a.b.c", "is not allowed"),
        ("incidents in [1, 2]", "operator In is not allowed"),
    ],
)
def test_rule_syntax_refused(expr, message):
    with pytest.raises(rules.RuleSyntaxError, match=message):
        rules.parse_rule(expr)


def test_rule_evaluation_with_missing_values():
    idx = pd.Index(["u1", "u2", "u3", "u4"])
    values = {"x": pd.Series([1.0, 6.0, np.nan, 0.0], index=idx), "f.p": pd.Series([1.0, 1.0, 0.0, np.nan], index=idx)}
    # "and": a known false operand decides (u3), else a missing value makes it unknown (u4)
    passed, unknown = rules.evaluate(rules.parse_rule("x <= 5 and f.p"), values, idx)
    assert passed.tolist() == [True, False, False, False]
    assert unknown.tolist() == [False, False, False, True]
    # "or": a known true operand decides (u4), else a missing value makes it unknown (u3)
    passed, unknown = rules.evaluate(rules.parse_rule("x <= 5 or f.p"), values, idx)
    assert passed.tolist() == [True, True, False, True]
    assert unknown.tolist() == [False, False, True, False]
    passed, _ = rules.evaluate(rules.parse_rule("not (x > 0) and 0 <= x < 2"), values, idx)
    assert passed.tolist() == [False, False, False, True]


# ------------------------------------------------------------------------------------ normalise


def test_minmax_benefit_and_cost():
    x = pd.Series([2.0, 4.0, 10.0, np.nan])
    assert normalise.normalise(x, "minmax", direction="benefit").tolist()[:3] == [0.0, (4 - 2) / (10 - 2), 1.0]
    cost = normalise.normalise(x, "minmax", direction="cost")
    assert cost.tolist()[:3] == [1.0, 1 - (4 - 2) / (10 - 2), 0.0]
    assert math.isnan(cost.iloc[3])


def test_goalposts_clip_and_stay_fixed():
    x = pd.Series([-1.0, 0.0, 5.0, 12.0])
    assert normalise.normalise(x, "goalposts", direction="cost", goalposts=(0, 10)).tolist() == [1.0, 1.0, 1 - 5 / 10, 0.0]
    assert normalise.normalise(x, "goalposts", direction="benefit", goalposts=(0, 10)).tolist() == [0.0, 0.0, 0.5, 1.0]


def test_rank_with_ties():
    x = pd.Series([10.0, 20.0, 20.0, 30.0])
    # average ranks 1, 2.5, 2.5, 4 -> (r - 1) / (4 - 1)
    assert normalise.normalise(x, "rank", direction="benefit").tolist() == [0.0, 1.5 / 3, 1.5 / 3, 1.0]
    assert normalise.normalise(x, "rank", direction="cost").tolist() == [1.0, 1.5 / 3, 1.5 / 3, 0.0]


@pytest.mark.parametrize("method", ["minmax", "rank"])
def test_constant_indicator_gets_half_and_a_named_warning(method):
    x = pd.Series([3.0, 3.0, np.nan], name="access")
    with pytest.warns(ConstantIndicatorWarning, match=r"indicator access: every unit has the same value \(3\)"):
        out = normalise.normalise(x, method, direction="cost")
    assert out.tolist()[:2] == [0.5, 0.5] and math.isnan(out.iloc[2])


def test_unknown_method_lists_valid_ones():
    with pytest.raises(Exception, match="valid: minmax, goalposts, rank, zscore, threshold, inform"):
        normalise.normalise(pd.Series([1.0, 2.0]), "logistic", direction="benefit")


# ----------------------------------------------------------------------------------- indicators


def test_missing_policies():
    measures = pd.DataFrame({"l.a": [1.0, np.nan, 3.0], "l.b": [5.0, 1.0, np.nan]}, index=pd.Index(["u1", "u2", "u3"]))
    defs = {"a": indicators.IndicatorDef("l.a", "cost", "worst"), "b": indicators.IndicatorDef("l.b", "benefit", "exclude")}
    with pytest.warns(MissingValueWarning) as rec:
        values, imputed = indicators.build_matrix(measures, defs, unit_names={"u2": "Deux", "u3": "Trois"})
    texts = [str(r.message) for r in rec]
    assert any("indicator a: no value for Deux (u2); the worst observed value (3)" in t for t in texts)
    assert any("indicator b: no value for Trois (u3); these units get no score" in t for t in texts)
    assert values.loc["u2", "a"] == 3.0 and bool(imputed.loc["u2", "a"])
    assert math.isnan(values.loc["u3", "b"])
    with pytest.raises(InputDataError, match=r"indicators.a: found no value for u2"):
        indicators.build_matrix(measures, {"a": indicators.IndicatorDef("l.a", "cost", "error")})


# ---------------------------------------------------------------------------------------- score


def _norm():
    return pd.DataFrame({"a": [1.0, 0.5, 0.0, 0.5], "b": [0.0, 0.5, 1.0, 0.5]}, index=pd.Index(["u1", "u2", "u3", "u4"]))


def test_weighted_scores_and_contributions_by_hand():
    w = score.check_weights({"a": 2.0, "b": 1.0})
    assert w == {"a": 2 / 3, "b": 1 / 3}
    s, contrib, _ = score.weighted_scores(_norm(), w)
    assert s.tolist() == pytest.approx([100 * 2 / 3, 100 * (2 / 3 * 0.5 + 1 / 3 * 0.5), 100 * 1 / 3, 50.0])
    assert contrib.sum(axis=1).tolist() == pytest.approx(s.tolist())
    assert contrib.loc["u1", "a"] == pytest.approx(100 * 2 / 3 * 1.0)


def test_weights_checked():
    with pytest.raises(ConfigError, match=r"indicators.a.weight: found -1; expected a number of 0 or more"):
        score.check_weights({"a": -1, "b": 1})
    with pytest.raises(ConfigError, match="every weight is 0"):
        score.check_weights({"a": 0, "b": 0})
    with pytest.raises(ConfigError, match="a finite number"):
        score.check_weights({"a": float("nan")})


def test_ranks_ties_regions_and_rule_exclusion():
    norm = _norm()
    regions = pd.Series(["N", "N", "S", "S"], index=norm.index)
    rule = {"ok": rules.parse_rule("x > 0")}
    x = pd.Series([1.0, 1.0, 0.0, 1.0], index=norm.index)
    with pytest.warns(TieWarning, match=r"units u2, u4 have the same score \(50.0000\) and share rank 2"):
        res = score.score_units(norm, {"a": 3, "b": 1}, regions=regions, rules=rule, rule_values={"x": x})
    t = res.table
    # u1 = 100*(.75*1 + .25*0) = 75; u2 = u4 = 100*(.75*.5 + .25*.5) = 50; u3 = 100*(.25*1) = 25
    assert t["score"].tolist() == pytest.approx([75.0, 50.0, 25.0, 50.0])
    assert t["rank"].tolist() == [1, 2, 4, 2]  # competition ranking: 1, 2, 2, 4
    assert t["region_rank"].tolist() == [1, 2, 2, 1]
    assert t["passes_rules"].tolist() == [True, True, False, True]
    assert t.loc["u3", "failed_rules"] == "ok"
    with pytest.warns(TieWarning):
        ex = score.score_units(norm, {"a": 3, "b": 1}, regions=regions, rules=rule, rule_values={"x": x}, failing_units="exclude").table
    assert pd.isna(ex.loc["u3", "rank"]) and ex.loc["u3", "status"] == "not ranked: fails rules"
    assert ex["rank"].dropna().tolist() == [1, 2, 2]


def test_unit_with_missing_value_is_not_scored_but_zero_weight_does_not_matter():
    norm = _norm()
    norm.loc["u1", "a"] = np.nan
    norm.loc["u2", "b"] = np.nan
    res = score.score_units(norm, {"a": 1, "b": 0}, regions=pd.Series("R", index=norm.index))
    assert math.isnan(res.table.loc["u1", "score"])
    assert res.table.loc["u1", "status"] == "not scored: missing data"
    assert res.table.loc["u2", "score"] == pytest.approx(50.0)  # b has weight 0


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.tuples(st.floats(0, 1), st.floats(0, 1), st.floats(0, 1)), min_size=2, max_size=12),
    st.tuples(st.floats(0.01, 10), st.floats(0.01, 10), st.floats(0, 10)),
    st.floats(0.1, 1000),
    st.randoms(use_true_random=False),
)
def test_score_invariants(rows, weights, scale, rnd):
    """Scores stay in 0–100; scaling the weights or shuffling rows changes nothing; raising a benefit value never lowers a score."""
    idx = pd.Index([f"u{i}" for i in range(len(rows))])
    norm = pd.DataFrame(rows, index=idx, columns=["a", "b", "c"])
    w = dict(zip("abc", weights))
    regions = pd.Series("R", index=idx)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", NexusZonesWarning)
        base = score.score_units(norm, w, regions=regions).table
        scaled = score.score_units(norm, {k: v * scale for k, v in w.items()}, regions=regions).table
        order = list(idx)
        rnd.shuffle(order)
        shuffled = score.score_units(norm.loc[order], w, regions=regions).table.loc[idx]
    assert ((base["score"] >= -1e-9) & (base["score"] <= 100 + 1e-9)).all()
    assert np.allclose(base["score"], scaled["score"], rtol=1e-12, atol=1e-9)
    assert np.allclose(base["score"], shuffled["score"]) and (base["rank"] == shuffled["rank"]).all()
    raised = norm.copy()
    raised.iloc[0, 0] = min(1.0, raised.iloc[0, 0] + 0.1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", NexusZonesWarning)
        after = score.score_units(raised, w, regions=regions).table
    assert after["score"].iloc[0] >= base["score"].iloc[0] - 1e-9


def test_identical_units_get_identical_scores():
    norm = pd.DataFrame({"a": [0.3, 0.3, 0.9], "b": [0.6, 0.6, 0.1]}, index=pd.Index(["x", "y", "z"]))
    with pytest.warns(TieWarning, match="x, y"):
        t = score.score_units(norm, {"a": 1, "b": 2}, regions=pd.Series("R", index=norm.index)).table
    assert t.loc["x", "score"] == t.loc["y", "score"] and t.loc["x", "rank"] == t.loc["y", "rank"]


def test_stages_do_not_modify_their_inputs(grid_files):
    units = grid_units()
    pts = _grid_points(grid_files)
    units_before, pts_before = units.copy(), pts.copy()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", NexusZonesWarning)
        aggregate.count_points(units, pts, types=VIOLENT)
    pd.testing.assert_frame_equal(pd.DataFrame(units), pd.DataFrame(units_before))
    pd.testing.assert_frame_equal(pd.DataFrame(pts), pd.DataFrame(pts_before))
    norm = _norm()
    before = norm.copy()
    score.score_units(norm, {"a": 1, "b": 2}, regions=pd.Series("R", index=norm.index))
    pd.testing.assert_frame_equal(norm, before)


def test_point_on_a_vertex_shared_by_four_units_goes_to_the_first():
    units = grid_units()
    pts = gpd.GeoDataFrame(geometry=[Point(1, 1)], crs=4326)
    m, rep = aggregate.count_points(units, pts)
    assert m["count"].to_dict() == {"A1": 1, "A2": 0, "B1": 0, "B2": 0}
    assert rep.on_shared_border == 1


def test_points_file_as_geojson(tmp_path):
    pts = gpd.GeoDataFrame({"category": ["Police"]}, geometry=[Point(0.5, 0.5)], crs=4326).to_crs(3857)
    path = tmp_path / "posts.geojson"
    pts.to_file(path, driver="GeoJSON")
    read = load.read_points(path, category_column="category", fatalities_column=None)
    assert read.crs.to_epsg() == 4326
    assert read.geometry.iloc[0].x == pytest.approx(0.5, abs=1e-9)
    m, _ = aggregate.count_points(grid_units(), read)
    assert m["police"].to_dict() == {"A1": 0, "A2": 0, "B1": 1, "B2": 0}


def test_box_is_used_only_for_fixture_sanity():
    # the fixture's units tile the square: areas sum to 4 and no overlaps
    units = grid_units()
    assert sum(g.area for g in units.geometry) == pytest.approx(4.0)
    assert units.geometry.union_all().equals(box(0, 0, 2, 2))
    assert json.dumps(list(units.index)) == '["A1", "A2", "B1", "B2"]'
