"""Derived indicators (:mod:`nexus_zones.indicators`): rates, scales, per-year and log1p, the missing
value policies (median, region median, k-nearest imputation, completeness), and implausible derived
values (shares above 100 %, more facilities than people, absurd densities) named in a warning."""

from __future__ import annotations

import json
import math
import warnings

import numpy as np
import pandas as pd
import pytest

import nexus_zones
from nexus_zones import indicators, normalise
from nexus_zones.config import config_from_mapping
from nexus_zones.errors import ImplausibleValueWarning, InputDataError, MissingValueWarning, NexusZonesError


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


# ------------------------------------------------------------------------------------ missing data


def _measures():
    return pd.DataFrame(
        {"l.a": [1.0, 3.0, np.nan, 10.0, 20.0, np.nan], "l.b": [1.0, 3.0, 2.0, 10.0, 20.0, 19.0]},
        index=pd.Index(["n1", "n2", "n3", "s1", "s2", "s3"]),
    )


def test_median_and_region_median():
    regions = pd.Series(["N", "N", "N", "S", "S", "S"], index=_measures().index)
    with pytest.warns(nexus_zones.NexusZonesWarning):
        v, imp = indicators.build_matrix(_measures(), {"a": indicators.IndicatorDef("l.a", "cost", "median")})
    assert v.loc["n3", "a"] == v.loc["s3", "a"] == np.median([1, 3, 10, 20]) and imp["a"].sum() == 2
    with pytest.warns(nexus_zones.NexusZonesWarning):
        v, _ = indicators.build_matrix(_measures(), {"a": indicators.IndicatorDef("l.a", "cost", "region_median")}, regions=regions)
    assert v.loc["n3", "a"] == np.median([1, 3]) and v.loc["s3", "a"] == np.median([10, 20])


def test_knn_imputation_uses_the_most_alike_units():
    # b says n3 is like n1/n2 (b = 2) and s3 like s2 (b = 19); with 5 neighbours on 4 complete units
    # every complete unit is a neighbour, so check the 1-neighbour case by hand on a larger gap
    m = pd.DataFrame({"l.a": [1.0, 1.0, np.nan, 100.0, 100.0], "l.b": [0.0, 0.1, 0.05, 50.0, 50.1]}, index=list("vwxyz"))
    defs = {"a": indicators.IndicatorDef("l.a", "cost", "knn"), "b": indicators.IndicatorDef("l.b", "cost")}
    with pytest.warns(nexus_zones.NexusZonesWarning, match="imputed from the 5 most alike units"):
        v, imp = indicators.build_matrix(m, defs)
    # 4 complete units → 4 neighbours at most → mean of a over v, w, y, z would be 50.5; distance-free
    # KNNImputer uses uniform weights, so x gets the mean of its k nearest, k = min(5, 4 complete) = 4
    assert v.loc["x", "a"] == pytest.approx((1 + 1 + 100 + 100) / 4) and bool(imp.loc["x", "a"])


def test_completeness_column(grid_cfg, grid_files, tmp_path):
    forces = pd.read_csv(grid_files["forces"], dtype=str)
    forces.loc[forces["pcode"] == "B1", "closed"] = ""
    path = tmp_path / "f.csv"
    forces.to_csv(path, index=False)
    cfg = json.loads(json.dumps(grid_cfg))
    cfg["layers"]["forces"]["path"] = str(path)
    cfg["indicators"]["closed"]["missing"] = "median"
    result = nexus_zones.run(config_from_mapping(cfg), write=False)
    # 3 indicators, one imputed for B1 → 2/3 complete; every other unit complete
    assert result.scores["completeness"].to_dict() == pytest.approx({"B2": 1.0, "A2": 1.0, "B1": 2 / 3, "A1": 1.0})
    assert result.values.loc["B1", "closed"] == np.median([0, 2, 0])


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


# ------------------------------------------------------------------- 2. implausible rates


def _two_units(**columns) -> pd.DataFrame:
    return pd.DataFrame(columns, index=pd.Index(["ML0601", "ML0602"], name="unit_id"))


def test_the_issues_population_of_142_522_is_flagged_with_its_likely_cause():
    m = _two_units(**{"health.count": [23.0, 18.0], "food.population": [165483.0, 142.522]})
    ind = indicators.IndicatorDef("health.count", "benefit", per="food.population", scale=100000)
    with pytest.warns(ImplausibleValueWarning) as record:
        got = indicators.derive(m, ind, name="health_rate", unit_names={"ML0601": "Tombouctou", "ML0602": "Dire"})
    assert got["ML0602"] == pytest.approx(18 / 142.522 * 100000)  # 12,630: the issue's figure
    assert len(record) == 1
    message = str(record[0].message)
    assert "indicator health_rate: Dire (ML0602) has a value per 100,000 of food.population, which is a fraction below 1,000 there" in message
    assert "(e.g. 12,630 per 100,000 for Dire (ML0602): health.count 18 over food.population 142.522)" in message
    assert "Likely cause: food.population read as 142.522: its column probably separates thousands with a dot or a comma (142.522 meaning 142522)" in message


def test_more_facilities_than_people_is_flagged():
    m = _two_units(**{"health.count": [23.0, 1800.0], "food.population": [165483.0, 1425.0]})
    ind = indicators.IndicatorDef("health.count", "benefit", per="food.population", scale=100000)
    with pytest.warns(ImplausibleValueWarning) as record:
        indicators.derive(m, ind, name="health_rate", unit_names={"ML0601": "Tombouctou", "ML0602": "Dire"})
    message = str(record[0].message)
    assert "indicator health_rate: Dire (ML0602) has a value above 100,000: more health.count than food.population, which cannot be" in message
    assert "(e.g. 126,316 per 100,000 for Dire (ML0602): health.count 1800 over food.population 1425)" in message  # 1800 / 1425 × 100,000
    assert "Likely cause: food.population in the wrong unit, or a decimal mark or thousands separator misread in its column" in message


