"""The real study (configs/mali_2017.yaml) on ../shared/data/real, checked against independent
computations (geopandas sjoin, plain pandas) and against figures published in the data's README.

Skipped, with the reason, when the real data folder is absent.
"""

from __future__ import annotations

import json

import geopandas as gpd
import pandas as pd
import pytest
import yaml

from nexus_zones import cli, load

from .._support import REPO, VIOLENT, decode_units, fewer_draws, page_data_of, require_real_data, units_drawn_offline

pytestmark = pytest.mark.realdata
TOMBOUCTOU = {"ML0601": "Tombouctou", "ML0602": "Dire", "ML0603": "Goundam", "ML0604": "Gourma-Rharous", "ML0605": "Niafunke"}


@pytest.fixture(scope="module")
def mali(mali_2017_result):
    return mali_2017_result


def test_all_fifty_cercles_scored_and_written(mali):
    s = mali.scores
    assert len(s) == 50 and s["score"].notna().all()
    assert sorted(s["rank"].tolist()) == sorted(pd.Series(s["score"]).rank(method="min", ascending=False).astype(int).tolist())
    assert {"map", "csv", "gpkg", "run", "weights", "ranks_by_weights", "leave_one_out"} <= set(mali.paths)
    csv = pd.read_csv(mali.paths["csv"])
    assert len(csv) == 50
    meta = json.loads(mali.paths["run"].read_text(encoding="utf-8"))
    assert meta["boundaries"]["validOn"] == ["2015-04-08"]
    assert meta["boundaries"]["layer"] == "adm2_cercles"
    assert meta["data_dir"] == str(require_real_data().resolve())


def test_2017_event_counts_equal_an_independent_sjoin(mali, real):
    acled = pd.read_csv(real / "acled_mali_1997-01-06_2020-07-31_hdx.csv")
    acled = acled[(pd.to_datetime(acled["event_date"]).dt.year == 2017) & acled["event_type"].isin(VIOLENT)]
    points = gpd.GeoDataFrame(acled, geometry=gpd.points_from_xy(acled["longitude"], acled["latitude"]), crs=4326)
    cercles = gpd.read_file(real / "mali_admin_boundaries_ocha_cod_2015.gpkg", layer="adm2_cercles")
    joined = gpd.sjoin(points, cercles[["admin2Pcod", "geometry"]], predicate="within")
    assert joined.index.is_unique  # no 2017 event lies on a shared border
    expected = joined.groupby("admin2Pcod").size().reindex(cercles["admin2Pcod"], fill_value=0)
    got = mali.measures["incidents.count"].astype(int)
    assert got.to_dict() == expected.to_dict()
    fatalities = joined.groupby("admin2Pcod")["fatalities"].sum().reindex(cercles["admin2Pcod"], fill_value=0)
    assert mali.measures["incidents.fatalities"].astype(int).to_dict() == fatalities.to_dict()
    assert mali.point_reports["incidents"].counted == len(joined) == int(expected.sum())
    assert mali.point_reports["incidents"].outside_units == len(points) - len(joined)


def test_count_by_acled_admin2_beside_the_spatial_count(mali, real):
    # the data README's own name matching of ACLED's admin2 to OCHA 2015 P-codes, done independently
    joined = pd.read_csv(real / "acled_mali_events_joined_to_cod2015.csv")
    joined = joined[(joined["year"] == 2017) & joined["event_type"].isin(VIOLENT)]
    expected = joined.groupby("acled_adm2_cod_pcode").size()
    got = mali.measures["incidents.count_by_admin"]
    assert got[got > 0].astype(int).to_dict() == expected.to_dict()
    by_admin = mali.point_reports["incidents"].by_admin
    assert by_admin["unmatched_names"] == []
    disagree = {d["unit_id"] for d in by_admin["units_that_disagree"]}
    spatial = mali.measures["incidents.count"]
    assert disagree == set(spatial.index[spatial != got])


def test_join_reports_detect_the_code_schemes(mali):
    food, dtm = mali.joins["food"], mali.joins["displacement"]
    # Cadre Harmonisé: alphabetical codes under the same names (ML0601 = Dire in CH, Tombouctou in OCHA)
    assert food["codes_used"] is False
    assert "ML0101 is 'Bafoulabe' in the table but 'Kayes' in the boundaries" in food["scheme_conflicts"]
    assert food["by_name"] == food["rows"] == 55 and food["unmatched"] == [] and food["ambiguous"] == []
    # DTM: its own MLI… codes, none of which is an OCHA code
    assert dtm["codes_shared"] == 0 and dtm["by_code"] == 0
    assert dtm["unmatched"] == [] and dtm["ambiguous"] == []


