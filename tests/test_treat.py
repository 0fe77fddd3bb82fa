"""Steps before aggregation, each against a hand calculation or an independent implementation
(scipy's bias-corrected skewness and kurtosis); then imputation by group and outlier treatment
through the pipeline, on small made-up data worked out by hand in each test."""

from __future__ import annotations

import json

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import scipy.stats
from shapely.geometry import box

import nexus_zones
from nexus_zones.config import config_from_mapping
from nexus_zones.errors import ConfigError, InputDataError
from nexus_zones.treat import impute_by_group, kurtosis, per, skewness, winsorise

from ._support import fewer_draws


def series(values, prefix="u"):
    return pd.Series(values, index=[f"{prefix}{i:02d}" for i in range(len(values))], dtype=float)


@pytest.mark.parametrize("values", [[1, 2, 3, 4, 10], [*range(1, 11), 30, 100], [-80, -80, *range(1, 21)], [0.1, 0.4, 0.4, 2.5]])
def test_skewness_and_kurtosis_are_excels_skew_and_kurt(values):
    x = np.asarray(values, dtype=float)
    assert skewness(x) == pytest.approx(scipy.stats.skew(x, bias=False), abs=1e-12)
    assert kurtosis(x) == pytest.approx(scipy.stats.kurtosis(x, fisher=True, bias=False), abs=1e-12)


def test_skewness_by_hand():
    # 1, 2, 3, 4, 10: mean 4; deviations −3 −2 −1 0 6; m2 = 50/5 = 10; m3 = (−27 −8 −1 + 0 + 216)/5 = 36
    g1 = 36 / 10**1.5
    assert skewness(np.array([1, 2, 3, 4, 10.0])) == pytest.approx(g1 * np.sqrt(5 * 4) / 3, abs=1e-12)


def test_one_outlier_is_pulled_in_to_the_next_value():
    x = series([*range(1, 11), 30, 100])  # skewness 3.06, kurtosis 9.74: to treat
    treated = winsorise(x)
    assert treated.changed == {"u11": (100.0, 30.0)}
    # after one point: skewness 1.71 < 2, so the treatment stops
    assert abs(scipy.stats.skew(treated.values, bias=False)) < 2
    assert treated.values.drop("u11").equals(x.drop("u11"))


def test_tied_extremes_are_treated_together_and_counted_as_two_points():
    x = series([*range(1, 21), 90, 90])
    treated = winsorise(x)
    assert treated.changed == {"u20": (90.0, 20.0), "u21": (90.0, 20.0)}
    assert "2 points treated" in treated.note


def test_negative_skew_pulls_in_the_minimum():
    x = series([-80, -80, *range(1, 21)])
    assert scipy.stats.skew(x, bias=False) < -2
    treated = winsorise(x)
    assert treated.changed == {"u00": (-80.0, 1.0), "u01": (-80.0, 1.0)}


def test_the_number_of_points_is_capped_and_the_note_says_it_is_still_skewed():
    x = series([*range(1, 30), 500, 600, 700])
    treated = winsorise(x, max_points=1)
    assert treated.changed == {"u31": (700.0, 600.0)}
    assert treated.note.startswith("still skewed after 1 points (the most allowed is 1)")


def test_a_symmetric_indicator_is_left_alone():
    x = series([1, 2, 3, 4, 5, 6])
    treated = winsorise(x)
    assert treated.changed == {} and treated.values.equals(x)


def test_missing_values_are_left_missing_and_too_few_values_are_not_treated():
    x = series([np.nan, 1, 2, 300])
    treated = winsorise(x)
    assert treated.changed == {} and "at least 4" in treated.note
    assert np.isnan(treated.values["u00"])


def test_group_mean_and_median_by_hand():
    x = series([1.0, np.nan, 4.0, 10.0, np.nan, 5.0])
    groups = pd.Series(["a", "a", "a", "b", "b", "c"], index=x.index)
    mean = impute_by_group(x, groups, "mean")
    assert mean.values["u01"] == (1.0 + 4.0) / 2 and mean.values["u04"] == 10.0
    x2 = series([1.0, np.nan, 4.0, 10.0])
    median = impute_by_group(x2, pd.Series(["a", "a", "a", "a"], index=x2.index), "median")
    assert median.values["u01"] == 4.0  # median of 1, 4, 10
    assert set(mean.changed) == {"u01", "u04"}


