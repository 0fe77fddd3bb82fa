"""A study over periods end to end (issue 13): bad periods and raster period paths refused through
the CLI, a run writing the long and change tables and the brief's section, a raster per period, and
the real north–centre study 2016–2019 checked against an independent geopandas count and the
December DTM rounds."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import rasterio
import yaml
from rasterio.transform import from_origin

from nexus_zones import cli, pipeline
from nexus_zones.config import config_from_mapping, load_config

from .._support import DEMO, NORTH_CENTRE, _demo_mapping, require_real_data


@pytest.mark.parametrize(
    "periods, where, found",
    [
        ([2017, 2017], "periods[1].name", "'2017'"),
        ([{"name": "round", "as_of": "2017-12-31"}], "periods[0]", "a round date only"),
        ([{"name": "x", "start": "2017-01-01"}], "periods[0].end", "only one end of the window"),
        ([{"name": "x", "year": 2017, "start": "2017-01-01", "end": "2017-02-01"}], "periods[0].year", "year 2017 and start/end"),
    ],
)
def test_bad_periods_are_config_errors_through_the_cli(periods, where, found, tmp_path: Path, capsys) -> None:
    data = _demo_mapping()
    data["periods"] = periods
    cfg = tmp_path / "bad.yaml"
    cfg.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    out = tmp_path / "out"
    assert cli.main(["run", str(cfg), "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert where in err and found in err
    assert not out.exists()  # nothing half-written


def test_raster_period_paths_must_name_periods(tmp_path: Path, capsys) -> None:
    tif = _write_raster(tmp_path / "r.tif", np.ones((4, 4), dtype="float32"))
    data = _demo_mapping()
    data["layers"]["pop"] = {"kind": "raster", "path": str(tif), "period_paths": {"2016": str(tif), "2071": str(tif)}}
    data["periods"] = [2016, 2017]
    cfg = tmp_path / "bad.yaml"
    cfg.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    assert cli.main(["check", str(cfg)]) == 2
    err = capsys.readouterr().err
    assert "layers.pop.period_paths.2071" in err and "'2071'" in err and "2016, 2017" in err


def test_run_writes_long_and_change_tables_and_the_brief_section(three_years: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = pipeline.run(three_years, out_dir=out)
    long = pd.read_csv(result.paths["periods"], dtype={"period": str})
    assert len(long) == 3 * len(result.units)
    changes = pd.read_csv(result.paths["changes"], dtype={"from": str, "to": str})
    assert sorted(set(zip(changes["from"], changes["to"]))) == [("2017", "2018"), ("2017", "2019"), ("2018", "2019")]
    one = changes[(changes["from"] == "2017") & (changes["to"] == "2018")].set_index("unit_id")
    table = result.panel.changes("2017", "2018")
    np.testing.assert_allclose(one["score_to"], table["score_2018"].reindex(one.index).astype(float))
    assert all(s.startswith(n) for s, n in zip(one["sentence"], one["name"]))
    html = result.paths["map"].read_text(encoding="utf-8")
    assert '"periods":{' in html and "nexusZonesPeriods" in html
    paths = pipeline.brief(three_years, out_dir=out)
    brief = paths["brief"].read_text(encoding="utf-8")
    assert "What changed between 2017 and 2019" in brief and "Trajectories of the units " in brief and "pooled" in brief


# ------------------------------------------------------------------------- rasters over periods


def _write_raster(path: Path, values: np.ndarray) -> Path:
    with rasterio.open(path, "w", driver="GTiff", width=values.shape[1], height=values.shape[0], count=1, dtype=values.dtype,
                       crs="EPSG:4326", transform=from_origin(-4.0, 18.0, 0.5, 0.5), nodata=-1) as dst:
        dst.write(values, 1)
    return path


def test_a_raster_per_period_in_a_run(tmp_path: Path) -> None:
    units = gpd.read_file(DEMO / "cercles.geojson")
    minx, miny, maxx, maxy = units.total_bounds
    files = {}
    for year, value in ((2017, 2.0), (2018, 5.0)):
        files[year] = tmp_path / f"pop_{year}.tif"
        with rasterio.open(files[year], "w", driver="GTiff", width=200, height=200, count=1, dtype="float32", crs="EPSG:4326",
                           transform=from_origin(minx - 0.1, maxy + 0.1, (maxx - minx + 0.2) / 200, (maxy - miny + 0.2) / 200), nodata=-1) as dst:
            dst.write(np.full((200, 200), value, dtype="float32"), 1)
    data = _demo_mapping()
    data["layers"]["pop"] = {"kind": "raster", "path": str(files[2017]), "period_paths": {"2018": str(files[2018])}}
    data["indicators"]["density"] = {"measure": "pop.mean", "direction": "benefit", "weight": 1}
    data["periods"] = [2017, 2018]
    result = pipeline.compute(config_from_mapping(data, source="t"))
    long = result.panel.long.set_index(["period", "unit_id"])
    np.testing.assert_allclose(long.xs("2017")["density"], 2.0, rtol=1e-9)
    np.testing.assert_allclose(long.xs("2018")["density"], 5.0, rtol=1e-9)


# ------------------------------------------------------------------------ the real study


def test_north_centre_counts_equal_an_independent_sjoin_for_each_year(north_centre_result) -> None:
    real = require_real_data()
    result = north_centre_result
    config = load_config(NORTH_CENTRE, data_dir=real)
    cercles = gpd.read_file(real / "mali_admin_boundaries_ocha_cod_2015.gpkg", layer="adm2_cercles")
    cercles = cercles[cercles["admin1Name"].isin(config.study.regions)]
    assert len(cercles) == 28
    events = pd.read_csv(real / "acled_mali_1997-01-06_2020-07-31_hdx.csv").drop_duplicates("event_id_cnty")
    events = events[events["event_type"].isin(config.layers["incidents"].types)]
    points = gpd.GeoDataFrame(events, geometry=gpd.points_from_xy(events["longitude"], events["latitude"]), crs="EPSG:4326")
    long = result.panel.long.set_index(["period", "unit_id"])
    for year in (2016, 2017, 2018, 2019):
        in_year = points[pd.to_datetime(points["event_date"]).dt.year == year]
        joined = gpd.sjoin(in_year, cercles[["admin2Pcod", "geometry"]], predicate="within")
        expected = joined.groupby("admin2Pcod").size().reindex(cercles["admin2Pcod"], fill_value=0)
        ours = result.panel.results[str(year)].measures["incidents.count"].reindex(cercles["admin2Pcod"])
        assert (ours.to_numpy() == expected.to_numpy()).all(), f"{year}: {ours[ours != expected.to_numpy()]}"
        assert (long.xs(str(year))["incidents"].reindex(cercles["admin2Pcod"]).to_numpy() == expected.to_numpy()).all()
    totals = {y: int(result.panel.results[str(y)].measures["incidents.count"].sum()) for y in (2016, 2019)}
    assert totals[2019] > 3 * totals[2016]  # violence spread to the centre


def test_north_centre_idps_follow_the_december_rounds(north_centre_result) -> None:
    real = require_real_data()
    result = north_centre_result
    dtm = pd.read_csv(real / "iom_dtm_mali_idps_by_commune_2014-2020.csv")
    for year in (2016, 2017, 2018, 2019):
        rows = dtm[pd.to_datetime(dtm["snapshot_date"]).dt.normalize() == pd.Timestamp(f"{year}-12-31")]
        rows = rows[rows["admin1_name"].str.normalize("NFKD").str.encode("ascii", "ignore").str.decode("ascii").str.lower()
                    .isin(["tombouctou", "gao", "kidal", "mopti", "segou"])]
        ours = result.panel.results[str(year)].measures["displacement.idps"].sum()
        assert ours == pytest.approx(rows["idp_ind"].sum()), year