def test_a_share_above_100_and_an_absurd_density_are_flagged():
    share = indicators.IndicatorDef("schools.closed", "cost", per="schools.total", scale=100)
    with pytest.warns(ImplausibleValueWarning, match=r"indicator closed: ML0602 has a value above 100 %.*e\.g\. 150 % for ML0602: schools\.closed 60 over schools\.total 40"):
        indicators.derive(_two_units(**{"schools.closed": [3.0, 60.0], "schools.total": [61.0, 40.0]}), share, name="closed")
    density = indicators.IndicatorDef("pop.sum", "benefit", per="units.area_km2")
    with pytest.warns(ImplausibleValueWarning, match=r"indicator density: ML0601 has a value more than 50,000 per km².*pop\.sum 1e\+08 over units\.area_km2 12"):
        indicators.derive(_two_units(**{"pop.sum": [1e8, 5000.0], "units.area_km2": [12.0, 300.0]}), density, name="density")


def test_plausible_rates_and_plain_ratios_are_quiet():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        ok = indicators.IndicatorDef("health.count", "benefit", per="food.population", scale=100000)
        indicators.derive(_two_units(**{"health.count": [23.0, 18.0], "food.population": [165483.0, 142522.0]}), ok, name="rate")
        # fatalities per incident: scale 1, a ratio above 1 is normal
        per_event = indicators.IndicatorDef("events.fatalities", "cost", per="events.count")
        indicators.derive(_two_units(**{"events.fatalities": [30.0, 4.0], "events.count": [5.0, 2.0]}), per_event, name="deadliness")


# ------------------------------------------------------------------- several sources of one measure


def test_each_source_is_derived_as_the_measure_and_combined_as_asked():
    measures = pd.DataFrame(
        {"a.count": [8.0, 2.0, 0.0], "b.count": [3.0, 6.0, float("nan")], "c.count": [4.0, 4.0, 1.0], "p.pop": [200000.0, 100000.0, 50000.0]},
        index=pd.Index(["u1", "u2", "u3"]),
    )
    ind = indicators.IndicatorDef("a.count", "cost", per="p.pop", scale=100000, years=2.0, sources=("b.count", "c.count"))
    each = indicators.source_values(measures, ind, name="rate")
    assert list(each.columns) == ["a.count", "b.count", "c.count"]
    # u1: 8 / 200000 * 100000 / 2 = 2; 3 -> 0.75; 4 -> 1
    assert each.loc["u1"].tolist() == pytest.approx([2.0, 0.75, 1.0])
    assert each.loc["u2"].tolist() == pytest.approx([1.0, 3.0, 2.0])
    expected = {"first": [2.0, 1.0, 0.0], "mean": [(2 + 0.75 + 1) / 3, 2.0, 0.5], "median": [1.0, 2.0, 0.5], "max": [2.0, 3.0, 1.0], "min": [0.75, 1.0, 0.0]}
    for how, values in expected.items():
        got = indicators.derive(measures, indicators.IndicatorDef(**{**ind.__dict__, "combine": how}), name="rate")
        assert got.tolist() == pytest.approx(values), how


def test_a_source_goes_through_the_same_checks_as_the_measure():
    measures = _two_units(**{"a.count": [1.0, 2.0], "b.count": [900.0, 2.0], "p.pop": [500.0, 1000.0]})
    ind = indicators.IndicatorDef("a.count", "benefit", per="p.pop", scale=100, sources=("b.count",))
    with pytest.warns(ImplausibleValueWarning, match=r"indicator share \(source b.count\): ML0601 has a value above 100 %"):
        indicators.source_values(measures, ind, name="share")


def test_a_run_scores_the_combined_value_and_rules_on_a_measure_read_that_measure(grid_cfg, tmp_path):
    """The grid's events count A1 3, A2 1, B1 0, B2 0 in 2017; a second list counts A1 1, A2 2, B1 0, B2 4."""
    second = tmp_path / "list2.csv"
    pd.DataFrame({"event_date": ["2017-02-02", "2017-05-05", "2017-05-06"] + ["2017-06-01", "2017-06-02", "2017-06-03", "2017-06-04"], "latitude": [1.5, 1.5, 1.4] + [0.5] * 4,
                  "longitude": [0.5, 1.5, 1.5] + [1.5] * 4}).to_csv(second, index=False)
    cfg = json.loads(json.dumps(grid_cfg))
    cfg["layers"]["list2"] = {"kind": "points", "path": str(second), "start": "2017-01-01", "end": "2017-12-31"}
    cfg["indicators"]["incidents"].update(sources=["list2.count"], combine_sources="max")
    cfg["rules"]["few_on_list"] = "events.count <= 1"
    result = nexus_zones.compute(config_from_mapping(cfg))
    assert result.measures["list2.count"].to_dict() == {"A1": 1, "A2": 2, "B1": 0, "B2": 4}
    assert result.values["incidents"].to_dict() == {"A1": 3.0, "A2": 2.0, "B1": 0.0, "B2": 4.0}  # max of 3|1, 1|2, 0|0, 0|4
    table = result.scores
    assert table.loc["A2", "rule_few_incidents"] == False and table.loc["A2", "rule_few_on_list"] == True  # noqa: E712