def test_values_match_the_published_figures(mali):
    m = mali.measures
    # data README: Cadre Harmonisé 2017 population, Tombouctou region
    population = {"ML0602": 142522, "ML0603": 196676, "ML0604": 144305, "ML0605": 228015, "ML0601": 165483}
    assert m.loc[list(population), "food.population"].round().astype(int).to_dict() == population
    # data README: WHO/KEMRI public facilities per Tombouctou cercle
    facilities = {"ML0602": 18, "ML0603": 24, "ML0604": 17, "ML0605": 24, "ML0601": 23}
    assert m.loc[list(facilities), "health.count"].astype(int).to_dict() == facilities
    # data README: DTM national IDP total on 31 Dec 2017
    assert int(m["displacement.idps"].sum()) == 38172
    # the rate is the count over the CH population, per 100,000
    assert mali.values.loc["ML0602", "health_rate"] == pytest.approx(18 / 142522 * 100000)


def test_dire_first_in_its_region(mali):
    s = mali.scores
    tomb = s[s.index.isin(list(TOMBOUCTOU))]
    assert tomb["region_rank"].astype(int).to_dict()["ML0602"] == 1
    assert tomb.loc["ML0602", "incidents"] == min(tomb["incidents"])


def test_commune_level_and_geojson_boundaries_read(real):
    communes = load.read_boundaries(
        real / "mali_admin_boundaries_ocha_cod_2015.gpkg", layer="adm3_communes", id_column="admin3Pcod", name_column="admin3Name", region_column="admin1Name"
    )
    assert len(communes.units) == 701 and communes.units.index.is_unique
    geojson = load.read_boundaries(real / "mali_adm2_cercles_ocha_cod_2015.geojson", id_column="admin2Pcod", name_column="admin2Name", region_column="admin1Name")
    cercles = load.read_boundaries(
        real / "mali_admin_boundaries_ocha_cod_2015.gpkg", layer="adm2_cercles", id_column="admin2Pcod", name_column="admin2Name", region_column="admin1Name"
    )
    assert len(geojson.units) == 50 and list(geojson.units.index) == list(cercles.units.index)
    assert geojson.units.loc["ML0602", "name"] == "Dire" and geojson.units.loc["ML0602", "region"] == "Tombouctou"


def test_cli_with_data_dir(real, tmp_path, capsys):
    cfg = fewer_draws(yaml.safe_load((REPO / "configs" / "mali_2017.yaml").read_text(encoding="utf-8")))
    cfg.pop("data_dir", None)
    config = tmp_path / "mali_2017.yaml"  # elsewhere than configs/: every input is found through --data-dir
    config.write_text(yaml.safe_dump(cfg, allow_unicode=True, sort_keys=False), encoding="utf-8")
    code = cli.main(["run", str(config), "--data-dir", str(real), "--out", str(tmp_path / "out"), "-q"])
    out = capsys.readouterr().out
    assert code == 0 and "50 units scored" in out
    assert (tmp_path / "out" / "mali_2017.html").stat().st_size > 0
    code = cli.main(["check", str(REPO / "configs" / "mali_2017.yaml"), "--data-dir", str(tmp_path / "nowhere"), "-q"])
    err = capsys.readouterr().err
    assert code == 2 and "--data-dir: found" in err and "which is not a folder" in err


def test_mali_map_is_small_and_its_borders_stay_shared(mali):
    import shapely

    html = mali.paths["map"].read_text(encoding="utf-8")
    assert len(html.encode("utf-8")) < 2_500_000  # issue 5's target for the 50 cercles with every view
    data = page_data_of(html)
    geoms = decode_units(data["topology"])
    assert len(geoms) == len(data["units"]["id"]) == 50
    # simplified as one coverage and quantised as one topology: still no gap or overlap between neighbours
    assert bool(shapely.coverage_is_valid(shapely.make_valid(geoms)))
    # the ACLED events themselves are not published in the page (its terms); the health facilities are
    assert [p["id"] for p in data["points"]] == ["health"]


