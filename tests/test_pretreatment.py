"""Imputation by group and outlier treatment through the pipeline, on small made-up data whose
results are worked out by hand in each test (the maths alone: tests/test_treat.py)."""

from __future__ import annotations

import geopandas as gpd
import pandas as pd
import pytest
from shapely.geometry import box

import nexus_zones
from nexus_zones.config import config_from_mapping
from nexus_zones.errors import ConfigError, InputDataError

from ._support import fewer_draws

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
