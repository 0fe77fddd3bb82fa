"""Follow-up over time (issue 13): periods in the config, one model across periods with pooled
normalisation bounds, the long and change tables, change sentences, the brief's section, rasters
over many periods, and the real north–centre study 2016–2019 checked against geopandas."""

from __future__ import annotations

import re
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
from nexus_zones.layers import raster as raster_mod
from nexus_zones.periods import change_sentence, change_table, period_config, top_k_moves

from .conftest import REPO, require_real_data

DEMO = REPO / "data" / "demo"
NORTH_CENTRE = REPO / "configs" / "mali_north_centre_2016_2019.yaml"


# ------------------------------------------------------------------------------------ fixtures


def _demo_mapping() -> dict:
    """The demo config as a mapping, with absolute paths (so it can be written anywhere)."""
    data = yaml.safe_load((REPO / "configs" / "demo.yaml").read_text(encoding="utf-8"))
    data["study"]["boundaries"]["path"] = str(DEMO / "cercles.geojson")
    for spec in data["layers"].values():
        spec["path"] = str((REPO / "configs" / spec["path"]).resolve())
    data.pop("output", None)
    data["robustness"]["draws"] = 200
    return data


@pytest.fixture
def three_years(tmp_path: Path) -> Path:
    """The demo over 2017, 2018 and 2019: 2019's incidents are 2017's moved two years on (the same
    raw values), 2018 has every other 2017 incident."""
    events = pd.read_csv(DEMO / "incidents.csv")
    events = events[pd.to_datetime(events["event_date"]).dt.year == 2017]
    dates = pd.to_datetime(events["event_date"])
    y2019 = events.assign(event_date=(dates + pd.DateOffset(years=2)).dt.strftime("%Y-%m-%d"), event_id_cnty=events["event_id_cnty"] + "_19")
    y2018 = events.iloc[::2].assign(event_date=(dates.iloc[::2] + pd.DateOffset(years=1)).dt.strftime("%Y-%m-%d"),
                                    event_id_cnty=events["event_id_cnty"].iloc[::2] + "_18")
    path = tmp_path / "incidents_2017_2019.csv"
    pd.concat([events, y2018, y2019]).to_csv(path, index=False)
    data = _demo_mapping()
    data["layers"]["incidents"]["path"] = str(path)
    for name, spec in data["layers"].items():  # the other dated layer: the same rows in every year
        if spec["kind"] == "points" and "start" in spec and name != "incidents":
            col = spec.get("date_column", "event_date")
            frame = pd.read_csv(spec["path"])
            frame = frame[pd.to_datetime(frame[col]).dt.year == 2017]
            d = pd.to_datetime(frame[col])
            copies = [frame] + [frame.assign(**{col: (d + pd.DateOffset(years=k)).dt.strftime("%Y-%m-%d")}) for k in (1, 2)]
            if "event_id_cnty" in frame.columns:
                copies = [c.assign(event_id_cnty=c["event_id_cnty"] + f"_{k}") for k, c in enumerate(copies)]
            out = tmp_path / f"{name}_2017_2019.csv"
            pd.concat(copies).to_csv(out, index=False)
            spec["path"] = str(out)
    data["periods"] = [2017, 2018, 2019]
    cfg = tmp_path / "three_years.yaml"
    cfg.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return cfg


# --------------------------------------------------------------------------------- the config


def test_period_forms_and_what_follows_them(tmp_path: Path) -> None:
    data = _demo_mapping()
    data["layers"]["food"] = {"kind": "table", "path": str(DEMO / "security_forces.csv"), "name_column": "admin2Name",
                              "columns": ["police"], "where": {"admin2Name": ["{period}"]}, "allow_empty": True}
    data["periods"] = [2017, {"name": "H1-2018", "start": "2018-01-01", "end": "2018-06-30"}, {"year": 2019, "as_of": "2019-12-01"}]
    config = config_from_mapping(data, source="t")
    assert [p.name for p in config.periods] == ["2017", "H1-2018", "2019"]
    p17, h1, p19 = (period_config(config, p) for p in config.periods)
    assert p17.layers["incidents"].window == (pd.Timestamp("2017-01-01").date(), pd.Timestamp("2017-12-31").date())
    assert h1.layers["incidents"].window == (pd.Timestamp("2018-01-01").date(), pd.Timestamp("2018-06-30").date())
    assert p19.layers["incidents"].year == 2019
    assert h1.layers["food"].where == {"admin2Name": ["H1-2018"]}
    assert p17.layers["schools"] == config.layers["schools"]  # an undated table stays as it is
    assert config.periods[2].round_date.isoformat() == "2019-12-01" and config.periods[0].round_date.isoformat() == "2017-12-31"
    assert config.layers["incidents"].window[0].year == 2017  # the config itself is not changed