def test_a_group_without_any_value_stays_missing_and_is_named():
    x = series([1.0, np.nan, np.nan])
    treated = impute_by_group(x, pd.Series(["a", "b", "b"], index=x.index), "mean")
    assert treated.values.isna().tolist() == [False, True, True]
    assert "u01, u02" in treated.note


def test_per_denominator_by_hand_and_a_zero_denominator_is_named():
    x = series([10.0, 20.0, 5.0])
    d = series([4.0, 0.0, np.nan])
    treated = per(x, d)
    assert treated.values["u00"] == 2.5 and treated.values[["u01", "u02"]].isna().all()
    assert "u01, u02" in treated.note


# ------------------------------------------------------------------ through the pipeline: imputation by group

NAN = float("nan")
#: unit, region, zone (a column of the boundaries' file), food, water
UNITS = [
    ("U1", "North", "Z1", 10, 1),
    ("U2", "North", "Z1", NAN, 2),
    ("U3", "North", "Z2", 30, 9),
    ("U4", "North", "Z2", 50, NAN),
    ("U5", "South", "Z1", 20, 4),
    ("U6", "South", "Z2", NAN, NAN),
    ("U7", "South", "Z3", NAN, 6),
    ("U8", "South", "Z3", NAN, 100),
]


def _write(folder, rows=UNITS):
    folder.mkdir(parents=True, exist_ok=True)
    units = gpd.GeoDataFrame(
        {"pcode": [r[0] for r in rows], "name": [f"Unit {r[0]}" for r in rows], "region": [r[1] for r in rows], "zone": [r[2] for r in rows]},
        geometry=[box(i % 4, i // 4, i % 4 + 1, i // 4 + 1) for i in range(len(rows))], crs="EPSG:4326",
    )
    (folder / "units.geojson").write_text(units.to_json(), encoding="utf-8")
    pd.DataFrame({"pcode": [r[0] for r in rows], "food": [r[3] for r in rows], "water": [r[4] for r in rows]}).to_csv(folder / "stats.csv", index=False)


def _config(folder, **indicators):
    cfg = {
        "study": {"name": "pre", "title": "Pre-treatment",
                  "boundaries": {"path": str(folder / "units.geojson"), "id_column": "pcode", "name_column": "name", "region_column": "region"}},
        "layers": {"stats": {"kind": "table", "path": str(folder / "stats.csv"), "unit_column": "pcode", "columns": ["food", "water"]}},
        "indicators": {
            "food": {"measure": "stats.food", "direction": "cost", "weight": 1, "missing": "group_mean", "group": "zone"},
            "water": {"measure": "stats.water", "direction": "benefit", "weight": 1, "missing": "group_median"},
        },
        "robustness": {},
    }
    for name, changes in indicators.items():
        cfg["indicators"][name] = {**cfg["indicators"][name], **changes}
    return config_from_mapping(fewer_draws(cfg, robustness=20))


def _run(cfg, **kw):
    result = nexus_zones.run(cfg, **kw)
    return result, list(result.warnings)


def test_group_mean_and_group_median_fill_from_the_units_of_the_same_group(tmp_path):
    _write(tmp_path)
    result, said = _run(_config(tmp_path), write=False)
    food, water = result.values["food"], result.values["water"]
    # food, group zone (mean): U2 in Z1 with U1 10 and U5 20 -> 15; U6 in Z2 with U3 30 and U4 50 -> 40;
    # U7 and U8 are the whole of Z3 and have no value: they stay missing
    assert food["U2"] == 15.0 and food["U6"] == 40.0
    assert food[["U7", "U8"]].isna().all()
    # water, by region (the default; median): North has 1, 2, 9 -> 2 for U4; South has 4, 6, 100 -> 6 for U6 (the mean would be 36.67)
    assert water["U4"] == 2.0 and water["U6"] == 6.0
    assert result.imputed.loc[["U2", "U6"], "food"].all() and not result.imputed.loc[["U7", "U8", "U1"], "food"].any()
    assert result.imputed.loc[["U4", "U6"], "water"].all()
    assert any("indicator food" in s and "Unit U7 (U7), Unit U8 (U8)" in s and "no unit of their group zone has one" in s for s in said)
    assert any("indicator food" in s and "the mean of their group zone is used" in s and "Unit U2 (U2) 15 (group zone Z1)" in s for s in said)
    assert any("indicator water" in s and "the median of their region is used" in s for s in said)
    assert result.scores.loc[["U7", "U8"], "rank"].isna().all() and result.scores.loc[["U2", "U6"], "rank"].notna().all()


def test_a_group_column_not_in_the_boundaries_is_an_error_naming_its_key(tmp_path):
    _write(tmp_path)
    with pytest.raises(InputDataError) as err:
        nexus_zones.run(_config(tmp_path, food={"group": "cercle_type"}), write=False)
    text = str(err.value)
    assert "indicators.food.group" in text and "cercle_type" in text


def test_group_without_a_group_policy_is_a_config_error(tmp_path):
    _write(tmp_path)
    with pytest.raises(ConfigError) as err:
        _config(tmp_path, food={"missing": "median"})
    assert "indicators.food.group" in str(err.value) and "group only with missing: group_mean or group_median" in str(err.value)


# ------------------------------------------------------------------ outlier treatment

#: 16 units: conflict has two tied extremes (80, 80), food two (60, 60), health one value far out.
CONFLICT = [1, 2, 2, 3, 3, 3, 4, 4, 4, 5, 5, 6, 6, 7, 80, 80]
FOOD = [1, 1, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 5, 5, 60, 60]
HEALTH = [1, 2, 2, 3, 3, 3, 4, 4, 4, 5, 5, 6, 6, 7, 80, 80]


def _write_sixteen(folder):
    folder.mkdir(parents=True, exist_ok=True)
    ids = [f"U{i + 1:02d}" for i in range(16)]
    units = gpd.GeoDataFrame({"pcode": ids, "name": [f"Unit {u}" for u in ids], "region": ["North"] * 8 + ["South"] * 8},
                             geometry=[box(i % 4, i // 4, i % 4 + 1, i // 4 + 1) for i in range(16)], crs="EPSG:4326")
    (folder / "units.geojson").write_text(units.to_json(), encoding="utf-8")
    pd.DataFrame({"pcode": ids, "conflict": CONFLICT, "food": FOOD, "health": HEALTH}).to_csv(folder / "stats.csv", index=False)


def _outlier_config(folder, model_outliers, **indicators):
    cfg = {
        "study": {"name": "out", "title": "Outliers",
                  "boundaries": {"path": str(folder / "units.geojson"), "id_column": "pcode", "name_column": "name", "region_column": "region"}},
        "layers": {"stats": {"kind": "table", "path": str(folder / "stats.csv"), "unit_column": "pcode", "columns": ["conflict", "food", "health"]}},
        "indicators": {
            "conflict": {"measure": "stats.conflict", "direction": "cost", "weight": 1},
            "food": {"measure": "stats.food", "direction": "cost", "weight": 1, "outliers": "none"},
            "health": {"measure": "stats.health", "direction": "benefit", "weight": 1, "outliers": {"rule": "skew_kurtosis", "skew": 3}},
        },
        "model": {"outliers": model_outliers},
        "robustness": {},
    }
    for name, changes in indicators.items():
        cfg["indicators"][name] = {**cfg["indicators"][name], **changes}
    return config_from_mapping(fewer_draws(cfg, robustness=20))


def test_the_tied_extremes_are_pulled_in_together_before_normalisation_and_recorded(tmp_path):
    _write_sixteen(tmp_path / "data")
    # conflict before: adjusted skewness 2.49 >= 2 and excess kurtosis 4.84 >= 3.5, so the largest value, 80 (U15 and U16
    # together), goes to the next one, 7; then skewness 0.01 < 2: the treatment stops after 2 points.
    before, after = (pd.Series(CONFLICT, dtype=float), pd.Series(CONFLICT[:14] + [7, 7], dtype=float))
    assert scipy.stats.skew(before, bias=False) >= 2 and scipy.stats.kurtosis(before, bias=False) >= 3.5
    assert abs(scipy.stats.skew(after, bias=False)) < 2
    result = nexus_zones.run(_outlier_config(tmp_path / "data", {"rule": "skew_kurtosis", "max_points": 5}), out_dir=tmp_path / "out")
    # the table keeps the value people quote; min-max (cost) runs on the treated values, min 1 and max 7
    assert result.values.loc[["U15", "U16"], "conflict"].tolist() == [80.0, 80.0]
    norm = result.normalised["conflict"]
    assert norm[["U14", "U15", "U16"]].tolist() == [0.0, 0.0, 0.0]
    assert norm["U02"] == pytest.approx(1 - (2 - 1) / (7 - 1), abs=1e-12) and norm["U01"] == 1.0
    # food: outliers none on the indicator wins over the model's default (60 would have been pulled in to 5)
    assert result.normalised["food"]["U02"] == pytest.approx(1 - (1 - 1) / (60 - 1), abs=1e-12)
    assert result.normalised["food"]["U05"] == pytest.approx(1 - (2 - 1) / (60 - 1), abs=1e-12)
    # health: its own skew 3 wins (2.49 < 3: nothing treated), so max-min is 80 - 1
    assert result.normalised["health"]["U14"] == pytest.approx((7 - 1) / (80 - 1), abs=1e-12)

    table = pd.read_csv(tmp_path / "out" / "out_outliers.csv", dtype={"unit_id": str})
    assert list(table.columns) == ["unit_id", "indicator", "before", "after", "note"]
    assert table[["unit_id", "indicator", "before", "after"]].values.tolist() == [["U15", "conflict", 80.0, 7.0], ["U16", "conflict", 80.0, 7.0]]
    assert table["note"].str.startswith("2 points treated; skewness 0.01").all()
    run = json.loads((tmp_path / "out" / "out_run.json").read_text(encoding="utf-8"))
    assert run["outliers"]["conflict"]["points"] == [{"unit_id": "U15", "before": 80.0, "after": 7.0}, {"unit_id": "U16", "before": 80.0, "after": 7.0}]
    assert run["outliers"]["health"]["points"] == [] and run["outliers"]["health"]["note"].startswith("0 points treated; skewness 2.49")
    assert "food" not in run["outliers"]

    # a later run without any outlier treatment sets the table aside
    nexus_zones.run(_outlier_config(tmp_path / "data", None, health={"outliers": None}), out_dir=tmp_path / "out")
    assert not (tmp_path / "out" / "out_outliers.csv").exists()
    assert (tmp_path / "out" / ".previous" / "out_outliers.csv").exists()
    assert json.loads((tmp_path / "out" / "out_run.json").read_text(encoding="utf-8"))["outliers"] == {}


@pytest.mark.parametrize("outliers, found", [({"rule": "zscore"}, "'zscore'"), ("trim", "'trim'"), ({"rule": "skew_kurtosis", "max_points": 0}, "0")])
def test_a_bad_outlier_setting_is_an_error_naming_its_key(tmp_path, outliers, found):
    _write_sixteen(tmp_path)
    with pytest.raises(ConfigError) as err:
        _outlier_config(tmp_path, None, conflict={"outliers": outliers})
    text = str(err.value)
    key = "indicators.conflict.outliers.max_points" if isinstance(outliers, dict) and "max_points" in outliers else "indicators.conflict.outliers.rule"
    assert key in text and found in text
    assert "max_points" in key or "skew_kurtosis, none" in text


def test_per_a_denominator_below_0_gives_no_value_either():
    treated = per(series([10.0, 6.0]), series([-2.0, 3.0]))
    assert np.isnan(treated.values["u00"]) and treated.values["u01"] == 2.0
    assert treated.note == "denominator 0 or missing for u00; no value"