@pytest.mark.browser
def test_mali_map_opens_offline_in_chromium(mali, chromium):
    assert units_drawn_offline(chromium, mali.paths["map"]) == 50


# ------------------------------------------------------------- the two real studies answer the Nexus question (issue 18)

REAL_DATA_DOC = REPO / "docs" / "real_data.md"
NORTH = ("Tombouctou", "Gao", "Kidal")


@pytest.fixture(scope="module")
def north_centre_study(north_centre_result):
    return north_centre_result


def _period_scores(result) -> dict[str, pd.DataFrame]:
    """Each period's scores table (one entry, the year, for a single-period study)."""
    if result.panel is None:
        return {"2017": result.scores}
    return {name: res.scores for name, res in result.panel.results.items()}


def _doc_rows(first_cell: str) -> list[list[str]]:
    """The cells of the rows of docs/real_data.md's tables whose first cell is ``first_cell``."""
    rows = []
    for line in REAL_DATA_DOC.read_text(encoding="utf-8").splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if line.startswith("|") and cells[0] == first_cell:
            rows.append(cells)
    return rows


def _names(cell: str) -> list[str]:
    return [] if cell == "none" else [n.strip() for n in cell.split(",")]


@pytest.mark.parametrize("study", ["mali", "north_centre_study"])
def test_no_unit_failing_a_rule_ranks_above_one_failing_fewer(study, request):
    result = request.getfixturevalue(study)
    assert result.config.model.failing_units == "last"
    for period, scores in _period_scores(result).items():
        ranked = scores[scores["rank"].notna()].sort_values("rank")
        failed = ranked["rules_failed_count"].astype(int).to_numpy()
        assert (failed[1:] >= failed[:-1]).all(), period  # rules first: 0 failed, then 1, then 2...
        passing = ranked[failed == 0]
        assert len(passing) > 0 and passing["rank"].max() < ranked.loc[failed > 0, "rank"].min(), period
        # independently of the count column: the rule columns themselves
        all_pass = scores[[c for c in scores.columns if c.startswith("rule_")]].astype(bool).all(axis=1)
        assert set(passing.index) == set(all_pass[all_pass & scores["rank"].notna()].index), period


def test_need_is_a_benefit_and_a_rule_in_both_studies(mali, north_centre_study):
    for result in (mali, north_centre_study):
        ind = result.config.indicators
        assert ind["idps_rate"].direction == ind["food_insecure"].direction == "benefit"
        assert ind["incidents"].direction == "cost"
        assert result.config.rules["need_present"].expr == "idps_rate >= 50 or food_insecure >= 5"
    s = mali.scores
    # the rule read by hand from the indicator values
    need = (s["idps_rate"] >= 50) | (s["food_insecure"] >= 5)
    assert s["rule_need_present"].astype(bool).equals(need)


@pytest.mark.parametrize("study", ["mali", "north_centre_study"])
def test_docs_table_of_passing_cercles_is_the_run(study, request):
    result = request.getfixturevalue(study)
    name = result.config.study.name
    rows = {cells[1]: cells for cells in _doc_rows(name) if len(cells) == 4 and not cells[2].isdigit()}  # study, period, names, names
    periods = _period_scores(result)
    assert set(rows) == set(periods)
    for period, scores in periods.items():
        passing = scores[(scores["rules_failed_count"] == 0) & scores["rank"].notna()].sort_values("rank")
        assert _names(rows[period][2]) == passing["name"].tolist(), period
        assert _names(rows[period][3]) == passing.loc[passing["low_reporting"] == "no_events", "name"].tolist(), period