def test_table_rounds_follow_the_period() -> None:
    real = require_real_data()
    config = load_config(NORTH_CENTRE, data_dir=real)
    rounds = [period_config(config, p).layers["displacement"].as_of.isoformat() for p in config.periods]
    assert rounds == ["2016-12-31", "2017-12-31", "2018-12-31", "2019-12-31"]
    years = [period_config(config, p).layers["food"].where["exercise_year"] for p in config.periods]
    assert years == [[2016], [2017], [2018], [2019]]


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


# ------------------------------------------------------------------------- comparable scores


def test_identical_raw_values_in_two_periods_get_identical_scores(three_years: Path) -> None:
    result = pipeline.compute(three_years)
    panel = result.panel
    long = panel.long.set_index(["period", "unit_id"])
    a, b, mid = long.xs("2017"), long.xs("2019"), long.xs("2018")
    b = b.reindex(a.index)
    for name in panel.indicators:
        pd.testing.assert_series_equal(a[name], b[name], check_names=False)  # the raw values are the same ...
    pd.testing.assert_series_equal(a["score"], b["score"], check_names=False)  # ... so are the scores and ranks
    pd.testing.assert_series_equal(a["rank"], b["rank"], check_names=False)
    assert not np.allclose(mid["incidents"].reindex(a.index), a["incidents"])  # 2018 differs: the test can fail
    # the bounds are pooled: a unit's normalised incidents in 2017 come from the min and max over every period
    spec = result.config.indicators["incidents"]
    assert spec.normalisation == "minmax" and spec.direction == "cost"
    raw = long["incidents"].astype(float)
    prepared = np.log1p(raw) if spec.transform == "log1p" else raw
    expected = (prepared.max() - prepared) / (prepared.max() - prepared.min())
    np.testing.assert_allclose(long["incidents_norm"], expected.reindex(long.index), rtol=1e-12)


def test_long_table_has_every_unit_in_every_period(three_years: Path) -> None:
    result = pipeline.compute(three_years)
    long = result.panel.long
    assert list(dict.fromkeys(long["period"])) == ["2017", "2018", "2019"]
    assert len(long) == 3 * len(result.units)
    for col in ("score", "rank", "region_rank", "passes_rules", "incidents", "incidents_norm", "incidents_points", "rank_p05", "share_top_k"):
        assert col in long.columns
    last = long[long["period"] == "2019"].set_index("unit_id")
    np.testing.assert_allclose(last["score"], result.scores["score"].reindex(last.index))  # the result is the last period's
    # points: 100 x the contributions, which add up to the score
    points = last[[f"{n}_points" for n in result.panel.indicators]].sum(axis=1)
    ranked = last["score"].notna()
    np.testing.assert_allclose(points[ranked], last["score"][ranked], rtol=1e-9)


# ------------------------------------------------------------------------ change and sentences


def _numbers(text: str) -> list[str]:
    return re.findall(r"(–|not ranked|-?[\d\u202f]+(?:\.\d+)?) → (–|not ranked|-?[\d\u202f]+(?:\.\d+)?)", text)


def test_change_sentence_matches_the_change_table(three_years: Path) -> None:
    result = pipeline.compute(three_years)
    changes = change_table(result.panel.long, "2017", "2018", indicators=result.panel.indicators)
    config = result.config
    for unit in changes.index:
        row = changes.loc[unit]
        sentence = change_sentence(changes, unit, config, "en")
        assert sentence.startswith(f"{row['name']}: region rank ")
        pairs = _numbers(sentence)
        rank = lambda v: "not ranked" if pd.isna(v) else str(int(v))  # noqa: E731
        assert pairs[0] == (rank(row["region_rank_2017"]), rank(row["region_rank_2018"]))
        assert pairs[1] == (rank(row["rank_2017"]), rank(row["rank_2018"]))
        assert [float(x) for x in pairs[2]] == [round(row["score_2017"], 1), round(row["score_2018"], 1)]
        changed = [n for n in result.panel.indicators if row[f"{n}_2017"] != row[f"{n}_2018"]]
        assert len(pairs) == 3 + len(changed)
        if "incidents" in changed:
            phrase = config.indicators["incidents"].phrase["en"]
            said = re.search(re.escape(phrase) + r" ([^ ;]+) → ([^ ;]+)", sentence.split(" between ")[1])
            assert said is not None
            assert (float(said.group(1)), float(said.group(2))) == (row["incidents_2017"], row["incidents_2018"])
        assert row["rank_change"] is pd.NA or pd.isna(row["rank_change"]) or row["rank_change"] == row["rank_2017"] - row["rank_2018"]
    fr = change_sentence(changes, changes.index[0], config, "fr")
    assert " : rang régional " in fr and " entre 2017 et 2018" in fr


