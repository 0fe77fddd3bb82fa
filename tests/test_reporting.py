"""Low reporting (nexus_zones/reporting.py): the codes against hand arithmetic, the events located
only to the region against an independent shapely count on the 2×2 grid, and the scores table's
columns through whole runs (a single year and a study over periods) against an independent count of
the events file."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from shapely.geometry import Point

import nexus_zones
from nexus_zones import reporting
from nexus_zones.config import config_from_mapping

from ._support import EVENTS, UNITS, VIOLENT, grid_units

GRID_POINTS = [
    # x (lon), y (lat), geo_precision, selected (the layer counts it)
    (0.5, 1.5, 3, True),   # A1, region only
    (0.2, 1.2, 1, True),   # A1, exact
    (1.0, 1.5, 3, True),   # on the A1/A2 edge: A1, as the layer's count assigns it
    (1.5, 1.5, 3, True),   # A2, region only
    (0.5, 0.5, 2, True),   # B1, near the town: not region only
    (1.5, 0.5, 3, False),  # B2 but outside the window: not counted
    (5.0, 5.0, 3, True),   # outside every unit
]


def grid_points() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame({"geo_precision": [p[2] for p in GRID_POINTS]}, geometry=[Point(p[0], p[1]) for p in GRID_POINTS], crs="EPSG:4326")


def independent_region_only(units: gpd.GeoDataFrame, reference: gpd.GeoDataFrame) -> dict[str, int]:
    """Each selected region-only point given to the first unit id (in sort order) of the boundaries
    whose closed polygon holds it, kept where that unit is a study unit: shapely, one point at a time."""
    counts = {uid: 0 for uid in units.index}
    ids = sorted(reference.index)
    for x, y, precision, selected in GRID_POINTS:
        if not selected or precision != 3:
            continue
        owners = [uid for uid in ids if shapely.intersects(reference.geometry[uid], Point(x, y))]
        if owners and owners[0] in counts:
            counts[owners[0]] += 1
    return counts


def test_codes_and_shares_by_hand_arithmetic() -> None:
    recorded = pd.Series([0.0, 4.0, 3.0, 2.0], index=["A1", "A2", "B1", "B2"])
    region_only = pd.Series([0.0, 3.0, 1.0, 1.0], index=["A1", "A2", "B1", "B2"])
    out = reporting.low_reporting(recorded, region_only)
    assert list(out.columns) == list(reporting.COLUMNS)
    assert out["events_recorded"].tolist() == [0.0, 4.0, 3.0, 2.0]
    assert np.isnan(out.at["A1", "events_imprecise_share"])  # no event: no share
    assert out["events_imprecise_share"].iloc[1:].tolist() == pytest.approx([3 / 4, 1 / 3, 1 / 2])
    # exactly half is not "most"; 3 of 4 is
    assert out["low_reporting"].tolist() == ["no_events", "imprecise", "", ""]


def test_threshold_and_missing_units_in_the_imprecise_counts() -> None:
    recorded = pd.Series([10.0, 10.0], index=["A1", "A2"])
    out = reporting.low_reporting(recorded, pd.Series([6.0], index=["A1"]), most=0.7)
    assert out["events_imprecise_share"].tolist() == pytest.approx([0.6, 0.0])  # A2 absent: none located to the region
    assert out["low_reporting"].tolist() == ["", ""]  # 6 of 10 is not above 0.7
    assert reporting.low_reporting(recorded, pd.Series([8.0], index=["A1"]), most=0.7)["low_reporting"].tolist() == ["imprecise", ""]


def test_region_only_counts_equal_an_independent_count() -> None:
    units, points = grid_units(), grid_points()
    selected = np.array([p[3] for p in GRID_POINTS])
    before = points.copy()
    counts = reporting.region_only_counts(units, points, selected)
    assert counts.to_dict() == {uid: float(n) for uid, n in independent_region_only(units, units).items()}
    assert counts.to_dict() == {"A1": 2.0, "A2": 1.0, "B1": 0.0, "B2": 0.0}  # by hand: the first, third and fourth points
    pd.testing.assert_frame_equal(points, before)  # inputs not changed


def test_region_only_counts_assign_against_every_unit_of_the_boundaries() -> None:
    reference, points = grid_units(), grid_points()
    study = reference.loc[["A2", "B1"]]
    counts = reporting.region_only_counts(study, points, np.array([p[3] for p in GRID_POINTS]), reference=reference)
    # the edge point goes to A1 (outside the study), as in a national run, not to A2
    assert counts.to_dict() == {uid: float(n) for uid, n in independent_region_only(study, reference).items()} == {"A2": 1.0, "B1": 0.0}


def test_without_geo_precision_no_event_is_region_only() -> None:
    points = grid_points().drop(columns="geo_precision")
    counts = reporting.region_only_counts(grid_units(), points, np.ones(len(points), dtype=bool))
    assert counts.tolist() == [0.0, 0.0, 0.0, 0.0]


# ------------------------------------------------------------------------------------ whole runs

PRECISION = [3, 3, 1, 2, 3, 3, 3]  # geo_precision of each grid event, in EVENTS' order


def _grid_run_config(paths: dict[str, Path], grid_cfg: dict, *, periods: list | None = None) -> dict:
    events = pd.read_csv(paths["events"])
    events["geo_precision"] = PRECISION
    events.to_csv(paths["events"], index=False)
    cfg = dict(grid_cfg)
    if periods:
        cfg["periods"] = periods
    return cfg


def independent_events(years: set[int]) -> pd.DataFrame:
    """Violent events of the given years per grid unit (first unit id whose closed square holds the
    point) and how many are located only to the region, counted from EVENTS one by one."""
    out = pd.DataFrame(0.0, index=[u[0] for u in UNITS], columns=["recorded", "region_only"])
    for (date, kind, lat, lon, _), precision in zip(EVENTS, PRECISION):
        if kind not in VIOLENT or pd.Timestamp(date).year not in years:
            continue
        owners = sorted(uid for uid, _, _, geom in UNITS if shapely.intersects(geom, Point(lon, lat)))
        if owners:
            out.at[owners[0], "recorded"] += 1
            out.at[owners[0], "region_only"] += precision == 3
    return out


def test_scores_table_of_one_year_against_the_events_file(grid_files: dict, grid_cfg: dict, tmp_path: Path) -> None:
    cfg = _grid_run_config(grid_files, grid_cfg)
    result = nexus_zones.run(config_from_mapping(cfg, source=tmp_path / "grid.yaml"), out_dir=tmp_path / "out")
    expected = independent_events({2017})
    scores = result.scores.sort_index()
    assert scores["events_recorded"].tolist() == expected["recorded"].tolist() == [3.0, 1.0, 0.0, 0.0]
    share = expected["region_only"] / expected["recorded"]
    assert scores["events_imprecise_share"].tolist() == pytest.approx(share.where(expected["recorded"] > 0).tolist(), nan_ok=True)
    # A1: 2 of 3 located only to the region; A2: its one event is exact; B1, B2: none recorded in 2017
    assert scores["low_reporting"].tolist() == ["imprecise", "", "no_events", "no_events"]
    written = pd.read_csv(result.paths["csv"], keep_default_na=False).set_index("unit_id").sort_index()
    assert written["low_reporting"].tolist() == ["imprecise", "", "no_events", "no_events"]
    # the columns hold whatever the weights: a rescore keeps them
    again = result.rescore({"incidents": 1}).scores.sort_index()
    assert again["low_reporting"].tolist() == scores["low_reporting"].tolist()


def test_a_study_over_periods_counts_every_period(grid_files: dict, grid_cfg: dict, tmp_path: Path) -> None:
    cfg = _grid_run_config(grid_files, grid_cfg, periods=[2016, 2017])
    result = nexus_zones.run(config_from_mapping(cfg, source=tmp_path / "grid.yaml"), out_dir=tmp_path / "out")
    expected = independent_events({2016, 2017})
    assert expected.loc["B1"].tolist() == [1.0, 1.0]  # B1's 2016 event, located only to the region
    for period in ("2016", "2017"):  # the same study-wide columns in every period
        scores = result.panel.results[period].scores.sort_index()
        assert scores["events_recorded"].tolist() == expected["recorded"].tolist() == [3.0, 1.0, 1.0, 0.0]
        assert scores["low_reporting"].tolist() == ["imprecise", "", "imprecise", "no_events"]


def test_no_column_without_a_cost_indicator_on_points(grid_files: dict, grid_cfg: dict, tmp_path: Path) -> None:
    cfg = _grid_run_config(grid_files, grid_cfg)
    cfg["indicators"] = {k: v for k, v in cfg["indicators"].items() if k != "incidents"}  # "closed" is a cost, but from a table
    cfg["rules"] = {"police": "forces.police"}
    result = nexus_zones.run(config_from_mapping(cfg, source=tmp_path / "grid.yaml"), write=False)
    assert not set(reporting.COLUMNS) & set(result.scores.columns)