def test_docs_pilots_and_reading_of_2017_are_the_run(mali):
    text = REAL_DATA_DOC.read_text(encoding="utf-8")
    pilots = pd.read_csv(mali.paths["pilots"])
    assert f"**{', '.join(pilots.loc[0, 'names'].split('; '))}**" in text
    assert mali.config.pilots.k == 3 and mali.config.pilots.region_max == 1 and mali.config.pilots.min_distance_km == 100
    s = mali.scores
    passing = s[s["rules_failed_count"] == 0]
    assert "only six cercles pass every rule, three of them in Koulikouro" in text
    assert len(passing) == 6 and (passing["region"] == "Koulikouro").sum() == 3
    # "phase 3+ was 8 % and 6 % there (among the highest of the country that season), with no recorded incident"
    food = s.set_index("name")["food_insecure"]
    assert round(food["Kolokani"]) == 8 and round(food["Banamba"]) == 6
    assert food.round().rank(ascending=False, method="min")[["Kolokani", "Banamba"]].tolist() == [2, 3]  # after Ménaka (9 %); Banamba tied
    assert s.set_index("name").loc[["Kolokani", "Banamba"], "incidents"].tolist() == [0, 0]
    # "Diré is the first cercle of the north in 2017"
    north = s[s["region"].isin(NORTH)]
    assert north.sort_values("rank")["name"].iloc[0] == "Dire"


def test_docs_reading_of_2016_2019_is_the_run(north_centre_study):
    # "Most of the north and centre fail 'at most 5 incidents' from 2017 on"
    for period in ("2017", "2018", "2019"):
        scores = north_centre_study.panel.results[period].scores
        assert (~scores["rule_few_incidents"].astype(bool)).sum() > len(scores) / 2, period


def test_low_reporting_equals_an_independent_count_of_the_joined_events(mali, north_centre_study, real):
    # the data README's point-in-polygon join of every ACLED event, counted with pandas
    events = pd.read_csv(real / "acled_mali_events_joined_to_cod2015.csv").drop_duplicates("event_id_cnty")
    events = events[events["event_type"].isin(VIOLENT)]
    for result, years in ((mali, [2017]), (north_centre_study, [2016, 2017, 2018, 2019])):
        chosen = events[events["year"].isin(years)]
        recorded = chosen.groupby("pip_adm2_pcode").size().reindex(result.scores.index, fill_value=0).astype(float)
        region_only = chosen[chosen["geo_precision"] == 3].groupby("pip_adm2_pcode").size().reindex(result.scores.index, fill_value=0)
        share = (region_only / recorded).where(recorded > 0)
        code = pd.Series("", index=recorded.index).mask(share > 0.5, "imprecise").mask(recorded == 0, "no_events")
        s = result.scores
        assert s["events_recorded"].to_dict() == recorded.to_dict()
        pd.testing.assert_series_equal(s["events_imprecise_share"], share, check_names=False)
        assert s["low_reporting"].to_dict() == code.to_dict()
        # the docs' counts
        row = _doc_rows(result.config.study.name)
        row = next(cells for cells in row if len(cells) == 4 and cells[2].isdigit())  # study, cercles, no_events, imprecise
        assert [int(c) for c in row[1:]] == [len(s), int((code == "no_events").sum()), int((code == "imprecise").sum())]
    # "In 2017 the 18 cercles with no recorded event are all in Kayes, Koulikouro and Sikasso."
    silent = mali.scores[mali.scores["low_reporting"] == "no_events"]
    assert len(silent) == 18 and set(silent["region"]) == {"Kayes", "Koulikouro", "Sikasso"}


def test_units_with_no_recorded_event_say_it_may_be_little_reporting(mali):
    """Kolokani and Banamba top mali_2017 with no ACLED event in 2017: the popup and the brief say that
    this may reflect little reporting rather than calm, for exactly the units with no event."""
    from nexus_zones import claims, explain, maps
    from nexus_zones.claims import Claim

    scores = mali.scores
    none = set(scores.index[scores["events_recorded"] == 0])
    assert {"Kolokani", "Banamba"} <= set(scores.loc[list(none), "name"])
    data = maps.page_data(mali, "fr")
    said = {u: [claims.render(Claim.from_data(c), "fr", explain.labels(mali.config, "fr")) for c in rec.get("lr", [])]
            for u, rec in zip(data["units"]["id"], data["units"]["popup"])}
    assert {u for u, lines in said.items() if lines} == none
    assert all(lines == [f"Aucun événement enregistré ici en 2017 ({mali.config.layers['incidents'].source}) : "
                         "cela peut traduire peu de signalements plutôt que le calme"] for u, lines in said.items() if u in none)
    from nexus_zones import report

    brief = report.brief_html(mali, b"")  # the config is in English; its top units Kolokani and Banamba have no event
    assert brief.count("may reflect little reporting rather than calm") == len(none & set(scores.index[scores["rank"] <= 5]))