def test_top_k_moves_are_the_set_differences(three_years: Path) -> None:
    long = pipeline.compute(three_years).panel.long
    top = lambda p: set(long[(long["period"] == p) & (long["rank"].astype(float) <= 2)]["unit_id"])  # noqa: E731
    entering, leaving = top_k_moves(long, "2017", "2018", 2)
    assert set(entering) == top("2018") - top("2017") and set(leaving) == top("2017") - top("2018")


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
    assert "What changed between 2017 and 2019" in brief and "Trajectories of the top" in brief and "pooled" in brief


# ------------------------------------------------------------------------- rasters over periods


def _write_raster(path: Path, values: np.ndarray) -> Path:
    with rasterio.open(path, "w", driver="GTiff", width=values.shape[1], height=values.shape[0], count=1, dtype=values.dtype,
                       crs="EPSG:4326", transform=from_origin(-4.0, 18.0, 0.5, 0.5), nodata=-1) as dst:
        dst.write(values, 1)
    return path


def test_coverage_is_computed_once_per_grid_and_results_do_not_change(tmp_path: Path, monkeypatch) -> None:
    rng = np.random.default_rng(13)
    units = gpd.read_file(DEMO / "cercles.geojson").set_index("admin2Pcod")
    minx, miny, maxx, maxy = units.total_bounds
    width, height = int(np.ceil((maxx + 4.5) / 0.5)) + 2, int(np.ceil((18.5 - miny) / 0.5)) + 2
    paths = []
    for k in range(3):
        values = rng.gamma(2.0, 3.0, size=(height, width)).astype("float32")
        values[k, k] = -1  # a nodata pixel
        with rasterio.open(tmp_path / f"r{k}.tif", "w", driver="GTiff", width=width, height=height, count=1, dtype="float32", crs="EPSG:4326",
                           transform=from_origin(minx - 0.5, maxy + 0.5, 0.05, 0.05), nodata=-1) as dst:
            dst.write(values, 1)
        paths.append(tmp_path / f"r{k}.tif")
    infos = [raster_mod.read_raster(p) for p in paths]
    plain = [raster_mod.zonal_stats(units, info, threshold=5.0) for info in infos]
    calls = []
    original = raster_mod._unit_windows
    monkeypatch.setattr(raster_mod, "_unit_windows", lambda *a, **k: calls.append(1) or original(*a, **k))
    cache: dict = {}
    cached = [raster_mod.zonal_stats(units, info, threshold=5.0, cache=cache) for info in infos]
    assert len(calls) == 1  # three rasters on one grid: the units' coverage is computed once
    for a, b in zip(plain, cached):
        np.testing.assert_allclose(b.to_numpy(), a.to_numpy(), rtol=1e-12, equal_nan=True)
    fresh: dict = {}  # another cache: the coverage is computed again, once
    for info, a in zip(infos, plain):
        np.testing.assert_allclose(raster_mod.zonal_stats(units, info, threshold=5.0, cache=fresh).to_numpy(), a.to_numpy(), rtol=1e-12, equal_nan=True)
    assert len(calls) == 2


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


def test_north_centre_counts_equal_an_independent_sjoin_for_each_year() -> None:
    real = require_real_data()
    result = pipeline.compute(NORTH_CENTRE, data_dir=real)
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


def test_north_centre_idps_follow_the_december_rounds() -> None:
    real = require_real_data()
    result = pipeline.compute(NORTH_CENTRE, data_dir=real)
    dtm = pd.read_csv(real / "iom_dtm_mali_idps_by_commune_2014-2020.csv")
    for year in (2016, 2017, 2018, 2019):
        rows = dtm[pd.to_datetime(dtm["snapshot_date"]).dt.normalize() == pd.Timestamp(f"{year}-12-31")]
        rows = rows[rows["admin1_name"].str.normalize("NFKD").str.encode("ascii", "ignore").str.decode("ascii").str.lower()
                    .isin(["tombouctou", "gao", "kidal", "mopti", "segou"])]
        ours = result.panel.results[str(year)].measures["displacement.idps"].sum()
        assert ours == pytest.approx(rows["idp_ind"].sum()), year
